"""The consumer group's rebalances, as the worker sees them (kafka-python calls these inside poll).

On revoke the worker commits what it wrote and drops what it did not (Worker.partitions_revoked):
a revoked partition's batch is never written by two owners at once for long, and never committed by
the old one after the new one started. An ordinary rebalance logs at info level only.
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
