import pytest
from kafka.errors import KafkaTimeoutError

from backends.errors import BackendUnavailable
from datetime import datetime, timezone

from tests.unit.fakes import FakeIncidentStore, record
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


class OrderedElasticsearch(RecordingElasticsearch):
    def __init__(self, log):
        super().__init__()
        self.log = log

    def index_documents(self, index, documents):
        self.log.append("tickets")
        super().index_documents(index, documents)


def a_sighting():
    from triage.models import IncidentSighting

    t = datetime(2026, 11, 25, 15, 14, 27, tzinfo=timezone.utc)
    return IncidentSighting(incident_id="inc-1", service="auth", region="cn-east-1", fault_start=t, status="open",
                            status_as_of=t, ticket_id="T-1", customer_id="c", seen_at=t)


def test_incidents_are_recorded_before_the_tickets_that_point_at_them():
    log = []

    class Store(FakeIncidentStore):
        def record(self, sightings, now=None):
            log.append("incidents")
            super().record(sightings, now)

    store = Store()
    producer = Producer()
    outputs = Outputs(producer, OrderedElasticsearch(log), "out", "dlq", "idx", "w1", incidents=store)
    outputs.write([], [], [a_sighting()])
    assert log == ["incidents", "tickets"]
    assert [[s.incident_id for s in batch] for batch in store.recorded] == [["inc-1"]]


def test_a_failing_incident_store_stops_the_write_before_any_ticket_is_published():
    producer = Producer()
    es = RecordingElasticsearch()
    store = FakeIncidentStore(fail=BackendUnavailable("elasticsearch", ConnectionError("refused")))
    outputs = Outputs(producer, es, "out", "dlq", "idx", "w1", incidents=store)
    with pytest.raises(BackendUnavailable):
        outputs.write([], [(record(b"x", 1), Rejection("not_json", "bad"))], [a_sighting()])
    assert es.indexed == {} and producer.sent == []


def test_without_an_incident_store_sightings_are_ignored_and_the_signature_defaults():
    producer = Producer()
    outputs = Outputs(producer, RecordingElasticsearch(), "out", "dlq", "idx", "w1")
    outputs.write([], [], [a_sighting()])
    outputs.write([], [])
    assert producer.sent == []


def test_prepare_creates_the_incident_index_too():
    class Indexes(RecordingElasticsearch):
        def __init__(self):
            super().__init__()
            self.ensured = []

        def ensure_index(self, index, mappings, settings=None):
            self.ensured.append(index)

    es = Indexes()
    store = FakeIncidentStore()
    Outputs(Producer(), es, "out", "dlq", "idx", "w1", incidents=store).prepare()
    assert es.ensured == ["idx"] and store.prepared
