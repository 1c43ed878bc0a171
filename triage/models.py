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
Language = Literal["zh", "en"]
# What the customer complains of, read from the text: failed requests, slowness, timeouts/hangs.
Symptom = Literal["errors", "slow", "timeout"]


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


class TicketReading(BaseModel):
    """What a ticket says, read from its fields and its text (triage/reading.py).

    Explicit ticket fields win over the text: a `service` field beats "对象存储" in the body.
    Every list keeps the order of first mention, without duplicates.
    """

    model_config = ConfigDict(frozen=True)

    request_ids: list[str] = Field(default_factory=list)
    error_codes: list[str] = Field(default_factory=list)  # as our services log them: "ExpiredToken"
    hinted_codes: list[str] = Field(default_factory=list)  # knowledge-base codes the words hint at ("permission errors")
    statuses: list[int] = Field(default_factory=list)  # HTTP statuses named: 503, 403
    resources: list[str] = Field(default_factory=list)  # bucket, domain or object key
    service: str | None = None  # canonical service name: "object-storage"
    region: str | None = None  # "cn-east-1"
    endpoint: str | None = None  # a host named in the text: "oss-cn-east-1.example.com"
    started_at: datetime | None = None  # when the customer says it began (UTC), from the time hint
    time_hint: str | None = None  # the words that said so: "since 10:05", "昨晚"
    symptoms: list[Symptom] = Field(default_factory=list)
    names_server_errors: bool = False  # words for server errors, with no status: "5xx", "server errors", "服务端错误"
    follow_up: bool = False  # "still failing", "any update?", "仍然", "第二次反馈": the problem began earlier
    language: Language = "en"


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


class Signal(BaseModel):
    """One verdict rule that held for a ticket: it adds `weight` to `label` (triage/rules.yaml)."""

    name: str
    label: Label
    weight: float
    reason: str  # the rule's reason, filled with the ticket's figures, in the ticket's language


class Verdict(BaseModel):
    """The label for a ticket, how sure we are, and why.

    `scores` is the summed weight per label; `signals` are the rules that held, strongest first, and
    `reasons` their texts in the same order. `missing` names, for an inconclusive verdict, the
    evidence that would have decided it. Cause, fix and doc link come from the knowledge base for a
    usage error whose error code it knows.
    """

    label: Label
    confidence: float = Field(ge=0.0, le=1.0)
    rule: str  # the strongest signal of the winning label, or the name of the inconclusive outcome
    reasons: list[str]
    signals: list[Signal] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)
    inhibitions: list[str] = Field(default_factory=list)  # rules.yaml inhibitions that held: their labels could not win
    error_code: str | None = None
    cause: str | None = None
    fix: list[str] = Field(default_factory=list)
    doc_url: str | None = None


IncidentStatus = Literal["open", "resolved"]


class IncidentSighting(BaseModel):
    """One platform ticket's view of the incident it belongs to; the store merges sightings.

    `incident_id` is a hash of the key (region, the alert that defines the fault, fault start; see
    triage/incidents.py): any worker that sees the same fault in the same data computes the same id,
    so sightings merge without coordination.
    """

    incident_id: str
    service: str
    region: str
    fault_start: datetime  # the alert onset (see triage/incidents.py), or the hour of the first failure without one
    fault_end: datetime | None = None  # last bad minute seen; None while it is still going on
    status: IncidentStatus
    status_as_of: datetime  # the data time the status was judged at: the newest judgement wins
    ticket_id: str
    customer_id: str
    seen_at: datetime  # the ticket's created_at (UTC)
    alerts: list[str] = Field(default_factory=list)  # "HighErrorRatio{region=..,service=..}"
    figures: dict[str, Any] = Field(default_factory=dict)  # peak error ratio, p99, customers hit


class Incident(BaseModel):
    """A correlated platform incident as stored in index `incidents` (`_id` = incident_id).

    Built only by merging sightings (worker/incidents.py): first/last seen are the min/max of the
    tickets' times, customers and ticket ids are sets, figures keep the largest values seen.
    """

    incident_id: str
    service: str  # the first of `services` by name
    services: list[str]  # every service its tickets were about (a shared dependency hits several)
    region: str
    fault_start: datetime
    fault_end: datetime | None
    status: IncidentStatus
    status_as_of: datetime
    first_seen: datetime
    last_seen: datetime
    customers: list[str]
    ticket_ids: list[str]
    alerts: list[str] = Field(default_factory=list)
    figures: dict[str, Any] = Field(default_factory=dict)
    updated_at: datetime | None = None


class EnrichedTicket(BaseModel):
    """The worker's output: the ticket, the verdict and every piece of evidence behind it.

    Written to topic `tickets.enriched` (key = ticket_id) and index `tickets-enriched`
    (`_id` = ticket_id, so a replay overwrites instead of duplicating).
    """

    ticket_id: str
    customer_id: str
    ticket: dict[str, Any]  # the ticket's own fields
    ticket_extras: dict[str, Any] = Field(default_factory=dict)  # the producer's extra fields (worker/enrich.py: kept_extras)
    window: TimeWindow
    baseline: TimeWindow
    service: str | None
    region: str | None
    reading: TicketReading
    verdict: Verdict
    evidence: list[Evidence]
    incident_id: str | None = None  # the correlated incident of a platform ticket
    related_incident_id: str | None = None  # a usage error filed during an incident on its service/region
    note: str = ""  # markdown for the support agent, in the ticket's language (triage/note.py)
    links: dict[str, str] = Field(default_factory=dict)  # "kibana", "grafana": the same queries, to open
    enriched_at: datetime
    worker: str
