"""Evidence from the customer's own request logs in Elasticsearch.

For each ticket: the customer's requests in the ticket's window, counted by status class and error
code, first and last failure, the services/regions the failures hit, sample failing lines with
request ids; and an exact lookup of the request ids the ticket names. One `_msearch` per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from backends.elasticsearch import ElasticsearchBackend
from triage.models import Evidence
from triage.understand import Case

SOURCE = "request_logs"
SAMPLE_FIELDS = ["@timestamp", "request_id", "service", "region", "method", "path", "status", "error_code", "latency_ms"]
STATUS_CLASSES = [
    {"key": "2xx", "from": 200, "to": 300},
    {"key": "3xx", "from": 300, "to": 400},
    {"key": "4xx", "from": 400, "to": 500},
    {"key": "5xx", "from": 500, "to": 600},
]


class RequestLogsCorrelator:
    name = SOURCE

    def __init__(self, backend: ElasticsearchBackend, index_pattern: str = "access-logs-*", samples: int = 5):
        self.backend = backend
        self.index_pattern = index_pattern
        self.samples = samples

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        searches: list[dict[str, Any]] = []
        for case in cases:
            searches.append(window_search(case, self.samples))
            if case.request_ids:
                searches.append(request_id_search(case))
        responses = iter(self.backend.msearch(self.index_pattern, searches))
        evidence = []
        for case in cases:
            window_response = next(responses)
            ids_response = next(responses) if case.request_ids else None
            evidence.append(summarise(case, window_response, ids_response, self._query_text(case)))
        return evidence

    def _query_text(self, case: Case) -> str:
        text = f"GET {self.index_pattern}/_search {orjson.dumps(window_search(case, self.samples)).decode()}"
        if case.request_ids:
            text += f"\nGET {self.index_pattern}/_search {orjson.dumps(request_id_search(case)).decode()}"
        return text


def window_search(case: Case, samples: int) -> dict[str, Any]:
    failing = {"range": {"status": {"gte": 400}}}
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": [
            {"term": {"customer_id": case.ticket.customer_id}},
            {"range": {"@timestamp": {"gte": case.window.start.isoformat(), "lt": case.window.end.isoformat()}}},
        ]}},
        "aggs": {
            "by_class": {"range": {"field": "status", "ranges": STATUS_CLASSES}},
            "services": {"terms": {"field": "service", "size": 3}},
            "regions": {"terms": {"field": "region", "size": 3}},
            "failures": {"filter": failing, "aggs": {
                "error_codes": {"terms": {"field": "error_code", "size": 10}},
                "statuses": {"terms": {"field": "status", "size": 10}},
                "services": {"terms": {"field": "service", "size": 3}},
                "regions": {"terms": {"field": "region", "size": 3}},
                "first": {"min": {"field": "@timestamp"}},
                "last": {"max": {"field": "@timestamp"}},
                "samples": {"top_hits": {"size": samples, "sort": [{"@timestamp": "desc"}], "_source": SAMPLE_FIELDS}},
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


def summarise(case: Case, window: dict[str, Any], ids: dict[str, Any] | None, query: str) -> Evidence:
    if "error" in window:
        return Evidence(source=SOURCE, query=query, summary=f"log search failed: {window['error']}", available=False)
    if window.get("_shards", {}).get("total", 1) == 0:
        return Evidence(source=SOURCE, query=query, summary="no access-log index matches the pattern", available=False)
    aggs = window["aggregations"]
    total = window["hits"]["total"]["value"]
    classes = {bucket["key"]: bucket["doc_count"] for bucket in aggs["by_class"]["buckets"]}
    failures = aggs["failures"]
    codes = _buckets(failures.get("error_codes"))
    statuses = _buckets(failures.get("statuses"))
    # Where the customer failed, else where it sent traffic: the scope later sources look at.
    scope_from = failures if failures["doc_count"] else aggs
    facts: dict[str, Any] = {
        "customer_requests": total,
        "customer_2xx": classes.get("2xx", 0),
        "customer_4xx": classes.get("4xx", 0),
        "customer_5xx": classes.get("5xx", 0),
        "error_codes": codes,
        "statuses": statuses,
        "top_error_code": next(iter(codes), None),
        "top_status": int(next(iter(statuses))) if statuses else None,
        "top_service": _top(scope_from.get("services")),
        "top_region": _top(scope_from.get("regions")),
        "first_failure": (failures.get("first") or {}).get("value_as_string"),
        "last_failure": (failures.get("last") or {}).get("value_as_string"),
    }
    failed = facts["customer_4xx"] + facts["customer_5xx"]
    if failed:
        facts["client_error_share"] = round(facts["customer_4xx"] / failed, 4)
        facts["server_error_share"] = round(facts["customer_5xx"] / failed, 4)
    samples = [hit["_source"] for hit in failures.get("samples", {}).get("hits", {}).get("hits", [])]
    if ids is not None and "error" not in ids:
        found = [hit["_source"] for hit in ids["hits"]["hits"]]
        facts["named_request_ids"] = len(case.request_ids)
        facts["named_request_ids_found"] = len(found)
        facts["named_request_ids_failed"] = sum(1 for line in found if line.get("status", 0) >= 400)
        samples = [{**line, "named_in_ticket": True} for line in found] + samples
    return Evidence(source=SOURCE, query=query, summary=_sentence(facts), facts=facts, samples=samples)


def _sentence(facts: dict[str, Any]) -> str:
    if not facts["customer_requests"]:
        return "no requests from this customer in the window"
    text = (
        f"{facts['customer_requests']} requests from the customer: {facts['customer_2xx']} 2xx, "
        f"{facts['customer_4xx']} 4xx, {facts['customer_5xx']} 5xx"
    )
    if facts["top_error_code"]:
        text += f"; top error {facts['top_error_code']} ({facts['top_status']})"
        text += f" on {facts['top_service']}/{facts['top_region']}"
        text += f", {facts['first_failure']} to {facts['last_failure']}"
    if "named_request_ids" in facts:
        text += (
            f"; {facts['named_request_ids_found']} of {facts['named_request_ids']} named request ids found,"
            f" {facts['named_request_ids_failed']} failed"
        )
    return text


def _buckets(agg: dict[str, Any] | None) -> dict[str, int]:
    return {str(bucket["key"]): bucket["doc_count"] for bucket in (agg or {}).get("buckets", [])}


def _top(agg: dict[str, Any] | None) -> str | None:
    return next(iter(_buckets(agg)), None)
