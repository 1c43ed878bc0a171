"""The worker's Kafka clients over TLS + SASL, against the local broker's SASL_SSL listener
(certificate made with keytool at first start; the SCRAM user created here, idempotently)."""

from __future__ import annotations

import uuid

import pytest
from kafka import TopicPartition

from backends.access import KafkaAccess
from backends.kafka import ensure_topics, make_consumer, make_producer
from stack import kafka as stack_kafka
from stack.settings import KAFKA_SCRAM_PASSWORD, KAFKA_SCRAM_USER, KAFKA_SECURE_BOOTSTRAP


@pytest.fixture(scope="module")
def scram_user(local_stack):
    stack_kafka.add_scram_user(KAFKA_SCRAM_USER, KAFKA_SCRAM_PASSWORD)
    return KAFKA_SCRAM_USER


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
def test_produce_and_consume_over_sasl_ssl(scram_user, mechanism):
    access = KafkaAccess(KAFKA_SECURE_BOOTSTRAP, "SASL_SSL", mechanism, scram_user, KAFKA_SCRAM_PASSWORD,
                         ca_file=str(stack_kafka.ca_file()))
    topic = f"secure-{uuid.uuid4().hex[:8]}"
    ensure_topics(access, [topic], partitions=1)
    producer = make_producer(access, "secure-test")
    producer.send(topic, key=b"k", value=b"over TLS").get(timeout=30)
    producer.close()
    consumer = make_consumer(access, f"secure-{topic}", 10, "secure-test")
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek(TopicPartition(topic, 0), 0)
    values = []
    for _ in range(20):
        values += [record.value for records in consumer.poll(timeout_ms=500).values() for record in records]
        if values:
            break
    consumer.close()
    assert values == [b"over TLS"]
