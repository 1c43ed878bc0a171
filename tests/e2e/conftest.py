"""Run the real worker (`fault-correlator run`, a separate process) against the real stack."""

from __future__ import annotations

import copy
import os
import re
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import orjson
import pytest
from elasticsearch import Elasticsearch
from elasticsearch.serializer import OrjsonSerializer
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from backends.kafka import ensure_topics, make_producer
from lab import alerts, load
from lab.generate import Traffic
from lab.promwrite import remote_write
from lab.run import logs_prefix
from lab.spec import Scenario
from lab.tickets import GeneratedTicket, write_tickets
from lab.truth import GroundTruth
from stack.settings import ELASTICSEARCH_URL, KAFKA_BOOTSTRAP, PROMETHEUS_URL


@dataclass
class Names:
    input_topic: str
    output_topic: str
    dlq_topic: str
    enriched_index: str
    group_id: str

    def env(self) -> dict[str, str]:
        return {
            "FC_INPUT_TOPIC": self.input_topic, "FC_OUTPUT_TOPIC": self.output_topic, "FC_DLQ_TOPIC": self.dlq_topic,
            "FC_ENRICHED_INDEX": self.enriched_index, "FC_GROUP_ID": self.group_id,
        }


@pytest.fixture
def names(unique, es) -> Iterator[Names]:
    names = Names(f"e2e-tickets-{unique}", f"e2e-enriched-{unique}", f"e2e-dlq-{unique}", f"e2e-enriched-{unique}", f"e2e-{unique}")
    ensure_topics(KAFKA_BOOTSTRAP, [names.input_topic, names.output_topic, names.dlq_topic], partitions=4)
    yield names
    es.options(ignore_status=404).indices.delete(index=names.enriched_index)


class WorkerProcess:
    def __init__(self, names: Names, log_path: Path, **settings: str):
        env = {**os.environ, **names.env(), "FC_METRICS_PORT": "0", "FC_LOG_FORMAT": "json"}
        env.update({f"FC_{key.upper()}": str(value) for key, value in settings.items()})
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "worker.cli", "run"], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self.log.close()
        return code

    def alive(self) -> bool:
        return self.process.poll() is None


@pytest.fixture
def start_worker(names, tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(**settings: str) -> WorkerProcess:
        worker = WorkerProcess(names, tmp_path / f"worker-{len(started)}.log", **settings)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.alive():
            worker.stop(signal.SIGKILL)
    for worker in started:  # the worker's own log helps when a test fails
        sys.stderr.write(worker.log_path.read_text(errors="replace")[-3000:])


def produce(topic: str, messages: list[bytes | dict]) -> None:
    producer = make_producer(KAFKA_BOOTSTRAP, "e2e-producer")
    for message in messages:
        if isinstance(message, dict):
            producer.send(topic, key=message["ticket_id"].encode(), value=orjson.dumps(message))
        else:
            producer.send(topic, value=message)
    producer.flush()
    producer.close()


def wait_for_count(es, index: str, count: int, timeout: float = 120, while_true: Callable[[], bool] = lambda: True) -> int:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline and while_true():
        if es.indices.exists(index=index):
            es.indices.refresh(index=index)
            seen = es.count(index=index)["count"]
            if seen >= count:
                return seen
        time.sleep(0.3)
    return seen


def read_topic(topic: str, expected: int, timeout: float = 30, keys: set[str] | None = None) -> list:
    """Records of `topic` until `expected` are read, or, given `keys`, until every one of them has
    been seen (an at-least-once topic can hold duplicates, so a count alone can stop too early)."""
    consumer = KafkaConsumer(topic, bootstrap_servers=KAFKA_BOOTSTRAP, auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=2000)
    records: list = []
    seen: set[str] = set()
    deadline = time.monotonic() + timeout

    def done() -> bool:
        return seen >= keys if keys is not None else len(records) >= expected

    while not done() and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records += batch
            seen.update(record.key.decode() for record in batch if record.key)
    consumer.close()
    return records


def committed_total(names: Names) -> int:
    """How many records of the input topic the test's consumer group has committed."""
    consumer = KafkaConsumer(bootstrap_servers=KAFKA_BOOTSTRAP, group_id=names.group_id, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(names.input_topic, p) for p in consumer.partitions_for_topic(names.input_topic)]
        return sum(consumer.committed(tp) or 0 for tp in partitions)
    finally:
        consumer.close()


# --- Isolated scenario loads and worker groups (test_two_workers.py, tests/integration/test_correlators_live.py) ---
#
# `lab.run.load_scenario(..., reset=False)` keeps other loads' data, but its alert backfill evaluates
# every rule for EVERY service in Prometheus over the loaded range and remote-writes the result:
# another scenario loaded over the same minutes (the one a person is measuring on the shared stack)
# would get a second, interleaved copy of its ALERTS / ALERTS_FOR_STATE series, with this load's
# evaluation offset and possibly another activeAt. `load_isolated` does the same load but writes
# alerts for the scenario's own services only, and never produces the tickets.

SCENARIO_METRICS_IN_RULES = re.compile(r"\b(http_requests_total|http_request_duration_seconds_bucket)\b(\{[^}]*\})?")


@dataclass
class LoadedScenario:
    spec: Scenario
    run_id: str
    logs_index: str  # the pattern the correlators read (`<prefix>*`)
    window: tuple[datetime, datetime]
    generated: list[GeneratedTicket]
    log_lines: int
    metric_samples: int
    alert_samples: int
    seconds: dict[str, float]
    prometheus_started: str  # when the Prometheus holding the metrics started: see skip_unless_same_prometheus

    @property
    def tickets(self) -> list[dict]:
        return [item.ticket for item in self.generated]

    @property
    def truth(self) -> dict[str, GroundTruth]:
        return {item.truth.ticket_id: item.truth for item in self.generated}

    @property
    def services(self) -> set[str]:
        return {service.name for service in self.spec.services}

    def at(self, offset: timedelta) -> datetime:
        """A time relative to the end of the loaded range, as the spec's `-30m` offsets are."""
        return self.window[1] + offset


def with_service_suffix(raw: dict, suffix: str) -> dict:
    """The scenario (as a YAML dict) with `-<suffix>` after every service name, so its metrics and
    alerts are the load's own in the shared Prometheus."""
    raw = copy.deepcopy(raw)
    rename = {service["name"]: f"{service['name']}-{suffix}" for service in raw["services"]}

    def pair(use: str) -> str:
        service, region = use.split("/", 1)
        return f"{rename[service]}/{region}"

    for service in raw["services"]:
        service["name"] = rename[service["name"]]
    for customer in raw["customers"]:
        if isinstance(customer.get("uses"), list):
            customer["uses"] = [pair(use) for use in customer["uses"]]
    for event in raw.get("events", []):
        if event.get("service"):
            event["service"] = rename[event["service"]]
        if event.get("services"):
            event["services"] = [rename[name] for name in event["services"]]
        if isinstance(event.get("customers"), dict) and event["customers"].get("service"):
            event["customers"]["service"] = rename[event["customers"]["service"]]
    return raw


def scoped_to(expr: str, services: set[str]) -> str:
    """A rule's expr with a `service=~"..."` matcher on every scenario metric: the rules aggregate
    by service, so the result for these services is the same, and nothing else is evaluated."""
    matcher = f'service=~"{"|".join(sorted(services))}"'

    def add(match: re.Match) -> str:
        inner = (match.group(2) or "{}")[1:-1].strip()
        return f"{match.group(1)}{{{inner + ',' if inner else ''}{matcher}}}"

    return SCENARIO_METRICS_IN_RULES.sub(add, expr)


def backfill_own_alerts(prometheus_url: str, services: set[str], start: datetime, end: datetime, offset_ms: int) -> int:
    """`lab.alerts.backfill_alerts`, for these services only (same steps, same `for` replay)."""
    series = []
    with httpx.Client(timeout=60) as client:
        for rule in alerts.load_alert_rules(alerts.alert_rule_files()):
            steps = alerts.evaluation_steps(int(start.timestamp() * 1000), int(end.timestamp() * 1000), rule.interval_ms, offset_ms)
            if not steps:
                continue
            matrix = alerts.query_matrix(client, prometheus_url, scoped_to(rule.expr, services), steps, rule.interval_ms)
            series += alerts.alert_series(rule, [item for item in matrix if item["metric"].get("service") in services], steps)
        return remote_write(prometheus_url, series, client=client) if series else 0


def load_isolated(spec: Scenario, logs_index: str, run_id: str, prometheus_url: str = PROMETHEUS_URL,
                  elasticsearch_url: str = ELASTICSEARCH_URL) -> LoadedScenario:
    """Logs under the test's own prefix, metrics and alerts of the spec's own services; no reset,
    no tickets produced (they are returned)."""
    traffic = Traffic(spec, datetime.now(timezone.utc), run_id)
    seconds: dict[str, float] = {}
    prometheus_started = prometheus_start_time(prometheus_url)
    started = time.monotonic()
    client = Elasticsearch(elasticsearch_url, request_timeout=120, serializer=OrjsonSerializer())
    try:
        lines = load.load_logs(client, traffic.logs(), logs_prefix(logs_index))
    finally:
        client.close()
    seconds["logs"] = time.monotonic() - started
    started = time.monotonic()
    samples = load.load_metrics(prometheus_url, traffic.series())
    seconds["metrics"] = time.monotonic() - started
    started = time.monotonic()
    window_start, window_end = traffic.window
    services = {service.name for service in spec.services}
    alert_samples = backfill_own_alerts(prometheus_url, services, window_start, window_end, zlib.crc32(run_id.encode()) % 15_000)
    seconds["alerts"] = time.monotonic() - started
    generated = write_tickets(traffic)
    return LoadedScenario(spec, run_id, logs_index, traffic.window, generated, lines, samples, alert_samples,
                          {stage: round(value, 2) for stage, value in seconds.items()}, prometheus_started)


def prometheus_start_time(prometheus_url: str = PROMETHEUS_URL) -> str:
    response = httpx.get(f"{prometheus_url}/api/v1/status/runtimeinfo", timeout=30)
    response.raise_for_status()
    return response.json()["data"]["startTime"]


def skip_unless_same_prometheus(scenario: LoadedScenario, prometheus_url: str = PROMETHEUS_URL) -> None:
    """Skip when Prometheus restarted since the load: a `lab load`/`lab bench` with reset elsewhere
    on the shared stack restarts it with an empty TSDB, so the scenario's metrics and alerts are gone
    and there is nothing left to judge."""
    now = prometheus_start_time(prometheus_url)
    if now != scenario.prometheus_started:
        pytest.skip(f"Prometheus restarted (wiped by another load on the shared stack) since this test loaded "
                    f"its scenario: started {scenario.prometheus_started}, now {now}; rerun when the stack is quiet")


@contextmanager
def isolated_scenario(es, spec: Scenario, logs_index: str, run_id: str, label: str) -> Iterator[LoadedScenario]:
    """`load_isolated`, printing what was loaded (`pytest -s`), and its logs dropped afterwards."""
    started = time.monotonic()
    try:
        loaded = load_isolated(spec, logs_index, run_id)
        print(f"\n[{label}] loaded {loaded.log_lines:,} log lines, {loaded.metric_samples:,} samples, "
              f"{loaded.alert_samples:,} alert samples, {len(loaded.generated)} tickets in "
              f"{time.monotonic() - started:.1f} s ({loaded.seconds})")
        yield loaded
    finally:
        drop_logs(es, logs_index)


def drop_logs(es, logs_index: str) -> None:
    """Delete the test's log indices (by name) and their index template."""
    prefix = logs_prefix(logs_index)
    for name in es.indices.get(index=logs_index, expand_wildcards="all"):
        es.indices.delete(index=name)
    es.options(ignore_status=404).indices.delete_index_template(name=prefix.rstrip("-_.") or "access-logs")


def wait_for_members(group_id: str, members: int, processes: list[WorkerProcess], timeout: float = 90) -> None:
    """Until the group is Stable with this many members (every partition assigned to one of them)."""
    admin = KafkaAdminClient(bootstrap_servers=KAFKA_BOOTSTRAP, client_id="e2e-admin")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            dead = [worker for worker in processes if not worker.alive()]
            if dead:
                raise RuntimeError(f"a worker exited with code {dead[0].process.returncode} before joining; log {dead[0].log_path}")
            group = admin.describe_groups([group_id]).get(group_id) or {}
            if group.get("group_state") == "Stable" and len(group.get("members") or []) == members:
                return
            time.sleep(0.2)
    finally:
        admin.close()
    raise TimeoutError(f"consumer group {group_id} not stable with {members} members in {timeout:.0f} s")


def delete_kafka(topics: list[str], groups: list[str]) -> None:
    """Remove the test's topics and consumer groups (best effort: a leftover is harmless)."""
    admin = KafkaAdminClient(bootstrap_servers=KAFKA_BOOTSTRAP, client_id="e2e-admin")
    try:
        existing = set(admin.list_topics())
        if [topic for topic in topics if topic in existing]:
            admin.delete_topics([topic for topic in topics if topic in existing])
        for group in groups:
            try:
                admin.delete_groups([group])
            except Exception:  # noqa: BLE001 - not found, or still has members: leave it
                pass
    finally:
        admin.close()
