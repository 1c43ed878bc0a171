import logging
import threading
from datetime import datetime, timezone

import orjson
import pytest
from kafka import TopicPartition

from backends.errors import BackendRefused, BackendUnavailable
from correlators.base import OrderError
from tests.unit.fakes import FakeConsumer, FakeCorrelator, FakeOutputs, Recording, record, recorded_correlators
from triage.models import Evidence
from worker.dead_letters import DlqLimit, DlqLimitExceeded
from worker.loop import Worker
from worker.metrics import WorkerMetrics

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def ticket(n: int) -> bytes:
    return orjson.dumps({"ticket_id": f"T-{n}", "customer_id": "c", "created_at": "2026-11-25T11:50:00Z", "subject": "s", "body": "b"})


class QuietLogs:
    """Stands in for the request-log correlator: no request from anyone."""

    name = "request_logs"
    requires: frozenset[str] = frozenset()
    provides = frozenset({"activity"})

    def correlate(self, cases):
        return [Evidence(source=self.name, query="q", summary="none", facts={"customer_requests": 0}) for _ in cases]


def make_worker(consumer, outputs, metrics=None):
    return Worker(consumer, outputs, [QuietLogs()], metrics or WorkerMetrics(), "w1", clock=lambda: NOW)


def test_batch_is_enriched_dead_lettered_and_committed_after_the_write():
    consumer = FakeConsumer([[record(ticket(1), 0), record(b"{not json", 1), record(ticket(2), 0, partition=1)]])
    outputs = FakeOutputs()
    metrics = WorkerMetrics()
    assert make_worker(consumer, outputs, metrics).run_once(threading.Event()) == 3
    enriched, rejected, sightings = outputs.written[0]
    assert sightings == []
    assert [item.ticket_id for item in enriched] == ["T-1", "T-2"]
    assert enriched[0].verdict.label == "inconclusive"
    assert rejected[0][0].offset == 1 and rejected[0][1].kind == "not_json"
    assert consumer.committed == {TopicPartition("tickets", 0): 2, TopicPartition("tickets", 1): 1}
    assert metrics.registry.get_sample_value("fc_tickets_processed_total") == 2
    assert metrics.registry.get_sample_value("fc_dead_lettered_total", {"kind": "not_json"}) == 1
    assert metrics.registry.get_sample_value("fc_verdicts_total", {"label": "inconclusive"}) == 2


def test_backend_down_rewinds_without_committing_then_succeeds():
    batch = [record(ticket(1), 5), record(ticket(2), 6)]
    consumer = FakeConsumer([batch, batch])
    outputs = FakeOutputs(fail_times=1)
    metrics = WorkerMetrics()
    worker = make_worker(consumer, outputs, metrics)
    stop = threading.Event()
    stop.set()  # skip the pause between attempts
    assert worker.run_once(stop) == 0
    assert consumer.committed == {}
    assert consumer.seeks == [(TopicPartition("tickets", 0), 5)]
    assert not consumer.paused_partitions
    assert metrics.registry.get_sample_value("fc_batches_retried_total") == 1
    assert worker.run_once(stop) == 2
    assert consumer.committed == {TopicPartition("tickets", 0): 7}


def test_run_returns_when_stopped():
    stop = threading.Event()
    consumer = FakeConsumer([[record(ticket(1), 0)]])
    outputs = FakeOutputs()
    worker = make_worker(consumer, outputs)
    original_poll = consumer.poll

    def poll_then_stop(**kwargs):
        result = original_poll(**kwargs)
        if not result:
            stop.set()
        return result

    consumer.poll = poll_then_stop
    worker.run(stop)
    assert len(outputs.written) == 1


def test_platform_tickets_sightings_go_to_the_outputs_with_the_batch():
    """Real tickets through the loop, their evidence recorded from the stack: the outage ticket and the
    two tickets of the shared-dependency failure are platform incidents; the expired token is not."""
    tickets = [t for name in ("outage_5xx", "expired_token_in_outage", "dependency_batch") for t in Recording(name).tickets()]
    consumer = FakeConsumer([[record(t.model_dump_json().encode(), offset) for offset, t in enumerate(tickets)]])
    outputs = FakeOutputs()
    metrics = WorkerMetrics()
    worker = Worker(consumer, outputs, recorded_correlators("outage_5xx", "expired_token_in_outage", "dependency_batch"),
                    metrics, "w1", clock=lambda: datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc))
    assert worker.run_once(threading.Event()) == 4
    [(enriched, rejected, sightings)] = outputs.written
    assert rejected == []
    assert [item.verdict.label for item in enriched] == ["platform_incident", "usage_error", "platform_incident", "platform_incident"]
    assert sorted(s.ticket_id for s in sightings) == sorted([tickets[0].ticket_id, tickets[2].ticket_id, tickets[3].ticket_id])
    assert len({s.incident_id for s in sightings}) == 2  # the outage, and the shared dependency
    assert metrics.registry.get_sample_value("fc_incident_sightings_total") == 3
    assert metrics.registry.get_sample_value("fc_correlator_duration_seconds_count", {"correlator": "alerts"}) == 1
    assert consumer.committed == {TopicPartition("tickets", 0): 4}


def test_a_worker_with_its_correlators_out_of_order_is_refused_when_built():
    alerts, logs = FakeCorrelator("alerts", {}), FakeCorrelator("request_logs", {})
    with pytest.raises(OrderError, match="alerts requires 'activity', which no correlator before it provides"):
        Worker(FakeConsumer(), FakeOutputs(), [alerts, logs], WorkerMetrics(), "w1", clock=lambda: NOW)
    Worker(FakeConsumer(), FakeOutputs(), [logs, FakeCorrelator("metrics_anomaly", {}), alerts], WorkerMetrics(), "w1",
           clock=lambda: NOW)


def test_a_batch_is_not_committed_when_the_incident_store_fails():
    from backends.errors import BackendUnavailable

    class FailingOutputs(FakeOutputs):
        def write(self, enriched, rejected, sightings=()):
            raise BackendUnavailable("elasticsearch", ConnectionError("incidents index down"))

    consumer = FakeConsumer([[record(ticket(1), 3)]])
    stop = threading.Event()
    stop.set()
    assert make_worker(consumer, FailingOutputs()).run_once(stop) == 0
    assert consumer.committed == {} and consumer.seeks == [(TopicPartition("tickets", 0), 3)]


# --- several batches in flight ----------------------------------------------------------------------

class GatedOutputs(FakeOutputs):
    """Writes a batch only once its gate (by first ticket id) opens: the test decides which finishes first."""

    def __init__(self, fail: set[str] = frozenset()):
        super().__init__()
        self.gates: dict[str, threading.Event] = {}
        self.fail = set(fail)

    def gate(self, ticket_id: str) -> threading.Event:
        return self.gates.setdefault(ticket_id, threading.Event())

    def write(self, enriched, rejected, sightings=()):
        from backends.errors import BackendUnavailable

        first = enriched[0].ticket_id
        assert self.gate(first).wait(5)
        if first in self.fail:
            raise BackendUnavailable("elasticsearch", ConnectionError("refused"))
        super().write(enriched, rejected, sightings)


def pipelined(consumer, outputs, in_flight=2):
    return Worker(consumer, outputs, [QuietLogs()], WorkerMetrics(), "w1", clock=lambda: NOW, batches_in_flight=in_flight)


def test_batches_finished_out_of_order_are_committed_in_order():
    consumer = FakeConsumer([[record(ticket(1), 0)], [record(ticket(2), 1)]])
    outputs = GatedOutputs()
    worker = pipelined(consumer, outputs, in_flight=3)
    stop = threading.Event()
    outputs.gate("T-2").set()
    assert worker.run_once(stop) == 0 and worker.run_once(stop) == 0  # both under way
    worker.in_flight[1].done.result(timeout=5)  # the second batch is written first...
    assert worker.commit_finished(stop, wait=False) == 0  # ...but waits for the first one
    assert consumer.committed == {}
    outputs.gate("T-1").set()
    assert worker.commit_finished(stop, wait=True) == 2
    assert consumer.committed == {TopicPartition("tickets", 0): 2}
    assert [written[0][0].ticket_id for written in outputs.written] == ["T-2", "T-1"]


def test_a_failed_batch_rewinds_itself_and_the_batches_after_it():
    consumer = FakeConsumer([[record(ticket(1), 4)], [record(ticket(2), 7, partition=1)]])
    outputs = GatedOutputs(fail={"T-1"})
    outputs.gate("T-2").set()
    worker = pipelined(consumer, outputs)
    stop = threading.Event()
    stop.set()  # skip the pause
    assert worker.run_once(stop) == 0  # the first batch under way, held at its write
    threading.Timer(0.2, outputs.gate("T-1").set).start()
    assert worker.run_once(stop) == 0  # polls the second, waits for the first: it fails
    assert consumer.committed == {}
    assert sorted(consumer.seeks) == [(TopicPartition("tickets", 0), 4), (TopicPartition("tickets", 1), 7)]
    assert not worker.in_flight and len(outputs.written) == 1  # the second was written; it will be again


def test_stopping_finishes_and_commits_the_batches_in_flight():
    consumer = FakeConsumer([[record(ticket(1), 0)], [record(ticket(2), 1)]])
    outputs = FakeOutputs()
    worker = pipelined(consumer, outputs, in_flight=3)
    stop = threading.Event()
    original_poll = consumer.poll

    def poll_then_stop(**kwargs):
        result = original_poll(**kwargs)
        if not consumer.batches:
            stop.set()
        return result

    consumer.poll = poll_then_stop
    worker.run(stop)
    assert consumer.committed == {TopicPartition("tickets", 0): 2}
    assert len(outputs.written) == 2


# --- a poisoned ticket never stops the rest ---------------------------------------------------------

class PoisonedLogs(QuietLogs):
    """Raises on any batch holding one of `poisoned`: `error` (a bug, or a backend's permanent refusal)."""

    def __init__(self, poisoned: set[str], error: Exception):
        self.poisoned, self.error, self.calls = poisoned, error, 0

    def correlate(self, cases):
        self.calls += 1
        if any(case.ticket.ticket_id in self.poisoned for case in cases):
            raise self.error
        return super().correlate(cases)


def poisoned_worker(consumer, outputs, poisoned, error, metrics=None):
    return Worker(consumer, outputs, [PoisonedLogs(poisoned, error)], metrics or WorkerMetrics(), "w1", clock=lambda: NOW)


@pytest.mark.parametrize("error", [
    RecursionError("maximum serialization depth exceeded"),  # our own code raises on one ticket
    BackendRefused("prometheus", ValueError("bad_data: unterminated quoted string"), status=400),
])
def test_a_poisoned_ticket_goes_to_the_dlq_and_the_rest_of_the_batch_is_committed(error):
    batch = [record(ticket(n), n) for n in range(10)]
    consumer, outputs, metrics = FakeConsumer([batch]), FakeOutputs(), WorkerMetrics()
    assert poisoned_worker(consumer, outputs, {"T-6"}, error, metrics).run_once(threading.Event()) == 10
    enriched = [item.ticket_id for written in outputs.written for item in written[0]]
    dead = [(bad, why) for written in outputs.written for bad, why in written[1]]
    assert sorted(enriched) == sorted(f"T-{n}" for n in range(10) if n != 6)
    [(bad, why)] = dead
    assert bad.offset == 6 and why.kind == "enrichment_failed"
    details = dict(why.details)
    assert set(details) == {"backend", "status", "error_digest"}
    if isinstance(error, BackendRefused):
        assert (details["backend"], details["status"]) == ("prometheus", "400")
    assert consumer.committed == {TopicPartition("tickets", 0): 10}  # the partition moves on
    assert metrics.registry.get_sample_value("fc_dead_lettered_total", {"kind": "enrichment_failed"}) == 1
    assert metrics.registry.get_sample_value("fc_tickets_processed_total") == 9


def test_malformed_records_are_dead_lettered_once_while_the_batch_is_split():
    batch = [record(ticket(0), 0), record(b"{not json", 1), record(ticket(2), 2), record(ticket(3), 3)]
    consumer, outputs = FakeConsumer([batch]), FakeOutputs()
    poisoned_worker(consumer, outputs, {"T-3"}, ValueError("bug")).run_once(threading.Event())
    dead = sorted((bad.offset, why.kind) for written in outputs.written for bad, why in written[1])
    assert dead == [(1, "not_json"), (3, "enrichment_failed")]


def test_a_recoverable_failure_still_rewinds_the_whole_batch():
    batch = [record(ticket(n), n) for n in range(4)]
    consumer, outputs = FakeConsumer([batch]), FakeOutputs()
    stop = threading.Event()
    stop.set()
    worker = poisoned_worker(consumer, outputs, {"T-2"}, BackendUnavailable("elasticsearch", ConnectionError("down")))
    assert worker.run_once(stop) == 0
    assert consumer.committed == {} and consumer.seeks == [(TopicPartition("tickets", 0), 0)]
    assert outputs.written == []


def test_the_dlq_limit_stops_the_worker_before_the_batch_that_crossed_it_is_committed():
    batches = [[record(b"{bad", 0), record(b"{bad", 1)], [record(b"{bad", 2), record(ticket(3), 3)]]
    consumer, outputs = FakeConsumer(batches), FakeOutputs()
    worker = Worker(consumer, outputs, [QuietLogs()], WorkerMetrics(), "w1", clock=lambda: NOW,
                    dlq_limit=DlqLimit(max_consecutive=2))
    stop = threading.Event()
    assert worker.run_once(stop) == 2  # two in a row: at the limit, not over it
    with pytest.raises(DlqLimitExceeded, match="3 records in a row went to the DLQ"):
        worker.run(stop)
    assert consumer.committed == {TopicPartition("tickets", 0): 2}


# --- rebalances ---------------------------------------------------------------------------------------

class HeldLogs(QuietLogs):
    """Holds any batch with a ticket in `held` until `release` is set: a batch still being enriched."""

    def __init__(self, held: set[str]):
        self.held, self.release = held, threading.Event()

    def correlate(self, cases):
        if any(case.ticket.ticket_id in self.held for case in cases):
            assert self.release.wait(5)
        return super().correlate(cases)


def test_on_revoke_the_batches_in_flight_are_dropped_a_batch_being_enriched_unwritten():
    p0, p1 = TopicPartition("tickets", 0), TopicPartition("tickets", 1)
    consumer = FakeConsumer([[record(ticket(1), 10)], [record(ticket(2), 20, partition=1), record(ticket(3), 11)]])
    outputs, logs = FakeOutputs(), HeldLogs({"T-2"})
    worker = Worker(consumer, outputs, [logs], WorkerMetrics(), "w1", clock=lambda: NOW, batches_in_flight=3)
    stop = threading.Event()
    worker.run_once(stop)
    worker.commit_finished(stop, wait=True)  # the first batch is written and committed
    worker.run_once(stop)  # the second is being enriched
    assert consumer.committed == {p0: 11} and len(worker.in_flight) == 1
    threading.Timer(0.2, logs.release.set).start()
    worker.partitions_revoked({p1})
    assert [item.ticket_id for written in outputs.written for item in written[0]] == ["T-1"]  # the second never written
    assert consumer.committed == {p0: 11}  # nothing committed from inside the callback
    assert consumer.seeks == [(p0, 11)]  # its record on the partition we keep is read again; p1's new owner replays T-2
    assert not worker.in_flight
    worker.partitions_assigned({p1})  # p1 given back at once: the consumer kept its position past T-2
    assert consumer.seeks == [(p0, 11), (p1, 20)]
    worker.partitions_assigned({p1})  # a later assignment: its last commit decides again
    assert consumer.seeks == [(p0, 11), (p1, 20)]


def test_on_revoke_a_batch_being_written_finishes_its_write_and_is_not_committed():
    p0 = TopicPartition("tickets", 0)
    consumer = FakeConsumer([[record(ticket(1), 10)]])
    outputs = GatedOutputs()
    worker = pipelined(consumer, outputs, in_flight=3)
    worker.run_once(threading.Event())  # under way, held at its write: past the point of dropping
    threading.Timer(0.2, outputs.gate("T-1").set).start()
    worker.partitions_revoked({p0})
    assert len(outputs.written) == 1 and consumer.committed == {} and consumer.seeks == []  # the new owner replays it


def test_a_revoke_with_nothing_in_flight_does_nothing():
    consumer = FakeConsumer()
    worker = make_worker(consumer, FakeOutputs())
    worker.partitions_revoked({TopicPartition("tickets", 0)})
    assert consumer.committed == {} and consumer.seeks == []


def test_an_outage_is_one_error_line_and_its_end_one_warning(caplog):
    batch = [record(ticket(1), 5)]
    consumer = FakeConsumer([batch, batch, batch])
    worker = make_worker(consumer, FakeOutputs(fail_times=2))
    stop = threading.Event()
    stop.set()  # skip the pauses
    with caplog.at_level(logging.INFO, logger="fault_correlator.worker"):
        worker.run_once(stop), worker.run_once(stop), worker.run_once(stop)
    lines = [(item.levelname, item.getMessage()) for item in caplog.records if "backend" in item.getMessage()]
    assert lines == [("ERROR", "backend unavailable: batch rewound, retrying later"),
                     ("INFO", "backend still unavailable: batch rewound again"),
                     ("WARNING", "backend available again: the rewound batches went through")]


def test_dead_letters_are_summarised_one_line_a_batch(caplog):
    consumer = FakeConsumer([[record(b"{bad", n) for n in range(50)]])
    with caplog.at_level(logging.INFO, logger="fault_correlator.worker"):
        make_worker(consumer, FakeOutputs()).run_once(threading.Event())
    [summary] = [item for item in caplog.records if "dead-lettered" in item.getMessage()]
    assert summary.dead_lettered == 50 and summary.by_kind == {"not_json": 50} and len(summary.examples) == 3
