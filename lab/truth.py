"""What the lab knows and the worker does not: the ground truth of each ticket, and what was observed.

`GroundTruth` is written by `lab load` (one JSON line per ticket in the run's truth.jsonl);
`Observed` is what `lab eval` reads back from Kafka for one ticket. The evaluator compares the two.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from triage.models import Label


class GroundTruth(BaseModel):
    """Why a ticket was filed, as the scenario generated it."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str
    customer_id: str
    scenario: str
    label: Label
    kind: str  # the event kind, e.g. regional_outage, expired_token
    event: str  # the event id
    incident: str | None  # the event id for platform faults: tickets with the same incident share a cause
    services: list[str]  # the services the fault hit (platform) or the customer's failing calls hit (usage)
    regions: list[str]
    error_code: str | None = None  # the customer's actual error code (usage errors that reach us)
    status: int | None = None


class Observed(BaseModel):
    """One enriched ticket read back from the output topic, with both Kafka timestamps."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str
    document: dict[str, Any]  # the EnrichedTicket as JSON
    produced_ms: int  # timestamp of the input ticket record
    enriched_ms: int  # timestamp of the enriched record

    @property
    def label(self) -> str:
        return self.document["verdict"]["label"]

    @property
    def incident_id(self) -> str | None:
        """The incident the worker put the ticket in, if it groups (field `incident_id`, or `incident.id`)."""
        if self.document.get("incident_id"):
            return self.document["incident_id"]
        incident = self.document.get("incident")
        return incident.get("id") if isinstance(incident, dict) else None

    @property
    def latency_s(self) -> float:
        return (self.enriched_ms - self.produced_ms) / 1000
