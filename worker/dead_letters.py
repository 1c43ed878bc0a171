"""Dead letters: what goes to the DLQ, with which headers, and when there are too many of them.

A record is dead-lettered when it is not a ticket (triage/decode.py says why) or when enriching
or writing it fails for a permanent reason (a backend refused its query or its document, or our
own code raised on it): the worker finds that ticket by splitting its batch (worker/loop.py) and
the rest of the batch goes on. The DLQ record is the original bytes, untouched, with the reason,
the source position and, for an enrichment failure, the backend, its status and the error's
digest in headers.

Many dead letters in a row, or a large share of the recent records, are not bad tickets but a
systemic fault (a wrong index, a wrong mapping, a backend that refuses everything): `DlqLimit`
stops the worker before it dead-letters the whole topic (as arroyo's DlqLimit does).
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Iterable, Sequence

from kafka.consumer.fetcher import ConsumerRecord

from backends.errors import BackendError, MAX_MESSAGE, error_digest, redact
from triage.decode import Rejection

ENRICHMENT_FAILED = "enrichment_failed"
EXAMPLES = 3  # dead letters shown in full in a batch's summary line (all of them at debug level)

log = logging.getLogger("fault_correlator.worker")


def report(dead: Sequence[tuple[ConsumerRecord, Rejection]]) -> None:
    """One warning a batch, not one a record (10,000 bad records are some 50 lines): the counts by
    kind and the first few in full; each record at debug level."""
    for record, rejection in dead:
        log.debug("record dead-lettered", extra={
            "reason": rejection.reason, "kind": rejection.kind, **dict(rejection.details),
            "topic": record.topic, "partition": record.partition, "offset": record.offset})
    if dead:
        log.warning("records dead-lettered", extra={
            "dead_lettered": len(dead), "by_kind": dict(Counter(rejection.kind for _, rejection in dead)),
            "examples": [{"partition": record.partition, "offset": record.offset, "kind": rejection.kind,
                          "reason": rejection.reason[:200], **dict(rejection.details)} for record, rejection in dead[:EXAMPLES]]})


def enrichment_failure(exc: BaseException) -> Rejection:
    """Why enriching (or writing) one ticket failed for good, as a rejection for the DLQ."""
    if isinstance(exc, BackendError):
        status = "" if exc.status is None else str(exc.status)
        return Rejection(ENRICHMENT_FAILED, f"{exc}", details=(
            ("backend", exc.backend), ("status", status), ("error_digest", exc.digest)))
    message = redact(str(exc))[:MAX_MESSAGE]
    return Rejection(ENRICHMENT_FAILED, f"enrichment raised {type(exc).__name__}: {message}", details=(
        ("backend", "worker"), ("status", ""), ("error_digest", error_digest(type(exc).__name__, message))))


def headers(record: ConsumerRecord, rejection: Rejection, worker: str) -> list[tuple[str, bytes]]:
    """The record's own headers, then the reason, the kind, the source position and the details."""
    return list(record.headers or []) + [
        ("dlq.reason", rejection.reason.encode()),
        ("dlq.kind", rejection.kind.encode()),
        ("dlq.source.topic", record.topic.encode()),
        ("dlq.source.partition", str(record.partition).encode()),
        ("dlq.source.offset", str(record.offset).encode()),
        ("dlq.worker", worker.encode()),
        *((f"dlq.{key}", value.encode()) for key, value in rejection.details),
    ]


class DlqLimitExceeded(Exception):
    """Too many records went to the DLQ: the cause is systemic; nothing more is committed."""


class DlqLimit:
    """Stops the worker when more than `max_ratio` of the last `window` records, or more than
    `max_consecutive` records in a row, were dead-lettered. None turns a limit off. The ratio is
    judged only once `window` records were seen, so a few bad records at start-up do not trip it."""

    def __init__(self, max_ratio: float | None = None, max_consecutive: int | None = None, window: int = 1000):
        self.max_ratio = max_ratio
        self.max_consecutive = max_consecutive
        self.recent: deque[bool] = deque(maxlen=window)
        self.consecutive = 0

    def observe(self, dead_lettered: Iterable[bool]) -> None:
        """Count a batch's records in offset order (True = dead-lettered); raises DlqLimitExceeded."""
        for dead in dead_lettered:
            self.recent.append(dead)
            self.consecutive = self.consecutive + 1 if dead else 0
            if self.max_consecutive is not None and self.consecutive > self.max_consecutive:
                raise DlqLimitExceeded(
                    f"{self.consecutive} records in a row went to the DLQ (dlq_max_consecutive is {self.max_consecutive}): "
                    "the cause is systemic (a wrong index or mapping, a backend refusing every request), not bad tickets")
        if self.max_ratio is not None and len(self.recent) == self.recent.maxlen:
            ratio = sum(self.recent) / len(self.recent)
            if ratio > self.max_ratio:
                raise DlqLimitExceeded(
                    f"{ratio:.0%} of the last {len(self.recent)} records went to the DLQ (dlq_max_ratio is {self.max_ratio}): "
                    "the cause is systemic (a wrong index or mapping, a backend refusing every request), not bad tickets")
