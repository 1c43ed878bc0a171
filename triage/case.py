"""One ticket on its way through the correlators: its reading, its windows, the evidence so far and
the typed findings the correlators hand each other (triage/findings.py).

Pure: no I/O. The scope (the service/region the ticket is about) and the fault window (when the
customer failed there) are derived from the reading and the findings, never stored: they change as
the correlators add what they found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any

from triage.clock import ceil_to, floor_to
from triage.findings import AlertFinding, BlastFinding, CustomerActivity, MetricsFinding, Scope, ScopeActivity
from triage.models import Evidence, Ticket, TicketReading, TimeWindow

# The customer's failures, padded: the period the platform-wide sources look at.
FAULT_PADDING = timedelta(minutes=2)
MIN_FAULT_SPAN = timedelta(minutes=10)
MIN_FAILURES = 3
MIN_FAILURE_RATE = 0.05
# A customer's requests this much slower than in its baseline hour are slow, whatever they returned.
SLOW = 1.5


def handoff() -> Any:
    """A field one correlator provides for the ones after it (declared in their provides/requires)."""
    return field(default=None, compare=False, metadata={"handoff": True})


@dataclass
class Case:
    ticket: Ticket
    reading: TicketReading
    window: TimeWindow  # where the customer's own requests are searched
    baseline: TimeWindow  # the same customer/service before the window, for comparison
    evidence: list[Evidence] = field(default_factory=list)
    activity: CustomerActivity | None = handoff()  # request_logs
    metrics: MetricsFinding | None = handoff()     # metrics_anomaly
    alert: AlertFinding | None = handoff()         # alerts
    blast: BlastFinding | None = handoff()         # blast_radius
    _derived: dict[str, tuple[tuple, Any]] = field(default_factory=dict, repr=False, compare=False)

    def _derive(self, name: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per state of the findings: the scope and the fault window are read for
        every alert and every stretch of a batch, and change only when a correlator hands on."""
        state = (id(self.activity), id(self.metrics))
        seen = self._derived.get(name)
        if seen is None or seen[0] != state:
            seen = self._derived[name] = (state, compute())
        return seen[1]

    @property
    def language(self) -> str:
        return self.reading.language

    @property
    def request_ids(self) -> list[str]:
        return self.reading.request_ids

    @property
    def complains_latency(self) -> bool:
        return "slow" in self.reading.symptoms or "timeout" in self.reading.symptoms

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
        2. the service and region the ticket names, unless the customer's requests went elsewhere
           and never there (a customer may blame the wrong service);
        3. the place the metrics judged among the customer's (set by the metrics correlator);
        4. the first of the customer's places that fits what the ticket names (fitting_scopes).
        """
        quoted = self.quoted_scope
        if quoted:
            return quoted
        if self.named_scope:
            return self.named_scope
        if self.metrics is not None:
            return self.metrics.scope
        return next(iter(self.fitting_scopes), None)

    @property
    def fitting_scopes(self) -> list[Scope]:
        """The candidate scopes that fit what the ticket names (service and region, else the region,
        else the service, else any: the words may name a service the customer never called)."""
        service, region = self.reading.service, self.reading.region
        for fits in ((service, region), (None, region), (service, None), (None, None)):
            found = [scope for scope in self.candidate_scopes if fits[0] in (None, scope[0]) and fits[1] in (None, scope[1])]
            if found:
                return found
        return []

    @property
    def named_scope(self) -> Scope | None:
        """The service and region the ticket names, both, unless the customer's requests went
        elsewhere and never there."""
        service, region = self.reading.service, self.reading.region
        if not service or not region:
            return None
        if self.activity is not None and self.activity.scopes and self.activity.on((service, region)) is None:
            return None
        return service, region

    @property
    def quoted_scope(self) -> Scope | None:
        return self._derive("quoted_scope", self._quoted_scope)

    def _quoted_scope(self) -> Scope | None:
        """Of the customer's service/regions (of the service the ticket names, if it names one and
        failed there so), the one with the most failures of the codes or statuses the ticket quotes,
        else of server errors when its words name them ("5xx"), else of the codes its words hint at.
        The region may differ from the one named: that is the wrong-region mistake itself."""
        if self.activity is None:
            return None
        codes, statuses = set(self.reading.error_codes), set(self.reading.statuses)
        server = set(range(500, 600)) if self.reading.names_server_errors else set()
        # What it quotes first; then "server errors" (they outrank a kind of usage error its words
        # merely hint at: "requests to bucket X fail with 5xx"); else the hints ("a region error").
        for quoted, by_status in ((codes, statuses), (set(), server), (set(self.reading.hinted_codes), set())):
            if not quoted and not by_status:
                continue
            counts = [(sum(n for code, n in item.error_codes.items()
                           if code in quoted or item.error_code_statuses.get(code) in by_status), item)
                      for item in self.activity.scopes]
            named = [(count, item) for count, item in counts if self.reading.service in (None, item.service)]
            # A customer may name the wrong service; the errors it quotes say where it failed.
            for candidates in (named, counts):
                best = max(candidates, key=lambda pair: pair[0], default=(0, None))
                if best[0] > 0:
                    return best[1].scope
        return None

    @property
    def candidate_scopes(self) -> list[Scope]:
        """Where the customer's requests went, most relevant first: where it fails above its
        background, else (a complaint of slowness without failures, or whose only failures are its
        own refusals) where its requests slowed down most, else the logs' order (failing places
        first, then by traffic)."""
        return self._derive("candidates", self._candidates)

    def _candidates(self) -> list[Scope]:
        if self.activity is None:
            return []
        scopes = self.activity.scopes
        if self.complains_latency and not any(self._failing_as_complained(item) for item in scopes):
            # Slow places first, most slowed down first; the rest keep the logs' order.
            scopes = sorted(scopes, key=lambda item: -(item.slowdown or 0.0) if (item.slowdown or 0.0) >= SLOW else 0.0)
        return [item.scope for item in scopes]

    def _failing_as_complained(self, item: ScopeActivity) -> bool:
        """A place failing in a way the ticket speaks of: a complaint of slowness alone is not
        about the customer's own refusals elsewhere, but it may be about server errors (timeouts)."""
        if not failing_now(item):
            return False
        return "errors" in self.reading.symptoms or item.server_errors > 0 or (item.slowdown or 0.0) >= SLOW

    @property
    def scope_activity(self) -> ScopeActivity | None:
        """The customer's requests and failures on the ticket's scope."""
        return self._derive("scope_activity", lambda: self.activity.on(self.scope) if self.activity else None)

    @property
    def fault_window(self) -> TimeWindow:
        return self._derive("fault_window", self._fault_window)

    def _fault_window(self) -> TimeWindow:
        """When the customer failed on the ticket's scope (first to last failure, padded), else the
        ticket window.

        Only when the failures are more than background noise: a few scattered refusals over an
        hour say nothing about when the problem the customer reports took place."""
        activity = self.scope_activity
        if not failing_now(activity) or not activity.first_failure or not activity.last_failure:
            return self.window
        start = activity.first_failure - FAULT_PADDING
        end = max(activity.last_failure + FAULT_PADDING, start + MIN_FAULT_SPAN)
        return TimeWindow(start=floor_to(max(start, self.window.start)), end=ceil_to(min(end, self.window.end)))

    def fact(self, name: str):
        """The first available evidence's value of a fact, or None (for the evidence's own readers:
        code that hands findings on uses the typed fields)."""
        for item in self.evidence:
            if item.available and item.facts.get(name) is not None:
                return item.facts[name]
        return None


HANDOFFS: tuple[str, ...] = tuple(item.name for item in fields(Case) if item.metadata.get("handoff"))


def failing_now(activity: ScopeActivity | None) -> bool:
    """More failures on this scope than the customer's own baseline hour predicts, clearly so.

    Customers have background errors (a missing key here, a stale token there) at a steady rate;
    only failures above that rate say when the problem the ticket reports took place."""
    if activity is None:
        return False
    new = activity.new_failures
    return new >= MIN_FAILURES and new >= MIN_FAILURE_RATE * activity.requests
