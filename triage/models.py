"""The data shapes, defined once: ticket, evidence, verdict, enriched ticket.

Everything that crosses a module boundary is one of these. They are pydantic models so that the
same definition validates input (tickets from Kafka), serialises output (JSON to Kafka and
Elasticsearch) and documents the schema (docs/data-model.md is written from these).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Label = Literal["platform_incident", "usage_error", "inconclusive"]
LABELS: tuple[Label, ...] = ("platform_incident", "usage_error", "inconclusive")


class Ticket(BaseModel):
    """A customer fault report as it arrives on the `tickets` topic.

    Strict: a number where a string is expected is a mistyped field, not something to coerce.
    Unknown extra fields are kept (forwarded untouched) so producers can add their own.
    """

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    ticket_id: str = Field(min_length=1, max_length=128)
    customer_id: str = Field(min_length=1, max_length=128)
    created_at: AwareDatetime
    subject: str = Field(max_length=1_000)
    body: str = Field(max_length=60_000)
    service: str | None = None
    region: str | None = None
    request_ids: list[str] = Field(default_factory=list, max_length=100)
    resource: str | None = None
    language: Literal["zh", "en"] | None = None


class TimeWindow(BaseModel):
    """A half-open time range [start, end) in UTC."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


class Evidence(BaseModel):
    """What one correlator found for one ticket.

    `facts` are the machine-readable figures the verdict rules read (flat names such as
    `customer_5xx`); `summary` is the same finding in one human sentence; `query` is exactly what
    was sent to the backend, so a person can re-run it; `samples` are raw rows (log lines).
    `available` is False when the source could not answer: the verdict then treats the facts as
    missing instead of as zeros.
    """

    source: str
    query: str
    summary: str
    facts: dict[str, Any] = Field(default_factory=dict)
    samples: list[dict[str, Any]] = Field(default_factory=list)
    available: bool = True


class Verdict(BaseModel):
    """The label for a ticket, how sure we are, and why (strongest reason first)."""

    label: Label
    confidence: float = Field(ge=0.0, le=1.0)
    rule: str
    reasons: list[str]
    missing: list[str] = Field(default_factory=list)
    cause: str | None = None
    fix: list[str] = Field(default_factory=list)
    doc_url: str | None = None


class EnrichedTicket(BaseModel):
    """The worker's output: the ticket, the verdict and every piece of evidence behind it.

    Written to topic `tickets.enriched` (key = ticket_id) and index `tickets-enriched`
    (`_id` = ticket_id, so a replay overwrites instead of duplicating).
    """

    ticket_id: str
    customer_id: str
    ticket: dict[str, Any]
    window: TimeWindow
    baseline: TimeWindow
    service: str | None
    region: str | None
    verdict: Verdict
    evidence: list[Evidence]
    enriched_at: datetime
    worker: str
