import orjson
from kafka import KafkaAdminClient

from backends.kafka import ensure_topics, make_consumer, make_producer
from stack.settings import KAFKA_BOOTSTRAP


def test_topics_are_created_once_with_the_partitions_asked(local_stack, unique):
    topic = f"test-topic-{unique}"
    ensure_topics(KAFKA_BOOTSTRAP, [topic], partitions=4)
    ensure_topics(KAFKA_BOOTSTRAP, [topic], partitions=4)  # idempotent
    admin = KafkaAdminClient(bootstrap_servers=KAFKA_BOOTSTRAP)
    try:
        [description] = admin.describe_topics([topic])
        assert len(description["partitions"]) == 4
    finally:
        admin.close()


def test_produced_records_are_consumed_and_committed_by_hand(local_stack, unique):
    topic = f"test-roundtrip-{unique}"
    ensure_topics(KAFKA_BOOTSTRAP, [topic], partitions=2)
    producer = make_producer(KAFKA_BOOTSTRAP, "test")
    for n in range(10):
        producer.send(topic, key=f"k{n}".encode(), value=orjson.dumps({"n": n}))
    producer.flush()
    producer.close()
    consumer = make_consumer(KAFKA_BOOTSTRAP, f"group-{unique}", 100, "test")
    consumer.subscribe([topic])
    seen = []
    for _ in range(40):
        for records in consumer.poll(timeout_ms=250).values():
            seen += [orjson.loads(record.value)["n"] for record in records]
        if len(seen) == 10:
            break
    assert sorted(seen) == list(range(10))
    consumer.commit()
    assert sum(consumer.committed(tp) or 0 for tp in consumer.assignment()) == 10
    consumer.close()
