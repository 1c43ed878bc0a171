import random
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from lab.alerts import alert_rule_files, backfill_alerts
from lab.promwrite import remote_write
from stack.settings import PROMETHEUS_URL

STEP = timedelta(seconds=15)


@pytest.fixture
def prometheus(local_stack):
    with httpx.Client(base_url=PROMETHEUS_URL, timeout=30) as client:
        yield client


def instant(client: httpx.Client, query: str, at: datetime) -> list[dict]:
    response = client.get("/api/v1/query", params={"query": query, "time": at.timestamp()})
    response.raise_for_status()
    return response.json()["data"]["result"]


def counters(service: str, instance: str, start: datetime, end: datetime, fault: tuple[datetime, datetime]):
    """Two nodes, 10 requests per node per 15 s; during the fault as many again fail with 500 (a 50% ratio)."""
    base = {"__name__": "http_requests_total", "job": "gateway", "instance": instance, "service": service, "region": "lab-1"}
    series = []
    for node in ("n1", "n2"):
        ok, failed, samples_ok, samples_failed = 0.0, 0.0, [], []
        at = start
        while at <= end:
            ok += 10
            if fault[0] <= at < fault[1]:
                failed += 10
            ts = int(at.timestamp() * 1000)
            samples_ok.append((ts, ok))
            samples_failed.append((ts, failed))
            at += STEP
        series.append(({**base, "node": node, "code": "200"}, samples_ok))
        series.append(({**base, "node": node, "code": "500"}, samples_failed))
    return series


def test_backfilled_high_error_ratio_fires_during_the_fault_only(prometheus):
    service, instance = f"svc-{uuid.uuid4().hex[:8]}", f"alerts-test-{uuid.uuid4().hex[:8]}"
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    start, end = now - timedelta(minutes=75), now - timedelta(minutes=15)
    fault = (start + timedelta(minutes=25), start + timedelta(minutes=35))
    remote_write(PROMETHEUS_URL, counters(service, instance, start, end, fault))

    # A random evaluation offset, so this run never writes on the timestamps of an earlier run's ALERTS.
    written = backfill_alerts(PROMETHEUS_URL, alert_rule_files(), start, end, offset_ms=random.randrange(1, 15_000))
    assert written > 0

    firing = f'ALERTS{{alertname="HighErrorRatio", service="{service}", alertstate="firing"}}'
    inside = fault[0] + timedelta(minutes=5)
    [row] = instant(prometheus, firing, inside)
    assert row["value"][1] == "1"
    assert row["metric"]["severity"] == "page" and row["metric"]["region"] == "lab-1"
    assert "node" not in row["metric"] and "instance" not in row["metric"]  # aggregated by service, region

    # Pending ended when it started firing: its stale marker hides it at once (not after the 5m lookback).
    assert instant(prometheus, f'ALERTS{{alertname="HighErrorRatio", service="{service}", alertstate="pending"}}', inside) == []
    [for_state] = instant(prometheus, f'ALERTS_FOR_STATE{{alertname="HighErrorRatio", service="{service}"}}', inside)
    active_at = float(for_state["value"][1])
    assert fault[0].timestamp() <= active_at <= fault[0].timestamp() + 60

    # The 2m rate windows stop seeing 5xx ~2m after the fault; the firing series then gets a stale marker,
    # so 2 minutes later (well within the 5m lookback) it is already gone.
    assert instant(prometheus, firing, fault[1] + timedelta(minutes=4)) == []
    assert instant(prometheus, firing, fault[1] + timedelta(minutes=15)) == []
    # ...and nothing fired before the fault.
    assert instant(prometheus, firing, fault[0] - timedelta(minutes=5)) == []

    # NodeErrorRatio fires per node, SlowBurnErrorRatio (30m window) too.
    nodes = instant(prometheus, f'ALERTS{{alertname="NodeErrorRatio", service="{service}", alertstate="firing"}}', inside)
    assert sorted(row["metric"]["node"] for row in nodes) == ["n1", "n2"]
    assert instant(prometheus, f'ALERTS{{alertname="SlowBurnErrorRatio", service="{service}"}}', inside)
