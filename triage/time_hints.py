"""When the problem began, from the ticket's words: `time_hint(text, created, vocab)`.

`started_at` is the earliest moment the customer's words allow, so that a search from there to the
ticket's creation contains the problem:
- a clock time ("since 10:05", "昨天10:05", "下午三点", "3:10pm ET") is taken as said, in the
  customer's clock (the UTC offset of `created_at`, unless the text names one: "10:05 (UTC+8)",
  "14:05 CET"); a clock time later than the ticket means the day before (more than CLOCK_SKEW
  later: watches run ahead);
- an elapsed time ("20 minutes ago", "一个半小时") goes back by the amount plus its rounding
  (people round: "an hour" is 50 to 75 minutes), see `_rounding`;
- a vague period gives the start of the period: "this morning" 06:00, "this afternoon" 12:00,
  "this evening" 18:00, "last night" 18:00 the day before, "just now" 15 minutes back.
With several hints the earliest wins; it is never after `created_at`. Pure: the vocabulary gives
the period words and the time-zone names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from triage.vocabulary import Vocabulary

JUST_NOW = timedelta(minutes=15)  # "just now", "a few minutes ago": within the last quarter hour
# A clock time this little after the ticket is the customer's watch running ahead, not yesterday.
CLOCK_SKEW = timedelta(minutes=15)
# A period of today that begins this little after the ticket has begun for the customer already.
EARLY_PERIOD = timedelta(hours=3)

# ---------------------------------------------------------------------------------------------
# Time shapes
# ---------------------------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = "(?:" + "|".join(_MONTHS) + r")[a-z]*\.?"
_DATE = (rf"(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}|\d{{1,2}}\s*月\s*\d{{1,2}}\s*[日号])")
_DAY = "(?:yesterday|today|昨天|今天|前天)"
_ZH_PERIOD = "(?:上午|下午|晚上|早上|早晨|凌晨|中午|傍晚)"
# Words before a time: "since about", "at around", "从", "大概从".
_BEFORE = (r"(?:(?<![A-Za-z])(?:since|from|at|around|about|approx(?:imately|\.)?|roughly|starting|started|after"
           r"|as\s+of)\s+|~\s*|(?:自从|从|自|大概|大约|约|差不多|在|北京时间)\s*){0,4}")
_AFTER = r"(?:\s*(?:左右|前后|开始|起|以后|之后|的时候)){0,3}"
# Time-zone names written after a clock time, and the UTC offsets (hours) each can mean: the
# customer's own offset wins when it is one of them ("ET" is -5 in winter, -4 in summer; "CST" is
# China's or the US Central time).
TIME_ZONES: dict[str, tuple[float, ...]] = {
    "UTC": (0,), "GMT": (0,), "Z": (0,), "WET": (0,), "WEST": (1,), "BST": (1,), "CET": (1,), "MET": (1,),
    "CEST": (2,), "EET": (2,), "EEST": (3,), "ET": (-5, -4), "EST": (-5,), "EDT": (-4,), "CT": (-6, -5),
    "CST": (8, -6), "CDT": (-5,), "MT": (-7, -6), "MST": (-7,), "MDT": (-6,), "PT": (-8, -7), "PST": (-8,),
    "PDT": (-7,), "IST": (5.5,), "SGT": (8,), "HKT": (8,), "JST": (9,), "KST": (9,), "AEST": (10,), "AEDT": (11,),
}
_ZONE_NAMES = "|".join(sorted((name for name in TIME_ZONES if name not in ("UTC", "GMT", "Z")), key=len, reverse=True))
_OFFSET = (r"(?:\s*(?:\(\s*)?(?:(?:UTC|GMT)\s*(?:[+-]\s*\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}|Z(?![A-Za-z])"
           rf"|(?-i:{_ZONE_NAMES})(?![A-Za-z])|Beijing\s+time|北京时间)(?:\s*\))?)")
_CLOCK = re.compile(rf"""
    (?P<before>{_BEFORE})
    (?:(?P<day>{_DAY})\s*(?:,\s*)?{_BEFORE} | (?:on\s+)?(?P<date>{_DATE})(?:T|\s*(?:,\s*)?(?:at\s+)?))?
    (?:(?P<period>{_ZH_PERIOD})\s*)?
    (?<![\d:.])(?P<hour>\d{{1,2}})(?:[:：](?P<minute>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?!\d)|(?=\s*[ap]\.?m\b))
    (?:\s*(?P<ampm>[ap])\.?m\b\.?)?
    (?P<offset>{_OFFSET})?
    (?:\s*(?P<day2>yesterday|today)\b | \s+on\s+(?P<date2>{_DATE}))?
    (?P<offset2>{_OFFSET})?
    (?:\s+on\b)?{_AFTER}
""", re.I | re.X)
_ZH_NUMBER = "[零〇一二两三四五六七八九十]{1,3}"
# "10点05分", "十点半", "下午三点", "今天上午十点".
_ZH_CLOCK = re.compile(rf"""
    (?P<before>{_BEFORE})
    (?:(?P<day>{_DAY})\s* | (?P<date>{_DATE})\s*)?
    (?:(?P<period>{_ZH_PERIOD})\s*)?
    (?<![\d:.])(?P<hour>\d{{1,2}}|{_ZH_NUMBER})\s*[点點]
    (?:\s*(?P<half>半) | \s*(?P<minute>\d{{1,2}}|{_ZH_NUMBER})\s*分?)?(?P<zhong>钟)?
    (?P<after>{_AFTER})
""", re.I | re.X)
_COUNT = (r"\d{1,4}(?:\.\d{1,2})?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+few|few"
          r"|several|a\s+couple\s+of|couple\s+of|half\s+an?")
# "about 20 minutes ago", "for an hour and a half now", "in the last 2 hours".
_EN_ELAPSED = re.compile(rf"""
    (?<![A-Za-z0-9.])
    (?P<lead>(?:(?:since|for|over|during|within|in|about|around|roughly|approximately|almost|nearly|more\s+than
               |at\s+least|the\s+last|the\s+past|last|past)\s+){{0,4}})
    (?P<count>{_COUNT})\s+(?P<half>and\s+a\s+half\s+)?
    (?P<unit>minutes?|mins?|hours?|hrs?|days?)\b
    (?P<half2>\s+and\s+a\s+half)?
    (?P<tail>(?:\s+(?:ago|now|already|or\s+so|so\s+far)){{0,3}})
""", re.I | re.X)
_EN_CONTEXT = re.compile(r"\b(?:since|for|during|last|past|ago|now|so\s+far)\b", re.I)
# "20分钟前", "最近半小时", "一个半小时前", "已经两个多小时了". One space at most between the parts
# (the lab writes "10 个小时前"), never a line break: "报 403\n半小时前" is half an hour.
_ZH_ELAPSED = re.compile(r"""
    (?P<lead>(?:(?:最近|近|过去|这|已经|已|持续了?)[ \t]?){0,3})
    (?:(?P<count>(?<![\d.])\d{1,4}(?:\.\d{1,2})?|[零〇一二两三四五六七八九十几]{1,4})(?:[ \t]?个(?P<half>半)?)?
       | (?P<half_only>半)(?:[ \t]?个)?)
    (?:[ \t]?(?P<more>多))?(?:[ \t]?个)?[ \t]?
    (?P<unit>分钟|小时|钟头|天)
    (?P<tail>(?:[ \t]?(?:前|以前|之前|了|以来)){0,3})
""", re.X)

_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "分钟": timedelta(minutes=1), "小时": timedelta(hours=1), "钟头": timedelta(hours=1), "天": timedelta(days=1)}
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "half an": 0.5, "half a": 0.5}
_VAGUE_COUNTS = {"a few": 3, "few": 3, "several": 5, "a couple of": 2, "couple of": 2, "几": 3}
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


# ---------------------------------------------------------------------------------------------
# When it began
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    start: int
    end: int
    moment: datetime  # aware
    words: str


def time_hint(text: str, created: datetime, vocab: Vocabulary) -> Hint | None:
    """The earliest start among the time hints (a hint inside a longer one is part of it)."""
    hints = _outermost([*_clock_hints(text, created), *_elapsed_hints(text, created), *_period_hints(text, created, vocab)])
    if not hints:
        return None
    first = min(hints, key=lambda hint: (hint.moment, hint.start))
    return Hint(first.start, first.end, min(first.moment, created), first.words)


def _outermost(hints: list[Hint]) -> list[Hint]:
    """The hints that are not part of a longer one ("今天上午" of "今天上午十点")."""
    out, reach = [], -1
    for hint in sorted(hints, key=lambda hint: (hint.start, -hint.end)):
        if hint.end > reach:
            out.append(hint)
            reach = hint.end
    return out


def _hint(match: re.Match, moment: datetime | None) -> list[Hint]:
    return [Hint(match.start(), match.end(), moment, match.group().strip())] if moment else []


# What each clock pattern cannot match without: a cheap test first spares the full patterns (about
# 55 us a ticket each) on the many tickets that name no clock time.
_CLOCK_NEEDS = re.compile(r"\d(?:[:：][0-5]\d|\s*[ap]\.?m\b)", re.I)
_ZH_CLOCK_NEEDS = ("点", "點")


def _clock_hints(text: str, created: datetime) -> list[Hint]:
    hints = []
    for match in _CLOCK.finditer(text) if _CLOCK_NEEDS.search(text) else ():
        hour = _hour(int(match["hour"]), match["ampm"], match["period"])
        hints += _hint(match, _at_clock(match, hour, int(match["minute"] or 0), created))
    for match in _ZH_CLOCK.finditer(text) if any(char in text for char in _ZH_CLOCK_NEEDS) else ():
        said_clock = match["hour"].isdigit() or "从" in match["before"] or any(
            match[name] for name in ("day", "date", "period", "half", "minute", "zhong", "after"))
        if not said_clock:  # "慢了一点" is "a bit slower", not one o'clock
            continue
        hour, minute = _number(match["hour"]), 30 if match["half"] else _number(match["minute"] or "0")
        if hour is not None and minute is not None:
            hints += _hint(match, _at_clock(match, _hour(int(hour), None, match["period"]), int(minute), created))
    return hints


def _hour(hour: int, ampm: str | None, period: str | None) -> int:
    """24-hour clock from "3 pm" or "下午三点"."""
    afternoon = (ampm or "").lower() == "p" or period in ("下午", "晚上", "傍晚") or (period == "中午" and hour < 11)
    if afternoon and hour < 12:
        return hour + 12
    if (ampm or "").lower() == "a" and hour == 12:
        return 0
    return hour


def _at_clock(match: re.Match, hour: int, minute: int, created: datetime) -> datetime | None:
    """The moment of a clock time, in the offset the text names, else the customer's."""
    if hour > 23 or minute > 59:
        return None
    groups = match.groupdict()
    offset = _offset(groups.get("offset") or groups.get("offset2") or "", created)
    if "北京时间" in match["before"]:
        offset = BEIJING
    now = created.astimezone(offset) if offset else created
    day = _day(match["day"] or groups.get("day2"), match["date"] or groups.get("date2"), now.date())
    if day is False:
        return None
    moment = datetime.combine(day or now.date(), time(hour, minute), now.tzinfo)
    if day is None and moment > now + CLOCK_SKEW:  # a time still to come today means yesterday
        moment -= timedelta(days=1)
    return moment


BEIJING = timezone(timedelta(hours=8))
_OFFSET_NUMBER = re.compile(r"([+-])\s*(\d{1,2}):?(\d{2})?")


def _offset(words: str, created: datetime) -> timezone | None:
    """The UTC offset named after a clock time: "(UTC+8)", "+08:00", "Z", "Beijing time", "CET"."""
    if not words:
        return None
    if "北京时间" in words or "beijing" in words.lower():
        return BEIJING
    number = _OFFSET_NUMBER.search(words)
    if number:
        sign = -1 if number[1] == "-" else 1
        return timezone(sign * timedelta(hours=int(number[2]), minutes=int(number[3] or 0)))
    name = _ZONE_NAME.search(words)
    if name:
        offsets = TIME_ZONES[name.group()]
        own = (created.utcoffset() or timedelta(0)) / timedelta(hours=1)
        return timezone(timedelta(hours=own if own in offsets else offsets[0]))
    if re.search(r"UTC|GMT|Z", words, re.I):
        return timezone.utc
    return None


_ZONE_NAME = re.compile(rf"(?<![A-Za-z])(?:{_ZONE_NAMES})(?![A-Za-z])")


_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_ZH_DATE = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})")
_EN_DATE = re.compile(rf"(?:({_MONTH})\s+(\d{{1,2}})|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH}))", re.I)


def _day(word: str | None, said_date: str | None, today: date) -> date | None | bool:
    """The day a clock time is on: None for "today, unless that is in the future", False if invalid."""
    if word:
        back = {"yesterday": 1, "昨天": 1, "前天": 2}.get(word.lower(), 0)
        return today - timedelta(days=back)
    if not said_date:
        return None
    try:
        if iso := _ISO_DATE.search(said_date):
            moment = date(int(iso[1]), int(iso[2]), int(iso[3]))
        else:
            if zh := _ZH_DATE.search(said_date):
                month, day = int(zh[1]), int(zh[2])
            else:
                en = _EN_DATE.search(said_date)
                month, day = _MONTHS.index((en[1] or en[4])[:3].lower()) + 1, int(en[2] or en[3])
            moment = date(today.year, month, day)
            if moment > today:  # "Dec 30", written on Jan 2
                moment = moment.replace(year=today.year - 1)
    except ValueError:
        return False
    return moment if timedelta(0) <= today - moment <= timedelta(days=366) else False


# As for the clock patterns: the elapsed-time patterns cannot match without a unit.
_EN_ELAPSED_NEEDS = re.compile(r"min|hour|hr|day", re.I)
_ZH_ELAPSED_NEEDS = ("分钟", "小时", "钟头", "天")


def _elapsed_hints(text: str, created: datetime) -> list[Hint]:
    hints = []
    for match in _EN_ELAPSED.finditer(text) if _EN_ELAPSED_NEEDS.search(text) else ():
        if not _EN_CONTEXT.search(match["lead"] + match["tail"]):  # "it takes 20 minutes" says no start
            continue
        count = re.sub(r"\s+", " ", match["count"].lower())
        amount = _amount(count)
        if amount is not None:
            amount += 0.5 if match["half"] or match["half2"] else 0
            unit = _UNITS[match["unit"][0].lower()]
            hints += _hint(match, _ago(created, amount, unit, vague=count in _VAGUE_COUNTS))
    for match in _ZH_ELAPSED.finditer(text) if any(unit in text for unit in _ZH_ELAPSED_NEEDS) else ():
        if not (match["lead"] or match["tail"].strip()):
            continue  # "上传要两个小时" says no start
        amount = _amount(match["count"]) if match["count"] else 0
        if amount is not None:
            amount += 0.5 if match["half"] or match["half_only"] else 0
            if match["more"]:  # "两个多小时" is 2 to 3 hours, "二十多分钟" 20 to 30 minutes
                amount += 1 if amount < 10 else 10
            hints += _hint(match, _ago(created, amount, _UNITS[match["unit"]], vague=match["count"] == "几"))
    return hints


def _amount(count: str) -> float | None:
    if count in _VAGUE_COUNTS:
        return _VAGUE_COUNTS[count]
    return _COUNTS.get(count) or _number(count)


def _ago(created: datetime, amount: float, unit: timedelta, vague: bool) -> datetime:
    if vague and unit < timedelta(hours=1):
        return created - JUST_NOW  # "a few minutes ago"
    return created - amount * unit - _rounding(amount, unit)


def _rounding(amount: float, unit: timedelta) -> timedelta:
    """How much earlier a said elapsed time may really be. People round: to the minute below ten
    minutes, to five minutes, to half hours ("an hour" is 50 to 75 minutes), to hours, to days."""
    if unit >= timedelta(days=1):
        return timedelta(hours=12) if amount >= 1 else timedelta(hours=3)
    minutes = amount * unit / timedelta(minutes=1)
    for below, rounding in ((10, 1), (30, 3), (60, 5), (120, 15)):
        if minutes < below:
            return timedelta(minutes=rounding)
    return timedelta(minutes=30)


def _number(text: str | None) -> float | None:
    """12, 1.5, 十二, 两, 二十, 零五."""
    if not text:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if (tens and tens not in _ZH_DIGITS) or (ones and ones not in _ZH_DIGITS):
            return None
        return (_ZH_DIGITS[tens] if tens else 1) * 10 + (_ZH_DIGITS[ones] if ones else 0)
    if all(char in _ZH_DIGITS for char in text):
        return float("".join(str(_ZH_DIGITS[char]) for char in text))
    return None


def _period_hints(text: str, created: datetime, vocab: Vocabulary) -> list[Hint]:
    hints = [Hint(match.start(), match.end(), created - JUST_NOW, match.group()) for match, _ in vocab.just_now.find(text)]
    for match, (days_back, hour) in vocab.periods.find(text):
        moment = datetime.combine(created.date() - timedelta(days=days_back), time(hour), created.tzinfo)
        if days_back == 0 and moment > created:
            # Not begun yet today: "tonight" written after midnight is yesterday evening; "this
            # morning" written at 05:50 is earlier today (people's mornings start before six).
            early_today = moment - created <= EARLY_PERIOD
            moment = datetime.combine(created.date(), time(0), created.tzinfo) if early_today else moment - timedelta(days=1)
        hints.append(Hint(match.start(), match.end(), moment, match.group()))
    return hints
