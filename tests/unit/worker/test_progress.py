"""Consumer lag and stuck partitions, as /metrics and /readyz show them."""

from kafka import TopicPartition

from tests.unit.fakes import FakeConsumer
from worker.metrics import WorkerMetrics
from worker.progress import PartitionProgress

P0, P1 = TopicPartition("tickets", 0), TopicPartition("tickets", 1)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lag_is_the_log_end_after_the_last_commit_and_a_partition_without_progress_is_stuck():
    metrics, clock = WorkerMetrics(), Clock()
    consumer = FakeConsumer(log_ends={P0: [120], P1: [50]})
    progress = PartitionProgress(metrics, stuck_after_s=300, every_s=15, clock=clock)
    progress.committed(P0, 100)
    progress.committed(P1, 50)
    progress.maybe_observe(consumer)
    assert metrics.registry.get_sample_value("fc_consumer_lag", {"partition": "tickets-0"}) == 20
    assert metrics.registry.get_sample_value("fc_consumer_lag", {"partition": "tickets-1"}) == 0
    assert metrics.stuck == []
    clock.now += 301  # p0: records waiting, no commit for 301 s; p1: nothing waiting
    progress.maybe_observe(consumer)
    assert metrics.stuck == ["tickets-0"] and metrics.registry.get_sample_value("fc_stuck_partitions") == 1
    progress.committed(P0, 110)  # it moves again
    clock.now += 15
    progress.maybe_observe(consumer)
    assert metrics.stuck == []


def test_the_brokers_are_asked_at_most_every_few_seconds_and_revoked_partitions_forgotten():
    metrics, clock = WorkerMetrics(), Clock()
    consumer = FakeConsumer(log_ends={P0: [10], P1: [10]})
    calls = []
    ends = consumer.end_offsets
    consumer.end_offsets = lambda partitions: calls.append(1) or ends(partitions)
    progress = PartitionProgress(metrics, every_s=15, clock=clock)
    progress.maybe_observe(consumer)
    progress.maybe_observe(consumer)
    assert len(calls) == 1
    progress.forget([P1])
    assert metrics.registry.get_sample_value("fc_consumer_lag", {"partition": "tickets-1"}) is None
