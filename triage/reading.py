"""Ticket understanding: what a ticket says, read from its fields and its words.

Pure: no I/O; the words come with the vocabulary passed in. `read_ticket` turns a ticket into a
TicketReading: request ids, error codes, HTTP statuses, resources, service, region, endpoint, when
it began, the symptoms and the language. Explicit ticket fields win over the text; every list
keeps the order of first mention (fields first), without duplicates.

The words are data (triage/vocabulary.py): service and region names, message phrases, symptom and
time words, request-id and region shapes, and the knowledge base's codes and message phrases. Customers mistype: plain
English words one letter away from a vocabulary word are read as that word before matching.

When it began is triage/time_hints.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timezone
from http import HTTPStatus
from typing import Any

from triage.models import Language, Ticket, TicketReading
from triage.time_hints import time_hint
from triage.vocabulary import CJK, Vocabulary

# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------

CJK_PATTERN = re.compile(f"[{CJK}]")
# A status is a 3-digit number standing alone: not part of a time (10:05), decimal, id, year or count.
_STATUS = re.compile(
    r"(?<![A-Za-z0-9_.:/#$¥€+-])(?P<prefix>(?:HTTP(?:/\d(?:\.\d)?)?|status(?:\s+code)?|状态码)\s*(?:[:=]\s*)?)?"
    r"(?P<number>[3-5]\d\d)(?:s(?![A-Za-z0-9]))?(?![A-Za-z0-9_%]|[.:,-]\d)", re.I)  # "502s": a plural
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
# Spelling
# ---------------------------------------------------------------------------------------------

_PLAIN_WORD = re.compile(r"(?<![A-Za-z0-9_./-])[A-Za-z]{3,}(?![A-Za-z0-9_/-]|\.[A-Za-z0-9])")


def _spelled(text: str, spelling: dict[str, str]) -> str:
    """The text with misspelled vocabulary words corrected ("yeterday" -> "yesterday")."""

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


# A field value longer than this is no name of anything (and a search for it would be refused:
# Elasticsearch answers 400 to a term longer than it can index); the reading ignores it.
MAX_NAME = 256


def _plausible(value: str | None) -> str | None:
    return value if value and len(value) <= MAX_NAME else None


def read_ticket(ticket: Ticket, vocab: Vocabulary) -> TicketReading:
    text = _unglued(_spelled(ticket.subject + "\n" + ticket.body, vocab.spelling))
    service, region, resource = _plausible(ticket.service), _plausible(ticket.region), _plausible(ticket.resource)
    codes, statuses = _error_codes(text, vocab), _statuses(text, vocab)
    named = _resources(text, vocab)
    resource_names = {name.lower() for _, name in named} | {(resource or "").lower()}
    hint = time_hint(text, ticket.created_at, vocab)
    return TicketReading(
        request_ids=_unique([*filter(_plausible, ticket.request_ids),
                             *(match.group() for match in vocab.request_id_pattern.finditer(text))]),
        error_codes=_in_order(codes),
        hinted_codes=_unique(code for _, codes_hinted in vocab.usage_hints.find(text) for code in codes_hinted),
        statuses=_in_order(statuses),
        resources=_unique([*([resource] if resource else []), *_in_order(named)]),
        service=_service_field(service, vocab) if service else _service(text, vocab),
        region=_region_field(region, vocab) if region else _region(text, vocab),
        endpoint=_endpoint(text, resource_names, vocab),
        started_at=hint.moment.astimezone(timezone.utc) if hint else None,
        time_hint=hint.words if hint else None,
        symptoms=_in_order(_symptoms(text, vocab) + [(at, "errors") for at, _ in codes + statuses]),
        names_server_errors=bool(vocab.server_error_words.find(text)),
        follow_up=bool(vocab.follow_up.find(text)),
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


def _error_codes(text: str, vocab: Vocabulary) -> Found:
    found = []
    for match in vocab.code_pattern.finditer(text):
        code = vocab.codes[match.group().lower()]
        if code not in vocab.word_codes or match.group() == code:
            found.append((match.start(), code))
    return found + [(match.start(), code) for match, code in vocab.code_phrases.find(text)]


def _statuses(text: str, vocab: Vocabulary) -> Found:
    found = []
    for match in _STATUS.finditer(text):
        number = int(match["number"])
        if _QUANTITY.match(text, match.end()) or _ONE_IN.search(text, max(0, match.start() - 16), match.start()):
            continue
        if match["prefix"] or number in _KNOWN_STATUSES:  # a bare number only if it is a real status
            found.append((match.start(), number))
    return found + [(match.start(), status) for match, status in vocab.status_phrases.find(text)]


_KNOWN_STATUSES = frozenset(status.value for status in HTTPStatus if 300 <= status.value < 600)


def _resources(text: str, vocab: Vocabulary) -> Found:
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
        or vocab.region_pattern.fullmatch(name) or vocab.request_id_pattern.fullmatch(name)
        or not re.search("[A-Za-z]", name) or len(name) < 3
    )


def _service(text: str, vocab: Vocabulary) -> str | None:
    """The first service named in a statement, else the first named in a question (subject, then
    body): customers guess in questions ("Is your auth service down?") and say what fails in
    statements ("uploads to OSS fail")."""
    named = [(_in_question(text, match.end()), match.start(), service)
             for match, service in vocab.services.find(text)]
    return min(named)[2] if named else None


_CLAUSE_END = re.compile(r"[,，;；.!?。！？\n]")


def _in_question(text: str, at: int) -> bool:
    """Whether the clause around `at` asks: "Uploads to OSS fail, is your auth service down?"."""
    end = _CLAUSE_END.search(text, at, at + 300)
    return end is not None and end.group() in "?？"


def _service_field(value: str, vocab: Vocabulary) -> str:
    """The field as given, or its canonical name when it is one of the customer words for it."""
    return vocab.service_names.get(value.strip().lower(), value)


def _region_field(value: str, vocab: Vocabulary) -> str:
    """The field as given, or the region it names ("Frankfurt" -> "fra1" when the vocabulary says so)."""
    return vocab.regions.first(value.strip()) or value


def _region(text: str, vocab: Vocabulary) -> str | None:
    """The first region named: a region-shaped word, or a name the vocabulary gives a region."""
    found = [(match.start(), match.group().lower()) for match in vocab.region_pattern.finditer(text)]
    found += [(match.start(), region) for match, region in vocab.regions.find(text)]
    return min(found)[1] if found else None


def _endpoint(text: str, resource_names: set[str], vocab: Vocabulary) -> str | None:
    """The first host named that is not the customer's own domain."""
    suffixes = vocab.host_suffixes
    for match in _HOST.finditer(text):
        host = match.group(1).lower()
        if match.group(2).lower() in suffixes and host not in resource_names:
            return host
    return None


def _symptoms(text: str, vocab: Vocabulary) -> Found:
    # Not "no errors, just slow", nor the words inside a code ("SlowDown").
    chars = list(text)
    for match in [match for match, _ in vocab.negations.find(text)] + list(vocab.code_pattern.finditer(text)):
        chars[match.start():match.end()] = " " * (match.end() - match.start())
    text = "".join(chars)
    return [(match.start(), symptom) for match, symptom in vocab.symptoms.find(text)]


