"""Evidence from the customer's own request logs in Elasticsearch.

For each ticket: the customer's requests in the ticket's window counted by status class and error
code; where they went (service/region scopes, each with its failures and p99 latency); first and
last failure; sample failing lines; the named resources; an exact lookup of the request ids the
ticket names; and the same customer's traffic and latency in the baseline window before, so a
drop in traffic or a rise in latency shows. One `_msearch` per batch, its searches combined by
the backend (backends/combined_search.py).

A failure is a status >= 400, or any response that carries an error code: a wrong-region request
answers 301 with `WrongRegion`, which is a failure to the customer even though it is not a 4xx.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from backends.elasticsearch import ElasticsearchBackend, search_text
from triage.clock import floor_to
from triage.models import Evidence
from triage.understand import Case

SOURCE = "request_logs"
SAMPLE_FIELDS = ["@timestamp", "request_id", "service", "region", "node", "method", "path", "status", "error_code", "latency_ms"]
STATUS_CLASSES = [
    {"key": "2xx", "from": 200, "to": 300},
    {"key": "3xx", "from": 300, "to": 400},
    {"key": "4xx", "from": 400, "to": 500},
    {"key": "5xx", "from": 500, "to": 600},
]
FAILING = {"bool": {"should": [{"range": {"status": {"gte": 400}}}, {"exists": {"field": "error_code"}}], "minimum_should_match": 1}}
SERVER_ERROR = {"range": {"status": {"gte": 500}}}
PERCENTILES = {"field": "latency_ms", "percents": [50, 99]}
MAX_SCOPES = 6
MAX_RESOURCES = 3
RECENT = timedelta(minutes=32)
MIN_RECENT = timedelta(minutes=5)


class RequestLogsCorrelator:
    name = SOURCE

    def __init__(self, backend: ElasticsearchBackend, index_pattern: str = "access-logs-*", samples: int = 5):
        self.backend = backend
        self.index_pattern = index_pattern
        self.samples = samples

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        per_case = [self.searches(case) for case in cases]
        responses = iter(self.backend.msearch(self.index_pattern, [search for searches in per_case for search in searches],
                                                    combine=True, cache=False))
        evidence = []
        for case, searches in zip(cases, per_case):
            window, baseline = next(responses), next(responses)
            ids = next(responses) if case.request_ids else None
            evidence.append(summarise(case, window, baseline, ids, search_text(self.index_pattern, searches)))
        return evidence

    def searches(self, case: Case) -> list[dict[str, Any]]:
        out = [window_search(case, self.samples), baseline_search(case)]
        if case.request_ids:
            out.append(request_id_search(case))
        return out


def customer_in(case: Case, start, end) -> dict[str, Any]:
    return {"bool": {"filter": [
        {"term": {"customer_id": case.ticket.customer_id}},
        {"range": {"@timestamp": {"gte": start.isoformat(), "lt": end.isoformat()}}},
    ]}}


def window_search(case: Case, samples: int) -> dict[str, Any]:
    """One search per ticket. Everything about failures is counted per place (service/region) and
    summed in Python: fewer aggregations per search is what keeps a batch's `_msearch` fast."""
    aggs: dict[str, Any] = {**window_aggs(samples)}
    # Since the problem began: in a long window (a vague "since this evening"), or one that starts
    # well before the stated start, a drop in traffic or a rise in latency would drown.
    recent_start = recent_since(case)
    aggs["recent"] = {"filter": {"range": {"@timestamp": {"gte": recent_start.isoformat()}}},
                      "aggs": {"latency": {"percentiles": {**PERCENTILES, "percents": [99]}}}}
    for number, resource in enumerate(case.reading.resources[:MAX_RESOURCES]):
        aggs[f"resource_{number}"] = {"filter": {"prefix": {"path": f"/{resource}"}}, "aggs": {"failures": {"filter": FAILING}}}
    return {"size": 0, "track_total_hits": True, "query": customer_in(case, case.window.start, case.window.end), "aggs": aggs}


@cache
def window_aggs(samples: int) -> dict[str, Any]:
    """The aggregations every window search shares (built once: a batch sends hundreds). Read-only."""
    return {
        "by_class": {"range": {"field": "status", "ranges": STATUS_CLASSES}},
        "latency": {"percentiles": PERCENTILES},
        # Nested terms, not multi_terms: that one lives in x-pack, which the OSS build lacks.
        "scopes": {"terms": {"field": "service", "size": MAX_SCOPES}, "aggs": {
            "regions": {"terms": {"field": "region", "size": MAX_SCOPES}, "aggs": {
                "failures": {"filter": FAILING, "aggs": {
                    "server": {"filter": SERVER_ERROR},
                    "codes": {"terms": {"field": "error_code", "size": 5}, "aggs": {"status": {"max": {"field": "status"}}}},
                    "first": {"min": {"field": "@timestamp"}},
                    "last": {"max": {"field": "@timestamp"}},
                }},
            }},
        }},
        "failures": {"filter": FAILING, "aggs": {
            "samples": {"top_hits": {"size": samples, "sort": [{"@timestamp": "desc"}], "_source": SAMPLE_FIELDS}},
        }},
    }


def drop_z(observed: float, expected: float) -> float:
    """How many standard deviations (Poisson) fewer requests arrived than the baseline rate predicts:
    2.5 or more (the rule's threshold) is a real drop, not a quiet minute."""
    return round((expected - observed) / math.sqrt(expected), 2) if expected > 0 else 0.0


def recent_since(case: Case) -> datetime:
    """Where "since the problem began" starts: the stated start if there is one (at least
    MIN_RECENT before the window's end), else the last RECENT of the window."""
    start = case.window.end - RECENT
    if case.reading.started_at is not None:
        start = min(max(case.reading.started_at, start), case.window.end - MIN_RECENT)
    return floor_to(max(start, case.window.start))


BASELINE_AGGS: dict[str, Any] = {  # shared by every baseline search; read-only
    "latency": {"percentiles": PERCENTILES},
    "failures": {"filter": FAILING},
    # What each place's failures looked like before: an error that was already there at the
    # same rate is not what the customer is writing about now.
    "scopes": {"terms": {"field": "service", "size": MAX_SCOPES}, "aggs": {
        "regions": {"terms": {"field": "region", "size": MAX_SCOPES}, "aggs": {
            "failures": {"filter": FAILING, "aggs": {"codes": {"terms": {"field": "error_code", "size": 5}}}},
        }},
    }},
}


def baseline_search(case: Case) -> dict[str, Any]:
    return {"size": 0, "track_total_hits": True, "query": customer_in(case, case.baseline.start, case.baseline.end),
            "aggs": BASELINE_AGGS}


def request_id_search(case: Case) -> dict[str, Any]:
    """Exact lookup, not limited to the window: a customer may quote an older request."""
    return {
        "size": len(case.request_ids),
        "query": {"bool": {"filter": [
            {"term": {"customer_id": case.ticket.customer_id}},
            {"terms": {"request_id": case.request_ids}},
        ]}},
        "_source": SAMPLE_FIELDS,
    }


def summarise(case: Case, window: dict[str, Any], baseline: dict[str, Any] | None, ids: dict[str, Any] | None,
              query: str) -> Evidence:
    if "error" in window:
        return Evidence(source=SOURCE, query=query, summary=f"log search failed: {window['error']}", available=False)
    if window.get("_shards", {}).get("total", 1) == 0:
        return Evidence(source=SOURCE, query=query, summary="no access-log index matches the pattern", available=False)
    aggs = window["aggregations"]
    failures = aggs["failures"]
    places = scopes(aggs.get("scopes"))
    facts: dict[str, Any] = {**class_counts(window), **failure_facts(places)}
    facts["customer_scopes"] = places
    facts["customer_p99_ms"] = _percentile(aggs.get("latency"), "99.0")
    facts["customer_p50_ms"] = _percentile(aggs.get("latency"), "50.0")
    if facts["customer_scopes"]:
        facts["top_service"], facts["top_region"] = facts["customer_scopes"][0]["service"], facts["customer_scopes"][0]["region"]
    if baseline is not None and "error" not in baseline:
        facts.update(baseline_facts(case, facts, baseline, aggs))
        add_baseline_codes(facts["customer_scopes"], baseline, case.baseline.duration / case.window.duration)
    facts.update(resource_facts(case, aggs))
    samples = [hit["_source"] for hit in failures.get("samples", {}).get("hits", {}).get("hits", [])]
    if ids is not None and "error" not in ids:
        found = [hit["_source"] for hit in ids["hits"]["hits"]]
        facts["named_request_ids"] = len(case.request_ids)
        facts["named_request_ids_found"] = len(found)
        facts["named_request_ids_failed"] = sum(1 for line in found if line.get("status", 0) >= 400 or line.get("error_code"))
        facts["named_request_ids_5xx"] = sum(1 for line in found if line.get("status", 0) >= 500)
        facts["named_request_codes"] = [line["error_code"] for line in found if line.get("error_code")]
        facts["named_request_statuses"] = [line["status"] for line in found if line.get("error_code")]
        samples = [{**line, "named_in_ticket": True} for line in found] + samples
    facts = {key: value for key, value in facts.items() if value is not None}
    return Evidence(source=SOURCE, query=query, summary=sentence(facts), facts=facts, samples=samples)


def class_counts(window: dict[str, Any]) -> dict[str, Any]:
    classes = {bucket["key"]: bucket["doc_count"] for bucket in window["aggregations"]["by_class"]["buckets"]}
    return {
        "customer_requests": window["hits"]["total"]["value"],
        "customer_2xx": classes.get("2xx", 0),
        "customer_3xx": classes.get("3xx", 0),
        "customer_4xx": classes.get("4xx", 0),
        "customer_5xx": classes.get("5xx", 0),
    }


def failure_facts(places: list[dict[str, Any]]) -> dict[str, Any]:
    """The customer's failures over all its places: counts, codes (most frequent first), times."""
    codes: dict[str, int] = {}
    code_statuses: dict[str, int] = {}
    for place in places:
        for code, count in place["error_codes"].items():
            codes[code] = codes.get(code, 0) + count
        code_statuses.update(place["error_code_statuses"])
    codes = dict(sorted(codes.items(), key=lambda item: (-item[1], item[0])))
    statuses: dict[str, int] = {}
    for code, count in codes.items():
        if code in code_statuses:
            statuses[str(code_statuses[code])] = statuses.get(str(code_statuses[code]), 0) + count
    total = sum(place["failures"] for place in places)
    server = sum(place["server_errors"] for place in places)
    firsts = [place["first_failure"] for place in places if place["first_failure"]]
    lasts = [place["last_failure"] for place in places if place["last_failure"]]
    top = next(iter(codes), None)
    facts: dict[str, Any] = {
        "customer_failures": total,
        "customer_client_errors": total - server,
        "error_codes": codes,
        "error_code_statuses": code_statuses,
        "statuses": dict(sorted(statuses.items(), key=lambda item: -item[1])),
        "top_error_code": top,
        "top_status": code_statuses.get(top) if top else None,
        "top_client_error_code": next((code for code in codes if code_statuses.get(code, 500) < 500), None),
        "first_failure": min(firsts) if firsts else None,
        "last_failure": max(lasts) if lasts else None,
    }
    if total:
        facts["client_error_share"] = round((total - server) / total, 4)
        facts["server_error_share"] = round(server / total, 4)
    return facts


def scopes(agg: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The customer's (service, region) pairs, the failing ones first, then by traffic."""
    out = []
    for service in (agg or {}).get("buckets", []):
        for bucket in service["regions"]["buckets"]:
            failures = bucket["failures"]
            out.append({
                "service": service["key"], "region": bucket["key"], "requests": bucket["doc_count"],
                "failures": failures["doc_count"], "server_errors": failures["server"]["doc_count"],
                "error_codes": _buckets(failures.get("codes")),
                "error_code_statuses": _code_statuses(failures.get("codes")),
                "first_failure": (failures.get("first") or {}).get("value_as_string"),
                "last_failure": (failures.get("last") or {}).get("value_as_string"),
            })
    return sorted(out, key=lambda scope: (-scope["failures"], -scope["requests"]))


def baseline_facts(case: Case, facts: dict[str, Any], baseline: dict[str, Any], window_aggs: dict[str, Any]) -> dict[str, Any]:
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
        p99 = _percentile(baseline["aggregations"].get("latency"), "99.0")
        out["baseline_p99_ms"] = p99
        # The worse of the whole window and its last half hour, against the customer's baseline hour.
        now = max(facts.get("customer_p99_ms") or 0.0, _percentile(recent.get("latency"), "99.0") or 0.0)
        if p99 and now:
            out["customer_p99_ratio"] = round(now / p99, 3)
    return out


def add_baseline_codes(scopes_now: list[dict[str, Any]], baseline: dict[str, Any], baseline_over_window: float) -> None:
    """Per place: the failures by code in the baseline, scaled to the window's length (expected counts)."""
    before: dict[tuple[str, str], dict[str, int]] = {}
    for service in baseline.get("aggregations", {}).get("scopes", {}).get("buckets", []):
        for bucket in service["regions"]["buckets"]:
            before[(service["key"], bucket["key"])] = _buckets(bucket["failures"].get("codes"))
    for scope in scopes_now:
        counts = before.get((scope["service"], scope["region"]), {})
        scope["expected_error_codes"] = {code: round(n / max(baseline_over_window, 1e-9), 2) for code, n in counts.items()}


def resource_facts(case: Case, aggs: dict[str, Any]) -> dict[str, Any]:
    named = [(resource, aggs[f"resource_{n}"]) for n, resource in enumerate(case.reading.resources[:MAX_RESOURCES])
             if f"resource_{n}" in aggs]
    if not named:
        return {}
    return {
        "resources": [resource for resource, _ in named],
        "resource_requests": sum(agg["doc_count"] for _, agg in named),
        "resource_failures": sum(agg["failures"]["doc_count"] for _, agg in named),
    }


def sentence(facts: dict[str, Any]) -> str:
    if not facts["customer_requests"]:
        return "no requests from this customer in the window"
    text = (
        f"{facts['customer_requests']} requests from the customer: {facts['customer_2xx']} 2xx, "
        f"{facts['customer_3xx']} 3xx, {facts['customer_4xx']} 4xx, {facts['customer_5xx']} 5xx"
    )
    if facts.get("top_error_code"):
        text += f"; top error {facts['top_error_code']} ({facts['top_status']})"
        text += f" on {facts.get('top_service')}/{facts.get('top_region')}"
        text += f", {facts['first_failure']} to {facts['last_failure']}"
    if "named_request_ids" in facts:
        text += (
            f"; {facts['named_request_ids_found']} of {facts['named_request_ids']} named request ids found,"
            f" {facts['named_request_ids_failed']} failed"
        )
    if "traffic_ratio" in facts:
        text += f"; traffic {facts['traffic_ratio']:.0%} of the baseline rate"
    return text


def _buckets(agg: dict[str, Any] | None) -> dict[str, int]:
    return {str(bucket["key"]): bucket["doc_count"] for bucket in (agg or {}).get("buckets", [])}


def _code_statuses(agg: dict[str, Any] | None) -> dict[str, int]:
    """error code -> the status it was answered with (one per code in practice; the highest if not)."""
    return {str(bucket["key"]): int(bucket["status"]["value"])
            for bucket in (agg or {}).get("buckets", []) if (bucket.get("status") or {}).get("value")}


def _percentile(agg: dict[str, Any] | None, key: str) -> float | None:
    value = ((agg or {}).get("values") or {}).get(key)
    return round(value, 1) if isinstance(value, (int, float)) else None
