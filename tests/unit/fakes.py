"""In-memory stand-ins for unit tests only. Integration tests use the real stack."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord


def record(value: bytes | None, offset: int, partition: int = 0, topic: str = "tickets", key: bytes | None = None) -> ConsumerRecord:
    return ConsumerRecord(topic, partition, -1, offset, 1_764_000_000_000, 0, key, value, [], None, 0, 0, 0)


@dataclass
class FakeConsumer:
    """Hands out queued batches; remembers commits and seeks."""

    batches: list[list[ConsumerRecord]] = field(default_factory=list)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)
    paused_partitions: set = field(default_factory=set)

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[ConsumerRecord]]:
        if self.paused_partitions or not self.batches:
            return {}
        out: dict[TopicPartition, list[ConsumerRecord]] = {}
        for item in self.batches.pop(0):
            out.setdefault(TopicPartition(item.topic, item.partition), []).append(item)
        return out

    def commit(self, offsets) -> None:
        for tp, meta in offsets.items():
            self.committed[tp] = meta.offset

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition("tickets", 0), TopicPartition("tickets", 1)}

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))

    def pause(self, *tps) -> None:
        self.paused_partitions |= set(tps)

    def paused(self) -> set:
        return set(self.paused_partitions)

    def resume(self, *tps) -> None:
        self.paused_partitions -= set(tps)


@dataclass
class FakeOutputs:
    fail_times: int = 0
    written: list[tuple[list[Any], list[Any]]] = field(default_factory=list)

    def write(self, enriched, rejected) -> None:
        from backends.retry import BackendUnavailable

        if self.fail_times:
            self.fail_times -= 1
            raise BackendUnavailable("elasticsearch", ConnectionError("refused"))
        self.written.append((list(enriched), list(rejected)))


class FakeElasticsearch:
    """Answers msearch with prepared responses, in order; records what it was asked."""

    def __init__(self, responses: list[dict[str, Any]]):
        self.responses = responses
        self.requests: list[tuple[str, list]] = []

    def msearch(self, index: str, searches: list) -> list[dict[str, Any]]:
        self.requests.append((index, list(searches)))
        return self.responses[: len(searches)]


class FakePrometheus:
    def __init__(self, answers: dict[tuple[str, float], list[dict[str, Any]]] | None = None, default: list | None = None):
        self.answers = answers or {}
        self.default = default or []
        self.queries: list[tuple[str, Any]] = []

    def query(self, promql: str, at) -> list[dict[str, Any]]:
        self.queries.append((promql, at))
        return self.answers.get((promql, at.timestamp()), self.default)
