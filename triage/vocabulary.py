"""The words and shapes the worker recognises: in tickets (services, regions, codes, symptoms, time
words, request ids) and in logs (what a status means, which error values mean "no error").

Data, not code: the built-in triage/vocabulary.yaml and triage/patterns.yaml, extended or replaced
by a team's own files (triage/knowledge.py loads and merges them). `VocabularyData` and
`PatternsData` are the validated shapes of those files; `Vocabulary` is what the reader uses,
compiled once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field, field_validator

CJK = "\u4e00-\u9fff"
# Latin neighbours that make a token part of a longer one: "oss" in "oss-cn-east-1.example.com".
IN_TOKEN = "A-Za-z0-9_.-"
_RUN = re.compile(rf"[a-z0-9]+|[{CJK}]+")

Side = Literal["client", "server", "timeout", "none"]


class StatusMeaning(BaseModel):
    """Who a status puts the fault with: `client` (the customer's request was wrong), `server` (we
    failed), `timeout` (the request ran out of time: nobody's fault until the latency says whose),
    `none` (not a failure)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    side: Side
    meaning: dict[str, str] = Field(default_factory=dict)


class VocabularyData(BaseModel):
    """The shape of vocabulary.yaml (built-in, and any team file that extends it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform_codes: list[str] = Field(default_factory=list)
    word_codes: list[str] = Field(default_factory=list)
    code_phrases: dict[str, list[str]] = Field(default_factory=dict)
    status_phrases: dict[int, list[str]] = Field(default_factory=dict)
    services: dict[str, list[str]] = Field(default_factory=dict)
    regions: dict[str, list[str]] = Field(default_factory=dict)
    symptoms: dict[Literal["errors", "slow", "timeout"], list[str]] = Field(default_factory=dict)
    negations: dict[Literal["errors", "slow", "timeout"], list[str]] = Field(default_factory=dict)
    server_error_words: list[str] = Field(default_factory=list)
    periods: dict[str, tuple[int, int]] = Field(default_factory=dict)
    just_now: list[str] = Field(default_factory=list)
    follow_up: list[str] = Field(default_factory=list)
    spelling: list[str] = Field(default_factory=list)
    not_misspellings: list[str] = Field(default_factory=list)
    not_resources: list[str] = Field(default_factory=list)
    host_suffixes: list[str] = Field(default_factory=list)
    statuses: dict[str, StatusMeaning] = Field(default_factory=dict)
    no_error_values: list[str] = Field(default_factory=list)

    @field_validator("statuses", mode="before")
    @classmethod
    def _keys_as_text(cls, statuses: Any) -> Any:
        """499: written as a number or as text, the same key."""
        return {str(key): value for key, value in statuses.items()} if isinstance(statuses, dict) else statuses

    @field_validator("statuses")
    @classmethod
    def _status_keys(cls, statuses: dict[str, StatusMeaning]) -> dict[str, StatusMeaning]:
        for key in statuses:
            if not re.fullmatch(r"[1-5](?:\d\d|xx)", key):
                raise ValueError(f"status key {key!r} must be a status (499) or a class (4xx)")
        return statuses


class PatternsData(BaseModel):
    """The shape of patterns.yaml: regular expressions for request ids and region names in text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_ids: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)

    @field_validator("request_ids", "regions")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
        return patterns


class PhraseTable:
    """Phrases -> values. `find` gives every place a phrase is said (overlapping ones too), in
    order of place, the longest first where several start at one place."""

    def __init__(self, table: dict[str, Any], stems: bool = False):
        # Each phrase's longest plain run ("expired" of "token has expired"), all in one Aho-Corasick
        # automaton: one pass over a ticket tells which phrases may be in it, and only their regexes
        # run (a ticket uses few of the hundreds of phrases). An entry's position in the table keeps
        # the table's order among phrases said at one place with one length.
        self._always: list[tuple[int, re.Pattern, Any]] = []  # phrases without a plain run
        self._by_needle: dict[str, list[tuple[int, re.Pattern, Any]]] = {}
        for n, (phrase, value) in enumerate(table.items()):
            needle = max(_RUN.findall(phrase.lower()), key=len, default="")
            entry = (n, re.compile(phrase_pattern(phrase, stems), re.I), value)
            (self._by_needle.setdefault(needle, []) if needle else self._always).append(entry)
        self._needles = ahocorasick.Automaton()
        for needle in self._by_needle:
            self._needles.add_word(needle, needle)
        if self._by_needle:
            self._needles.make_automaton()

    def find(self, text: str) -> list[tuple[re.Match, Any]]:
        said = {needle for _, needle in self._needles.iter(text.lower())} if self._by_needle else set()
        candidates = sorted([*self._always, *(entry for needle in said for entry in self._by_needle[needle])],
                            key=lambda entry: entry[0])
        found = [(match, value) for _, regex, value in candidates for match in regex.finditer(text)]
        return sorted(found, key=lambda item: (item[0].start(), -len(item[0].group())))

    def first(self, text: str) -> Any:
        """The value of the first phrase said, or None."""
        found = self.find(text)
        return found[0][1] if found else None


def phrase_pattern(phrase: str, stem: bool) -> str:
    """A phrase as a regex: any spacing, optional spaces between Latin and Chinese, whole words."""
    words = [re.escape(word) for word in phrase.split()]
    pattern = r"\s+".join(words)
    pattern = re.sub(rf"(?<=[{CJK}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[{CJK}])", r"\\s*", pattern)
    if re.match("[A-Za-z0-9]", phrase):
        pattern = rf"(?<![{IN_TOKEN}]){pattern}"
    if re.search("[A-Za-z0-9]$", phrase) and not stem:
        pattern = rf"{pattern}(?![A-Za-z0-9_-]|\.[A-Za-z0-9])"  # a full stop may follow
    return pattern


@dataclass(frozen=True)
class Vocabulary:
    codes: dict[str, str]        # lower case -> the code as logged
    platform_codes: frozenset[str]  # codes of the platform's own failures (a ticket quoting one claims a server error)
    word_codes: frozenset[str]   # codes found only as written
    code_phrases: PhraseTable    # -> code
    status_phrases: PhraseTable  # -> status
    services: PhraseTable        # -> canonical service
    service_names: dict[str, str]  # lower-case alias -> canonical service
    regions: PhraseTable         # alias -> canonical region
    symptoms: PhraseTable        # -> symptom
    negations: PhraseTable       # -> symptom denied
    server_error_words: PhraseTable  # words for server errors when no status is named
    periods: PhraseTable         # -> (days back, hour)
    just_now: PhraseTable
    follow_up: PhraseTable
    spelling: dict[str, str]     # misspelling -> word
    not_resources: frozenset[str]
    host_suffixes: frozenset[str]
    request_id_pattern: re.Pattern
    region_pattern: re.Pattern
    statuses: dict[str, StatusMeaning]  # "499" or "4xx" -> meaning
    no_error_values: frozenset[str]     # error codes/messages that say "no error": "", "-", "OK", "0"
    usage_hints: PhraseTable            # a knowledge-base entry's hint words -> the codes they may mean

    @cached_property
    def code_pattern(self) -> re.Pattern:
        codes = sorted(self.codes.values(), key=len, reverse=True)
        return re.compile(rf"(?<![A-Za-z0-9])(?:{'|'.join(map(re.escape, codes))})(?![A-Za-z0-9])", re.I)

    def status_side(self, status: int | None) -> Side:
        """What a status says about whose fault a failure is: its own entry, else its class's."""
        if status is None:
            return "none"
        meaning = self.statuses.get(str(status)) or self.statuses.get(f"{status // 100}xx")
        if meaning is not None:
            return meaning.side
        return "server" if status >= 500 else "client" if status >= 400 else "none"

    def status_meaning(self, status: int, language: str) -> str | None:
        meaning = self.statuses.get(str(status))
        return (meaning.meaning.get(language) or meaning.meaning.get("en")) if meaning else None

    def is_error_value(self, value: Any) -> bool:
        """A logged error code or message that names an error (not None, "", "-", "OK", ...)."""
        return isinstance(value, str) and value.strip() != "" and value.strip() not in self.no_error_values


def build_vocabulary(data: VocabularyData, patterns: PatternsData, usage_codes: dict[str, list[str]],
                     usage_hints: dict[str, list[str]] | None = None) -> Vocabulary:
    """The reader's vocabulary; `usage_codes` are the knowledge base's codes with their message
    phrases, `usage_hints` the same codes with their hint words."""
    hinted: dict[str, list[str]] = {}  # one hint may point at several entries ("not found")
    for code, hints in (usage_hints or {}).items():
        for hint in (hint.lower() for hint in hints if hint.strip()):
            hinted.setdefault(hint, []).append(code)
    codes = [*usage_codes, *data.platform_codes]
    code_phrases = {phrase.lower(): code for code, phrases in data.code_phrases.items() for phrase in phrases}
    for code, phrases in usage_codes.items():  # the knowledge base's message phrases, whatever they are today
        code_phrases.update({phrase.lower(): code for phrase in phrases if phrase.strip()})
    services = {alias.lower(): service for service, aliases in data.services.items() for alias in aliases}
    service_words = {word for alias in services for word in re.findall("[a-z]+", alias)}
    regions = {alias.lower(): region for region, aliases in data.regions.items() for alias in [region, *aliases]}
    return Vocabulary(
        codes={code.lower(): code for code in codes},
        platform_codes=frozenset(data.platform_codes),
        word_codes=frozenset(data.word_codes),
        code_phrases=PhraseTable(code_phrases),
        status_phrases=PhraseTable({phrase: int(status) for status, phrases in data.status_phrases.items()
                                    for phrase in phrases}),
        services=PhraseTable(services),
        service_names=services | {service: service for service in data.services},
        regions=PhraseTable(regions),
        symptoms=PhraseTable({word: symptom for symptom, words in data.symptoms.items() for word in words}, stems=True),
        negations=PhraseTable({phrase: symptom for symptom, phrases in data.negations.items() for phrase in phrases}),
        server_error_words=PhraseTable(dict.fromkeys(data.server_error_words, True)),
        periods=PhraseTable({phrase: tuple(when) for phrase, when in data.periods.items()}),
        just_now=PhraseTable(dict.fromkeys(data.just_now, True)),
        follow_up=PhraseTable(dict.fromkeys(data.follow_up, True)),
        spelling=misspellings({*data.spelling, *service_words}, set(data.not_misspellings)),
        not_resources=frozenset(name.lower() for name in data.not_resources),
        host_suffixes=frozenset(data.host_suffixes),
        request_id_pattern=_any_of(patterns.request_ids),
        region_pattern=_any_of(patterns.regions, re.I),
        statuses=dict(data.statuses),
        no_error_values=frozenset(data.no_error_values),
        usage_hints=PhraseTable({hint: tuple(codes) for hint, codes in hinted.items()}, stems=True),
    )


def _any_of(patterns: list[str], flags: int = 0) -> re.Pattern:
    """One regex for several (never matching when there are none)."""
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns) or r"(?!x)x", flags)


def misspellings(words: set[str], real_words: set[str]) -> dict[str, str]:
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
