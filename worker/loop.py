"""The consume / batch / commit loop.

poll a batch -> decode (bad ones to the DLQ) -> enrich -> write outputs -> wait for every ack ->
commit. Nothing is committed before its outputs are durable, so a crash anywhere replays the
batch (at-least-once; the index is keyed by ticket_id, so replays overwrite). Failures are sorted
by kind (backends/errors.py):

- recoverable (a backend that stays down): the batch is rewound and retried after a pause, while
  the loop keeps polling the group;
- permanent (a backend refuses a query or a document, our code raises on a ticket): the batch is
  split in halves until the tickets at fault are found; they go to the DLQ (enrichment_failed)
  and the rest is enriched and committed. A poisoned ticket never stalls its partition.

Too many dead letters mean a systemic fault, not bad tickets: the DLQ limit stops the worker
before the batch that crossed it is committed (worker/dead_letters.py).

Up to `batches_in_flight` batches are worked on at once, each in a thread of its own: most of a
batch's time is spent waiting for Elasticsearch and Prometheus, and the next batch computes
meanwhile. Only this loop's thread touches the consumer; it commits the batches strictly in the
order they were polled, so an offset is never committed before every record below it is written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from backends.errors import BackendError, Recoverable
from correlators.base import Correlator, check_order
from triage.decode import Rejection, decode_ticket
from triage.knowledge import Knowledge, builtin_knowledge
from triage.models import Ticket
from worker.dead_letters import DlqLimit, DlqLimitExceeded, enrichment_failure, report
from worker.enrich import LinkSettings, enrich_batch
from worker.metrics import WorkerMetrics
from worker.outputs import Outputs
from worker.progress import PartitionProgress
from worker.rebalance import drop_in_flight, replay_dropped

log = logging.getLogger("fault_correlator.worker")
REWIND_PAUSE_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


Bad = tuple[ConsumerRecord, Rejection]


@dataclass
class Settled:
    """What became of a batch (or part of one): enriched, dead-lettered."""

    enriched: list = field(default_factory=list)
    dead: list[Bad] = field(default_factory=list)
    sightings: int = 0

    def __add__(self, other: Settled) -> Settled:
        return Settled(self.enriched + other.enriched, self.dead + other.dead, self.sightings + other.sightings)


@dataclass
class InFlight:
    """A polled batch being enriched and written in a thread of its own."""

    records: list[ConsumerRecord]
    done: Future
    started: float
    revoked: threading.Event = field(default_factory=threading.Event)  # set: do not write it any more


class Revoked(Exception):
    """The batch's partitions were taken away (a rebalance) before it was written: it is dropped."""


class Worker:
    def __init__(
        self,
        consumer: KafkaConsumer,
        outputs: Outputs,
        correlators: Sequence[Correlator],
        metrics: WorkerMetrics,
        name: str,
        batch_size: int = 200,
        poll_timeout_ms: int = 500,
        max_ticket_bytes: int = 64 * 1024,
        clock: Callable[[], datetime] = utcnow,
        links: LinkSettings | None = None,
        batches_in_flight: int = 1,
        knowledge: Knowledge | None = None,
        dlq_limit: DlqLimit | None = None,
        stuck_partition_s: float = 300.0,
    ):
        check_order(correlators)  # a correlator that reads what no earlier one provides fails here, not mid-stream
        self.knowledge = knowledge or builtin_knowledge()
        self.links = links
        self.consumer = consumer
        self.outputs = outputs
        self.correlators = correlators
        self.metrics = metrics
        self.name = name
        self.batch_size = batch_size
        self.poll_timeout_ms = poll_timeout_ms
        self.max_ticket_bytes = max_ticket_bytes
        self.clock = clock
        self.dlq_limit = dlq_limit or DlqLimit()
        self.replay_from: dict[TopicPartition, int] = {}  # revoked with records dropped: where to start if given back
        self.progress = PartitionProgress(metrics, stuck_partition_s, every_s=min(15.0, stuck_partition_s / 2))
        self.failures_in_a_row = 0
        self.outage_since = 0.0  # monotonic time of the first rewind of the current outage
        self.batches_in_flight = batches_in_flight
        self.in_flight: deque[InFlight] = deque()
        self.pool = ThreadPoolExecutor(max_workers=batches_in_flight, thread_name_prefix="batch")

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set; the batches in hand are finished and committed first."""
        log.info("worker started", extra={"worker": self.name, "batches_in_flight": self.batches_in_flight})
        try:
            while not stop.is_set():
                self.run_once(stop)
            while self.in_flight:
                self.commit_finished(stop, wait=True)
        except DlqLimitExceeded:
            for batch in self.in_flight:  # let them finish; none is committed, the next start replays them
                batch.done.exception()
            self.in_flight.clear()
            raise
        finally:
            self.pool.shutdown()
        log.info("worker stopping: no batch in flight, offsets committed")

    def run_once(self, stop: threading.Event) -> int:
        """Poll one batch and start it (when fewer than `batches_in_flight` are under way), then
        commit the batches that are done, oldest first; returns how many records were committed."""
        polled: list[ConsumerRecord] = []
        if len(self.in_flight) < self.batches_in_flight:
            polled = self.poll()
            if polled:
                revoked = threading.Event()
                self.in_flight.append(InFlight(polled, self.pool.submit(self.process, polled, revoked), time.monotonic(), revoked))
        self.progress.maybe_observe(self.consumer)
        # Wait for the oldest batch when no more may start, or when there was nothing new to start.
        return self.commit_finished(stop, wait=len(self.in_flight) >= self.batches_in_flight or not polled)

    def poll(self) -> list[ConsumerRecord]:
        polled = self.consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.batch_size)
        self.metrics.mark_poll()
        return [record for tp in sorted(polled) for record in polled[tp]]

    def commit_finished(self, stop: threading.Event, wait: bool) -> int:
        """Commit the finished batches at the head of the line (waiting for the first one if `wait`).
        A batch whose backend stayed down rewinds it and every later one: none of them is committed.
        A batch that crosses the DLQ limit raises DlqLimitExceeded, uncommitted."""
        committed = 0
        while self.in_flight and (wait or self.in_flight[0].done.done()):
            head = self.in_flight[0]
            try:
                dead = head.done.result()
            except Recoverable as exc:
                self.rewind(list(self.in_flight), exc, stop)
                self.in_flight.clear()
                return committed
            self.dlq_limit.observe((record.topic, record.partition, record.offset) in dead for record in head.records)
            self.in_flight.popleft()
            self.commit(head.records)
            if self.failures_in_a_row:
                log.warning("backend available again: the rewound batches went through", extra={
                    "rewinds": self.failures_in_a_row, "outage_s": round(time.monotonic() - self.outage_since, 1)})
            self.failures_in_a_row = 0
            self.metrics.batch_seconds.observe(time.monotonic() - head.started)
            self.metrics.batch_size.observe(len(head.records))
            committed += len(head.records)
            wait = False  # the others only if they are done already
        return committed

    def process(self, batch: Sequence[ConsumerRecord], revoked: threading.Event | None = None) -> set[tuple[str, int, int]]:
        """Decode, enrich and write a batch; returns the positions of the records dead-lettered.
        Raises only what is recoverable (the batch is then rewound), Revoked, or what is systemic."""
        now = self.clock()
        tickets: list[tuple[ConsumerRecord, Ticket]] = []
        rejected: list[Bad] = []
        for record in batch:
            result = decode_ticket(record.value, now, self.max_ticket_bytes)
            if isinstance(result, Rejection):
                rejected.append((record, result))
            else:
                tickets.append((record, result))
        settled = self.settle(tickets, rejected, now, revoked or threading.Event())

        acked = time.time()
        for record in batch:
            self.metrics.end_to_end_seconds.observe(max(0.0, acked - record.timestamp / 1000))
        for _, rejection in settled.dead:
            self.metrics.dead_lettered.labels(rejection.kind).inc()
        report(settled.dead)
        for item in settled.enriched:
            self.metrics.verdicts.labels(item.verdict.label).inc()
        self.metrics.incidents_recorded.inc(settled.sightings)
        self.metrics.tickets_processed.inc(len(settled.enriched))
        log.info("batch done", extra={"records": len(batch), "enriched": len(settled.enriched), "dead_lettered": len(settled.dead)})
        return {(record.topic, record.partition, record.offset) for record, _ in settled.dead}

    def settle(self, tickets: Sequence[tuple[ConsumerRecord, Ticket]], rejected: Sequence[Bad], now: datetime,
               revoked: threading.Event) -> Settled:
        """Enrich and write `tickets`, and dead-letter `rejected`. A permanent failure splits the
        tickets in halves until the ones at fault are found: each goes to the DLQ with the error,
        the others are written (a half written twice is overwritten: the writes are idempotent).
        A recoverable failure is raised: the whole batch is tried again later."""
        try:
            enrichment = enrich_batch([ticket for _, ticket in tickets], self.correlators, now, self.name, self.links,
                                      timed=lambda name, seconds: self.metrics.correlator_seconds.labels(name).observe(seconds),
                                      knowledge=self.knowledge)
            if revoked.is_set():
                raise Revoked()
            self.outputs.write(enrichment.tickets, rejected, enrichment.sightings)
            return Settled(enrichment.tickets, list(rejected), len(enrichment.sightings))
        except (Recoverable, Revoked):
            raise
        except Exception as exc:  # noqa: BLE001 - permanent, or a bug: find the ticket(s) at fault
            if not tickets:
                raise  # only dead letters to write, and the DLQ refuses them: systemic
            if len(tickets) > 1:
                half = len(tickets) // 2
                return self.settle(tickets[:half], rejected, now, revoked) + self.settle(tickets[half:], (), now, revoked)
            if not isinstance(exc, BackendError):
                log.warning("enrichment raised on one ticket", exc_info=True,
                            extra={"ticket_id": tickets[0][1].ticket_id, "offset": tickets[0][0].offset})
            dead = [*rejected, (tickets[0][0], enrichment_failure(exc))]
            if revoked.is_set():
                raise Revoked() from exc
            self.outputs.write([], dead, [])
            return Settled(dead=dead)

    def partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        drop_in_flight(self, revoked)

    def partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        replay_dropped(self, assigned)

    def commit(self, batch: Sequence[ConsumerRecord]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in batch:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
        try:
            self.consumer.commit(offsets)
            for tp, meta in offsets.items():
                self.progress.committed(tp, meta.offset)
        except (CommitFailedError, KafkaError) as exc:
            # The group moved on (rebalance): the new owner replays these records; outputs are idempotent.
            log.warning("commit failed, batch will be replayed by the partition's new owner", extra={"error": str(exc)})

    def rewind(self, batches: Sequence[InFlight], exc: Recoverable, stop: threading.Event) -> None:
        """Seek back to the first record of `batches` on each partition and pause; none is committed.
        The later batches are let finish first (their writes are idempotent; they will be replayed)."""
        self.metrics.batches_retried.inc()
        for later in batches[1:]:
            later.done.exception()  # waits; whatever it raised, the batch is replayed
        first: dict[TopicPartition, int] = {}
        for record in (record for batch in batches for record in batch.records):
            tp = TopicPartition(record.topic, record.partition)
            first[tp] = min(first.get(tp, record.offset), record.offset)
        for tp, offset in first.items():
            if tp in self.consumer.assignment():
                self.consumer.seek(tp, offset)
        pause = REWIND_PAUSE_S[min(self.failures_in_a_row, len(REWIND_PAUSE_S) - 1)]
        # One error line per outage: the first rewind; the later ones at info, until it is back.
        first = self.failures_in_a_row == 0
        if first:
            self.outage_since = time.monotonic()
        self.failures_in_a_row += 1
        (log.error if first else log.info)(
            "backend unavailable: batch rewound, retrying later" if first else "backend still unavailable: batch rewound again",
            extra={"backend": getattr(exc, "backend", "unknown"), "error": str(exc), "pause_s": pause,
                   "rewinds": self.failures_in_a_row, "records": sum(len(batch.records) for batch in batches)})
        # Keep the group membership alive while waiting: poll with every partition paused.
        self.consumer.pause(*self.consumer.assignment())
        deadline = time.monotonic() + pause
        while not stop.is_set() and time.monotonic() < deadline:
            self.consumer.poll(timeout_ms=200)
            self.metrics.mark_poll()
            self.progress.maybe_observe(self.consumer)  # a partition rewound for ever is what "stuck" is for
        self.consumer.resume(*self.consumer.paused())
