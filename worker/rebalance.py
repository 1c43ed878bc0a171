"""The consumer group's rebalances, as the worker sees them (kafka-python calls these inside poll).

On revoke the worker drops its batches in flight (Worker.partitions_revoked): one still being
enriched is never written, none is committed by the old owner after the new one started, and the
new owner replays them. The callbacks run on the consumer's I/O thread, where kafka-python allows
no blocking consumer call (a commit there raises). An ordinary rebalance logs at info level only.
"""

from __future__ import annotations

import logging

from kafka import ConsumerRebalanceListener

log = logging.getLogger("fault_correlator.worker")


class RebalanceListener(ConsumerRebalanceListener):
    def __init__(self, worker):
        self.worker = worker

    def on_partitions_revoked(self, revoked) -> None:
        self.worker.partitions_revoked(set(revoked))

    def on_partitions_assigned(self, assigned) -> None:
        log.info("partitions assigned", extra={"assigned": sorted(f"{tp.topic}-{tp.partition}" for tp in assigned)})
