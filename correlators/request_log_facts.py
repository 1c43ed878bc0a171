"""The customer's request-log answers as facts and sentences (request_logs): pure functions over
Elasticsearch's aggregation answers and the typed findings."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from triage.case import Case
from triage.clock import parse_utc
from triage.findings import NamedRequests, ScopeActivity

MAX_RESOURCES = 3


def place_buckets(aggs: dict[str, Any]):
    for service in (aggs.get("scopes") or {}).get("buckets", []):
        for bucket in service["regions"]["buckets"]:
            yield service["key"], bucket


def time_of(agg: dict[str, Any] | None) -> datetime | None:
    text = (agg or {}).get("value_as_string")
    return parse_utc(text) if text else None


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def scope_fact(place: ScopeActivity) -> dict[str, Any]:
    """A place as the evidence shows it (customer_scopes)."""
    return {
        "service": place.service, "region": place.region, "requests": place.requests, "failures": place.failures,
        "server_errors": place.server_errors, "error_codes": place.error_codes,
        "error_code_statuses": place.error_code_statuses,
        "first_failure": iso(place.first_failure) if place.first_failure else None,
        "last_failure": iso(place.last_failure) if place.last_failure else None,
        "expected_error_codes": place.expected_error_codes,
        "mean_latency_ms": round(place.mean_latency_ms, 1) if place.mean_latency_ms else None,
        "baseline_mean_latency_ms": round(place.baseline_mean_latency_ms, 1) if place.baseline_mean_latency_ms else None,
    }


def class_counts(window: dict[str, Any]) -> dict[str, Any]:
    classes = {bucket["key"]: bucket["doc_count"] for bucket in window["aggregations"]["by_class"]["buckets"]}
    return {
        "customer_requests": window["hits"]["total"]["value"],
        "customer_2xx": classes.get("2xx", 0),
        "customer_3xx": classes.get("3xx", 0),
        "customer_4xx": classes.get("4xx", 0),
        "customer_5xx": classes.get("5xx", 0),
    }


def named_facts(named: NamedRequests, found: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "named_request_ids": named.named,
        "named_request_ids_found": named.found,
        "named_request_ids_failed": len(named.codes),
        "named_request_ids_5xx": sum(1 for line in found if (line.get("status") or 0) >= 500),
        "named_request_codes": named.codes,
        "named_request_statuses": named.statuses,
    }


def drop_z(observed: float, expected: float) -> float:
    """How many standard deviations (Poisson) fewer requests arrived than the baseline rate predicts:
    2.5 or more (the rule's threshold) is a real drop, not a quiet minute."""
    return round((expected - observed) / math.sqrt(expected), 2) if expected > 0 else 0.0


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
        text += f"; top error {facts['top_error_code']} ({facts.get('top_status')})"
        text += f" on {facts.get('top_service')}/{facts.get('top_region')}"
        text += f", {facts.get('first_failure')} to {facts.get('last_failure')}"
    elif not facts.get("customer_failures"):
        text += "; none failed"
    if "named_request_ids" in facts:
        text += (
            f"; {facts['named_request_ids_found']} of {facts['named_request_ids']} named request ids found,"
            f" {facts['named_request_ids_failed']} failed"
        )
    if "traffic_ratio" in facts:
        text += f"; traffic {facts['traffic_ratio']:.0%} of the baseline rate"
    return text
