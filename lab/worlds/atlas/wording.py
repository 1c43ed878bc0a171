"""How Atlas's customers write their tickets: English and Chinese, calm or angry, short or long.

`ticket_text(facts, language, rng, typos=False) -> (subject, body)` is all the lab uses
(lab/tickets.py). Everything random comes from `rng`, so the same facts and the same generator
give the same ticket. Rules the texts keep:

- every kind has its own words; client_network and client_bug never name an HTTP status (nothing
  failed on Atlas's side for them), latency complaints never name one either;
- the error is named in several ways: the quoted message, the status, both, or vague words;
- a quoted request id and a quoted message are copied verbatim, typos never touch them (nor the
  workspace, the service or the datacenter names);
- a time hint, when there is one, is true in the customer's own clock (`created`'s offset), or
  converted to UTC and said so.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lab.spec import CUSTOMER_KINDS, PLATFORM_KINDS
from lab.worlds.atlas import wording_data as D

KINDS: tuple[str, ...] = PLATFORM_KINDS + CUSTOMER_KINDS
LANGUAGES = ("en", "zh")
KEEP_OPEN, KEEP_CLOSE = "\x01", "\x02"  # around words typos must not touch
NO_ERROR_WORDS = ("latency_degradation", "client_network", "client_bug")
SERVER_KINDS = ("regional_outage", "node_failure", "dependency_failure", "gray_failure")


@dataclass(frozen=True)
class Facts:
    kind: str
    service: str
    region: str
    status: int | None
    message: str | None
    request_id: str | None
    resource: str | None
    started: datetime  # the first affected request (aware)
    created: datetime  # when the ticket is written, in the customer's own offset
    follow_up: int = 0


def ticket_text(facts: Facts, language: str, rng: random.Random, typos: bool = False) -> tuple[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (known: {', '.join(LANGUAGES)})")
    if facts.kind not in KINDS:
        raise ValueError(f"unknown kind {facts.kind!r}")
    writer = _Writer(facts, language, rng)
    subject, body = writer.subject(), writer.body()
    if typos:
        if rng.random() < 0.4:
            subject = _typos(subject, language, rng)
        body = _typos(body, language, rng)
    return _clean(subject), _clean(body)


def keep(text: str) -> str:
    return f"{KEEP_OPEN}{text}{KEEP_CLOSE}"


def _clean(text: str) -> str:
    return text.replace(KEEP_OPEN, "").replace(KEEP_CLOSE, "").strip()


def _capital(text: str) -> str:
    if text.lower() == "sms":
        return "SMS"
    return text[:1].upper() + text[1:]


class _Writer:
    def __init__(self, facts: Facts, lang: str, rng: random.Random):
        self.f, self.lang, self.rng = facts, lang, rng
        self.mood = "angry" if rng.random() < 0.3 else "calm"
        self.length = rng.choices(("short", "medium", "long"), weights=(0.3, 0.4, 0.3))[0]
        names = D.SERVICES.get(facts.service, {}).get(lang) or [facts.service]
        self.service_name = rng.choice(names)
        self.at = self._where()
        self.mode = self._error_mode()

    # ---- pieces -------------------------------------------------------------------------------------

    def _where(self) -> str:
        if self.rng.random() >= 0.55:
            return ""
        names = D.REGIONS.get(self.f.region, {}).get(self.lang) or [self.f.region]
        name = self.rng.choice(names)
        if self.lang == "zh":
            return keep(name) + "的"
        forms = [form for form in D.AT_WORDS_EN if not (form.startswith(" (") and name.startswith("the "))]
        return self.rng.choice(forms).format(r=keep(name))

    def _usable_status(self) -> int | None:
        status = self.f.status
        return status if status in D.REASONS else None

    def _error_mode(self) -> str:
        if self.f.kind in NO_ERROR_WORDS:
            return "none"
        status, message = self._usable_status(), self.f.message
        modes, weights = ["vague"], [0.3]
        if message:
            modes.append("message")
            weights.append(0.25)
        if status:
            modes.append("status")
            weights.append(0.3)
        if message and status:
            modes.append("both")
            weights.append(0.15)
        return self.rng.choices(modes, weights=weights)[0]

    def _vague(self) -> str:
        kind, lang = self.f.kind, self.lang
        if self.f.status == 499 or (self.f.status is None and kind in SERVER_KINDS):
            return self.rng.choice(["timeouts", "requests timing out"] if lang == "en" else ["超时", "请求超时"])
        if kind in D.KIND_VAGUE[lang] and self.rng.random() < 0.5:
            return self.rng.choice(D.KIND_VAGUE[lang][kind])
        group = "server" if kind in SERVER_KINDS or (self.f.status or 0) >= 500 else "client"
        return self.rng.choice(D.VAGUE[lang][group])

    def _status_words(self, status: int) -> str:
        form = self.rng.choice(D.STATUS_FORMS[self.lang])
        return form.format(s=keep(str(status)), reason=D.REASONS[status])

    def error(self, short: bool = False) -> str:
        mode, status, message = self.mode, self._usable_status(), self.f.message
        if short and mode in ("message", "both"):
            mode = "status" if status else "vague"
        if mode == "message" and message:
            return self.rng.choice(D.MESSAGE_FORMS[self.lang]).format(m=keep(message))
        if mode == "both" and message and status:
            form = self.rng.choice(D.BOTH_FORMS[self.lang])
            return form.format(s=keep(str(status)), reason=D.REASONS[status], m=keep(message))
        if mode == "status" and status:
            return self._status_words(status)
        return self._vague()

    def slots(self, short: bool = False) -> dict[str, str]:
        return {"svc": keep(self.service_name), "svc_cap": keep(_capital(self.service_name)), "at": self.at,
                "err": self.error(short)}

    # ---- subject ------------------------------------------------------------------------------------

    def subject(self) -> str:
        template = self.rng.choice(D.SUBJECTS[self.lang][self.f.kind])
        text = template.format(**self.slots(short=True))
        if self.lang == "en":
            text = _capital_after_marker(text)
        if self.f.follow_up:
            prefix = self.rng.choice(D.FOLLOW_UP_SUBJECT_PREFIXES[self.lang]).format(n=self._ordinal())
            text = prefix + text
        return text

    def _ordinal(self) -> str:
        table = D.ORDINALS[self.lang]
        n = self.f.follow_up
        return table.get(n) or (f"{n + 1}th" if self.lang == "en" else str(n + 1))

    # ---- body ---------------------------------------------------------------------------------------

    def body(self) -> str:
        rng, lang, mood, kind = self.rng, self.lang, self.mood, self.f.kind
        sentences: list[str] = []
        if self.f.follow_up:
            sentences.append(rng.choice(D.FOLLOW_UP_LEADS[lang]).format(n=self._ordinal()))
        if not self.f.follow_up or rng.random() < 0.75:
            situation = rng.choice(D.SITUATIONS[lang][kind]).format(**self.slots())
            sentences.append(_capital_after_marker(situation) if lang == "en" else situation)
        middle: list[str] = []
        hint = time_hint(self.f, lang, rng) if rng.random() < 0.75 else None
        if hint is not None:
            shape, when = hint
            middle.append(rng.choice(D.TIME_SENTENCES[lang][shape]).format(when=keep(when)))
        if self.length != "short" and rng.random() < 0.6:
            middle.append(rng.choice(D.DETAILS[lang][_group(kind)]))
        if self.f.message and self.mode in ("status", "vague") and rng.random() < 0.3:
            stop = "" if self.f.message[-1:] in ".!?。" else ("." if lang == "en" else "。")
            middle.append(rng.choice(D.QUOTE_SENTENCES[lang]).format(m=keep(self.f.message), stop=stop))
        rng.shuffle(middle)
        sentences += middle
        if self.length == "long" or (mood == "angry" and rng.random() < 0.6):
            sentences.append(rng.choice(D.IMPACT[lang][mood]))
        if self.f.resource and rng.random() < 0.8:
            sentences.append(rng.choice(D.RESOURCE_SENTENCES[lang]).format(res=keep(self.f.resource)))
        if self.f.request_id:
            table = D.REQUEST_ID_SENTENCES_OK if kind == "client_bug" else D.REQUEST_ID_SENTENCES
            sentences.append(rng.choice(table[lang]).format(rid=keep(self.f.request_id)))
        if self.length != "short" or rng.random() < 0.4:
            sentences.append(rng.choice(D.ASKS[lang][mood]))
        joiner = " " if lang == "en" else ""
        text = joiner.join(sentences)
        if self.length != "short" and rng.random() < 0.7:
            text = rng.choice(D.GREETINGS[lang][mood]) + ("\n\n" if lang == "en" or rng.random() < 0.5 else "") + text
        if self.length == "long" or rng.random() < 0.3:
            text += "\n\n" + rng.choice(D.SIGN_OFFS[lang][mood])
        return text


def _group(kind: str) -> str:
    if kind in SERVER_KINDS:
        return "platform"
    if kind == "latency_degradation":
        return "latency"
    if kind in ("client_network", "client_bug"):
        return kind
    return "usage"


def _capital_after_marker(text: str) -> str:
    """Capitalise the first letter of a sentence even when it sits inside a kept span."""
    for index, char in enumerate(text):
        if char in (KEEP_OPEN, KEEP_CLOSE):
            continue
        if char.isalpha() and char.islower():
            rest = text[index:]
            word = rest.split(KEEP_CLOSE, 1)[0].split(" ", 1)[0]
            if word == "sms":
                return text[:index] + "SMS" + rest[3:]
            return text[:index] + char.upper() + text[index + 1:]
        return text
    return text


# ---- time hints ---------------------------------------------------------------------------------------

EN_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
ZH_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """1..99 in Chinese numerals (两 for a lone 2, as in 两点, 两个)."""
    if n == 2:
        return "两"
    if n < 10:
        return ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else ZH_DIGITS[tens]) + "十" + (ZH_DIGITS[ones] if ones else "")


def _offset_label(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def time_hint(facts: Facts, lang: str, rng: random.Random) -> tuple[str, str] | None:
    """A true time hint: (shape, words). Shapes: "since" (since 14:05, for the past 20 minutes),
    "at" (at about 14:05, 20 minutes ago, this morning) and, in Chinese, "for" (半个多小时)."""
    created = facts.created
    start = facts.started.astimezone(created.tzinfo)
    if start > created:
        start = created
    builders = {"en": (_en_clock, _en_relative, _en_period, _en_zone),
                "zh": (_zh_clock, _zh_relative, _zh_period, _zh_zone)}[lang]
    groups = [builder(start, created, rng) for builder in builders]
    weights = [0.4, 0.3, 0.2, 0.1]
    choices = [(group, weight) for group, weight in zip(groups, weights) if group]
    if not choices:
        return None
    group = rng.choices([g for g, _ in choices], weights=[w for _, w in choices])[0]
    return rng.choice(group)


def _day(start: datetime, created: datetime) -> int:
    """0: the same day in the customer's clock, 1: the day before, 2+: earlier."""
    return (created.date() - start.date()).days


def _minutes(start: datetime, created: datetime) -> float:
    return (created - start).total_seconds() / 60


def _en_time(moment: datetime, rng: random.Random) -> str:
    """14:05, 14:05 floored to five minutes, 2:05 pm, 2pm (the hour: never after the moment)."""
    h, m = moment.hour, moment.minute
    h12, half = (h % 12 or 12), ("am" if h < 12 else "pm")
    style = rng.randrange(5)
    if style == 0:
        return f"{h:02d}:{m:02d}"
    if style == 1:
        return f"{h:02d}:{m // 5 * 5:02d}"
    if style == 2:
        return f"{h12}:{m:02d} {half}"
    if style == 3:
        return f"{h12}:{m:02d}{half.upper() if rng.random() < 0.3 else half}"
    return f"{h12}{half}" if m < 15 else f"{h}:{m:02d}"


def _en_clock(start: datetime, created: datetime, rng: random.Random) -> list[tuple[str, str]]:
    day = _day(start, created)
    if day > 1:
        return []
    t = _en_time(start, rng)
    if day == 1:
        return [("since", f"since yesterday {t}"), ("at", f"yesterday at {t}"), ("at", f"yesterday around {t}")]
    return [("since", f"since {t}"), ("since", f"since about {t}"), ("at", f"at {t}"), ("at", f"around {t}"),
            ("at", f"at about {t} today")]


def _en_relative(start: datetime, created: datetime, rng: random.Random) -> list[tuple[str, str]]:
    minutes = _minutes(start, created)
    out: list[tuple[str, str]] = []
    if minutes < 3:
        out += [("at", "just now"), ("at", "a couple of minutes ago")]
    elif minutes < 60:
        n = int(minutes) if minutes < 10 else int(minutes // 5 * 5)
        out += [("since", f"for the past {n} minutes"), ("since", f"for about {n} minutes now"),
                ("at", f"about {n} minutes ago")]
        if 27 <= minutes <= 35:
            out.append(("at", "half an hour ago"))
    if 50 <= minutes < 75:
        out += [("since", "for about an hour"), ("at", "about an hour ago")]
    if minutes >= 60:
        hours = int(minutes // 60)
        if hours == 1:
            out += [("since", "for over an hour"), ("since", "for more than an hour")]
        elif hours < 24:
            word = EN_NUMBERS.get(hours, str(hours)) if rng.random() < 0.5 else str(hours)
            out += [("since", f"for more than {word} hours"), ("since", f"for over {word} hours")]
        else:
            out.append(("since", "for more than a day"))
    return out


def _en_period(start: datetime, created: datetime, rng: random.Random) -> list[tuple[str, str]]:
    day, h = _day(start, created), start.hour
    out: list[tuple[str, str]] = []
    if day == 0:
        if 6 <= h < 12:
            out += [("since", "since this morning"), ("at", "this morning")]
        elif 12 <= h < 17:
            out += [("since", "since this afternoon"), ("at", "this afternoon")]
        elif 17 <= h < 24:
            out += [("since", "since this evening"), ("at", "this evening")]
        if _minutes(start, created) >= 30:
            out.append(("at", "earlier today"))
    elif day == 1:
        out += [("since", "since yesterday"), ("at", "yesterday")]
        if h >= 18:
            out += [("since", "since last night"), ("at", "last night")]
        elif 12 <= h < 17:
            out.append(("at", "yesterday afternoon"))
    return out


def _en_zone(start: datetime, created: datetime, rng: random.Random) -> list[tuple[str, str]]:
    if _day(start, created) != 0:
        return []
    in_utc, created_utc = start.astimezone(timezone.utc), created.astimezone(timezone.utc)
    own = f"{start.hour:02d}:{start.minute:02d} ({_offset_label(start)})"
    out = [("since", f"since {own}"), ("at", f"at {own}")]
    if in_utc.date() == created_utc.date():
        utc = f"{in_utc.hour:02d}:{in_utc.minute:02d} UTC"
        out += [("since", f"since {utc}"), ("at", f"at {utc}")]
    return out


def _zh_period_name(h: int) -> str:
    if h < 5:
        return "凌晨"
    if h < 8:
        return "早上"
    if h < 12:
        return "上午"
    if h < 13:
        return "中午"
    if h < 18:
        return "下午"
    return "晚上"


def _zh_time(moment: datetime, rng: random.Random) -> str:
    h, m = moment.hour, moment.minute
    style = rng.randrange(5)
    if style == 0 or h == 0:
        return f"{h:02d}:{m:02d}" if rng.random() < 0.5 else f"{h}:{m:02d}"
    period, h12 = _zh_period_name(h), (h if h <= 12 else h - 12)
    if style == 1:
        return f"{period}{h12}点" + (f"{m:02d}分" if m else "")
    if style == 2 and m >= 5:
        return f"{period}{zh_number(h12)}点多"
    if style == 3 and 28 <= m <= 34:
        return f"{period}{zh_number(h12)}点半左右"
    if m <= 5:
        return f"{period}{zh_number(h12)}点左右"
    return f"{period}{h12}点{m:02d}分"


def _zh_clock(start: datetime, created: datetime, rng: random.Random) -> list[tuple[str, str]]:
    day = _day(start, created)
    if day > 1:
        return []
    t = _zh_time(start, rng)
    if day == 1:
        t = "昨天" + t
    elif rng.random() < 0.3:
        t = "今天" + t
    loose = t if ("左右" in t or "多" in t) else f"{t}左右"
    return [("since", f"从{t}开始"), ("since", f"{t}起"), ("at", t), ("at", loose)]


def _zh_relative(start: datetime, created: datetime, rng: random.Random) -> list[tuple[str, str]]:
    minutes = _minutes(start, created)
    out: list[tuple[str, str]] = []
    if minutes < 10:
        out += [("at", "刚才"), ("at", "刚刚")]
    if 5 <= minutes < 60:
        n = int(minutes) if minutes < 10 else int(minutes // 5 * 5)
        out.append(("at", f"{n}分钟前"))
        if minutes >= 10:
            tens = int(minutes // 10 * 10)
            out += [("for", f"{tens}多分钟"), ("at", f"{tens}多分钟前")]
    if 30 <= minutes < 60:
        out += [("for", "半个多小时")]
    if minutes >= 60:
        hours = int(minutes // 60)
        if hours < 24:
            words = "一" if hours == 1 else zh_number(hours)
            out += [("for", f"{words}个多小时"), ("at", f"{words}个多小时前")]
        else:
            out.append(("for", "一天多"))
    return out


def _zh_period(start: datetime, created: datetime, rng: random.Random) -> list[tuple[str, str]]:
    day, h = _day(start, created), start.hour
    out: list[tuple[str, str]] = []
    if day == 0:
        if 6 <= h < 8:
            out += [("at", "今天早上"), ("since", "从今天早上开始")]
        elif 8 <= h < 12:
            out += [("at", "今天上午"), ("since", "从今天上午开始")]
        elif 12 <= h < 13:
            out += [("at", "中午"), ("since", "从中午开始")]
        elif 13 <= h < 18:
            out += [("at", "今天下午"), ("since", "从下午开始")]
        elif h >= 18:
            out += [("at", "今天晚上"), ("since", "从今晚开始")]
        if 17 <= h < 19:
            out.append(("at", "傍晚"))
    elif day == 1:
        out += [("since", "从昨天开始"), ("at", "昨天")]
        if h >= 18:
            out += [("since", "从昨晚开始"), ("at", "昨晚")]
        elif 13 <= h < 18:
            out.append(("at", "昨天下午"))
    return out


def _zh_zone(start: datetime, created: datetime, rng: random.Random) -> list[tuple[str, str]]:
    if _day(start, created) != 0:
        return []
    clock = f"{start.hour:02d}:{start.minute:02d}"
    offset = start.utcoffset() or timedelta(0)
    out = [("since", f"从{clock}（{_offset_label(start)}）开始"), ("at", f"{clock}（{_offset_label(start)}）")]
    if offset == timedelta(hours=8):
        out += [("since", f"北京时间{clock}起"), ("at", f"北京时间{clock}")]
    in_utc, created_utc = start.astimezone(timezone.utc), created.astimezone(timezone.utc)
    if in_utc.date() == created_utc.date():
        out.append(("at", f"UTC {in_utc.hour:02d}:{in_utc.minute:02d}"))
    return out


# ---- typos -------------------------------------------------------------------------------------------

def _free_segments(text: str) -> list[tuple[bool, str]]:
    """The text as (free, segment) pairs: kept spans are not free."""
    out, free, current = [], True, []
    for char in text:
        if char == KEEP_OPEN:
            out.append((free, "".join(current)))
            current, free = [char], False
        elif char == KEEP_CLOSE:
            current.append(char)
            out.append((free, "".join(current)))
            current, free = [], True
        else:
            current.append(char)
    out.append((free, "".join(current)))
    return [(is_free, seg) for is_free, seg in out if seg]


def _misspell(word: str, rng: random.Random) -> str:
    for _ in range(6):
        kind = rng.randrange(3)
        i = rng.randrange(1, len(word) - 1)
        if kind == 0:  # swap two neighbours inside the word
            candidate = word[:i] + word[i + 1] + word[i] + word[i + 2:] if i + 1 < len(word) else word
        elif kind == 1:  # drop a letter
            candidate = word[:i] + word[i + 1:]
        else:  # double a letter
            candidate = word[:i] + word[i] + word[i:]
        if candidate != word:
            return candidate
    return word


def _typos(text: str, lang: str, rng: random.Random) -> str:
    segments = _free_segments(text)
    if lang == "zh":
        spots = [(index, right, wrong) for index, (free, seg) in enumerate(segments) if free
                 for right, wrong in D.ZH_SLIPS if right in seg]
        for index, right, wrong in rng.sample(spots, min(len(spots), 1)):
            free, seg = segments[index]
            segments[index] = (free, seg.replace(right, wrong, 1))
        return "".join(seg for _, seg in segments)
    words = [(index, match.start(), match.group()) for index, (free, seg) in enumerate(segments) if free
             for match in re.finditer(r"(?<![\w'\-])[a-z]{4,}(?![\w'\-])", seg)]
    chosen = rng.sample(words, min(len(words), rng.choice((1, 1, 2))))
    for index, position, word in sorted(chosen, key=lambda item: (item[0], -item[1])):
        free, seg = segments[index]
        segments[index] = (free, seg[:position] + _misspell(word, rng) + seg[position + len(word):])
    return "".join(seg for _, seg in segments)
