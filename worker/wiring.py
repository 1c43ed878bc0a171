"""The one place that builds the clients and wires the pieces together (tests wire their own)."""

from __future__ import annotations

import logging
from contextlib import ExitStack

from backends import elasticsearch as es_backend
from backends.kafka import ensure_topics, make_consumer, make_producer
from backends.prometheus import PrometheusBackend
from backends.range_cache import RangeCache
from backends.retry import RetryPolicy
from correlators.alerts import AlertmanagerClient, AlertsCorrelator
from correlators.blast_radius import BlastRadiusCorrelator
from correlators.knowledge_base import KnowledgeBaseCorrelator
from correlators.metrics_anomaly import MetricsAnomalyCorrelator
from correlators.request_logs import RequestLogsCorrelator
from worker.config import Settings, elasticsearch_access, http_access, kafka_access, knowledge_of
from worker.dead_letters import DlqLimit
from worker.enrich import LinkSettings
from worker.health import serve
from worker.incidents import IncidentStore
from worker.loop import Worker
from worker.metrics import WorkerMetrics
from worker.rebalance import RebalanceListener
from worker.outputs import Outputs

log = logging.getLogger("fault_correlator.wiring")


def build_worker(settings: Settings, resources: ExitStack, metrics: WorkerMetrics | None = None) -> Worker:
    """Connect to the three backends and return a ready Worker; `resources` closes everything."""
    knowledge = knowledge_of(settings)  # a bad team file stops here, before any connection
    metrics = metrics or WorkerMetrics()
    retry = RetryPolicy(settings.retry_attempts, settings.retry_max_wait_s, on_error=lambda backend: metrics.backend_errors.labels(backend).inc())

    kafka = kafka_access(settings)
    ensure_topics(kafka, [settings.input_topic, settings.output_topic, settings.dlq_topic], settings.topic_partitions)
    es_client = es_backend.connect(elasticsearch_access(settings), settings.backend_timeout_s)
    resources.callback(es_client.close)
    elasticsearch = es_backend.ElasticsearchBackend(es_client, retry)
    prometheus = PrometheusBackend(http_access(settings, "prometheus"), settings.backend_timeout_s, retry)
    resources.callback(prometheus.close)

    producer = make_producer(kafka, client_id=settings.worker_name)
    resources.callback(producer.close, timeout=10)
    # Naive mode: the same code with batches of one, so nothing is shared between tickets.
    batch_size = 1 if settings.mode == "naive" else settings.batch_size
    consumer = make_consumer(kafka, settings.group_id, batch_size, settings.worker_name)
    # Closed first (ExitStack is LIFO): leave the group before the producer goes.
    resources.callback(consumer.close, autocommit=False)

    outputs = Outputs(
        producer, elasticsearch, settings.output_topic, settings.dlq_topic, settings.enriched_index, settings.worker_name,
        settings.index_replicas, on_error=retry.on_error,
        incidents=IncidentStore(elasticsearch, settings.incidents_index, settings.index_replicas),
    )
    outputs.prepare()
    alertmanager = None
    if settings.alertmanager_url:
        alertmanager = AlertmanagerClient(http_access(settings, "alertmanager"), settings.backend_timeout_s, retry)
        resources.callback(alertmanager.close)
    # Hours that are over are asked of Prometheus once, not by every batch (backends/range_cache.py).
    ranges = RangeCache(prometheus)
    # In this order: each may read what the ones before found (the scope, the fault window).
    logs, metrics_schema = settings.log_schema, settings.metrics_schema
    correlators = [
        RequestLogsCorrelator(elasticsearch, settings.logs_index, schema=logs, knowledge=knowledge),
        MetricsAnomalyCorrelator(ranges, metrics_schema),
        AlertsCorrelator(ranges, alertmanager, metrics_schema, knowledge.alerts),
        BlastRadiusCorrelator(elasticsearch, settings.logs_index, schema=logs, knowledge=knowledge),
        KnowledgeBaseCorrelator(knowledge),
    ]
    if settings.metrics_port:
        server = serve(metrics, settings.metrics_host, settings.metrics_port)
        resources.callback(server.shutdown)
        log.info("metrics endpoint up", extra={"url": f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"})
    worker = Worker(
        consumer, outputs, correlators, metrics, settings.worker_name,
        batch_size=batch_size, poll_timeout_ms=settings.poll_timeout_ms, max_ticket_bytes=settings.max_ticket_bytes,
        batches_in_flight=1 if settings.mode == "naive" else settings.batches_in_flight,
        links=LinkSettings(settings.kibana_url, settings.grafana_url, settings.grafana_datasource, settings.logs_index,
                           logs, metrics_schema),
        knowledge=knowledge,
        dlq_limit=DlqLimit(settings.dlq_max_ratio or None, settings.dlq_max_consecutive or None, settings.dlq_window),
        stuck_partition_s=settings.stuck_partition_s,
    )
    consumer.subscribe([settings.input_topic], listener=RebalanceListener(worker))
    return worker
