from collections import Counter
from datetime import datetime, timezone

from lab.default_scenario import build
from triage.decode import decode_ticket

import orjson

END = datetime(2026, 11, 25, 12, 0, 30, tzinfo=timezone.utc)


def test_deterministic_and_shaped_as_documented():
    first, second = build(END), build(END)
    assert first.logs == second.logs and first.tickets == second.tickets
    assert first.end == datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    fields = {"@timestamp", "service", "region", "customer_id", "request_id", "method", "path", "status", "latency_ms"}
    assert all(fields <= set(line) for line in first.logs)
    assert all(first.start.isoformat()[:16] <= line["@timestamp"][:16] for line in first.logs)


def test_outage_and_usage_errors_are_in_the_logs():
    scenario = build(END)
    outage = Counter(line["status"] for line in scenario.logs if (line["service"], line["region"]) == ("object-storage", "cn-east-1"))
    assert outage[503] > 200
    codes = {line.get("error_code") for line in scenario.logs}
    assert {"ExpiredToken", "SignatureDoesNotMatch", "NoSuchBucket", "QuotaExceeded", "AccessDenied"} <= codes
    assert not [line for line in scenario.logs if line["customer_id"] == "cust-3001"]


def test_tickets_are_valid_bilingual_and_labelled():
    scenario = build(END)
    labels = Counter(item.expected for item in scenario.tickets)
    assert labels == {"platform_incident": 4, "usage_error": 5, "inconclusive": 1}
    for item in scenario.tickets:
        assert decode_ticket(orjson.dumps(item.ticket), END).ticket_id == item.ticket["ticket_id"]
    assert any("上传" in item.ticket["subject"] for item in scenario.tickets)


def test_metric_counters_are_cumulative_and_match_the_logs():
    scenario = build(END)
    for labels, samples in scenario.series:
        values = [value for _, value in samples]
        assert values == sorted(values), labels
    total_503 = sum(samples[-1][1] for labels, samples in scenario.series
                    if labels["__name__"] == "http_requests_total" and labels["code"] == "503")
    assert total_503 == sum(1 for line in scenario.logs if line["status"] == 503)
