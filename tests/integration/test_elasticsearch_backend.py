from datetime import timedelta

import pytest

from backends.elasticsearch import ElasticsearchBackend, connect
from backends.errors import BackendUnavailable
from backends.retry import RetryPolicy
from correlators.request_logs import RequestLogsCorrelator
from stack.settings import ELASTICSEARCH_URL
from triage.knowledge import builtin_knowledge
from triage.models import Ticket
from triage.understand import understand

VOCABULARY = builtin_knowledge().vocabulary  # the built-in one, as when no team file is set


@pytest.fixture
def backend(local_stack):
    client = connect(ELASTICSEARCH_URL)
    yield ElasticsearchBackend(client)
    client.close()


def test_documents_are_overwritten_by_id_not_duplicated(backend, es, unique):
    index = f"test-enriched-{unique}"
    backend.ensure_index(index, {"properties": {"ticket_id": {"type": "keyword"}}})
    backend.ensure_index(index, {"properties": {"ticket_id": {"type": "keyword"}}})  # idempotent
    backend.index_documents(index, {"T-1": {"ticket_id": "T-1", "v": 1}, "T-2": {"ticket_id": "T-2", "v": 1}})
    backend.index_documents(index, {"T-1": {"ticket_id": "T-1", "v": 2}})
    es.indices.refresh(index=index)
    assert es.count(index=index)["count"] == 2
    doc = es.get(index=index, id="T-1")
    assert doc["_source"]["v"] == 2 and doc["_version"] == 2
    es.indices.delete(index=index)


def test_msearch_on_a_missing_index_answers_empty(backend, unique):
    [response] = backend.msearch(f"no-such-index-{unique}-*", [{"query": {"match_all": {}}}])
    assert response["hits"]["total"]["value"] == 0


def test_unreachable_elasticsearch_is_retried_then_reported():
    errors = []
    client = connect("http://127.0.0.1:1", timeout_s=0.5)
    backend = ElasticsearchBackend(client, RetryPolicy(attempts=3, max_wait_s=0.05, on_error=errors.append))
    with pytest.raises(BackendUnavailable) as failure:
        backend.msearch("x", [{"query": {"match_all": {}}}])
    assert failure.value.backend == "elasticsearch"
    assert errors == ["elasticsearch"] * 3


def ticket(scenario, number: int) -> Ticket:
    return Ticket.model_validate({**scenario.tickets[number - 1].ticket,
                                  "created_at": scenario.end - timedelta(minutes=3)}, strict=False)


def test_request_logs_find_the_outage_and_the_expired_token(backend, default_scenario):
    correlator = RequestLogsCorrelator(backend, "access-logs-*")
    outage, token, ghost = correlator.correlate([understand(ticket(default_scenario, n), VOCABULARY) for n in (4, 5, 10)])
    assert outage.facts["customer_5xx"] > 50
    assert outage.facts["top_error_code"] in {"ServiceUnavailable", "InternalError"}
    assert (outage.facts["top_service"], outage.facts["top_region"]) == ("object-storage", "cn-east-1")
    assert outage.facts["named_request_ids_found"] == 1
    assert token.facts["top_error_code"] == "ExpiredToken" and token.facts["top_status"] == 401
    assert token.samples and all(line["status"] >= 400 for line in token.samples)
    assert ghost.facts["customer_requests"] == 0


def test_combined_searches_answer_exactly_what_separate_searches_answer(backend, default_scenario):
    """The request-log searches of a few tickets (a resource named or not, request ids or not),
    combined by the backend and one by one: the same answers, bar timings."""
    correlator = RequestLogsCorrelator(backend, "access-logs-*")
    searches = [search for n in (1, 4, 5, 6, 10) for search in correlator.searches(understand(ticket(default_scenario, n), VOCABULARY))]
    combined = backend.msearch("access-logs-*", searches, combine=True, cache=False)
    separate = backend.msearch("access-logs-*", searches, cache=False)

    def comparable(answer):
        return {"total": answer["hits"]["total"]["value"], "hits": answer["hits"]["hits"], "aggregations": answer.get("aggregations")}

    assert len(combined) == len(separate) == len(searches)
    assert [comparable(a) for a in combined] == [comparable(a) for a in separate]
    assert any(a["hits"]["total"]["value"] for a in combined)
