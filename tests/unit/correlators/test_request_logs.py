from datetime import datetime, timezone

from correlators.request_logs import RequestLogsCorrelator, summarise
from tests.unit.fakes import FakeElasticsearch
from triage.models import Ticket
from triage.understand import understand

# The shape Elasticsearch 8.19 returns for window_search (recorded from the local stack, trimmed).
WINDOW_RESPONSE = {
    "hits": {"total": {"value": 1203, "relation": "eq"}, "hits": []},
    "aggregations": {
        "by_class": {"buckets": [
            {"key": "2xx", "from": 200.0, "to": 300.0, "doc_count": 980},
            {"key": "3xx", "from": 300.0, "to": 400.0, "doc_count": 0},
            {"key": "4xx", "from": 400.0, "to": 500.0, "doc_count": 12},
            {"key": "5xx", "from": 500.0, "to": 600.0, "doc_count": 211},
        ]},
        "services": {"buckets": [{"key": "object-storage", "doc_count": 1203}]},
        "regions": {"buckets": [{"key": "cn-east-1", "doc_count": 1203}]},
        "failures": {
            "doc_count": 223,
            "error_codes": {"buckets": [{"key": "ServiceUnavailable", "doc_count": 170}, {"key": "InternalError", "doc_count": 41},
                                        {"key": "NoSuchKey", "doc_count": 12}]},
            "statuses": {"buckets": [{"key": 503, "doc_count": 170}, {"key": 500, "doc_count": 41}, {"key": 404, "doc_count": 12}]},
            "services": {"buckets": [{"key": "object-storage", "doc_count": 223}]},
            "regions": {"buckets": [{"key": "cn-east-1", "doc_count": 223}]},
            "first": {"value": 1.7e12, "value_as_string": "2026-11-25T10:03:11.000Z"},
            "last": {"value": 1.7e12, "value_as_string": "2026-11-25T10:12:40.000Z"},
            "samples": {"hits": {"hits": [{"_source": {"request_id": "req-aaaaaaaaaaaaaaaa", "status": 503, "error_code": "ServiceUnavailable"}}]}},
        },
    },
}
IDS_RESPONSE = {"hits": {"total": {"value": 1}, "hits": [{"_source": {"request_id": "req-bbbbbbbbbbbbbbbb", "status": 503}}]}}
# Recorded from Elasticsearch 8.19.21: a customer with no request in the window...
EMPTY_RESPONSE = {"timed_out": False,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":None,"hits":[]},"aggregations":{"by_class":{"buckets":[{"key":"2xx","from":200.0,"to":300.0,"doc_count":0},{"key":"3xx","from":300.0,"to":400.0,"doc_count":0},{"key":"4xx","from":400.0,"to":500.0,"doc_count":0},{"key":"5xx","from":500.0,"to":600.0,"doc_count":0}]},"services":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[]},"regions":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[]},"failures":{"doc_count":0,"statuses":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[]},"regions":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[]},"services":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[]},"error_codes":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[]},"last":{"value":None},"samples":{"hits":{"total":{"value":0,"relation":"eq"},"max_score":None,"hits":[]}},"first":{"value":None}}},"status":200}
# ...and an index pattern that matches no index at all.
NO_INDEX_RESPONSE = {"timed_out": False,"_shards":{"total":0,"successful":0,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":0.0,"hits":[]},"status":200}


def case(**fields):
    base = dict(ticket_id="T-1", customer_id="cust-1", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=timezone.utc), subject="s", body="b")
    return understand(Ticket(**{**base, **fields}))


def test_counts_codes_scope_and_samples():
    evidence = summarise(case(), WINDOW_RESPONSE, None, "q")
    facts = evidence.facts
    assert (facts["customer_requests"], facts["customer_4xx"], facts["customer_5xx"]) == (1203, 12, 211)
    assert facts["top_error_code"] == "ServiceUnavailable" and facts["top_status"] == 503
    assert (facts["top_service"], facts["top_region"]) == ("object-storage", "cn-east-1")
    assert facts["server_error_share"] == round(211 / 223, 4)
    assert facts["first_failure"] == "2026-11-25T10:03:11.000Z"
    assert evidence.samples[0]["request_id"] == "req-aaaaaaaaaaaaaaaa"
    assert "211 5xx" in evidence.summary


def test_named_request_ids_are_looked_up_and_come_first_in_samples():
    evidence = summarise(case(request_ids=["req-bbbbbbbbbbbbbbbb", "req-cccccccccccccccc"]), WINDOW_RESPONSE, IDS_RESPONSE, "q")
    assert (evidence.facts["named_request_ids"], evidence.facts["named_request_ids_found"], evidence.facts["named_request_ids_failed"]) == (2, 1, 1)
    assert evidence.samples[0]["named_in_ticket"] is True


def test_no_requests_means_zero_requests():
    evidence = summarise(case(), EMPTY_RESPONSE, None, "q")
    assert evidence.available and evidence.facts["customer_requests"] == 0
    assert evidence.summary == "no requests from this customer in the window"


def test_no_log_index_means_the_evidence_is_missing_not_zero():
    evidence = summarise(case(), NO_INDEX_RESPONSE, None, "q")
    assert not evidence.available and "no access-log index" in evidence.summary


def test_a_failed_search_marks_the_evidence_unavailable():
    evidence = summarise(case(), {"error": {"type": "search_phase_execution_exception"}, "status": 500}, None, "q")
    assert not evidence.available


def test_one_msearch_for_the_batch_with_an_id_lookup_only_where_ids_are_named():
    es = FakeElasticsearch([WINDOW_RESPONSE, WINDOW_RESPONSE, IDS_RESPONSE])
    correlator = RequestLogsCorrelator(es, "access-logs-*")
    cases = [case(), case(ticket_id="T-2", request_ids=["req-bbbbbbbbbbbbbbbb"])]
    evidence = correlator.correlate(cases)
    assert len(es.requests) == 1 and len(es.requests[0][1]) == 3
    assert "named_request_ids" not in evidence[0].facts
    assert evidence[1].facts["named_request_ids_found"] == 1
    assert '"customer_id":"cust-1"' in evidence[0].query
