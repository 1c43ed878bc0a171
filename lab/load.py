"""Write a scenario into the real stack: logs to Elasticsearch, metrics to Prometheus, tickets to Kafka."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import httpx
import orjson
from elasticsearch import Elasticsearch, helpers

from backends.kafka import ensure_topics, make_producer
from lab.promwrite import Series, remote_write

LOGS_INDEX_PREFIX = "access-logs-"  # daily indices access-logs-YYYY.MM.DD, the worker's default logs_index pattern
LOGS_MAPPING: dict[str, Any] = {"dynamic": False, "properties": {
    "@timestamp": {"type": "date"},
    "service": {"type": "keyword"},
    "region": {"type": "keyword"},
    "node": {"type": "keyword"},
    "customer_id": {"type": "keyword"},
    "request_id": {"type": "keyword"},
    "method": {"type": "keyword"},
    "path": {"type": "keyword"},
    "status": {"type": "short"},
    "error_code": {"type": "keyword"},
    "latency_ms": {"type": "float"},
}}


def logs_template(prefix: str = LOGS_INDEX_PREFIX, mapping: dict[str, Any] | None = None) -> dict[str, Any]:
    """The index template of the access-log indices `<prefix>YYYY.MM.DD` (a world's own mapping, or the native one)."""
    return {
        "index_patterns": [f"{prefix}*"],
        "template": {
            "settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "5s"},
            "mappings": mapping or LOGS_MAPPING,
        },
    }


LOGS_TEMPLATE = logs_template()
SCENARIO_METRICS = '{__name__=~"http_requests_total|http_request_duration_seconds_.*|http_server_request_duration_seconds_.*|ALERTS|ALERTS_FOR_STATE"}'


def reset_logs(es: Elasticsearch, prefix: str = LOGS_INDEX_PREFIX) -> None:
    """Delete the access-log indices by name (wildcard deletes are refused by default)."""
    names = list(es.indices.get(index=f"{prefix}*", expand_wildcards="all"))
    for name in names:
        es.indices.delete(index=name)


def reset_metrics(prometheus_url: str) -> None:
    """Drop earlier scenario series, so a new load's counters are not mixed with an old one's.

    Needs Prometheus started with --web.enable-admin-api (the local stack is).
    """
    with httpx.Client(base_url=prometheus_url, timeout=30) as client:
        client.post("/api/v1/admin/tsdb/delete_series", params={"match[]": SCENARIO_METRICS}).raise_for_status()
        client.post("/api/v1/admin/tsdb/clean_tombstones").raise_for_status()


def load_logs(es: Elasticsearch, logs: Iterable[dict[str, Any]], prefix: str = LOGS_INDEX_PREFIX,
              on_progress: Callable[[int], None] | None = None, chunk_size: int = 5_000,
              mapping: dict[str, Any] | None = None, document: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> int:
    """Bulk-index the lines into daily indices, two bulk requests in flight; returns the count.
    `document` turns a line into the world's own document shape (default: as it is)."""
    es.indices.put_index_template(name=prefix.rstrip("-_.") or "access-logs", **logs_template(prefix, mapping))
    shape = document or (lambda line: line)
    actions = ({"_index": prefix + line["@timestamp"][:10].replace("-", "."), "_source": shape(line)} for line in logs)
    written = 0
    for _ in helpers.parallel_bulk(es.options(request_timeout=120), actions, thread_count=2, chunk_size=chunk_size, queue_size=4):
        written += 1
        if on_progress and written % chunk_size == 0:
            on_progress(written)
    if on_progress:
        on_progress(written)
    es.indices.refresh(index=f"{prefix}*")
    return written


def load_metrics(prometheus_url: str, series: Sequence[Series]) -> int:
    return remote_write(prometheus_url, series)


def replace_signals(es: Elasticsearch, prometheus_url: str, logs: Iterable[dict[str, Any]], series: Sequence[Series]) -> None:
    """Make these logs and metrics the only ones the correlators see: earlier loads are removed first."""
    reset_logs(es)
    reset_metrics(prometheus_url)
    load_logs(es, logs)
    load_metrics(prometheus_url, series)


def produce_records(bootstrap: str, topic: str, records: Iterable[dict[str, Any] | bytes], partitions: int = 4) -> int:
    """Produce tickets (keyed by ticket_id) and raw records as they are (no key), in order, creating
    the topic if needed; returns once all are acknowledged."""
    ensure_topics(bootstrap, [topic], partitions)
    producer = make_producer(bootstrap, client_id="fault-correlator-lab")
    try:
        futures = [producer.send(topic, key=item["ticket_id"].encode(), value=ticket_bytes(item))
                   if isinstance(item, dict) else producer.send(topic, value=item) for item in records]
        producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=60)
        return len(futures)
    finally:
        producer.close()


def ticket_bytes(ticket: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(ticket)
    except orjson.JSONEncodeError:  # nested deeper than orjson writes (254 levels): the standard library can
        return json.dumps(ticket, ensure_ascii=False).encode()


def produce_tickets(bootstrap: str, topic: str, tickets: Iterable[dict[str, Any]], partitions: int = 4) -> int:
    """Produce tickets keyed by ticket_id (creating the topic if needed); returns once all are acknowledged."""
    return produce_records(bootstrap, topic, tickets, partitions)
