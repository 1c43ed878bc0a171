"""The consumer group's rebalances, as the worker sees them (kafka-python calls these inside poll).

On revoke the worker drops its batches in flight (`drop_in_flight`): one still being enriched is
never written, none is committed by the old owner after the new one started, and the new owner
replays them; a partition given straight back is read again from the first record dropped there
(`replay_dropped`: the consumer keeps its position on it, past the dropped records). The callbacks run on the consumer's I/O thread, where kafka-python allows
no blocking consumer call (a commit there raises). An ordinary rebalance logs at info level only.
"""

from __future__ import annotations

import logging

from kafka import ConsumerRebalanceListener, TopicPartition

log = logging.getLogger("fault_correlator.worker")


class RebalanceListener(ConsumerRebalanceListener):
    def __init__(self, worker):
        self.worker = worker

    def on_partitions_revoked(self, revoked) -> None:
        self.worker.partitions_revoked(set(revoked))

    def on_partitions_assigned(self, assigned) -> None:
        self.worker.partitions_assigned(set(assigned))
        log.info("partitions assigned", extra={"assigned": sorted(f"{tp.topic}-{tp.partition}" for tp in assigned)})


def drop_in_flight(worker, revoked: set[TopicPartition]) -> None:
    """A rebalance takes partitions away (called inside poll, on the consumer's own I/O thread,
    where no blocking consumer call such as a commit is allowed). Every batch in flight is
    dropped: one still being enriched stops before its write, one being written finishes its
    (idempotent) write, none is committed. The new owner replays the revoked partitions from
    their last commit; on the partitions kept, the worker seeks back to the first record it
    dropped, so nothing is skipped; and the same on those it is given back at once (the consumer
    keeps its position on a partition assigned again: it would go on after the dropped ones)."""
    worker.progress.forget(revoked)
    worker.replay_from = {}
    if not worker.in_flight:
        return
    for batch in worker.in_flight:
        batch.revoked.set()
    dropped = list(worker.in_flight)
    worker.in_flight.clear()
    for batch in dropped:
        batch.done.exception()  # wait; whatever it did, it is replayed
    kept = set(worker.consumer.assignment() or ()) - set(revoked)
    first: dict[TopicPartition, int] = {}
    for record in (record for batch in dropped for record in batch.records):
        tp = TopicPartition(record.topic, record.partition)
        first[tp] = min(first.get(tp, record.offset), record.offset)
    for tp, offset in first.items():
        if tp in kept:
            worker.consumer.seek(tp, offset)
        else:
            worker.replay_from[tp] = offset
    log.info("partitions revoked: the batches in flight are dropped, to be replayed", extra={
        "revoked": sorted(f"{tp.topic}-{tp.partition}" for tp in revoked),
        "dropped": sum(len(batch.records) for batch in dropped), "sought_back": len(first)})


def replay_dropped(worker, assigned: set[TopicPartition]) -> None:
    """Partitions given back at once after a revoke are read again from the first record
    dropped there (the others start from their last commit, as the consumer does)."""
    for tp in assigned:
        if tp in worker.replay_from:
            worker.consumer.seek(tp, worker.replay_from[tp])
    worker.replay_from = {}
