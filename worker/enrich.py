"""Enrich a batch of tickets: understand each, run the correlators in order, decide the verdicts.

The only I/O is inside the correlators, so with fake correlators this is a pure function.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from correlators.base import Correlator
from triage.models import EnrichedTicket, Ticket
from triage.understand import Case, understand
from triage.verdict import decide


def enrich_batch(tickets: Sequence[Ticket], correlators: Sequence[Correlator], now: datetime, worker: str) -> list[EnrichedTicket]:
    cases = [understand(ticket) for ticket in tickets]
    for correlator in correlators:
        for case, evidence in zip(cases, correlator.correlate(cases), strict=True):
            case.evidence.append(evidence)
    return [to_enriched(case, now, worker) for case in cases]


def to_enriched(case: Case, now: datetime, worker: str) -> EnrichedTicket:
    return EnrichedTicket(
        ticket_id=case.ticket.ticket_id,
        customer_id=case.ticket.customer_id,
        ticket=case.ticket.model_dump(mode="json"),
        window=case.window,
        baseline=case.baseline,
        service=case.service,
        region=case.region,
        verdict=decide(case.evidence, case.language),
        evidence=case.evidence,
        enriched_at=now,
        worker=worker,
    )
