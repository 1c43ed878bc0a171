import pytest
from kafka.errors import KafkaTimeoutError

from backends.retry import BackendUnavailable
from tests.unit.fakes import record
from triage.decode import Rejection
from worker.outputs import Outputs


class RecordingElasticsearch:
    def __init__(self):
        self.indexed = {}

    def index_documents(self, index, documents):
        self.indexed.update(documents)


class Future:
    def get(self, timeout=None):
        return None


class Producer:
    def __init__(self, fail: bool = False):
        self.fail = fail
        self.sent = []

    def send(self, topic, key=None, value=None, headers=None):
        if self.fail:
            raise KafkaTimeoutError("Failed to update metadata after 60.0 secs.")
        self.sent.append((topic, key, value, headers))
        return Future()

    def flush(self, timeout=None):
        pass


def test_dead_letters_keep_the_original_bytes_and_say_where_they_came_from():
    producer = Producer()
    outputs = Outputs(producer, RecordingElasticsearch(), "out", "dlq", "idx", "w1")
    outputs.write([], [(record(b"\xff garbage", 41, partition=3, key=b"k"), Rejection("not_json", "not valid JSON"))])
    [(topic, key, value, headers)] = producer.sent
    assert (topic, key, value) == ("dlq", b"k", b"\xff garbage")
    assert dict(headers) == {
        "dlq.reason": b"not valid JSON", "dlq.kind": b"not_json", "dlq.source.topic": b"tickets",
        "dlq.source.partition": b"3", "dlq.source.offset": b"41", "dlq.worker": b"w1",
    }


def test_a_kafka_outage_is_reported_as_backend_unavailable_and_counted():
    errors = []
    outputs = Outputs(Producer(fail=True), RecordingElasticsearch(), "out", "dlq", "idx", "w1", on_error=errors.append)
    with pytest.raises(BackendUnavailable) as failure:
        outputs.write([], [(record(b"x", 1), Rejection("not_json", "bad"))])
    assert failure.value.backend == "kafka" and errors == ["kafka"]
