"""The worker's own metrics, all declared here so an operator can read them in one place."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.tickets_processed = Counter("fc_tickets_processed", "Tickets enriched and committed", registry=r)
        self.verdicts = Counter("fc_verdicts", "Verdicts by label", ["label"], registry=r)
        self.dead_lettered = Counter("fc_dead_lettered", "Messages sent to the DLQ, by reason kind", ["kind"], registry=r)
        self.backend_errors = Counter("fc_backend_errors", "Failed backend calls (each attempt), by backend", ["backend"], registry=r)
        self.batches_retried = Counter("fc_batches_retried", "Batches rewound because a backend stayed down", registry=r)
        self.batch_seconds = Histogram("fc_batch_duration_seconds", "Time to process and commit one batch", buckets=LATENCY_BUCKETS, registry=r)
        self.batch_size = Histogram("fc_batch_size", "Records per batch", buckets=(1, 5, 10, 50, 100, 200, 500, 1000, 5000), registry=r)
        self.end_to_end_seconds = Histogram(
            "fc_end_to_end_latency_seconds", "From ticket produced to enriched ticket acknowledged", buckets=LATENCY_BUCKETS, registry=r
        )
        self.correlator_seconds = Histogram(
            "fc_correlator_duration_seconds", "Time one correlator takes for one batch", ["correlator"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.incidents_recorded = Counter("fc_incident_sightings", "Platform tickets recorded into correlated incidents", registry=r)
        self.last_poll = Gauge("fc_last_poll_timestamp_seconds", "When the consume loop last polled", registry=r)
        self.consumer_lag = Gauge("fc_consumer_lag", "Records on the partition after the last offset this worker committed",
                                  ["partition"], registry=r)
        self.stuck_partitions = Gauge("fc_stuck_partitions", "Partitions with records waiting and no commit for stuck_partition_s",
                                      registry=r)
        self.stuck: list[str] = []  # their names, for /readyz
        self.last_poll_at = time.time()  # start-up counts as a poll: /healthz is green while connecting

    def mark_poll(self) -> None:
        self.last_poll_at = time.time()
        self.last_poll.set(self.last_poll_at)
