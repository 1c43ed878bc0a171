"""Shared fixtures. Tests under tests/integration and tests/e2e talk to the real local stack
(Kafka, Elasticsearch, Prometheus started by `fault-correlator stack up`); unit tests use fakes."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        path = str(item.fspath)
        if "/tests/integration/" in path:
            item.add_marker(pytest.mark.integration)
        elif "/tests/e2e/" in path:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def local_stack():
    """The real stack, started if it is not up yet (idempotent)."""
    from stack import manager

    manager.up()
    return manager


@pytest.fixture(scope="session")
def es(local_stack):
    from elasticsearch import Elasticsearch

    from stack.settings import ELASTICSEARCH_URL

    client = Elasticsearch(ELASTICSEARCH_URL, request_timeout=60)
    yield client
    client.close()


@pytest.fixture(scope="session")
def default_scenario(local_stack, es):
    """The default scenario's logs and metrics, loaded once per session into the real stack."""
    from lab import default_scenario, load
    from stack.settings import PROMETHEUS_URL

    scenario = default_scenario.build(datetime.now(timezone.utc), run_id=uuid.uuid4().hex[:6])
    load.replace_signals(es, PROMETHEUS_URL, scenario.logs, scenario.series)
    return scenario


@pytest.fixture
def unique() -> str:
    """A fresh suffix for topic, index and group names, so tests never see each other's data."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def small_lab_scenario():
    """A small lab scenario as a YAML-ready dict: a 70% outage on `service`/cn-east-1 and one customer
    with an expired token in cn-north-1. Tests pass a service name of their own, so their metrics
    never mix with another test's in the shared Prometheus."""

    def build(service: str, name: str = "small", token_tickets: int = 1) -> dict:
        return {
            "name": name,
            "description": "a small outage and one expired token",
            "seed": 9,
            "time": {"end": "now", "duration": "90m"},
            "services": [{"name": service, "regions": ["cn-east-1", "cn-north-1"], "nodes": 2}],
            "customers": [{"group": "c", "count": 8, "rate": [0.5, 1.0], "uses": [f"{service}/cn-east-1"]},
                          {"id": "token-1", "rate": 1.0, "uses": [f"{service}/cn-north-1"]}],
            "events": [
                {"id": "outage", "kind": "regional_outage", "service": service, "region": "cn-east-1",
                 "start": "-30m", "end": "-8m", "error_rate": 0.7, "tickets": {"share": 1.0}},
                {"id": "token", "kind": "expired_token", "customers": ["token-1"], "start": "-20m", "end": "0m",
                 "tickets": {"share": 1.0, "per_customer": token_tickets}},
            ],
        }

    return build
