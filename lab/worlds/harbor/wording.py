"""Ticket text for the "Harbor Cloud" synthetic world.

ticket_text(facts, language, rng) writes the (subject, body) of a support ticket a
Harbor customer would send about what happened to them (facts.kind).

Design
------
Wording is data: every phrase and template lives in wording_data.py; the functions
here only pick and fill.  A ticket is made in three steps:

1. Slots.  Small phrases derived from the facts, one builder per concern:
   the place (how the customer names the service, region and resource), the time
   hint, the error mention (exact quote, fragment, paraphrase, status only, both,
   vague words, nothing; or, when nothing failed on Harbor's side, an error quoted from
   the customer's own app), the greeting and signature, the request id, and for
   follow-ups the ordinal and a short name of the problem.
2. Templates.  A subject and a body template for the event kind (or a follow-up
   template) are picked among those whose required facts exist (a template that
   pastes {msg} needs a message) and filled with str.format_map.
3. Finish.  Whitespace and punctuation left by empty slots are tidied, optional
   typos are added, and protected text is put back.

Honesty.  Time is written only by the time slots, never by templates, so truth is
enforced in one place: a clock time is the real start in the customer's clock
(the offset of facts.created) rounded down, or up by at most two or three minutes;
a relative duration is floored; a day part ("this morning", 昨晚) is offered only
when it is true.

Protection.  The message, its fragments, the request id and the resource name go
through templates as opaque tokens, restored at the very end, so neither tidying
nor typos can alter them.

Determinism.  All randomness comes from `rng`, drawn in a fixed order; nothing
iterates over a set or depends on hashing.
"""
from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from lab.worlds.harbor import wording_data as D

LANGUAGES = ("en", "zh")
KINDS = tuple(D.BODIES_EN)


@dataclass(frozen=True)
class HarborTicketFacts:
    kind: str                 # one of KINDS
    service: str              # "vault" | "relay" | "transcode" | "keyring"
    region: str               # "nyc3" | "fra1" | "sgp1": the customer's home region
    status: int | None        # the HTTP status seen most (None: no answer, slow but successful, or client_bug)
    message: str | None       # the error message exactly as logged, or None
    request_id: str | None    # one failing request id to quote (client_bug: one that succeeded), or None
    resource: str | None      # bucket, domain or pipeline name, or None
    started: datetime         # when the customer first saw the problem (aware)
    created: datetime         # when the ticket is written (aware, in the customer's own offset)
    follow_up: int = 0        # 0 = first ticket; 1, 2, ... = writing again about the same problem


Facts = HarborTicketFacts  # the name lab/tickets.py looks for in a world's wording module


def ticket_text(facts: HarborTicketFacts, language: str, rng: random.Random,
                typos: bool = False) -> tuple[str, str]:
    """(subject, body) in language "zh" or "en"."""
    _check(facts, language)
    protect = _Protect()
    slots = _build_slots(facts, language, rng, protect)
    subject_t, body_t = _pick_templates(facts, language, rng, slots)
    subject = _tidy(subject_t.format_map(slots), language)
    body = _tidy(body_t.format_map(slots), language)
    if facts.request_id and slots["rid"] not in body:
        # A template without a request id slot still has to quote it.
        body = _tidy(body + rng.choice(D.RID_LINES[language]).format(rid=slots["rid"]), language)
    if typos:
        if rng.random() < 0.4:
            subject = _add_typos(subject, facts, language, rng, 1)
        body = _add_typos(body, facts, language, rng, 3 if language == "en" else 2)
    return protect.restore(subject), protect.restore(body)


def _check(facts: HarborTicketFacts, language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    if facts.kind not in KINDS:
        raise ValueError(f"unknown kind {facts.kind!r}")
    if facts.service not in D.SERVICE_ORDER:
        raise ValueError(f"unknown service {facts.service!r}")
    if facts.region not in D.REGIONS["en"]:
        raise ValueError(f"unknown region {facts.region!r}")
    if facts.started.tzinfo is None or facts.created.tzinfo is None:
        raise ValueError("started and created must be timezone-aware")


# ---- plumbing -------------------------------------------------------------------------------------

class _Slots(dict):
    """format_map mapping where {Name} is the value of {name} with a capital first letter."""

    def __missing__(self, key: str) -> str:
        low = key[:1].lower() + key[1:]
        if key[:1].isupper() and low in self:
            value = self[low]
            return value[:1].upper() + value[1:]
        raise KeyError(key)


class _Protect:
    """Opaque tokens for text that must reach the ticket unchanged."""

    _TOKEN = re.compile("\x01(\\d+)\x02")

    def __init__(self) -> None:
        self.items: list[str] = []

    def __call__(self, text: str) -> str:
        self.items.append(text)
        return f"\x01{len(self.items) - 1}\x02"

    def restore(self, text: str) -> str:
        return self._TOKEN.sub(lambda m: self.items[int(m.group(1))], text)


# Slot -> fact a template needs when it uses that slot.
_REQUIRES = {"msg": "message", "status": "status", "reason": "status", "res_name": "resource", "rid": "request_id"}


def _usable(template: str, facts: HarborTicketFacts) -> bool:
    for _, field, _, _ in string.Formatter().parse(template):
        if field:
            need = _REQUIRES.get(field[:1].lower() + field[1:])
            if need and getattr(facts, need) is None:
                return False
            if need == "status" and field.lower() == "reason" and facts.status not in D.REASONS:
                return False
    return True


def _choose(templates: list[str], facts: HarborTicketFacts, rng: random.Random) -> str:
    return rng.choice([t for t in templates if _usable(t, facts)])


def _weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    names = [name for name, weight in options if weight > 0]
    weights = [weight for _, weight in options if weight > 0]
    return rng.choices(names, weights=weights)[0]


def _offset_minutes(moment: datetime) -> int:
    return int(moment.utcoffset().total_seconds() // 60)


def _where(moment: datetime) -> str:
    """Which pool of names and clock habits fits the customer's clock."""
    offset = _offset_minutes(moment)
    return "us" if offset < 0 else ("eu" if offset < 240 else "asia")


# ---- slots ----------------------------------------------------------------------------------------

def _build_slots(facts, lang, rng, protect) -> _Slots:
    slots = _Slots()
    # The order of these calls is the order of the rng draws; keep it fixed.
    slots.update(_place_slots(facts, lang, rng, protect))
    slots.update(_time_slots(facts, lang, rng))
    slots.update(_error_slots(facts, lang, rng, protect))
    slots.update(_people_slots(facts, lang, rng))
    slots.update(_rid_slots(facts, lang, rng, protect))
    slots.update(_follow_up_slots(facts, lang, rng, slots))
    return slots


def _place_slots(facts, lang, rng, protect) -> dict[str, str]:
    service = D.SERVICES[lang][facts.service]
    other = D.SERVICES[lang][rng.choice([s for s in D.SERVICE_ORDER if s != facts.service])]
    region = D.REGIONS[lang][facts.region]
    forms, unnamed = D.RESOURCES[lang][facts.service]
    res_name = protect(facts.resource) if facts.resource else ""
    res = rng.choice(forms).format(r=res_name) if facts.resource else unnamed
    slots = {"res": res, "res_name": res_name, "res_kind": D.RES_KIND[lang][facts.service]}
    slots["svc"] = rng.choice(service["long"])
    slots["svc_short"] = rng.choice(service["short"])
    slots["other_svc"] = rng.choice(other["long"])
    slots["other_svc_short"] = rng.choice(other["short"])
    slots["region"] = rng.choice(region["noun"])
    slots["region_short"] = rng.choice(region["short"])
    # About a third of customers never say where they are.
    slots["region_in"] = rng.choice(region["in"]) if rng.random() < 0.65 else ""
    slots["ops"] = rng.choice(D.OPS[lang][facts.service])
    slots["biz"] = rng.choice(D.BUSINESS[lang][facts.service])
    return slots


def _people_slots(facts, lang, rng) -> dict[str, str]:
    greetings = list(D.GREETINGS[lang])
    if 5 <= facts.created.hour < 11:
        greetings.append(D.MORNING_GREETING[lang])      # only when it is morning for the writer
    names = D.NAMES[lang][_where(facts.created)]
    name = rng.choice(names)
    return {"greet": rng.choice(greetings), "sign": rng.choice(D.SIGNOFFS[lang]).format(name=name)}


def _rid_slots(facts, lang, rng, protect) -> dict[str, str]:
    if not facts.request_id:
        return {"rid": "", "rid_line": ""}
    rid = protect(facts.request_id)
    return {"rid": rid, "rid_line": rng.choice(D.RID_LINES[lang]).format(rid=rid)}


def _follow_up_slots(facts, lang, rng, slots) -> dict[str, str]:
    ordinals = D.ORDINALS[lang]
    n = facts.follow_up
    if n < len(ordinals):
        nth = ordinals[n]
    else:
        nth = f"{n + 1}th" if lang == "en" else f"第{n + 1}次"
    recap = _choose(D.RECAPS[lang][facts.kind], facts, rng).format_map(slots)
    return {"nth": nth, "recap": recap}


# ---- the error mention ---------------------------------------------------------------------------

def _error_slots(facts, lang, rng, protect) -> dict[str, str]:
    msg = protect(facts.message) if facts.message else ""
    status = "" if facts.status is None else str(facts.status)
    slow_pool = D.SLOW[lang].get(facts.kind, D.SLOW[lang]["default"])
    return {"msg": msg, "status": status, "reason": D.REASONS.get(facts.status, ""),
            "err": _error_phrase(facts, lang, rng, protect, msg), "slow": rng.choice(slow_pool)}


def _error_modes(facts: HarborTicketFacts) -> list[tuple[str, int]]:
    if facts.kind in D.APP_ERRORS["en"]:
        # Nothing failed on Harbor's side: only the customer's own app errors, in its words or quoted.
        return [("app", 4), ("paraphrase", 3), ("vague", 3)]
    if facts.status is None and not facts.message:
        return [("slow", 1)]                          # nothing came back: only slowness to describe
    has_msg, has_status = bool(facts.message), facts.status is not None
    return [("exact", 5 * has_msg), ("fragment", 3 * has_msg), ("paraphrase", 3 * has_msg),
            ("status", 4 * has_status), ("both", 3 * (has_msg and has_status)), ("vague", 2), ("none", 1)]


def _error_phrase(facts, lang, rng, protect, msg) -> str:
    mode = _weighted(rng, _error_modes(facts))
    if mode == "slow":
        return rng.choice(D.SLOW_ERR[lang].get(facts.kind, D.SLOW_ERR[lang]["default"]))
    if mode == "paraphrase":
        return rng.choice(D.PARAPHRASE[lang][facts.kind])
    if mode == "vague":
        return rng.choice(D.VAGUE[lang][facts.kind])
    if mode == "app":
        quote = protect(rng.choice(D.APP_ERRORS[lang][facts.kind][facts.service]))
        return rng.choice(D.ERROR_FORMS[lang]["app"]).format(a=quote)
    fragment = protect(_fragment(facts.message, rng)) if mode == "fragment" else ""
    form = rng.choice(D.ERROR_FORMS[lang][mode])
    reason = D.REASONS.get(facts.status, "")
    return form.format(m=msg, f=fragment, s="" if facts.status is None else facts.status, reason=reason).strip()


def _fragment(message: str, rng: random.Random) -> str:
    """A piece of the message as people copy it: one clause, or a few consecutive words."""
    clauses = [c.strip() for c in re.split(r"[;:,()]", message) if len(c.strip().split(" ")) >= 2]
    if len(clauses) > 1 and rng.random() < 0.6:
        return rng.choice(clauses)
    words = message.split(" ")
    if len(words) <= 3:
        return message
    n = rng.randint(3, min(6, len(words) - 1))
    start = rng.randint(0, len(words) - n)
    return " ".join(words[start:start + n])


# ---- the time hint --------------------------------------------------------------------------------

def _time_slots(facts, lang, rng) -> dict[str, str]:
    start = facts.started.astimezone(facts.created.tzinfo)
    created = facts.created
    minutes = max(0, int((created - facts.started).total_seconds() // 60))
    # Follow-ups mostly refer to the first report instead of giving a time again.
    weights = [("clock", 1), ("relative", 1), ("vague", 1), ("none", 5)] if facts.follow_up else \
              [("clock", 4), ("relative", 3), ("vague", 2), ("none", 2)]
    mode = _weighted(rng, weights)
    since, sent = [], []
    if mode == "clock":
        since, sent = _clock_phrases(start, created, lang, rng)
    elif mode == "vague":
        since, sent = _vague_phrases(start, created, minutes, lang)
    if mode == "relative" or (mode == "vague" and not since):
        since, sent = _relative_phrases(minutes, lang)
    since_text = rng.choice(since) if since else ""
    sent_text = rng.choice(sent) if sent else ""
    filler = " for a while" if lang == "en" else "这段时间"
    return {"since": since_text, "time_sent": sent_text, "since_w": since_text or filler}


def _round_start(start: datetime, created: datetime, rng: random.Random) -> datetime:
    """The start as people remember it: rounded down, or up by at most a few minutes."""
    start = start.replace(second=0, microsecond=0)
    style = rng.choice(["exact", "floor5", "near5", "near5", "floor10", "floor15", "floor30", "hour"])
    minute = start.minute
    if style == "near5":
        up = start + timedelta(minutes=(5 - minute % 5) % 5)
        if up - start <= timedelta(minutes=2) and up <= created:
            return up
        style = "floor5"
    if style == "hour":
        up = start + timedelta(minutes=60 - minute)
        if minute <= 20:
            return start - timedelta(minutes=minute)
        if minute >= 57 and up <= created:
            return up
        style = "floor5"
    step = 1 if style == "exact" else int(style[5:])
    return start - timedelta(minutes=minute % step)


def _clock_phrases(start, created, lang, rng) -> tuple[list[str], list[str]]:
    at = _round_start(start, created, rng)
    days = (created.date() - at.date()).days
    if lang == "zh":
        clock = _clock_zh(at, days, created, rng)
        return [p.format(c=clock) for p in D.CLOCK_ZH["since"]], [p.format(c=clock) for p in D.CLOCK_ZH["sent"]]
    clock = _clock_en(at, created, rng)
    key = "today" if days <= 0 else "yesterday" if days == 1 else "weekday" if days < 7 else "date"
    fill = {"c": clock, "wd": D.WEEKDAYS["en"][at.weekday()], "date": f"{D.MONTHS_EN[at.month - 1]} {at.day}"}
    table = D.CLOCK_EN[key]
    return [p.format(**fill) for p in table["since"]], [p.format(**fill) for p in table["sent"]]


def _clock_en(at: datetime, created: datetime, rng: random.Random) -> str:
    offset = _offset_minutes(created)
    if offset < 0:                                    # North Americans write 12-hour clocks
        hour12, suffix = at.hour % 12 or 12, ("am" if at.hour < 12 else "pm")
        shapes = [f"{hour12}:{at.minute:02d}{suffix}", f"{hour12}:{at.minute:02d} {suffix}",
                  f"{hour12}:{at.minute:02d} {suffix.upper()}"]
        if at.minute == 0:
            shapes += [f"{hour12}{suffix}", f"{hour12} {suffix}"]
    else:
        shapes = [f"{at.hour:02d}:{at.minute:02d}", f"{at.hour}:{at.minute:02d}"]
    clock = rng.choice(shapes)
    labels = D.TZ_LABELS["en"].get(offset)
    if labels and rng.random() < 0.4:
        clock += " " + rng.choice(labels)
    return clock


def _clock_zh(at: datetime, days: int, created: datetime, rng: random.Random) -> str:
    day = _zh_day(at, days, rng)
    if rng.random() < 0.35:                           # 24-hour clock: "14:05", "昨天 21:40"
        clock = (day + " " if day else "") + f"{at.hour}:{at.minute:02d}"
    else:
        period = _zh_period(at.hour)
        if day == "昨天" and period == "晚上" and rng.random() < 0.5:
            day, period = "", "昨晚"
        clock = day + period + _zh_hour_minute(at, rng)
    labels = D.TZ_LABELS["zh"].get(_offset_minutes(created))
    if labels and rng.random() < 0.3:
        label = rng.choice(labels)
        clock = f"{clock}（{label}）" if day or rng.random() < 0.5 else label + clock
    return clock


def _zh_day(at: datetime, days: int, rng: random.Random) -> str:
    if days <= 0:
        return rng.choice(["", "", "今天"])
    if days == 1:
        return "昨天"
    if days < 7:
        return rng.choice(["周", "星期"]) + D.WEEKDAYS["zh"][at.weekday()]
    return f"{at.month}月{at.day}日"


def _zh_period(hour: int) -> str:
    return [name for first, name in D.ZH_PERIODS if hour >= first][-1]


def _zh_hour_minute(at: datetime, rng: random.Random) -> str:
    """12-hour clock after a period word: "2:05", "2点05分", "两点十分", "两点半"."""
    hour = at.hour if at.hour <= 12 else at.hour - 12
    minute = at.minute
    style = rng.choice(["colon", "digits", "chinese", "chinese"])
    if style == "colon":
        return f"{hour}:{minute:02d}"
    if style == "digits":
        tail = "" if minute == 0 else "半" if minute == 30 else f"{minute:02d}分"
        return f"{hour}点{tail}"
    spoken = "零" if hour == 0 else "两" if hour == 2 else _cn_number(hour)
    if minute == 0:
        tail = ""
    elif minute == 30:
        tail = "半"
    else:
        tail = ("零" if minute < 10 else "") + _cn_number(minute) + rng.choice(["", "分"])
    return f"{spoken}点{tail}"


def _cn_number(n: int) -> str:
    """1..99 in Chinese numerals (十, 十五, 二十, 四十五)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _relative_phrases(minutes: int, lang: str) -> tuple[list[str], list[str]]:
    hours, days = minutes // 60, minutes // 1440
    tens = _cn_number(minutes // 10 * 10) if 10 <= minutes < 100 else ""
    hcn = "两" if hours == 2 else _cn_number(hours) if 0 < hours < 100 else ""
    fill = {"n": minutes // 5 * 5, "h": hours, "h1": hours + 1, "d": days, "tens": tens, "hcn": hcn}
    since, sent = [], []
    for low, high, adverbs, sentences in D.RELATIVE[lang]:
        if low <= minutes < high:
            since += [a.format(**fill) for a in adverbs]
            sent += [s.format(**fill) for s in sentences]
    if lang == "en" and 120 <= minutes < 1440:
        if minutes % 60 <= 5:
            since.append(D.ABOUT_HOURS_EN.format(**fill))
        if minutes % 60 >= 45:
            since.append(D.ALMOST_HOURS_EN.format(**fill))
    return since, sent


def _vague_phrases(start, created, minutes, lang) -> tuple[list[str], list[str]]:
    """Day-part hints ("this morning", "昨晚"), only those that are true; empty when none fits."""
    days = (created.date() - start.date()).days
    if days >= 7:
        return [], []
    if lang == "zh":
        return _vague_zh(start, days)
    part = _en_part(start.hour)
    keys = []
    if days == 0:
        keys.append("today_night" if start.hour < 5 and created.hour >= 6 else
                    "today" if start.hour >= 5 and part != "night" else "")
        if minutes >= 90:
            keys.append("earlier")
    elif days == 1:
        keys.append("last_night" if start.hour >= 18 else "yesterday")
    else:
        keys.append("weekday")
    fill = {"part": part, "wd": D.WEEKDAYS["en"][start.weekday()]}
    since, sent = [], []
    for key in [k for k in keys if k]:
        since += [p.format(**fill) for p in D.VAGUE_EN[key]["since"]]
        sent += [p.format(**fill) for p in D.VAGUE_EN[key]["sent"]]
    return since, sent


def _en_part(hour: int) -> str:
    names = [name for first, name in D.DAY_PARTS_EN if hour >= first]
    return names[-1] if names else "early morning"     # 0-4h: "since Tuesday early morning"


def _vague_zh(start: datetime, days: int) -> tuple[list[str], list[str]]:
    period = _zh_period(start.hour)
    if days == 0:
        words = ["今晚" if period == "晚上" else "今天" + period]
    elif days == 1:
        words = ["昨晚" if period == "晚上" else "昨天" + period, "昨天"]
    else:
        words = ["周" + D.WEEKDAYS["zh"][start.weekday()], "星期" + D.WEEKDAYS["zh"][start.weekday()] + period]
    since = [p.format(x=w) for w in words for p in D.VAGUE_ZH["since"]]
    sent = [p.format(x=w) for w in words for p in D.VAGUE_ZH["sent"]]
    return since, sent


# ---- templates ------------------------------------------------------------------------------------

def _pick_templates(facts, lang, rng, slots) -> tuple[str, str]:
    if facts.follow_up > 0 and rng.random() < 0.7:
        return _choose(D.FOLLOW_UP_SUBJECTS[lang], facts, rng), _choose(D.FOLLOW_UP_BODIES[lang], facts, rng)
    subject = _choose(D.SUBJECTS[lang][facts.kind], facts, rng)
    body = _choose(D.BODIES[lang][facts.kind], facts, rng)
    if facts.follow_up > 0:
        # A follow-up that retells the problem: mark the subject, open by referring to the first ticket.
        subject = rng.choice(D.FOLLOW_UP_PREFIXES[lang]) + subject
        slots["greet"] += rng.choice(D.FOLLOW_UP_OPENERS[lang]).format_map(slots)
    return subject, body


# ---- finishing ------------------------------------------------------------------------------------

def _tidy(text: str, lang: str) -> str:
    """Clean up what empty slots leave behind: doubled spaces, stray punctuation, blank lines."""
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([,.!?;)])", r"\1", text)
    text = re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)
    if lang == "zh":
        text = re.sub(r"(^|\n|[。！？：，])[，、]+", r"\1", text)
        text = re.sub(r"，{2,}", "，", text).replace("，。", "。")
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# A plain lowercase word, not glued to digits, dots, dashes or protected tokens (hostnames, codes).
_PLAIN_WORD = re.compile(r"(?<![\w\x01\x02.\-/@'])[a-z]{4,}(?![\w\x01\x02.\-/@'])")


def _add_typos(text: str, facts: HarborTicketFacts, lang: str, rng: random.Random, most: int) -> str:
    if lang == "zh":
        return _zh_slips(text, rng, most)
    # Words of the message stay intact even outside the quote (a paraphrase may repeat them).
    keep = set(D.TYPO_SAFE) | set(re.findall(r"[a-z]+", (facts.message or "").lower()))
    spots = [m for m in _PLAIN_WORD.finditer(text) if m.group() not in keep]
    if not spots:
        return text
    count = rng.randint(1, min(most, len(spots)))
    for index in sorted(rng.sample(range(len(spots)), count), reverse=True):
        match = spots[index]
        text = text[:match.start()] + _misspell(match.group(), rng) + text[match.end():]
    return text


def _misspell(word: str, rng: random.Random) -> str:
    """Swap, drop or double one letter, never the first one."""
    op = rng.choice(["swap", "drop", "double"])
    i = rng.randrange(1, len(word) - 1)
    if op == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _zh_slips(text: str, rng: random.Random, most: int) -> str:
    """Replace a word or two with a common pinyin homophone (影响 -> 影像)."""
    spots = sorted((m.start(), right, wrong) for right, wrong in D.ZH_SLIPS
                   for m in re.finditer(re.escape(right), text))
    if not spots:
        return text
    count = rng.randint(1, min(most, len(spots)))
    for start, right, wrong in sorted(rng.sample(spots, count), reverse=True):
        if text[start:start + len(right)] == right:
            text = text[:start] + wrong + text[start + len(right):]
    return text
