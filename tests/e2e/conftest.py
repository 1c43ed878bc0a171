"""Run the real worker (`fault-correlator run`, a separate process) against the real stack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from backends.kafka import ensure_topics, make_producer
from stack.settings import KAFKA_BOOTSTRAP


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


def read_topic(topic: str, expected: int, timeout: float = 30) -> list:
    consumer = KafkaConsumer(topic, bootstrap_servers=KAFKA_BOOTSTRAP, auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=2000)
    records: list = []
    deadline = time.monotonic() + timeout
    while len(records) < expected and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records += batch
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
