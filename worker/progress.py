"""Is every partition moving? Consumer lag and stuck partitions, for /metrics and /readyz.

Every `every_s` the consume loop (never a rebalance callback: these are blocking calls) asks the
brokers for the log end of its partitions. A partition's lag is the log end minus the offset this
worker last committed there (its position, before the first commit). A partition is stuck when it
has records waiting (lag > 0) and its committed offset has not moved for `stuck_after_s`: a batch
rewound for ever, a consumer that polls but never finishes. /readyz then fails and names it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from kafka import TopicPartition
from kafka.errors import KafkaError

from worker.metrics import WorkerMetrics

log = logging.getLogger("fault_correlator.worker")


def name(tp: TopicPartition) -> str:
    return f"{tp.topic}-{tp.partition}"


class PartitionProgress:
    def __init__(self, metrics: WorkerMetrics, stuck_after_s: float = 300.0, every_s: float = 15.0,
                 clock: Callable[[], float] = time.monotonic):
        self.metrics = metrics
        self.stuck_after_s = stuck_after_s
        self.every_s = every_s
        self.clock = clock
        self.offsets: dict[TopicPartition, int] = {}    # last committed by this worker
        self.moved_at: dict[TopicPartition, float] = {}  # when that offset last moved (or was first seen)
        self.observed_at = -every_s

    def committed(self, tp: TopicPartition, offset: int) -> None:
        if self.offsets.get(tp) != offset:
            self.offsets[tp] = offset
            self.moved_at[tp] = self.clock()

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Partitions no longer ours: their figures go (the new owner reports them)."""
        for tp in partitions:
            self.offsets.pop(tp, None)
            self.moved_at.pop(tp, None)
            try:
                self.metrics.consumer_lag.remove(name(tp))
            except KeyError:
                pass

    def maybe_observe(self, consumer) -> None:
        now = self.clock()
        if now - self.observed_at < self.every_s:
            return
        self.observed_at = now
        try:
            assigned = sorted(consumer.assignment() or ())
            ends = consumer.end_offsets(assigned) if assigned else {}
            lags = {tp: max(ends[tp] - (self.offsets[tp] if tp in self.offsets else consumer.position(tp)), 0)
                    for tp in assigned if tp in ends}
        except (KafkaError, AssertionError, ValueError) as exc:  # the brokers cannot say now: the next round will
            log.debug("consumer lag not observed", extra={"error": str(exc)})
            return
        stuck = []
        for tp, lag in lags.items():
            self.metrics.consumer_lag.labels(name(tp)).set(lag)
            since = self.moved_at.setdefault(tp, now)
            if lag > 0 and now - since >= self.stuck_after_s:
                stuck.append(name(tp))
        if stuck and stuck != self.metrics.stuck:
            log.error("partitions stuck: records waiting and no commit", extra={
                "stuck_partitions": stuck, "stuck_after_s": self.stuck_after_s})
        self.metrics.stuck = stuck
        self.metrics.stuck_partitions.set(len(stuck))
