"""Evidence of blast radius from the request logs: is the ticket's customer alone, or are many
customers of the same service/region failing with 5xx at the same time?

For each ticket's service/region and fault window (its last 15 minutes at most): the distinct
customers with 5xx, the distinct customers with traffic, and the 5xx share of all requests, against
the hour before (ending on the quarter hour). Windows are widened to five-minute boundaries so
that tickets about the same fault share one search, and windows that start in the same quarter
hour share the search of the hour before; one `_msearch` per batch answers every distinct
(service, region, window). Field names come from the log schema. Provides `case.blast`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from backends.elasticsearch import ElasticsearchBackend, search_text
from correlators.log_search import LogSearch
from triage.case import Case
from triage.clock import ceil_to, floor_to
from triage.findings import BlastFinding
from triage.knowledge import Knowledge, builtin_knowledge
from triage.models import Evidence
from triage.schema import LogSchema

SOURCE = "blast_radius"
GRID = timedelta(minutes=5)
# Counting every customer of a service is the costliest search the worker sends: at most the last 15
# minutes of the window, when the fault is still on or just over (the customer's last failures),
# so that the tickets of one fault share their searches and each scans a quarter hour, not hours.
LONGEST = timedelta(minutes=15)
PRECEDING = timedelta(minutes=60)
BASELINE_GRID = timedelta(minutes=15)
MIN_SHARE = 0.001  # a reference share of 0 would make any 5xx infinitely many times more

Key = tuple[str, str, datetime, datetime]


class BlastRadiusCorrelator:
    name = SOURCE
    requires = frozenset({"activity", "metrics"})
    provides = frozenset({"blast"})

    def __init__(self, backend: ElasticsearchBackend, index_pattern: str = "access-logs-*",
                 schema: LogSchema | None = None, knowledge: Knowledge | None = None):
        self.backend = backend
        self.index_pattern = index_pattern
        self.logs = LogSearch(schema or LogSchema(), knowledge or builtin_knowledge())

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        keys = {case.ticket.ticket_id: key_of(case) for case in cases}
        distinct = sorted({key for key in keys.values() if key is not None})
        # Windows that start together share their preceding hour: its search is sent once.
        searches: list[dict[str, Any]] = []
        slots: dict[Key, tuple[int, int]] = {}
        baseline_slots: dict[tuple[str, str, datetime], int] = {}
        for key in distinct:
            scope = len(searches)
            searches.append(self.scope_search(key))
            before = (key[0], key[1], baseline_start(key))
            if before not in baseline_slots:
                baseline_slots[before] = len(searches)
                searches.append(self.baseline_search(key))
            slots[key] = (scope, baseline_slots[before])
        responses = self.backend.msearch(self.index_pattern, searches)
        answers = {key: (responses[scope], responses[baseline]) for key, (scope, baseline) in slots.items()}
        texts = {key: search_text(self.index_pattern, [searches[scope], searches[baseline]]) for key, (scope, baseline) in slots.items()}
        evidence = []
        for case in cases:
            key = keys[case.ticket.ticket_id]
            if key is None:
                evidence.append(Evidence(source=SOURCE, query="", summary="no service/region known for this ticket"))
                continue
            item, case.blast = summarise(case, key, *answers[key], texts[key])
            evidence.append(item)
        return evidence

    def _in(self, key: Key, start: datetime, end: datetime) -> dict[str, Any]:
        return self.logs.in_window(start, end, service=key[0], region=key[1])

    def _customers(self) -> dict[str, Any]:
        return {"cardinality": {"field": self.logs.schema.customer}}

    def scope_search(self, key: Key) -> dict[str, Any]:
        return {
            "size": 0, "track_total_hits": True, "query": self._in(key, key[2], key[3]),
            "aggs": {
                "customers": self._customers(),
                "server_errors": {"filter": self.logs.server_error, "aggs": {"customers": self._customers()}},
            },
        }

    def baseline_search(self, key: Key) -> dict[str, Any]:
        end = baseline_start(key)
        return {
            "size": 0, "track_total_hits": True, "query": self._in(key, end - PRECEDING, end),
            "aggs": {"server_errors": {"filter": self.logs.server_error, "aggs": {"customers": self._customers()}}},
        }


def key_of(case: Case) -> Key | None:
    """Where and when to count: the ticket's scope, in the stretch the metrics found worst (else
    the customer's fault window), widened to the five-minute grid, and at most its last LONGEST."""
    if not case.service or not case.region:
        return None
    metrics = case.metrics
    if metrics is not None and metrics.window is not None and metrics.scope == (case.service, case.region):
        window = metrics.window
    else:
        window = case.fault_window
    end = ceil_to(window.end, GRID)
    return case.service, case.region, max(floor_to(window.start, GRID), end - LONGEST), end


def baseline_start(key: Key) -> datetime:
    """The preceding hour ends on the quarter hour at or before the window: windows a few minutes
    apart share it (in a batch, and in Elasticsearch's request cache across batches)."""
    return floor_to(key[2], BASELINE_GRID)


def summarise(case: Case, key: Key, now: dict[str, Any], before: dict[str, Any], query: str) -> tuple[Evidence, BlastFinding | None]:
    if "error" in now:
        return Evidence(source=SOURCE, query=query, summary=f"log search failed: {now['error']}", available=False), None
    service, region, start, end = key
    aggs = now.get("aggregations")
    if not aggs:
        return Evidence(source=SOURCE, query=query, summary="no access-log index matches the pattern", available=False), None
    requests = now["hits"]["total"]["value"]
    errors = aggs["server_errors"]["doc_count"]
    hit = aggs["server_errors"]["customers"]["value"]
    place = case.activity.on((service, region)) if case.activity else None
    own = 1 if place is not None and place.server_errors else 0
    facts: dict[str, Any] = {
        "blast_service": service, "blast_region": region,
        "blast_window_start": start.isoformat(), "blast_window_end": end.isoformat(),
        "customers_active": aggs["customers"]["value"],
        "customers_with_5xx": hit,
        "other_customers_with_5xx": max(hit - own, 0),
        "scope_requests": requests,
    }
    if requests:
        facts["scope_5xx_share"] = round(errors / requests, 5)
        facts["share_of_customers_hit"] = round(hit / max(aggs["customers"]["value"], 1), 4)
    if "error" not in before and before.get("aggregations"):
        before_requests = before["hits"]["total"]["value"]
        facts["baseline_customers_with_5xx"] = before["aggregations"]["server_errors"]["customers"]["value"]
        if before_requests:
            facts["baseline_5xx_share"] = round(before["aggregations"]["server_errors"]["doc_count"] / before_requests, 5)
            if "scope_5xx_share" in facts:
                # How many times the hour before's 5xx share: a busy service always has a few customers
                # with a background 5xx, and they are no blast radius.
                facts["scope_5xx_lift"] = round(facts["scope_5xx_share"] / max(facts["baseline_5xx_share"], MIN_SHARE), 2)
    finding = BlastFinding(customers_active=facts["customers_active"], customers_with_5xx=hit)
    return Evidence(source=SOURCE, query=query, summary=sentence(facts), facts=facts), finding


def sentence(facts: dict[str, Any]) -> str:
    text = (f"{facts['customers_with_5xx']} of {facts['customers_active']} customers of "
            f"{facts['blast_service']}/{facts['blast_region']} got 5xx in the window")
    if "scope_5xx_share" in facts:
        text += f"; 5xx were {facts['scope_5xx_share']:.2%} of its requests"
        if "baseline_5xx_share" in facts:
            text += f" against {facts['baseline_5xx_share']:.2%} in the preceding hour"
            text += f" ({facts['baseline_customers_with_5xx']} customers with 5xx then)"
    return text
