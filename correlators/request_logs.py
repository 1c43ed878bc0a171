"""Evidence from the customer's own request logs in Elasticsearch.

For each ticket: the customer's requests in the ticket's window counted by status class and error
code; where they went (service/region scopes, each with its failures and p99 latency); first and
last failure; sample failing lines; the named resources; an exact lookup of the request ids the
ticket names; and the same customer's traffic and latency in the baseline window before, so a
drop in traffic or a rise in latency shows. One `_msearch` per batch.

A failure is a status >= 400, or any response that carries an error code: a wrong-region request
answers 301 with `WrongRegion`, which is a failure to the customer even though it is not a 4xx.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson

from backends.elasticsearch import ElasticsearchBackend
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


class RequestLogsCorrelator:
    name = SOURCE

    def __init__(self, backend: ElasticsearchBackend, index_pattern: str = "access-logs-*", samples: int = 5):
        self.backend = backend
        self.index_pattern = index_pattern
        self.samples = samples

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        searches: list[dict[str, Any]] = []
        for case in cases:
            searches += self.searches(case)
        responses = iter(self.backend.msearch(self.index_pattern, searches))
        evidence = []
        for case in cases:
            window, baseline = next(responses), next(responses)
            ids = next(responses) if case.request_ids else None
            evidence.append(summarise(case, window, baseline, ids, self.query_text(case)))
        return evidence

    def searches(self, case: Case) -> list[dict[str, Any]]:
        out = [window_search(case, self.samples), baseline_search(case)]
        if case.request_ids:
            out.append(request_id_search(case))
        return out

    def query_text(self, case: Case) -> str:
        return "\n".join(f"GET {self.index_pattern}/_search {orjson.dumps(search).decode()}" for search in self.searches(case))


def customer_in(case: Case, start, end) -> dict[str, Any]:
    return {"bool": {"filter": [
        {"term": {"customer_id": case.ticket.customer_id}},
        {"range": {"@timestamp": {"gte": start.isoformat(), "lt": end.isoformat()}}},
    ]}}


def window_search(case: Case, samples: int) -> dict[str, Any]:
    aggs: dict[str, Any] = {
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
                "latency": {"percentiles": {**PERCENTILES, "percents": [99]}},
            }},
        }},
        "failures": {"filter": FAILING, "aggs": {
            "error_codes": {"terms": {"field": "error_code", "size": 10}, "aggs": {"status": {"max": {"field": "status"}}}},
            "client_codes": {"filter": {"range": {"status": {"lt": 500}}}, "aggs": {
                "codes": {"terms": {"field": "error_code", "size": 3}},
            }},
            "statuses": {"terms": {"field": "status", "size": 10}},
            "first": {"min": {"field": "@timestamp"}},
            "last": {"max": {"field": "@timestamp"}},
            "samples": {"top_hits": {"size": samples, "sort": [{"@timestamp": "desc"}], "_source": SAMPLE_FIELDS}},
        }},
    }
    # The last half hour alone: in a long window (a vague "since this evening") a recent drop in
    # traffic or rise in latency would drown in the hours before it.
    recent_start = max(case.window.start, case.window.end - RECENT)
    aggs["recent"] = {"filter": {"range": {"@timestamp": {"gte": recent_start.isoformat()}}},
                      "aggs": {"latency": {"percentiles": {**PERCENTILES, "percents": [99]}}}}
    for number, resource in enumerate(case.reading.resources[:MAX_RESOURCES]):
        aggs[f"resource_{number}"] = {"filter": {"prefix": {"path": f"/{resource}"}}, "aggs": {"failures": {"filter": FAILING}}}
    return {"size": 0, "track_total_hits": True, "query": customer_in(case, case.window.start, case.window.end), "aggs": aggs}


def baseline_search(case: Case) -> dict[str, Any]:
    return {
        "size": 0, "track_total_hits": True,
        "query": customer_in(case, case.baseline.start, case.baseline.end),
        "aggs": {
            "latency": {"percentiles": PERCENTILES},
            "failures": {"filter": FAILING},
            # What each place's failures looked like before: an error that was already there at the
            # same rate is not what the customer is writing about now.
            "scopes": {"terms": {"field": "service", "size": MAX_SCOPES}, "aggs": {
                "regions": {"terms": {"field": "region", "size": MAX_SCOPES}, "aggs": {
                    "failures": {"filter": FAILING, "aggs": {"codes": {"terms": {"field": "error_code", "size": 5}}}},
                }},
            }},
        },
    }


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
    facts: dict[str, Any] = {**class_counts(window), **failure_facts(failures)}
    facts["customer_scopes"] = scopes(aggs.get("scopes"))
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


def failure_facts(failures: dict[str, Any]) -> dict[str, Any]:
    codes = _buckets(failures.get("error_codes"))
    code_statuses = _code_statuses(failures.get("error_codes"))
    statuses = _buckets(failures.get("statuses"))
    server = sum(count for status, count in statuses.items() if int(status) >= 500)
    total = failures["doc_count"]
    facts: dict[str, Any] = {
        "customer_failures": total,
        "customer_client_errors": total - server,
        "error_codes": codes,
        "error_code_statuses": code_statuses,
        "statuses": statuses,
        "top_error_code": next(iter(codes), None),
        # The status of the top code (two codes can tie on count; their statuses must not be mixed up).
        "top_status": code_statuses.get(next(iter(codes), ""), int(next(iter(statuses))) if statuses else None),
        "top_client_error_code": next(iter(_buckets(failures.get("client_codes", {}).get("codes"))), None),
        "first_failure": (failures.get("first") or {}).get("value_as_string"),
        "last_failure": (failures.get("last") or {}).get("value_as_string"),
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
                "p99_ms": _percentile(bucket.get("latency"), "99.0"),
            })
    return sorted(out, key=lambda scope: (-scope["failures"], -scope["requests"]))


def baseline_facts(case: Case, facts: dict[str, Any], baseline: dict[str, Any], window_aggs: dict[str, Any]) -> dict[str, Any]:
    """Traffic per minute and p99 latency against the baseline window: a drop or a slowdown shows."""
    requests = baseline["hits"]["total"]["value"]
    out: dict[str, Any] = {"baseline_requests": requests}
    recent = window_aggs.get("recent") or {}
    recent_minutes = min(case.window.duration, RECENT).total_seconds() / 60
    if requests and recent:
        per_minute_now = recent["doc_count"] / max(recent_minutes, 1)
        per_minute_before = requests / max(case.baseline.duration.total_seconds() / 60, 1)
        out["recent_requests"] = recent["doc_count"]
        out["traffic_ratio"] = round(per_minute_now / per_minute_before, 3)
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
