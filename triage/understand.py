"""From a ticket to a case: what the ticket says, the time windows to search, and the scope.

Pure: no I/O. The reading (triage/reading.py) sets where the window starts: from the customer's
own time hint ("since 10:05", "昨晚") when there is one, else a fixed look-back from created_at.
Explicit ticket fields win over the text, and the text wins over what the logs suggest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any

from triage.models import Evidence, Ticket, TicketReading, TimeWindow
from triage.clock import ceil_to, floor_to, parse_utc
from triage.reading import read_ticket

# Customers notice and report after the fact: look back further than forward.
DEFAULT_LOOKBACK = timedelta(minutes=30)
DEFAULT_LOOKAHEAD = timedelta(minutes=2)
DEFAULT_BASELINE = timedelta(minutes=60)
# A follow-up without a time hint: the problem began before the first ticket, maybe hours ago.
FOLLOW_UP_LOOKBACK = timedelta(hours=2)
# Before the hinted start: people round times and notice late. Never further back than MAX_LOOKBACK.
HINT_MARGIN = timedelta(minutes=10)
MAX_LOOKBACK = timedelta(hours=12)
# The customer's failures, padded: the period the platform-wide sources look at.
FAULT_PADDING = timedelta(minutes=2)
MIN_FAULT_SPAN = timedelta(minutes=10)
MIN_FAILURES = 3
MIN_FAILURE_RATE = 0.05

Scope = tuple[str, str]  # (service, region)


@dataclass
class Case:
    """One ticket on its way through the correlators; evidence accumulates in order.

    Correlators read what earlier ones found only through these accessors, never each other's code.
    """

    ticket: Ticket
    reading: TicketReading
    window: TimeWindow  # where the customer's own requests are searched
    baseline: TimeWindow  # the same customer/service before the window, for comparison
    evidence: list[Evidence] = field(default_factory=list)
    _derived: dict[str, tuple[int, Any]] = field(default_factory=dict, repr=False, compare=False)

    def _derive(self, name: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per state of the evidence (which only grows): the scope and the fault
        window are read for every alert and every stretch of a batch, and change only when a
        correlator adds its evidence."""
        seen = self._derived.get(name)
        if seen is None or seen[0] != len(self.evidence):
            seen = self._derived[name] = (len(self.evidence), compute())
        return seen[1]

    @property
    def language(self) -> str:
        return self.reading.language

    @property
    def request_ids(self) -> list[str]:
        return self.reading.request_ids

    @property
    def service(self) -> str | None:
        return self.scope[0] if self.scope else self.reading.service

    @property
    def region(self) -> str | None:
        return self.scope[1] if self.scope else self.reading.region

    @property
    def scope(self) -> Scope | None:
        return self._derive("scope", self._scope)

    def _scope(self) -> Scope | None:
        """The service/region this ticket is about, from the strongest hint available:

        1. where the customer's logs show the very errors the ticket quotes (a customer sending to
           the wrong region names its home region, but its WrongRegion answers come from another);
        2. the service and region the ticket names;
        3. the place the metrics found abnormal among the customer's (set by the metrics correlator);
        4. where the customer failed most, among the places that fit what the ticket names.
        """
        quoted = self.quoted_scope
        if quoted:
            return quoted
        if self.reading.service and self.reading.region:
            return self.reading.service, self.reading.region
        chosen = self.fact("metrics_service"), self.fact("metrics_region")
        if chosen[0] and chosen[1]:
            return chosen
        for scope in self.candidate_scopes:
            if (self.reading.service or scope[0]) == scope[0] and (self.reading.region or scope[1]) == scope[1]:
                return scope
        return None

    @property
    def quoted_scope(self) -> Scope | None:
        return self._derive("quoted_scope", self._quoted_scope)

    def _quoted_scope(self) -> Scope | None:
        """Of the customer's service/regions (of the service the ticket names, if it names one), the
        one with the most failures of the codes or statuses the ticket quotes. The region may differ
        from the one named: that is the wrong-region mistake itself."""
        codes, statuses = set(self.reading.error_codes), set(self.reading.statuses)
        if not codes and not statuses:
            return None
        best, best_count = None, 0
        for item in self.fact("customer_scopes") or []:
            if self.reading.service not in (None, item["service"]):
                continue
            count = sum(n for code, n in item.get("error_codes", {}).items()
                        if code in codes or item.get("error_code_statuses", {}).get(code) in statuses)
            if count > best_count:
                best, best_count = (item["service"], item["region"]), count
        return best

    @property
    def candidate_scopes(self) -> list[Scope]:
        """Where the customer's requests went, most relevant first (set by the request-log correlator)."""
        facts = self.fact("customer_scopes") or []
        return [(item["service"], item["region"]) for item in facts]

    @property
    def scope_activity(self) -> dict | None:
        return self._derive("scope_activity", self._scope_activity)

    def _scope_activity(self) -> dict | None:
        """The customer's requests and failures on the ticket's scope (from the request-log evidence)."""
        scope = self.scope
        for item in self.fact("customer_scopes") or []:
            if scope == (item["service"], item["region"]):
                return item
        return None

    @property
    def fault_window(self) -> TimeWindow:
        return self._derive("fault_window", self._fault_window)

    def _fault_window(self) -> TimeWindow:
        """When the customer failed on the ticket's scope (first to last failure, padded), else the
        ticket window.

        Only when the failures are more than background noise: a few scattered refusals over an
        hour say nothing about when the problem the customer reports took place."""
        activity = self.scope_activity or {}
        first, last = activity.get("first_failure"), activity.get("last_failure")
        if not first or not last or not failing_now(activity):
            return self.window
        start = parse_utc(first) - FAULT_PADDING
        end = max(parse_utc(last) + FAULT_PADDING, start + MIN_FAULT_SPAN)
        return TimeWindow(start=floor_to(max(start, self.window.start)), end=ceil_to(min(end, self.window.end)))

    def fact(self, name: str):
        """The first available evidence's value of a fact, or None."""
        for item in self.evidence:
            if item.available and item.facts.get(name) is not None:
                return item.facts[name]
        return None


def failing_now(activity: dict) -> bool:
    """More failures on this scope than the customer's own baseline hour predicts, clearly so.

    Customers have background errors (a missing key here, a stale token there) at a steady rate;
    only failures above that rate say when the problem the ticket reports took place."""
    expected = activity.get("expected_error_codes", {})
    new = sum(max(count - expected.get(code, 0.0), 0.0) for code, count in activity.get("error_codes", {}).items())
    return new >= MIN_FAILURES and new >= MIN_FAILURE_RATE * activity.get("requests", 0)


def understand(
    ticket: Ticket,
    lookback: timedelta = DEFAULT_LOOKBACK,
    lookahead: timedelta = DEFAULT_LOOKAHEAD,
    baseline: timedelta = DEFAULT_BASELINE,
) -> Case:
    reading = read_ticket(ticket)
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
        "complains_errors": int("errors" in reading.symptoms or bool(reading.statuses) or bool(reading.error_codes)),
        "complains_slow": int("slow" in reading.symptoms),
        "complains_timeout": int("timeout" in reading.symptoms),
        "complains_latency": int("slow" in reading.symptoms or "timeout" in reading.symptoms),
        "ticket_names_5xx": int(any(status >= 500 for status in reading.statuses)),
        "ticket_names_4xx": int(any(300 <= status < 500 for status in reading.statuses)),
    }
    said = [f"{name} {value}" for name, value in (
        ("statuses", reading.statuses), ("error codes", reading.error_codes), ("symptoms", reading.symptoms),
        ("resources", reading.resources), ("since", reading.started_at and reading.started_at.isoformat()),
    ) if value]
    return Evidence(source="ticket", query="the ticket's fields and text", summary="the ticket says: " + ("; ".join(said) or "nothing specific"), facts=facts)
