"""Read back what the worker produced, straight from Kafka (no consumer group, nothing committed).

The evaluator needs each ticket's two record timestamps (produced, enriched), so it reads both
topics from the beginning up to their current end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import orjson
from kafka import KafkaConsumer, TopicPartition

from lab.truth import Observed


def read_topic(bootstrap: str, topic: str, timeout_s: float = 60.0) -> Iterator[tuple[bytes | None, bytes | None, int]]:
    """(key, value, timestamp_ms) of every record now in the topic; nothing if it does not exist."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="fault-correlator-lab")
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic}: still short of its end after {timeout_s:.0f} s")
            for records in consumer.poll(timeout_ms=500, max_records=5_000).values():
                for record in records:
                    if record.offset < ends[TopicPartition(record.topic, record.partition)]:
                        yield record.key, record.value, record.timestamp
    finally:
        consumer.close()


def count_records(bootstrap: str, topics: list[str]) -> int:
    """How many records the topics hold now (sum of end offsets; the lab's topics are never compacted)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="fault-correlator-lab")
    try:
        partitions = [TopicPartition(topic, p) for topic in topics for p in (consumer.partitions_for_topic(topic) or [])]
        return sum(consumer.end_offsets(partitions).values()) if partitions else 0
    finally:
        consumer.close()


def observe(bootstrap: str, input_topic: str, output_topic: str, ticket_ids: set[str]) -> dict[str, Observed]:
    """The enriched document and both timestamps of each ticket id found in the output topic.

    Replays may have enriched a ticket twice: the first enriched record counts (it is when the
    agent could first read it)."""
    produced: dict[str, int] = {}
    for key, _, stamp in read_topic(bootstrap, input_topic):
        ticket_id = key.decode() if key else None
        if ticket_id in ticket_ids and ticket_id not in produced:
            produced[ticket_id] = stamp
    observed: dict[str, Observed] = {}
    for _, value, stamp in read_topic(bootstrap, output_topic):
        if not value:
            continue
        document = orjson.loads(value)
        ticket_id = document.get("ticket_id")
        if ticket_id in ticket_ids and ticket_id not in observed and ticket_id in produced:
            observed[ticket_id] = Observed(ticket_id=ticket_id, document=document, produced_ms=produced[ticket_id], enriched_ms=stamp)
    return observed
