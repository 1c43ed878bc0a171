"""Ticket understanding: what a ticket says, read from its fields and its words.

Pure: no I/O besides reading the vocabulary once. `read_ticket` turns a ticket into a
TicketReading: request ids, error codes, HTTP statuses, resources, service, region, endpoint, when
it began, the symptoms and the language. Explicit ticket fields win over the text; every list
keeps the order of first mention (fields first), without duplicates.

The words are data: triage/vocabulary.yaml (service names, message phrases, symptom and time
words) and the knowledge base (error codes and their message phrases). Customers mistype: plain
English words one letter away from a vocabulary word are read as that word before matching.

When it began (`started_at`) is the earliest moment the customer's words allow, so that a search
from there to the ticket's creation contains the problem:
- a clock time ("since 10:05", "昨天10:05", "下午三点") is taken as said, in the customer's clock
  (the UTC offset of `created_at`, unless the text names one: "10:05 (UTC+8)"); a clock time
  later than the ticket means the day before (more than CLOCK_SKEW later: watches run ahead);
- an elapsed time ("20 minutes ago", "一个半小时") goes back by the amount plus its rounding
  (people round: "an hour" is 50 to 75 minutes), see `_rounding`;
- a vague period gives the start of the period: "this morning" 06:00, "this afternoon" 12:00,
  "this evening" 18:00, "last night" 18:00 the day before, "just now" 15 minutes back.
With several hints the earliest wins; it is never after `created_at`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from http import HTTPStatus
from importlib import resources
from typing import Any

import yaml

from triage.knowledge import knowledge_base
from triage.models import Language, Ticket, TicketReading

JUST_NOW = timedelta(minutes=15)  # "just now", "a few minutes ago": within the last quarter hour
# A clock time this little after the ticket is the customer's watch running ahead, not yesterday.
CLOCK_SKEW = timedelta(minutes=15)

CJK = "\u4e00-\u9fff"
# Latin neighbours that make a token part of a longer one: "oss" in "oss-cn-east-1.example.com".
_IN_TOKEN = "A-Za-z0-9_.-"

# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------

# Not \b: Chinese characters count as word characters, and "请求req-3f9a1c2b处理" must match.
REQUEST_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z-])req-[0-9a-zA-Z]{6,40}(?![0-9A-Za-z])")
CJK_PATTERN = re.compile(f"[{CJK}]")

REGION_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])[a-z]{2}-(?:north|south|east|west|central)+-\d{1,2}(?![0-9])", re.I)
# A status is a 3-digit number standing alone: not part of a time (10:05), decimal, id, year or count.
_STATUS = re.compile(
    r"(?<![A-Za-z0-9_.:/#$¥€+-])(?P<prefix>(?:HTTP(?:/\d(?:\.\d)?)?|status(?:\s+code)?|状态码)\s*(?:[:=]\s*)?)?"
    r"(?P<number>[3-5]\d\d)(?![A-Za-z0-9_%]|[.:,-]\d)", re.I)
# ...nor a quantity: "500 ms", "300 requests", "400次".
_QUANTITY = re.compile(
    r"\s*(?:ms|s|sec|secs|seconds?|minutes?|mins?|hours?|days?|requests?|times|users?|files?|objects?|customers?"
    r"|[kmgt]i?b|px|毫秒|秒|分钟|小时|天|次|个|条|人|张|元|块|万)(?![A-Za-z])", re.I)
_ONE_IN = re.compile(r"\d+\s*(?:in|out\s+of|/)\s*$", re.I)  # "1 in 500", in the few characters before
_HOST = re.compile(r"(?<![A-Za-z0-9@._-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+([A-Za-z]{2,}))"
                   r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])")

# Resources: a name after a word that says what it is, or a hyphenated name where a place goes.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_KEY = r"[A-Za-z0-9_](?:[A-Za-z0-9_./-]*[A-Za-z0-9_])?"
_QUOTE = "[\"'`“”‘’「」]"
_RESOURCE_CUES = [
    # "bucket foo-data", "the bucket named 'photos'", "domain: img.example.com"
    re.compile(rf"(?<![A-Za-z])(?:bucket|domain)s?(?:\s+(?:named|called))?(?P<sep>\s*[:=]\s*|\s+{_QUOTE}|\s+)"
               rf"(?P<name>{_NAME})", re.I),
    # "存储桶foo-data", "域名 cdn.example.com", "bucket名是photos"
    re.compile(rf"(?:存储桶|桶|域名|bucket|Bucket)(?:\s*(?:名称|名字|名))?(?:\s*(?:是|为|叫))?(?:\s*[:：])?\s*{_QUOTE}?"
               rf"(?P<sep>)(?P<name>{_NAME})"),
    # "the foo-data bucket", "foo-data这个bucket"
    re.compile(rf"(?<![A-Za-z0-9._-])(?P<sep>)(?P<name>{_NAME})(?:\s*这个\s*(?:bucket|存储桶|桶|域名)|\s+bucket)(?![A-Za-z])",
               re.I),
]
_KEY_CUES = [
    # "object photos/2024/a.jpg", "key: a.jpg", "文件photos/a.jpg"
    re.compile(rf"(?:(?<![A-Za-z])(?:object|key|file)s?(?:\s+(?:named|called))?\s*(?:[:=]\s*)?|(?:对象|文件)\s*(?:[:：]\s*)?)"
               rf"{_QUOTE}?(?P<key>{_KEY})", re.I),
]
_URL_RESOURCE = re.compile(rf"(?<![A-Za-z])(?:s3|oss|gs|cos|obs)://(?P<name>{_NAME})(?:/(?P<key>{_KEY}))?", re.I)
# A bare hyphenated name where a place goes: "uploads to south-shop-data", "访问south-shop-data的请求".
_BARE_NAME = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+"
_BARE_RESOURCES = [
    re.compile(rf"(?:(?<![A-Za-z])(?:to|from|on|in|at|through|via|into|for|of|with)\s+|[{CJK}]\s*)"
               rf"(?P<name>{_BARE_NAME})(?![A-Za-z0-9_-]|\.[A-Za-z0-9])", re.I),
    re.compile(rf"(?<![A-Za-z0-9_.-])(?P<name>{_BARE_NAME})(?=\s*[{CJK}])"),
]

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
_OFFSET = (r"(?:\s*(?:\(\s*)?(?:(?:UTC|GMT)\s*(?:[+-]\s*\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}|Z(?![A-Za-z])"
           r"|Beijing\s+time|北京时间)(?:\s*\))?)")
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
# Vocabulary
# ---------------------------------------------------------------------------------------------


class PhraseTable:
    """Phrases -> values. `find` gives every place a phrase is said (overlapping ones too), in
    order of place, the longest first where several start at one place."""

    def __init__(self, table: dict[str, Any], stems: bool = False):
        # Each phrase's longest plain run ("expired" of "token has expired"): a quick test that
        # spares the regex for the many phrases a ticket does not use.
        self._entries = [(max(_RUN.findall(phrase.lower()), key=len, default=""),
                          re.compile(_phrase_pattern(phrase, stems), re.I), value) for phrase, value in table.items()]

    def find(self, text: str) -> list[tuple[re.Match, Any]]:
        lowered = text.lower()
        found = [(match, value) for needle, regex, value in self._entries if needle in lowered
                 for match in regex.finditer(text)]
        return sorted(found, key=lambda item: (item[0].start(), -len(item[0].group())))


_RUN = re.compile(rf"[a-z0-9]+|[{CJK}]+")


def _phrase_pattern(phrase: str, stem: bool) -> str:
    """A phrase as a regex: any spacing, optional spaces between Latin and Chinese, whole words."""
    words = [re.escape(word) for word in phrase.split()]
    pattern = r"\s+".join(words)
    pattern = re.sub(rf"(?<=[{CJK}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[{CJK}])", r"\\s*", pattern)
    if re.match("[A-Za-z0-9]", phrase):
        pattern = rf"(?<![{_IN_TOKEN}]){pattern}"
    if re.search("[A-Za-z0-9]$", phrase) and not stem:
        pattern = rf"{pattern}(?![A-Za-z0-9_-]|\.[A-Za-z0-9])"  # a full stop may follow
    return pattern


@dataclass(frozen=True)
class Vocabulary:
    codes: dict[str, str]        # lower case -> the code as logged
    word_codes: frozenset[str]   # codes found only as written
    code_phrases: PhraseTable    # -> code
    status_phrases: PhraseTable  # -> status
    services: PhraseTable        # -> canonical service
    service_names: dict[str, str]  # lower-case alias -> canonical service
    symptoms: PhraseTable        # -> symptom
    negations: PhraseTable       # -> symptom denied
    periods: PhraseTable         # -> (days back, hour)
    just_now: PhraseTable
    follow_up: PhraseTable
    spelling: dict[str, str]     # misspelling -> word
    not_resources: frozenset[str]
    host_suffixes: frozenset[str]


@cache
def vocabulary() -> Vocabulary:
    raw = yaml.safe_load(resources.files("triage").joinpath("vocabulary.yaml").read_text(encoding="utf-8"))
    kb = knowledge_base()
    codes = [*kb, *raw["platform_codes"]]
    code_phrases = {phrase.lower(): code for code, phrases in raw["code_phrases"].items() for phrase in phrases}
    for code, entry in kb.items():  # the knowledge base's message phrases, whatever they are today
        for phrases in entry.messages.values():
            code_phrases.update({phrase.lower(): code for phrase in phrases if phrase.strip()})
    services = {alias.lower(): service for service, aliases in raw["services"].items() for alias in aliases}
    service_words = {word for alias in services for word in re.findall("[a-z]+", alias)}
    return Vocabulary(
        codes={code.lower(): code for code in codes},
        word_codes=frozenset(raw["word_codes"]),
        code_phrases=PhraseTable(code_phrases),
        status_phrases=PhraseTable({phrase: int(status) for status, phrases in raw["status_phrases"].items()
                                    for phrase in phrases}),
        services=PhraseTable(services),
        service_names=services | {service: service for service in raw["services"]},
        symptoms=PhraseTable({word: symptom for symptom, words in raw["symptoms"].items() for word in words},
                             stems=True),
        negations=PhraseTable({phrase: symptom for symptom, phrases in raw["negations"].items() for phrase in phrases}),
        periods=PhraseTable({phrase: tuple(when) for phrase, when in raw["periods"].items()}),
        just_now=PhraseTable(dict.fromkeys(raw["just_now"], True)),
        follow_up=PhraseTable(dict.fromkeys(raw["follow_up"], True)),
        spelling=_misspellings({*raw["spelling"], *service_words}, set(raw["not_misspellings"])),
        not_resources=frozenset(name.lower() for name in raw["not_resources"]),
        host_suffixes=frozenset(raw["host_suffixes"]),
    )


@cache
def _code_pattern() -> re.Pattern:
    codes = sorted(vocabulary().codes.values(), key=len, reverse=True)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{'|'.join(codes)})(?![A-Za-z0-9])", re.I)


def _misspellings(words: set[str], real_words: set[str]) -> dict[str, str]:
    """Every word one swapped, dropped or doubled letter away (never the first letter, as people
    type), unless that is a word of its own ("sow" is not "slow") or near two words ("fil")."""
    near: dict[str, set[str]] = {}
    for word in words:
        for i in range(1, len(word)):
            variants = [word[:i] + word[i + 1:], word[:i] + word[i] + word[i:]]
            if i + 1 < len(word):
                variants.append(word[:i] + word[i + 1] + word[i] + word[i + 2:])
            for variant in variants:
                near.setdefault(variant, set()).add(word)
    return {variant: next(iter(right)) for variant, right in near.items()
            if len(right) == 1 and len(variant) >= 3 and variant not in words and variant not in real_words}


_PLAIN_WORD = re.compile(r"(?<![A-Za-z0-9_./-])[A-Za-z]{3,}(?![A-Za-z0-9_/-]|\.[A-Za-z0-9])")


def _spelled(text: str) -> str:
    """The text with misspelled vocabulary words corrected ("yeterday" -> "yesterday")."""
    spelling = vocabulary().spelling

    def fix(match: re.Match) -> str:
        word = match.group()
        right = spelling.get(word.lower())
        if right is None:
            return word
        return word[0] + right[1:]  # keep the customer's capital
    return _PLAIN_WORD.sub(fix, text.replace("’", "'"))


# A name glued to the time after it: Chinese needs no spaces, and "c0042-data3个小时前",
# "cn-east-17分钟前", "south-shop-data08:55左右" are a name and a time (regions have one digit).
_GLUED_TIME = re.compile(
    r"((?<![A-Za-z0-9])[a-z]{2}-(?:north|south|east|west|central)+-\d|[A-Za-z]{2})"
    r"(\d{1,2}[:：][0-5]\d(?!\d)|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d+(?:[ \t]?[个半多]){0,3}[ \t]?(?:分钟|小时|钟头|天))",
    re.I)


def _unglued(text: str) -> str:
    return _GLUED_TIME.sub(r"\1 \2", text)


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------


def read_ticket(ticket: Ticket) -> TicketReading:
    text = _unglued(_spelled(ticket.subject + "\n" + ticket.body))
    codes, statuses = _error_codes(text), _statuses(text)
    named = _resources(text)
    resource_names = {name.lower() for _, name in named} | {(ticket.resource or "").lower()}
    hint = _time_hint(text, ticket.created_at)
    return TicketReading(
        request_ids=_unique([*ticket.request_ids, *REQUEST_ID_PATTERN.findall(text)]),
        error_codes=_in_order(codes),
        statuses=_in_order(statuses),
        resources=_unique([*([ticket.resource] if ticket.resource else []), *_in_order(named)]),
        service=_service_field(ticket.service) if ticket.service else _service(text),
        region=ticket.region or _region(text),
        endpoint=_endpoint(text, resource_names),
        started_at=hint.moment.astimezone(timezone.utc) if hint else None,
        time_hint=hint.words if hint else None,
        symptoms=_in_order(_symptoms(text) + [(at, "errors") for at, _ in codes + statuses]),
        follow_up=bool(vocabulary().follow_up.find(text)),
        language=ticket.language or detect_language(ticket.subject + " " + ticket.body),
    )


def detect_language(text: str) -> Language:
    return "zh" if CJK_PATTERN.search(text) else "en"


# ---------------------------------------------------------------------------------------------
# Pieces: each finder returns (position, value) pairs
# ---------------------------------------------------------------------------------------------

Found = list[tuple[int, Any]]


def _unique(values: Iterable) -> list:
    return list(dict.fromkeys(values))


def _in_order(found: Found) -> list:
    return _unique(value for _, value in sorted(found, key=lambda item: item[0]))


def _error_codes(text: str) -> Found:
    vocab = vocabulary()
    found = []
    for match in _code_pattern().finditer(text):
        code = vocab.codes[match.group().lower()]
        if code not in vocab.word_codes or match.group() == code:
            found.append((match.start(), code))
    return found + [(match.start(), code) for match, code in vocab.code_phrases.find(text)]


def _statuses(text: str) -> Found:
    found = []
    for match in _STATUS.finditer(text):
        number = int(match["number"])
        if _QUANTITY.match(text, match.end()) or _ONE_IN.search(text, max(0, match.start() - 16), match.start()):
            continue
        if match["prefix"] or number in _KNOWN_STATUSES:  # a bare number only if it is a real status
            found.append((match.start(), number))
    return found + [(match.start(), status) for match, status in vocabulary().status_phrases.find(text)]


_KNOWN_STATUSES = frozenset(status.value for status in HTTPStatus if 300 <= status.value < 600)


def _resources(text: str) -> Found:
    vocab = vocabulary()
    found: Found = []
    for pattern in _RESOURCE_CUES:
        for match in pattern.finditer(text):
            name, chinese_cue = match["name"], not match.group()[0].isascii()  # "存储桶photos"
            # After an English word, a plain word is English ("bucket should"); a name looks like one.
            if chinese_cue or match["sep"].strip() or re.search(r"[-_.0-9]", name):
                found.append((match.start("name"), name))
    for pattern in _KEY_CUES:
        found += [(match.start("key"), match["key"]) for match in pattern.finditer(text)
                  if "/" in match["key"] or re.search(r"\.[A-Za-z0-9]{2,4}$", match["key"])]
    for match in _URL_RESOURCE.finditer(text):
        found += [(match.start(group), match[group]) for group in ("name", "key") if match[group]]
    for pattern in _BARE_RESOURCES:
        found += [(match.start("name"), match["name"]) for match in pattern.finditer(text)]
    return [(at, name) for at, name in found if _could_be_resource(name, vocab)]


def _could_be_resource(name: str, vocab: Vocabulary) -> bool:
    lower = name.lower()
    return not (
        lower in vocab.not_resources or lower in vocab.service_names or lower in vocab.codes
        or REGION_PATTERN.fullmatch(name) or REQUEST_ID_PATTERN.fullmatch(name)
        or not re.search("[A-Za-z]", name) or len(name) < 3
    )


def _service(text: str) -> str | None:
    """The first service named in a statement, else the first named in a question (subject, then
    body): customers guess in questions ("Is your auth service down?") and say what fails in
    statements ("uploads to OSS fail")."""
    named = [(_in_question(text, match.end()), match.start(), service)
             for match, service in vocabulary().services.find(text)]
    return min(named)[2] if named else None


_CLAUSE_END = re.compile(r"[,，;；.!?。！？\n]")


def _in_question(text: str, at: int) -> bool:
    """Whether the clause around `at` asks: "Uploads to OSS fail, is your auth service down?"."""
    end = _CLAUSE_END.search(text, at, at + 300)
    return end is not None and end.group() in "?？"


def _service_field(value: str) -> str:
    """The field as given, or its canonical name when it is one of the customer words for it."""
    return vocabulary().service_names.get(value.strip().lower(), value)


def _region(text: str) -> str | None:
    match = REGION_PATTERN.search(text)
    return match.group().lower() if match else None


def _endpoint(text: str, resource_names: set[str]) -> str | None:
    """The first host named that is not the customer's own domain."""
    suffixes = vocabulary().host_suffixes
    for match in _HOST.finditer(text):
        host = match.group(1).lower()
        if match.group(2).lower() in suffixes and host not in resource_names:
            return host
    return None


def _symptoms(text: str) -> Found:
    vocab = vocabulary()
    # Not "no errors, just slow", nor the words inside a code ("SlowDown").
    chars = list(text)
    for match in [match for match, _ in vocab.negations.find(text)] + list(_code_pattern().finditer(text)):
        chars[match.start():match.end()] = " " * (match.end() - match.start())
    text = "".join(chars)
    return [(match.start(), symptom) for match, symptom in vocab.symptoms.find(text)]


# ---------------------------------------------------------------------------------------------
# When it began
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    start: int
    end: int
    moment: datetime  # aware
    words: str


def _time_hint(text: str, created: datetime) -> Hint | None:
    """The earliest start among the time hints (a hint inside a longer one is part of it)."""
    hints = _outermost([*_clock_hints(text, created), *_elapsed_hints(text, created), *_period_hints(text, created)])
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
    offset = _offset(groups.get("offset") or groups.get("offset2") or "")
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


def _offset(words: str) -> timezone | None:
    """The UTC offset named after a clock time: "(UTC+8)", "+08:00", "Z", "Beijing time"."""
    if not words:
        return None
    if "北京时间" in words or "beijing" in words.lower():
        return BEIJING
    number = _OFFSET_NUMBER.search(words)
    if number:
        sign = -1 if number[1] == "-" else 1
        return timezone(sign * timedelta(hours=int(number[2]), minutes=int(number[3] or 0)))
    if re.search(r"UTC|GMT|Z", words, re.I):
        return timezone.utc
    return None


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


def _period_hints(text: str, created: datetime) -> list[Hint]:
    vocab = vocabulary()
    hints = [Hint(match.start(), match.end(), created - JUST_NOW, match.group()) for match, _ in vocab.just_now.find(text)]
    for match, (days_back, hour) in vocab.periods.find(text):
        moment = datetime.combine(created.date() - timedelta(days=days_back), time(hour), created.tzinfo)
        if days_back == 0 and moment > created:  # "tonight", written after midnight
            moment -= timedelta(days=1)
        hints.append(Hint(match.start(), match.end(), moment, match.group()))
    return hints
