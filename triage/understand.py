"""From a ticket to a case: what the ticket says and the time windows to search.

Pure: no I/O. The reading (triage/reading.py) sets where the window starts: from the customer's
own time hint ("since 10:05", "昨晚") when there is one, else a fixed look-back from created_at.
Explicit ticket fields win over the text, and the text wins over what the logs suggest.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from triage.case import Case
from triage.clock import floor_to
from triage.models import Evidence, Ticket, TimeWindow
from triage.reading import read_ticket
from triage.vocabulary import Vocabulary

# Customers notice and report after the fact: look back further than forward.
DEFAULT_LOOKBACK = timedelta(minutes=30)
DEFAULT_LOOKAHEAD = timedelta(minutes=2)
DEFAULT_BASELINE = timedelta(minutes=60)
# A follow-up without a time hint: the problem began before the first ticket, maybe hours ago.
FOLLOW_UP_LOOKBACK = timedelta(hours=2)
# Before the hinted start: people round times and notice late. Never further back than MAX_LOOKBACK.
HINT_MARGIN = timedelta(minutes=10)
MAX_LOOKBACK = timedelta(hours=12)


def understand(
    ticket: Ticket,
    vocab: Vocabulary,
    lookback: timedelta = DEFAULT_LOOKBACK,
    lookahead: timedelta = DEFAULT_LOOKAHEAD,
    baseline: timedelta = DEFAULT_BASELINE,
) -> Case:
    reading = read_ticket(ticket, vocab)
    created = ticket.created_at.astimezone(timezone.utc)
    start = created - (FOLLOW_UP_LOOKBACK if reading.follow_up and reading.started_at is None else lookback)
    if reading.started_at is not None:
        start = max(min(start, reading.started_at - HINT_MARGIN), created - MAX_LOOKBACK)
    # On the minute: tickets about the same minutes send identical searches (Elasticsearch's request cache).
    window = TimeWindow(start=floor_to(start), end=floor_to(created + lookahead))
    return Case(
        ticket=ticket,
        reading=reading,
        window=window,
        baseline=TimeWindow(start=window.start - baseline, end=window.start),
    )


def ticket_evidence(case: Case) -> Evidence:
    """What the customer says it sees, as facts the rules can weigh (from the ticket, not our systems)."""
    reading = case.reading
    facts = {
        # A follow-up that names no symptom ("any update?") complains of the problem it wrote about before.
        "complains_errors": int("errors" in reading.symptoms or bool(reading.statuses) or bool(reading.error_codes)
                                or (reading.follow_up and not reading.symptoms)),
        "complains_slow": int("slow" in reading.symptoms),
        "complains_timeout": int("timeout" in reading.symptoms),
        "complains_latency": int("slow" in reading.symptoms or "timeout" in reading.symptoms),
        "ticket_names_5xx": int(any(status >= 500 for status in reading.statuses)),
        "ticket_names_4xx": int(any(300 <= status < 500 for status in reading.statuses)),
        "ticket_names_error": int(bool(reading.statuses) or bool(reading.error_codes)),
    }
    said = [f"{name} {value}" for name, value in (
        ("statuses", reading.statuses), ("error codes", reading.error_codes), ("symptoms", reading.symptoms),
        ("resources", reading.resources), ("since", reading.started_at and reading.started_at.isoformat()),
    ) if value]
    return Evidence(source="ticket", query="the ticket's fields and text", summary="the ticket says: " + ("; ".join(said) or "nothing specific"), facts=facts)
