"""`lab load` against the real stack: the generator's logs, metrics, alerts and tickets have the
documented shape, and real queries over them show the injected fault.

Isolated from the other tests sharing the stack: its own logs index prefix, service names and
topic, and no reset of anything else.
"""

from __future__ import annotations

import httpx
import orjson
import pytest

from lab.collect import read_topic
from lab.load import LOGS_MAPPING
from lab.run import load_scenario, read_run
from lab.spec import Scenario
from worker.config import load_settings


@pytest.fixture(scope="module")
def loaded(local_stack, es, tmp_path_factory, small_lab_scenario):
    import uuid

    unique = uuid.uuid4().hex[:8]
    service = f"store-{unique}"
    settings = load_settings(logs_index=f"lab-it-{unique}-logs-*", input_topic=f"lab-it-{unique}.tickets", metrics_port=0)
    run_dir = tmp_path_factory.mktemp("run")
    spec = Scenario.model_validate(small_lab_scenario(service, name="integration"))
    manifest = load_scenario(spec, run_dir / "spec.yaml", settings, run_dir, unique, reset=False)
    yield settings, service, manifest, run_dir
    for name in es.indices.get(index=f"lab-it-{unique}-logs-*"):
        es.indices.delete(index=name)


def prom(settings, query: str, at: float) -> list[dict]:
    response = httpx.get(f"{settings.prometheus_url}/api/v1/query", params={"query": query, "time": at}, timeout=30)
    response.raise_for_status()
    return response.json()["data"]["result"]


def test_logs_have_the_documented_fields_and_count(loaded, es):
    settings, service, manifest, _ = loaded
    count = es.count(index=settings.logs_index)["count"]
    assert count == manifest.log_lines > 5_000
    hit = es.search(index=settings.logs_index, size=1, query={"term": {"status": 503}})["hits"]["hits"][0]["_source"]
    assert set(hit) == set(LOGS_MAPPING["properties"])
    assert hit["service"] == service and hit["error_code"] == "ServiceUnavailable" and hit["request_id"].startswith("req-")


def test_promql_shows_the_outage_and_the_alert_fires(loaded):
    settings, service, manifest, _ = loaded
    during = manifest.window_end.timestamp() - 15 * 60
    before = manifest.window_end.timestamp() - 50 * 60
    ratio = (f'sum(rate(http_requests_total{{service="{service}",region="cn-east-1",code=~"5.."}}[5m]))'
             f' / sum(rate(http_requests_total{{service="{service}",region="cn-east-1"}}[5m]))')
    assert float(prom(settings, ratio, during)[0]["value"][1]) > 0.5
    assert float(prom(settings, ratio, before)[0]["value"][1]) < 0.05
    firing = f'ALERTS{{alertname="HighErrorRatio",alertstate="firing",service="{service}",region="cn-east-1"}}'
    assert prom(settings, firing, during)
    assert not prom(settings, firing, before)
    p99 = f'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{service="{service}"}}[5m])))'
    assert float(prom(settings, p99, before)[0]["value"][1]) < 1.0


def test_tickets_are_produced_with_their_truth(loaded):
    settings, _, manifest, run_dir = loaded
    _, truth, tickets = read_run(run_dir)
    produced = {key.decode(): orjson.loads(value) for key, value, _ in read_topic(settings.kafka_bootstrap, settings.input_topic)}
    assert manifest.tickets == len(tickets) == len(truth) == len(produced) >= 5
    assert {item.label for item in truth} == {"platform_incident", "usage_error"}
    for item in truth:
        ticket = produced[item.ticket_id]
        assert ticket["customer_id"] == item.customer_id
        assert {"ticket_id", "customer_id", "created_at", "subject", "body"} <= set(ticket)
