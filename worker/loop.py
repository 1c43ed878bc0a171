"""The consume / batch / commit loop.

poll a batch -> decode (bad ones to the DLQ) -> enrich -> write outputs -> wait for every ack ->
commit. Nothing is committed before its outputs are durable, so a crash anywhere replays the
batch (at-least-once; the index is keyed by ticket_id, so replays overwrite). A backend that stays
down rewinds the batch and retries it after a pause, while the loop keeps polling the group.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from backends.retry import BackendUnavailable
from correlators.base import Correlator
from triage.decode import Rejection, decode_ticket
from triage.models import Ticket
from worker.enrich import LinkSettings, enrich_batch
from worker.metrics import WorkerMetrics
from worker.outputs import Outputs

log = logging.getLogger("fault_correlator.worker")
REWIND_PAUSE_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
    ):
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
        self.failures_in_a_row = 0

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set; the batch in hand is finished and committed first."""
        log.info("worker started", extra={"worker": self.name})
        while not stop.is_set():
            self.run_once(stop)
        log.info("worker stopping: no batch in flight, offsets committed")

    def run_once(self, stop: threading.Event) -> int:
        """Poll and process one batch; returns how many records were committed."""
        polled = self.consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.batch_size)
        self.metrics.mark_poll()
        batch = [record for tp in sorted(polled) for record in polled[tp]]
        if not batch:
            return 0
        started = time.monotonic()
        try:
            self.process(batch)
        except BackendUnavailable as exc:
            self.rewind(batch, exc, stop)
            return 0
        self.commit(batch)
        self.failures_in_a_row = 0
        self.metrics.batch_seconds.observe(time.monotonic() - started)
        self.metrics.batch_size.observe(len(batch))
        return len(batch)

    def process(self, batch: Sequence[ConsumerRecord]) -> None:
        now = self.clock()
        tickets: list[Ticket] = []
        rejected: list[tuple[ConsumerRecord, Rejection]] = []
        for record in batch:
            result = decode_ticket(record.value, now, self.max_ticket_bytes)
            if isinstance(result, Rejection):
                rejected.append((record, result))
            else:
                tickets.append(result)
        enrichment = enrich_batch(tickets, self.correlators, now, self.name, self.links,
                                  timed=lambda name, seconds: self.metrics.correlator_seconds.labels(name).observe(seconds))
        enriched = enrichment.tickets
        self.outputs.write(enriched, rejected, enrichment.sightings)

        acked = time.time()
        for record in batch:
            self.metrics.end_to_end_seconds.observe(max(0.0, acked - record.timestamp / 1000))
        for record, rejection in rejected:
            self.metrics.dead_lettered.labels(rejection.kind).inc()
            log.warning("ticket dead-lettered", extra={
                "reason": rejection.reason, "kind": rejection.kind,
                "topic": record.topic, "partition": record.partition, "offset": record.offset,
            })
        for item in enriched:
            self.metrics.verdicts.labels(item.verdict.label).inc()
        self.metrics.incidents_recorded.inc(len(enrichment.sightings))
        self.metrics.tickets_processed.inc(len(enriched))
        log.info("batch done", extra={"records": len(batch), "enriched": len(enriched), "dead_lettered": len(rejected)})

    def commit(self, batch: Sequence[ConsumerRecord]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in batch:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
        try:
            self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The group moved on (rebalance): the new owner replays these records; outputs are idempotent.
            log.warning("commit failed, batch will be replayed by the partition's new owner", extra={"error": str(exc)})

    def rewind(self, batch: Sequence[ConsumerRecord], exc: BackendUnavailable, stop: threading.Event) -> None:
        """Seek back to the batch's first records and pause; nothing of it is committed."""
        self.metrics.batches_retried.inc()
        first: dict[TopicPartition, int] = {}
        for record in batch:
            tp = TopicPartition(record.topic, record.partition)
            first[tp] = min(first.get(tp, record.offset), record.offset)
        for tp, offset in first.items():
            if tp in self.consumer.assignment():
                self.consumer.seek(tp, offset)
        pause = REWIND_PAUSE_S[min(self.failures_in_a_row, len(REWIND_PAUSE_S) - 1)]
        self.failures_in_a_row += 1
        log.error("backend unavailable: batch rewound, retrying later",
                  extra={"backend": exc.backend, "error": str(exc), "pause_s": pause, "records": len(batch)})
        # Keep the group membership alive while waiting: poll with every partition paused.
        self.consumer.pause(*self.consumer.assignment())
        deadline = time.monotonic() + pause
        while not stop.is_set() and time.monotonic() < deadline:
            self.consumer.poll(timeout_ms=200)
            self.metrics.mark_poll()
        self.consumer.resume(*self.consumer.paused())
