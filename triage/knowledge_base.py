"""The usage-error knowledge base: a code or a message -> cause, fix steps, doc link, suggested reply.

Its content is data: the built-in triage/knowledge_base.yaml, extended or replaced by a team's own
file (triage/knowledge.py). An entry is found by the error code the logs carry (`ExpiredToken`), or
by a phrase of its `messages` inside a free-text error message ("The access token has expired at
..."): platforms that log only messages are read the same way. Every text is keyed by language;
English is required because it is the fallback for any other language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.vocabulary import PhraseTable

QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|“[^”]*”")


class KnowledgeEntry(BaseModel):
    """One customer-side mistake: its code, or the messages it is logged with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: int | None = Field(None, ge=100, le=599, description="the HTTP status the service answers with")
    doc_url: str = ""
    aliases: list[str] = Field(default_factory=list, description="other codes the logs carry for the same mistake")
    # Phrases of the error message as services print it and customers quote it ("token has
    # expired", "令牌已过期"): the ticket reader maps them back to this entry, and so does a log
    # message that contains one.
    messages: dict[str, list[str]] = Field(default_factory=dict)
    # Words a customer uses about this kind of error without quoting it ("permission errors",
    # "鉴权失败"): they say which of its failures a ticket is about, when the logs show them
    # (the reader finds them: TicketReading.hinted_codes).
    hints: dict[str, list[str]] = Field(default_factory=dict)
    cause: dict[str, str]
    fix: dict[str, list[str]]
    # What support can send the customer; may use {customer_id}, {error_code}, {status},
    # {service}, {region}, {resource}, {count}, {first_failure}, {last_failure}, {doc_url}.
    reply: dict[str, str] = Field(default_factory=dict)

    @field_validator("cause", "fix")
    @classmethod
    def english_is_there(cls, texts: dict) -> dict:
        if "en" not in texts:
            raise ValueError("needs an 'en' text: English is the fallback for other languages")
        return texts

    def text(self, field: str, language: str):
        """The field's text in `language`, else in English (None if the field has none)."""
        texts = getattr(self, field)
        return texts.get(language, texts.get("en"))

    def phrases(self) -> list[str]:
        return [phrase for phrases in self.messages.values() for phrase in phrases if phrase.strip()]


class KnowledgeBase(Mapping[str, KnowledgeEntry]):
    """Entries by code; `code_of` also finds the entry a free-text log message names."""

    def __init__(self, entries: Mapping[str, KnowledgeEntry]):
        self.entries = dict(entries)
        self._lower = {name.lower(): code for code, entry in self.entries.items() for name in (code, *entry.aliases)}
        self._phrases = PhraseTable({phrase.lower(): code for code, entry in self.entries.items()
                                     for phrase in entry.phrases()})
        self._seen: dict[str, str | None] = {}  # message -> code: a batch repeats the same few messages

    def __getitem__(self, code: str) -> KnowledgeEntry:
        return self.entries[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def code_of(self, logged: str | None) -> str | None:
        """The entry a logged error code or message is: the code itself, the code in other case or
        one of its aliases, or the entry one of whose message phrases the message contains (the
        first said)."""
        if not logged:
            return None
        if logged in self.entries:
            return logged
        if logged not in self._seen:
            code = self._lower.get(logged.lower())
            if code is None:  # "Bucket 'media-eu' does not exist": the phrase is around the name
                code = self._phrases.first(logged) or self._phrases.first(QUOTED.sub(" ", logged))
            self._seen[logged] = code
        return self._seen[logged]



def parse_knowledge_base(raw: Mapping) -> KnowledgeBase:
    return KnowledgeBase({code: KnowledgeEntry.model_validate(entry) for code, entry in raw.items()})
