"""Evidence from the customer's own request logs in Elasticsearch.

For each ticket: the customer's requests in the ticket's window counted by status class and by
failure (error code, message or status: correlators/log_search.py); where they went
(service/region scopes, each with its failures, first and last failure and mean latency); sample
failing lines; the named resources; an exact lookup of the request ids the ticket names; and the
same customer's traffic, latency and failures in the baseline hour before, so that a drop in
traffic, a rise in latency or a new error shows. One `_msearch` per batch, its searches combined
by the backend (backends/combined_search.py). Field names come from the log schema.

Provides `case.activity` (triage/findings.py: CustomerActivity) for the correlators after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from backends.elasticsearch import ElasticsearchBackend, search_text
from correlators.log_search import STATUS_CLASSES, LogSearch
from correlators.request_log_facts import (
    MAX_RESOURCES, class_counts, drop_z, iso, named_facts, place_buckets, resource_facts, scope_fact, sentence, time_of,
)
from triage.case import Case
from triage.clock import floor_to
from triage.findings import CustomerActivity, NamedRequests, ScopeActivity
from triage.knowledge import Knowledge, builtin_knowledge
from triage.models import Evidence
from triage.schema import LogSchema

SOURCE = "request_logs"
RECENT = timedelta(minutes=32)
MIN_RECENT = timedelta(minutes=5)


class RequestLogsCorrelator:
    name = SOURCE
    requires: frozenset[str] = frozenset()
    provides = frozenset({"activity"})

    def __init__(self, backend: ElasticsearchBackend, index_pattern: str = "access-logs-*", samples: int = 5,
                 schema: LogSchema | None = None, knowledge: Knowledge | None = None):
        self.backend = backend
        self.index_pattern = index_pattern
        self.samples = samples
        self.schema = schema or LogSchema()
        self.logs = LogSearch(self.schema, knowledge or builtin_knowledge())
        self.window_aggs = self._window_aggs()
        self.baseline_aggs = self._baseline_aggs()

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        per_case = [self.searches(case) for case in cases]
        responses = iter(self.backend.msearch(self.index_pattern, [search for searches in per_case for search in searches],
                                              combine=True, cache=False))
        evidence = []
        for case, searches in zip(cases, per_case):
            window, baseline = next(responses), next(responses)
            ids = next(responses) if case.request_ids else None
            item, case.activity = self.summarise(case, window, baseline, ids, search_text(self.index_pattern, searches))
            evidence.append(item)
        return evidence

    def searches(self, case: Case) -> list[dict[str, Any]]:
        out = [self.window_search(case), self.baseline_search(case)]
        if case.request_ids:
            out.append(self.request_id_search(case))
        return out

    # --- the searches -------------------------------------------------------------------------

    def _window_aggs(self) -> dict[str, Any]:
        """The aggregations every window search shares (built once: a batch sends hundreds). Read-only.
        Everything about failures is counted per place and summed in Python: fewer aggregations per
        search is what keeps a batch's `_msearch` fast."""
        schema, logs = self.schema, self.logs
        return {
            "by_class": {"range": {"field": schema.status, "ranges": STATUS_CLASSES}},
            "latency": {"percentiles": {"field": schema.latency, "percents": [50, 99]}},
            "scopes": logs.by_place({
                "latency": {"avg": {"field": schema.latency}},
                "failures": {"filter": logs.failing, "aggs": {
                    **logs.failure_breakdown(),
                    "first": {"min": {"field": schema.timestamp}},
                    "last": {"max": {"field": schema.timestamp}},
                }},
            }),
            "failures": {"filter": logs.failing, "aggs": {"samples": {"top_hits": {
                "size": self.samples, "sort": [{schema.timestamp: "desc"}], "_source": schema.sample_fields()}}}},
        }

    def _baseline_aggs(self) -> dict[str, Any]:
        """What each place looked like before: an error that was already there at the same rate is
        not what the customer is writing about now. Shared by every baseline search; read-only."""
        return {
            "latency": {"percentiles": {"field": self.schema.latency, "percents": [99]}},
            "failures": {"filter": self.logs.failing},
            "scopes": self.logs.by_place({
                "latency": {"avg": {"field": self.schema.latency}},
                "failures": {"filter": self.logs.failing, "aggs": self.logs.failure_breakdown()},
            }),
        }

    def window_search(self, case: Case) -> dict[str, Any]:
        aggs: dict[str, Any] = dict(self.window_aggs)
        # Since the problem began: in a long window (a vague "since this evening"), or one that starts
        # well before the stated start, a drop in traffic or a rise in latency would drown.
        aggs["recent"] = {"filter": {"range": {self.schema.timestamp: {"gte": recent_since(case).isoformat()}}},
                          "aggs": {"latency": {"percentiles": {"field": self.schema.latency, "percents": [99]}},
                                   "scopes": self.logs.by_place({"latency": {"avg": {"field": self.schema.latency}}})}}
        if self.schema.path:
            for number, resource in enumerate(case.reading.resources[:MAX_RESOURCES]):
                aggs[f"resource_{number}"] = {"filter": {"prefix": {self.schema.path: f"/{resource}"}},
                                              "aggs": {"failures": {"filter": self.logs.failing}}}
        query = self.logs.in_window(case.window.start, case.window.end, customer=case.ticket.customer_id)
        return {"size": 0, "track_total_hits": True, "query": query, "aggs": aggs}

    def baseline_search(self, case: Case) -> dict[str, Any]:
        query = self.logs.in_window(case.baseline.start, case.baseline.end, customer=case.ticket.customer_id)
        return {"size": 0, "track_total_hits": True, "query": query, "aggs": self.baseline_aggs}

    def request_id_search(self, case: Case) -> dict[str, Any]:
        """Exact lookup, not limited to the window: a customer may quote an older request."""
        return {
            "size": len(case.request_ids),
            "query": {"bool": {"filter": [
                {"term": {self.schema.customer: case.ticket.customer_id}},
                {"terms": {self.schema.request_id: case.request_ids}},
            ]}},
            "_source": self.schema.sample_fields(),
        }

    # --- the answers --------------------------------------------------------------------------

    def summarise(self, case: Case, window: dict[str, Any], baseline: dict[str, Any] | None, ids: dict[str, Any] | None,
                  query: str) -> tuple[Evidence, CustomerActivity | None]:
        if "error" in window:
            return Evidence(source=SOURCE, query=query, summary=f"log search failed: {window['error']}", available=False), None
        if window.get("_shards", {}).get("total", 1) == 0:
            return Evidence(source=SOURCE, query=query, summary="no access-log index matches the pattern", available=False), None
        aggs = window["aggregations"]
        before = self.baseline_places(baseline, case.baseline.duration / case.window.duration)
        recent = {(service, bucket["key"]): (bucket.get("latency") or {}).get("value")
                  for service, bucket in place_buckets(aggs.get("recent") or {})}
        places = [self.place(service, bucket, before.get((service, bucket["key"])), recent.get((service, bucket["key"])))
                  for service, bucket in place_buckets(aggs)]
        places.sort(key=lambda place: (-place.failures, -place.requests))
        facts: dict[str, Any] = {**class_counts(window), **self.failure_facts(places)}
        facts["customer_scopes"] = [scope_fact(place) for place in places]
        facts["customer_p99_ms"] = self._latency(aggs.get("latency"), "99.0")
        facts["customer_p50_ms"] = self._latency(aggs.get("latency"), "50.0")
        if places:
            facts["top_service"], facts["top_region"] = places[0].service, places[0].region
        if baseline is not None and "error" not in baseline:
            facts.update(self.baseline_facts(case, facts, baseline, aggs))
        facts.update(resource_facts(case, aggs))
        samples = [self.schema.line(hit["_source"]) for hit in aggs["failures"].get("samples", {}).get("hits", {}).get("hits", [])]
        named = None
        if ids is not None and "error" not in ids:
            found = [self.schema.line(hit["_source"]) for hit in ids["hits"]["hits"]]
            failed = [line for line in found if self.logs.is_failure(line)]
            named = NamedRequests(named=len(case.request_ids), found=len(found),
                                  codes=[self.logs.line_key(line) or "" for line in failed],
                                  statuses=[int(line.get("status") or 0) for line in failed])
            facts.update(named_facts(named, found))
            samples = [{**line, "named_in_ticket": True} for line in found] + samples
        facts = {key: value for key, value in facts.items() if value is not None}
        activity = CustomerActivity(requests=facts["customer_requests"], scopes=places, named=named)
        return Evidence(source=SOURCE, query=query, summary=sentence(facts), facts=facts, samples=samples), activity

    def place(self, service: str, bucket: dict[str, Any], before: tuple[dict[str, int], float | None] | None,
              recent_latency: float | None = None) -> ScopeActivity:
        failures = bucket["failures"]
        codes, statuses = self.logs.failures(failures)
        expected, baseline_latency = before or ({}, None)
        return ScopeActivity(
            service=str(service), region=str(bucket["key"]), requests=bucket["doc_count"],
            failures=failures["doc_count"], server_errors=failures["server"]["doc_count"],
            error_codes=codes, error_code_statuses=statuses,
            first_failure=time_of(failures.get("first")), last_failure=time_of(failures.get("last")),
            expected_error_codes=expected,
            mean_latency_ms=self.schema.latency_ms((bucket.get("latency") or {}).get("value")),
            recent_mean_latency_ms=self.schema.latency_ms(recent_latency),
            baseline_mean_latency_ms=baseline_latency,
        )

    def baseline_places(self, baseline: dict[str, Any] | None, baseline_over_window: float
                        ) -> dict[tuple[str, str], tuple[dict[str, float], float | None]]:
        """Per place: the baseline hour's failures by key, scaled to the window's length (expected
        counts), and its mean latency."""
        if baseline is None or "error" in baseline:
            return {}
        out = {}
        for service, bucket in place_buckets(baseline.get("aggregations", {})):
            counts, _ = self.logs.failures(bucket["failures"])
            expected = {code: round(n / max(baseline_over_window, 1e-9), 2) for code, n in counts.items()}
            out[(service, bucket["key"])] = expected, self.schema.latency_ms((bucket.get("latency") or {}).get("value"))
        return out

    def failure_facts(self, places: list[ScopeActivity]) -> dict[str, Any]:
        """The customer's failures over all its places: counts by side, codes (most frequent first), times."""
        codes: dict[str, int] = {}
        code_statuses: dict[str, int] = {}
        for place in places:
            for code, count in place.error_codes.items():
                codes[code] = codes.get(code, 0) + count
            code_statuses.update(place.error_code_statuses)
        codes = dict(sorted(codes.items(), key=lambda item: (-item[1], item[0])))
        statuses: dict[str, int] = {}
        for code, count in codes.items():
            if code in code_statuses:
                statuses[str(code_statuses[code])] = statuses.get(str(code_statuses[code]), 0) + count
        side = self.logs.vocabulary.status_side
        total = sum(place.failures for place in places)
        server = sum(place.server_errors for place in places)
        timeouts = sum(count for code, count in codes.items() if side(code_statuses.get(code)) == "timeout")
        firsts = [place.first_failure for place in places if place.first_failure]
        lasts = [place.last_failure for place in places if place.last_failure]
        top = next(iter(codes), None)
        facts: dict[str, Any] = {
            "customer_failures": total,
            "customer_client_errors": max(total - server - timeouts, 0),
            "customer_timeouts": timeouts,
            "new_failures": round(sum(place.new_failures for place in places), 1),
            "error_codes": codes,
            "error_code_statuses": code_statuses,
            "statuses": dict(sorted(statuses.items(), key=lambda item: -item[1])),
            "top_error_code": top,
            "top_status": code_statuses.get(top) if top else None,
            "top_client_error_code": next((code for code in codes if side(code_statuses.get(code, 500)) == "client"), None),
            "first_failure": iso(min(firsts)) if firsts else None,
            "last_failure": iso(max(lasts)) if lasts else None,
        }
        if total:
            facts["client_error_share"] = round(facts["customer_client_errors"] / total, 4)
            facts["server_error_share"] = round(server / total, 4)
        return facts

    def baseline_facts(self, case: Case, facts: dict[str, Any], baseline: dict[str, Any], window_aggs: dict[str, Any]) -> dict[str, Any]:
        """Traffic per minute and p99 latency against the baseline window: a drop or a slowdown shows."""
        requests = baseline["hits"]["total"]["value"]
        out: dict[str, Any] = {"baseline_requests": requests}
        recent = window_aggs.get("recent") or {}
        recent_minutes = (case.window.end - recent_since(case)).total_seconds() / 60
        if requests and recent:
            per_minute_now = recent["doc_count"] / max(recent_minutes, 1)
            per_minute_before = requests / max(case.baseline.duration.total_seconds() / 60, 1)
            out["recent_requests"] = recent["doc_count"]
            # How many requests the baseline rate predicts since the start: a ratio over 3 expected
            # requests means nothing, over 30 it does.
            out["recent_expected_requests"] = round(per_minute_before * recent_minutes, 1)
            out["traffic_ratio"] = round(per_minute_now / per_minute_before, 3)
            out["traffic_drop_z"] = drop_z(recent["doc_count"], out["recent_expected_requests"])
            p99 = self._latency(baseline["aggregations"].get("latency"), "99.0")
            out["baseline_p99_ms"] = p99
            # The worse of the whole window and its last half hour, against the customer's baseline hour.
            now = max(facts.get("customer_p99_ms") or 0.0, self._latency(recent.get("latency"), "99.0") or 0.0)
            if p99 and now:
                out["customer_p99_ratio"] = round(now / p99, 3)
        return out

    def _latency(self, agg: dict[str, Any] | None, key: str) -> float | None:
        value = ((agg or {}).get("values") or {}).get(key)
        return round(self.schema.latency_ms(value), 1) if isinstance(value, (int, float)) else None


def recent_since(case: Case) -> datetime:
    """Where "since the problem began" starts: the stated start if there is one (at least
    MIN_RECENT before the window's end), else the last RECENT of the window."""
    start = case.window.end - RECENT
    if case.reading.started_at is not None:
        start = min(max(case.reading.started_at, start), case.window.end - MIN_RECENT)
    return floor_to(max(start, case.window.start))
