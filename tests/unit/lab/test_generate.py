"""The generator, pure: logs, metrics and exposures agree; tickets come only from affected customers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest

from lab.generate import Traffic
from lab.spec import Scenario
from lab.tickets import write_tickets

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)  # 14:00 in UTC+8: the daily peak


def scenario(**overrides) -> Scenario:
    document = {
        "name": "unit",
        "seed": 5,
        "time": {"end": "now", "duration": "90m"},
        "services": [{"name": "object-storage", "regions": ["cn-east-1", "cn-north-1"], "nodes": 3}],
        "customers": [
            {"id": "hit-1", "rate": 2.0, "uses": ["object-storage/cn-east-1"]},
            {"id": "hit-2", "rate": 2.0, "uses": ["object-storage/cn-east-1"]},
            {"id": "token", "rate": 2.0, "uses": ["object-storage/cn-north-1"]},
            {"id": "offline", "rate": 2.0, "uses": ["object-storage/cn-north-1"]},
            {"id": "calm", "rate": 2.0, "uses": ["object-storage/cn-north-1"]},
        ],
        "events": [
            {"id": "outage", "kind": "regional_outage", "service": "object-storage", "region": "cn-east-1",
             "start": "-30m", "end": "-10m", "tickets": {"share": 1.0}},
            {"id": "expired", "kind": "expired_token", "customers": ["token"], "start": "-20m", "end": "0m",
             "tickets": {"share": 1.0, "per_customer": 2}},
            {"id": "network", "kind": "client_network", "customers": ["offline"], "start": "-15m", "end": "0m",
             "tickets": {"share": 1.0}},
        ],
    }
    document.update(overrides)
    return Scenario.model_validate(document)


@pytest.fixture(scope="module")
def traffic() -> tuple[Traffic, list[dict]]:
    generated = Traffic(scenario(), NOW, "unit01")
    return generated, list(generated.logs())


def test_same_seed_same_traffic(traffic):
    again = list(Traffic(scenario(), NOW, "unit01").logs())
    assert again == traffic[1]


def test_metrics_count_every_logged_request(traffic):
    generated, lines = traffic
    requests = [series for series in generated.series() if series[0]["__name__"] == "http_requests_total"]
    assert sum(samples[-1][1] for _, samples in requests) == len(lines)
    labels = requests[0][0]
    assert set(labels) == {"__name__", "job", "instance", "service", "region", "node", "code"}
    assert labels["instance"] == "gateway-unit01"


def test_outage_fails_about_its_error_rate_inside_its_window(traffic):
    generated, lines = traffic
    start, end = NOW.timestamp() - 30 * 60, NOW.timestamp() - 10 * 60
    east = [line for line in lines if line["region"] == "cn-east-1"]
    inside = [line for line in east if start <= iso_seconds(line["@timestamp"]) < end]
    failed = sum(1 for line in inside if line["status"] >= 500)
    assert 0.5 < failed / len(inside) < 0.7
    outside_failed = sum(1 for line in east if line not in inside and line["status"] >= 500)
    assert outside_failed < 0.02 * (len(east) - len(inside))


def test_client_network_leaves_no_log_line(traffic):
    generated, lines = traffic
    cut = NOW.timestamp() - 15 * 60
    assert not [line for line in lines if line["customer_id"] == "offline" and iso_seconds(line["@timestamp"]) >= cut]
    assert generated.exposures[("network", "offline")].affected > 100


def test_expired_token_is_the_customers_own_401(traffic):
    _, lines = traffic
    codes = Counter(line.get("error_code") for line in lines if line["customer_id"] == "token" and line["status"] == 401)
    assert set(codes) == {"ExpiredToken"}


def test_tickets_and_their_truth(traffic):
    generated, _ = traffic
    tickets = write_tickets(generated)
    by_customer = Counter(item.truth.customer_id for item in tickets)
    assert by_customer == {"hit-1": 1, "hit-2": 1, "token": 2, "offline": 1}
    for item in tickets:
        truth, ticket = item.truth, item.ticket
        assert ticket["ticket_id"] == truth.ticket_id and ticket["ticket_id"].startswith("T-unit01-")
        assert ticket["subject"] and ticket["body"]
        created = datetime.fromisoformat(ticket["created_at"]).timestamp()
        assert created <= NOW.timestamp()
        if truth.customer_id.startswith("hit"):
            assert (truth.label, truth.incident, truth.services, truth.regions) == ("platform_incident", "outage", ["object-storage"], ["cn-east-1"])
        elif truth.customer_id == "token":
            assert (truth.label, truth.incident, truth.error_code, truth.status) == ("usage_error", None, "ExpiredToken", 401)
        else:
            assert (truth.label, truth.kind, truth.error_code) == ("inconclusive", "client_network", None)
    assert [item.created for item in tickets] == sorted(item.created for item in tickets)


def iso_seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_a_quoted_request_id_was_made_before_the_ticket_was_written():
    from lab.spec import load_spec
    from stack.settings import repo_root
    from triage.knowledge import builtin_knowledge

    spec = load_spec(repo_root() / "scenarios" / "07-token-during-outage.yaml")
    traffic = Traffic(spec, NOW, "unit02")
    made = {line["request_id"]: datetime.fromisoformat(line["@timestamp"].replace("Z", "+00:00")) for line in traffic.logs()}
    quoted = 0
    for item in write_tickets(traffic):
        ticket = item.ticket
        created = datetime.fromisoformat(ticket["created_at"])
        for request_id in ticket.get("request_ids", []) + builtin_knowledge().vocabulary.request_id_pattern.findall(ticket["body"]):
            quoted += 1
            assert made[request_id] <= created, (ticket["ticket_id"], request_id)
    assert quoted > 10
