"""Enrich a batch of tickets: understand each, run the correlators in order, decide the verdicts,
find each platform ticket's incident.

The only I/O is inside the correlators, so with fake correlators this is a pure function.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime

from correlators.base import Correlator, check_provided, handed_on
from triage.case import Case
from triage.incidents import related_incident_id, sighting
from triage.knowledge import Knowledge, builtin_knowledge
from triage.links import links_for
from triage.models import EnrichedTicket, IncidentSighting, Ticket
from triage.note import render_note
from triage.schema import LogSchema, MetricsSchema
from triage.understand import ticket_evidence, understand
from triage.verdict import decide


@dataclass(frozen=True)
class LinkSettings:
    """Where the agent's note links to (None = no link) and what the links show."""

    kibana_url: str | None = None
    grafana_url: str | None = None
    grafana_datasource: str | None = None
    logs_index: str = "access-logs-*"
    log_schema: LogSchema = field(default_factory=LogSchema)
    metrics_schema: MetricsSchema = field(default_factory=MetricsSchema)

    def promql(self) -> list[str]:
        """The two graphs an SRE opens first: 5xx ratio and p99 latency (narrowed to the ticket's scope by links_for)."""
        counter, status = self.metrics_schema.counter, self.metrics_schema.status_label
        return [
            f'sum(rate({counter}{{{status}=~"5.."}}[2m])) / sum(rate({counter}[2m]))',
            f"histogram_quantile(0.99, sum by (le) (rate({self.metrics_schema.latency_histogram}_bucket[2m])))",
        ]

    def log_fields(self) -> dict[str, str | None]:
        schema = self.log_schema
        return {"customer": schema.customer, "service": schema.service, "region": schema.region, "status": schema.status,
                "error_code": schema.error_code, "error_message": schema.error_message,
                "request_id": schema.request_id, "path": schema.path}


@dataclass
class Enrichment:
    tickets: list[EnrichedTicket] = field(default_factory=list)
    sightings: list[IncidentSighting] = field(default_factory=list)


def enrich_batch(tickets: Sequence[Ticket], correlators: Sequence[Correlator], now: datetime, worker: str,
                 links: LinkSettings | None = None, timed: Callable[[str, float], None] | None = None,
                 knowledge: Knowledge | None = None) -> Enrichment:
    """`timed(name, seconds)` is told how long each correlator took (the worker's metrics). The
    correlators' order was checked when the worker was built (correlators/base.py: check_order);
    here each is held to what it declared it provides."""
    knowledge = knowledge or builtin_knowledge()
    cases = [understand(ticket, knowledge.vocabulary) for ticket in tickets]
    for case in cases:
        case.evidence.append(ticket_evidence(case))
    for correlator in correlators:
        started = time.monotonic()
        before = handed_on(cases)
        for case, evidence in zip(cases, correlator.correlate(cases), strict=True):
            case.evidence.append(evidence)
        check_provided(correlator, before, cases)
        if timed is not None:
            timed(correlator.name, time.monotonic() - started)
    out = Enrichment()
    for case in cases:
        enriched, seen = finish(case, now, worker, links or LinkSettings(), knowledge)
        out.tickets.append(enriched)
        if seen is not None:
            out.sightings.append(seen)
    return out


# Extra fields nested deeper than this are kept as their JSON text: deeper values break serialisers
# (pydantic's, orjson's) and indices; the text loses nothing a reader needs.
MAX_EXTRA_DEPTH = 32


def kept_extras(extras: dict[str, Any]) -> dict[str, Any]:
    """A producer's extra fields, as the outputs can hold them (the index keeps them unparsed)."""
    return {key: value if depth(value) <= MAX_EXTRA_DEPTH else json_text(value) for key, value in extras.items()}


def depth(value: Any, limit: int = MAX_EXTRA_DEPTH + 1) -> int:
    """Levels of objects and lists in `value` (0 for a scalar), counted up to `limit`, without recursion."""
    containers, levels = [value] if isinstance(value, (dict, list)) else [], 0
    while containers and levels < limit:
        levels += 1
        children = (child for node in containers for child in (node.values() if isinstance(node, dict) else node))
        containers = [child for child in children if isinstance(child, (dict, list))]
    return levels


def json_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError, TypeError):
        return "<nested too deep to keep>"


def finish(case: Case, now: datetime, worker: str, link_settings: LinkSettings,
           knowledge: Knowledge) -> tuple[EnrichedTicket, IncidentSighting | None]:
    verdict = decide(case.evidence, case.language, knowledge.rules, knowledge.kb)
    seen = sighting(case, verdict)
    incident = seen.incident_id if seen else None
    related = related_incident_id(case, verdict)
    links = links_for(
        kibana_url=link_settings.kibana_url, grafana_url=link_settings.grafana_url,
        grafana_datasource=link_settings.grafana_datasource, logs_index=link_settings.logs_index,
        customer_id=case.ticket.customer_id, start=case.window.start, end=case.window.end,
        service=case.service, region=case.region, promql=link_settings.promql(), metrics_start=case.baseline.start,
        log_fields=link_settings.log_fields(),
        metric_labels=(link_settings.metrics_schema.service_label, link_settings.metrics_schema.region_label),
    )
    note = render_note(case.ticket, case.reading, verdict, case.evidence, links, incident, related,
                       knowledge.kb.get(verdict.error_code or ""), case.language)
    enriched = EnrichedTicket(
        ticket_id=case.ticket.ticket_id,
        customer_id=case.ticket.customer_id,
        ticket=case.ticket.model_dump(mode="json", exclude=set(case.ticket.model_extra or ())),
        ticket_extras=kept_extras(case.ticket.model_extra or {}),
        window=case.window,
        baseline=case.baseline,
        service=case.service,
        region=case.region,
        reading=case.reading,
        verdict=verdict,
        evidence=case.evidence,
        incident_id=incident,
        related_incident_id=related,
        note=note,
        links=links,
        enriched_at=now,
        worker=worker,
    )
    return enriched, seen
