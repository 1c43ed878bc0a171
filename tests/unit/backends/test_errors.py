"""Errors by kind: one table decides what is retried and what is permanent."""

import elasticsearch
import httpx
import kafka.errors
import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig

from backends.elasticsearch import BulkRejected, BulkThrottled
from backends.errors import (BackendRefused, BackendUnavailable, Permanent, Recoverable, as_backend_error,
                             is_recoverable, redact)
from backends.retry import RetryPolicy
from worker.incidents import IncidentConflict


def es_error(status: int) -> elasticsearch.ApiError:
    meta = ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig("http", "localhost", 9200))
    return elasticsearch.ApiError("refused", meta, {"error": "x"})


def http_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "http://prometheus:9090/api/v1/query_range")
    return httpx.HTTPStatusError("bad", request=request, response=httpx.Response(status, request=request))


@pytest.mark.parametrize(("error", "recoverable"), [
    (ConnectionRefusedError(), True),
    (TimeoutError(), True),
    (httpx.ConnectError("refused"), True),
    (http_error(503), True),
    (http_error(429), True),
    (http_error(400), False),  # our query is wrong: retrying it cannot help
    (http_error(422), False),
    (es_error(500), True),
    (es_error(429), True),
    (es_error(400), False),
    (es_error(404), False),
    (kafka.errors.KafkaConnectionError(), True),
    (kafka.errors.KafkaTimeoutError(), True),
    (kafka.errors.MessageSizeTooLargeError(), False),
    (BulkThrottled("429"), True),
    (BulkRejected("mapper_parsing_exception"), False),
    (IncidentConflict("raced"), True),
    (ValueError("a bug"), False),
    (RecursionError("too deep"), False),
])
def test_the_kind_of_an_error_is_decided_in_one_table(error, recoverable):
    assert is_recoverable(error) is recoverable
    kind = BackendUnavailable if recoverable else BackendRefused
    assert isinstance(as_backend_error("x", error), kind)
    assert isinstance(as_backend_error("x", error), Recoverable if recoverable else Permanent)


def test_a_permanent_error_is_not_retried_and_carries_backend_and_status():
    calls = []

    def refuse():
        calls.append(1)
        raise http_error(400)

    with pytest.raises(BackendRefused) as refused:
        RetryPolicy(attempts=5, max_wait_s=0.01).call("prometheus", refuse)
    assert len(calls) == 1
    assert (refused.value.backend, refused.value.status) == ("prometheus", 400)
    assert len(refused.value.digest) == 12


def test_a_recoverable_error_is_retried_until_the_attempts_run_out():
    calls = []

    def down():
        calls.append(1)
        raise httpx.ConnectError("refused")

    with pytest.raises(BackendUnavailable):
        RetryPolicy(attempts=3, max_wait_s=0.01).call("prometheus", down)
    assert len(calls) == 3


def test_the_digest_names_the_fault_not_the_occurrence():
    one = BackendRefused("elasticsearch", BulkRejected("1 of 200 documents rejected at offset 1234"))
    two = BackendRefused("elasticsearch", BulkRejected("1 of 150 documents rejected at offset 99"))
    other = BackendRefused("elasticsearch", BulkRejected("field name cannot be an empty string"))
    assert one.digest == two.digest != other.digest


@pytest.mark.parametrize(("text", "safe"), [
    ("GET http://admin:s3cret@prom:9090/api/v1/query failed", "GET http://***@prom:9090/api/v1/query failed"),
    ("https://user:p%40ss@es.example:9200", "https://***@es.example:9200"),
    ("auth failed: password=hunter2 for user fc", "auth failed: password=*** for user fc"),
    ("{'Authorization': 'Bearer abc.def'}", "{'Authorization': '***'}"),
    ("api_key=AbC123&x=1", "api_key=***&x=1"),
    ("no secret here: http://prom:9090", "no secret here: http://prom:9090"),
])
def test_credentials_never_reach_a_message(text, safe):
    assert redact(text) == safe


def test_an_error_message_is_redacted():
    error = BackendUnavailable("prometheus", httpx.ConnectError("cannot reach http://fc:topsecret@prom:9090"))
    assert "topsecret" not in str(error) and "***@prom:9090" in str(error)
