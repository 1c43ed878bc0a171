"""The local stack (stack/): up is healthy and idempotent, and each server does what the project needs.

Needs the machine's JDK 17, Maven and Debian's prometheus (installed by `stack up` if missing); the first
run on a cold machine downloads ~85 MB of jars into ~/.m2. Later runs reuse a running stack.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from lab.promwrite import remote_write
from stack import manager, settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack_up() -> dict:
    return manager.up(verbose=False)


def test_up_makes_everything_healthy(stack_up: dict) -> None:
    assert set(stack_up) == set(settings.COMPONENTS)
    current = manager.status()
    for name in settings.COMPONENTS:
        info = current[name]
        assert info["healthy"], (name, info)
        assert isinstance(info["pid"], int) or stack_up[name]["action"] == "external", (name, info)
        assert info["url"] and info["log"].endswith(f"{name}.log")


def test_second_up_is_a_fast_no_op(stack_up: dict) -> None:
    before = {name: info["pid"] for name, info in manager.status().items()}
    started = time.monotonic()
    again = manager.up(verbose=False)
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    for name in settings.COMPONENTS:
        assert again[name]["action"] in ("already running", "external"), again[name]
        assert again[name]["pid"] == before[name]


def test_elasticsearch_info_and_ping_with_the_python_client(stack_up: dict) -> None:
    from elasticsearch import Elasticsearch

    es = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=10)
    try:
        assert es.ping() is True
        info = es.info()
        assert info["version"]["number"] == settings.ELASTICSEARCH_VERSION
        assert info["cluster_name"] and info["cluster_uuid"] and info["tagline"]
        assert es.cluster.health()["status"] in ("green", "yellow")
    finally:
        es.close()
    head = httpx.head(settings.ELASTICSEARCH_URL + "/")
    assert head.status_code == 200
    assert head.headers.get("x-elastic-product") == "Elasticsearch"


def _remote_write(labels: dict[str, str], value: float, ts_ms: int) -> None:
    remote_write(settings.PROMETHEUS_URL, [(labels, [(ts_ms, value)])])


def _value_at(query: str, ts_s: float) -> float | None:
    answer = httpx.get(f"{settings.PROMETHEUS_URL}/api/v1/query", params={"query": query, "time": ts_s},
                       timeout=10).json()
    assert answer["status"] == "success", answer
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def test_prometheus_accepts_a_30_minute_old_sample_by_remote_write(stack_up: dict) -> None:
    run = uuid.uuid4().hex[:12]
    labels = {"__name__": "fc_stack_test_backfill", "run": run, "service": "pay"}
    now_ms = int(time.time() * 1000)
    old_ms = now_ms - 30 * 60 * 1000
    # The recent sample first: the 30-minute-old one is then out of order for this series and is only
    # accepted thanks to storage.tsdb.out_of_order_time_window.
    _remote_write(labels, 7.0, now_ms)
    _remote_write(labels, 42.5, old_ms)
    selector = f'fc_stack_test_backfill{{run="{run}"}}'
    assert _value_at(selector, old_ms / 1000 + 1) == 42.5
    assert _value_at(selector, now_ms / 1000 + 1) == 7.0


def test_prometheus_loaded_the_alert_rules(stack_up: dict) -> None:
    rules = httpx.get(f"{settings.PROMETHEUS_URL}/api/v1/rules", timeout=10).json()["data"]["groups"]
    names = {rule["name"] for group in rules for rule in group["rules"]}
    assert "HighErrorRatio" in names


def test_kafka_produce_consume_round_trip(stack_up: dict) -> None:
    from kafka import KafkaConsumer, KafkaProducer

    topic = f"fc-stack-test-{uuid.uuid4().hex[:8]}"
    payloads = [f"message-{i}".encode() for i in range(20)]
    producer = KafkaProducer(bootstrap_servers=settings.KAFKA_BOOTSTRAP, acks="all")
    try:
        for i, value in enumerate(payloads):
            producer.send(topic, key=str(i).encode(), value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=settings.KAFKA_BOOTSTRAP,
        group_id=f"fc-stack-test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=15000,
    )
    try:
        received = []
        for record in consumer:
            received.append(record.value)
            if len(received) == len(payloads):
                break
        partitions = consumer.partitions_for_topic(topic)
    finally:
        consumer.close()
    assert sorted(received) == sorted(payloads)
    assert partitions is not None and len(partitions) == settings.KAFKA_DEFAULT_PARTITIONS
