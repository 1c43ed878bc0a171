"""Where a team's data lives (triage/schema.py): the log and metrics schemas, their presets, and reading
a field of a log line by its dotted name."""

import math

import pytest
from pydantic import ValidationError

from triage.schema import LOG_PRESETS, METRICS_PRESETS, LogSchema, MetricsSchema, read

# --- presets -----------------------------------------------------------------------------------------


def test_the_native_log_schema_is_the_fields_the_lab_writes():
    schema = LogSchema()
    assert (schema.preset, schema.timestamp, schema.customer, schema.request_id) == ("native", "@timestamp", "customer_id", "request_id")
    assert (schema.status, schema.error_code, schema.error_message, schema.latency, schema.latency_unit) == (
        "status", "error_code", None, "latency_ms", "ms")
    assert LogSchema.model_validate("native") == schema == LogSchema.model_validate({})


def test_the_ecs_preset():
    ecs = LogSchema.model_validate("ecs")
    assert ecs.preset == "ecs"
    assert (ecs.customer, ecs.request_id, ecs.service, ecs.region, ecs.node) == (
        "user.id", "http.request.id", "service.name", "cloud.region", "host.name")
    assert (ecs.status, ecs.error_code, ecs.error_message) == ("http.response.status_code", "error.code", "error.message")
    assert (ecs.latency, ecs.latency_unit, ecs.method, ecs.path) == ("event.duration", "ns", "http.request.method", "url.path")


def test_a_mapping_starts_from_its_preset_and_renames_what_differs():
    schema = LogSchema.model_validate({"preset": "ecs", "customer": "labels.customer_id", "error_code": None})
    assert (schema.preset, schema.customer, schema.error_code) == ("ecs", "labels.customer_id", None)
    assert schema.status == "http.response.status_code"  # the rest is the preset's
    native = LogSchema.model_validate({"customer": "tenant"})  # no preset: native
    assert (native.preset, native.customer, native.status) == ("native", "tenant", "status")


def test_a_json_object_in_a_string_is_read_as_a_mapping():
    """What an environment variable gives: FC_LOG_SCHEMA='{"preset": "ecs", "customer": "labels.customer_id"}'."""
    schema = LogSchema.model_validate(' {"preset": "ecs", "customer": "labels.customer_id"} ')
    assert (schema.preset, schema.customer) == ("ecs", "labels.customer_id")
    assert LogSchema.model_validate(" ecs ").preset == "ecs"


def test_an_unknown_preset_or_field_is_refused():
    with pytest.raises(ValidationError, match=r"unknown log_schema preset 'splunk' \(known: native, ecs\)"):
        LogSchema.model_validate("splunk")
    with pytest.raises(ValidationError):
        LogSchema.model_validate({"preset": "ecs", "customer_field": "x"})
    with pytest.raises(ValidationError):
        LogSchema.model_validate({"latency_unit": "minutes"})
    with pytest.raises(ValidationError, match="unknown metrics_schema preset"):
        MetricsSchema.model_validate("prometheus")


def test_every_preset_is_a_valid_schema():
    for name in LOG_PRESETS:
        assert LogSchema.model_validate(name).preset == name
    for name in METRICS_PRESETS:
        assert MetricsSchema.model_validate(name).preset == name


def test_the_metrics_schemas():
    native = MetricsSchema()
    assert (native.counter, native.latency_histogram, native.service_label, native.region_label, native.status_label) == (
        "http_requests_total", "http_request_duration_seconds", "service", "region", "code")
    otel = MetricsSchema.model_validate("otel")
    # no request counter: the histogram's _count series counts the requests
    assert otel.requests_counter is None and otel.counter == "http_server_request_duration_seconds_count"
    assert (otel.service_label, otel.region_label, otel.status_label, otel.node_label) == (
        "service_name", "cloud_region", "http_response_status_code", "service_instance_id")
    renamed = MetricsSchema.model_validate({"preset": "otel", "region_label": "region"})
    assert (renamed.region_label, renamed.service_label) == ("region", "service_name")


def test_bucket_bounds_in_the_histograms_unit_become_seconds():
    assert MetricsSchema().le_seconds(0.25) == 0.25
    assert MetricsSchema.model_validate({"latency_unit": "ms"}).le_seconds(250.0) == pytest.approx(0.25)
    assert MetricsSchema.model_validate({"latency_unit": "ms"}).le_seconds(math.inf) == math.inf


# --- read: a field by its dotted name ---------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    {"http": {"response": {"status_code": 503}}},  # nested objects, as ECS documents are
    {"http.response.status_code": 503},  # the dotted key as written
    {"http.response": {"status_code": 503}},  # a mix of both
    {"http": {"response.status_code": 503}},
])
def test_read_finds_a_dotted_field_nested_or_as_written(source):
    assert read(source, "http.response.status_code") == 503


def test_read_gives_none_for_what_is_not_there_and_keeps_falsy_values():
    assert read({"http": {"response": {}}}, "http.response.status_code") is None
    assert read({"http": "not an object"}, "http.response.status_code") is None
    assert read({}, "status") is None
    assert read({"status": 0}, "status") == 0
    assert read({"error": {"code": ""}}, "error.code") == ""
    assert read({"a": {"b": None}, "a.b": 7}, "a.b") == 7  # the key as written comes first


def test_read_tries_the_next_split_when_one_leads_nowhere():
    source = {"http": {"other": 1}, "http.response": {"status_code": 404}}
    assert read(source, "http.response.status_code") == 404


# --- line: a document in the worker's own names ------------------------------------------------------------

ECS_DOC = {
    "@timestamp": "2026-11-25T10:05:00.123Z",
    "user": {"id": "cust-1"},
    "http": {"request": {"id": "req-aaaaaaaa", "method": "PUT"}, "response": {"status_code": 503}},
    "service": {"name": "vault"},
    "cloud": {"region": "fra1"},
    "host": {"name": "vault-fra1-2"},
    "url": {"path": "/photos/a.jpg"},
    "error": {"code": None, "message": "upstream connect error"},
    "event": {"duration": 123_456_789},  # nanoseconds
}


def test_line_gives_an_ecs_document_the_workers_names():
    line = LogSchema.model_validate("ecs").line(ECS_DOC)
    assert line == {
        "@timestamp": "2026-11-25T10:05:00.123Z", "request_id": "req-aaaaaaaa", "service": "vault", "region": "fra1",
        "node": "vault-fra1-2", "method": "PUT", "path": "/photos/a.jpg", "status": 503,
        "error_message": "upstream connect error", "latency_ms": 123.5,
    }  # no error_code: it is null in the document, and nulls are left out


def test_line_of_a_native_document_and_fields_the_schema_has_none_for():
    doc = {"@timestamp": "t", "request_id": "r", "service": "cdn", "region": "x", "status": 404, "error_code": "NoSuchKey",
           "error_message": "ignored: the native schema has no message field", "latency_ms": 12.34}
    line = LogSchema().line(doc)
    assert line["error_code"] == "NoSuchKey" and "error_message" not in line
    assert line["latency_ms"] == 12.3
    without_node = LogSchema.model_validate({"node": None, "method": None}).line({**doc, "node": "n1", "method": "GET"})
    assert "node" not in without_node and "method" not in without_node


def test_a_latency_that_is_not_a_number_is_left_out():
    assert "latency_ms" not in LogSchema().line({"latency_ms": "slow"})
    assert LogSchema().line({"latency_ms": 0}) == {"latency_ms": 0.0}


@pytest.mark.parametrize(("unit", "value", "ms"), [("ns", 2_500_000, 2.5), ("us", 2_500, 2.5), ("ms", 2.5, 2.5), ("s", 0.0025, 2.5)])
def test_latency_in_any_unit_as_milliseconds(unit, value, ms):
    assert LogSchema.model_validate({"latency_unit": unit}).latency_ms(value) == pytest.approx(ms)
    assert LogSchema.model_validate({"latency_unit": unit}).latency_ms(None) is None


def test_sample_fields_are_the_schemas_names_without_the_missing_ones():
    assert LogSchema().sample_fields() == ["@timestamp", "request_id", "service", "region", "node", "method", "path", "status",
                                           "error_code", "latency_ms"]
    ecs = LogSchema.model_validate({"preset": "ecs", "node": None})
    assert ecs.sample_fields() == ["@timestamp", "http.request.id", "service.name", "cloud.region", "http.request.method",
                                   "url.path", "http.response.status_code", "error.code", "error.message", "event.duration"]
