"""Kafka at the edge: consumer, producer and topic set-up with the settings the worker relies on."""

from __future__ import annotations

from collections.abc import Iterable

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from backends.access import KafkaAccess, kafka


def make_consumer(access: KafkaAccess | str, group_id: str, max_poll_records: int, client_id: str) -> KafkaConsumer:
    """A consumer of the group, not subscribed yet: the worker subscribes it with its rebalance listener."""
    return KafkaConsumer(
        **kafka(access).options(),
        group_id=group_id,
        client_id=client_id,
        # Offsets are committed by the worker, only after the outputs are acknowledged.
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_poll_records,
        # A batch may wait on backend retries; stay in the group meanwhile.
        max_poll_interval_ms=600_000,
        # A crashed worker's partitions move to the others after 10 s, not the client default 45 s.
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
    )


def make_producer(access: KafkaAccess | str, client_id: str) -> KafkaProducer:
    # acks=all + idempotence: an acknowledged output survives a broker restart and is not doubled.
    return KafkaProducer(
        **kafka(access).options(),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        # An enriched ticket is ~15 KB: with the default 16 KB batches each record went in a request of
        # its own; 512 KB batches carry a partition's share of a whole ticket batch.
        batch_size=512 * 1024,
        compression_type=None,
        request_timeout_ms=15_000,
    )


def ensure_topics(access: KafkaAccess | str, topics: Iterable[str], partitions: int = 4) -> None:
    """Create missing topics (replication 1: the local stack has one broker)."""
    admin = KafkaAdminClient(**kafka(access).options(), client_id="fault-correlator-admin")
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(name, partitions, 1) for name in topics if name not in existing]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another worker won the race
    finally:
        admin.close()
