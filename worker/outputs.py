"""Where enriched tickets and rejected messages go: Elasticsearch, the output topic, the DLQ.

Every write here is acknowledged before the worker commits offsets: Elasticsearch's bulk answer,
and Kafka's acks=all for every produced record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError

from backends.elasticsearch import KEYWORD, ElasticsearchBackend
from backends.errors import as_backend_error
from backends.retry import ErrorHook
from triage.decode import Rejection
from triage.models import EnrichedTicket, IncidentSighting
from worker.dead_letters import headers as dead_letter_headers
from worker.incidents import IncidentStore

ENRICHED_MAPPINGS: dict[str, Any] = {
    "dynamic": False,  # unknown ticket fields stay in _source without growing the mapping
    "properties": {
        "ticket_id": KEYWORD,
        "customer_id": KEYWORD,
        "service": KEYWORD,
        "region": KEYWORD,
        "enriched_at": {"type": "date"},
        "worker": KEYWORD,
        "incident_id": KEYWORD,
        "related_incident_id": KEYWORD,
        "note": {"type": "text"},
        "window": {"properties": {"start": {"type": "date"}, "end": {"type": "date"}}},
        "verdict": {"properties": {
            "label": KEYWORD, "confidence": {"type": "float"}, "rule": KEYWORD,
        }},
        "ticket": {"properties": {
            "created_at": {"type": "date"}, "subject": {"type": "text"}, "body": {"type": "text"},
            "language": KEYWORD,
        }},
        "evidence": {"type": "object", "enabled": False},
        # A producer's own fields, kept unparsed: any name ("", "a..b") and any depth is fine here.
        "ticket_extras": {"type": "object", "enabled": False},
    },
}
ACK_TIMEOUT_S = 30


class Outputs:
    def __init__(
        self, producer: KafkaProducer, es: ElasticsearchBackend, output_topic: str, dlq_topic: str, enriched_index: str,
        worker: str, index_replicas: int = 0, on_error: ErrorHook | None = None, incidents: IncidentStore | None = None,
    ):
        self.incidents = incidents
        self.producer = producer
        self.es = es
        self.output_topic = output_topic
        self.dlq_topic = dlq_topic
        self.enriched_index = enriched_index
        self.worker = worker
        self.index_replicas = index_replicas
        self.on_error = on_error or (lambda backend: None)

    def prepare(self) -> None:
        self.es.ensure_index(self.enriched_index, ENRICHED_MAPPINGS, {"number_of_replicas": self.index_replicas})
        if self.incidents is not None:
            self.incidents.prepare()

    def write(self, enriched: Sequence[EnrichedTicket], rejected: Sequence[tuple[ConsumerRecord, Rejection]],
              sightings: Sequence[IncidentSighting] = ()) -> None:
        """Write a batch's outputs; returns only when all are acknowledged, else raises a BackendError
        (BackendUnavailable: try the batch again later; BackendRefused: some document is refused)."""
        # Incidents first: a ticket is never published pointing at an incident that was not recorded.
        if self.incidents is not None:
            self.incidents.record(sightings)
        # Serialised once, by pydantic's own JSON writer: the same bytes go to Elasticsearch and Kafka.
        documents = {item.ticket_id: item.__pydantic_serializer__.to_json(item) for item in enriched}
        # Elasticsearch first: if Kafka then fails, the replay overwrites these same _ids.
        self.es.index_documents(self.enriched_index, documents)
        # The producer retries by itself (until its delivery timeout); what still fails here is an outage.
        try:
            futures = [self.producer.send(self.output_topic, key=ticket_id.encode(), value=doc)
                       for ticket_id, doc in documents.items()]
            futures += [self._dead_letter(record, rejection) for record, rejection in rejected]
            self.producer.flush(timeout=ACK_TIMEOUT_S)
            for future in futures:
                future.get(timeout=ACK_TIMEOUT_S)
        except KafkaError as exc:
            self.on_error("kafka")
            raise as_backend_error("kafka", exc) from exc

    def _dead_letter(self, record: ConsumerRecord, rejection: Rejection):
        """The original bytes, untouched, with the reason and the source position in headers."""
        return self.producer.send(self.dlq_topic, key=record.key, value=record.value or b"",
                                  headers=dead_letter_headers(record, rejection, self.worker))
