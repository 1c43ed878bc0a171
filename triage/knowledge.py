"""The usage-error knowledge base: error code -> cause, fix steps, doc link, suggested reply.

The content is data (triage/knowledge_base.yaml), read once per process. Every text is keyed by
language; English is required because it is the fallback for any other language.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator


class KnowledgeEntry(BaseModel):
    """One error code our services log for a customer-side mistake."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: int  # the HTTP status the service answers with
    doc_url: str
    # Phrases of the error message as services print it and customers quote it ("token has
    # expired", "令牌已过期"); the ticket reader maps them back to this code.
    messages: dict[str, list[str]] = Field(default_factory=dict)
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


KnowledgeBase = dict[str, KnowledgeEntry]


def parse_knowledge_base(raw: dict) -> KnowledgeBase:
    return {code: KnowledgeEntry.model_validate(entry) for code, entry in raw.items()}


@cache
def knowledge_base() -> KnowledgeBase:
    raw = yaml.safe_load(resources.files("triage").joinpath("knowledge_base.yaml").read_text(encoding="utf-8"))
    return parse_knowledge_base(raw)
