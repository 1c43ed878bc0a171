"""The request-log searches (correlators/log_search.py): what counts as a failure, and the key each
failure is counted under (its code, the knowledge-base entry or the folded message, else its status)."""

import pytest

from correlators.log_search import MAX_KEY_LENGTH, LogSearch, folded
from triage.knowledge import builtin_knowledge
from triage.schema import LogSchema

KNOWLEDGE = builtin_knowledge()
NATIVE = LogSearch(LogSchema(), KNOWLEDGE)
WITH_MESSAGES = LogSearch(LogSchema.model_validate({"error_message": "error_message"}), KNOWLEDGE)
MESSAGES_ONLY = LogSearch(LogSchema.model_validate({"error_code": None, "error_message": "message"}), KNOWLEDGE)


def breakdown(statuses: dict[int, int], codes=(), messages=()) -> dict:
    """A failures bucket as Elasticsearch answers `failure_breakdown`: (key, count, highest status) per code/message."""
    def buckets(items):
        return [{"key": key, "doc_count": count, "status": {"value": float(status)}} for key, count, status in items]
    return {"statuses": {"buckets": [{"key": status, "doc_count": n} for status, n in statuses.items()]},
            "codes": {"buckets": buckets(codes)}, "messages": {"top": {"buckets": buckets(messages)}}}


# --- what is a failure ----------------------------------------------------------------------------------

def test_a_failure_is_a_4xx_5xx_or_an_answer_that_carries_an_error():
    placeholders = sorted(KNOWLEDGE.vocabulary.no_error_values)
    assert NATIVE.failing == {"bool": {"should": [
        {"range": {"status": {"gte": 400}}},
        {"bool": {"filter": [{"exists": {"field": "error_code"}}], "must_not": [{"terms": {"error_code": placeholders}}]}},
    ], "minimum_should_match": 1}}
    assert len(WITH_MESSAGES.failing["bool"]["should"]) == 3  # the message counts too, when the schema has one
    assert {"", "-", "OK", "0"} <= set(placeholders)


def test_the_breakdown_asks_for_what_the_schema_has():
    native = NATIVE.failure_breakdown()
    assert set(native) == {"statuses", "server", "codes"}
    assert native["codes"]["terms"]["field"] == "error_code" and native["codes"]["aggs"] == {"status": {"max": {"field": "status"}}}
    both = WITH_MESSAGES.failure_breakdown()
    # messages only of the failures without a code: a coded failure is counted once, by its code
    assert both["messages"]["filter"] == {"bool": {"must_not": [WITH_MESSAGES.has_code]}}
    assert both["messages"]["aggs"]["top"]["terms"]["field"] == "error_message"
    only = MESSAGES_ONLY.failure_breakdown()
    assert "codes" not in only and only["messages"]["filter"] == {"match_all": {}}


def test_a_log_line_fails_by_status_or_by_an_error_value():
    assert NATIVE.is_failure({"status": 404})
    assert NATIVE.is_failure({"status": 301, "error_code": "WrongRegion"})  # a redirect that names an error
    assert NATIVE.is_failure({"status": 200, "error_message": "partial content lost"})
    for placeholder in ("", "-", "OK", "0", " "):
        assert not NATIVE.is_failure({"status": 200, "error_code": placeholder})
    assert not NATIVE.is_failure({})


def test_the_key_of_one_log_line():
    assert NATIVE.line_key({"status": 401, "error_code": "ExpiredToken"}) == "ExpiredToken"
    assert NATIVE.line_key({"status": 401, "error_code": "-", "error_message": "The token has expired at 10:02:11"}) == "ExpiredToken"
    assert NATIVE.line_key({"status": 500, "error_message": "upstream 9f8e7d6c5b4a3f2e failed"}) == "upstream <id> failed"
    assert NATIVE.line_key({"status": 499}) == "HTTP 499"
    assert NATIVE.line_key({"status": 200, "error_code": "OK"}) is None


# --- the failures of a bucket ----------------------------------------------------------------------------

def test_coded_failures_are_counted_by_code_with_their_status():
    counts, statuses = NATIVE.failures(breakdown({401: 5, 404: 3}, codes=[("ExpiredToken", 5, 401), ("NoSuchKey", 3, 404)]))
    assert counts == {"ExpiredToken": 5, "NoSuchKey": 3}
    assert statuses == {"ExpiredToken": 401, "NoSuchKey": 404}
    assert list(counts) == ["ExpiredToken", "NoSuchKey"]  # most first


def test_failures_without_code_or_message_are_counted_by_status():
    counts, statuses = NATIVE.failures(breakdown({500: 4, 499: 2, 404: 1}, codes=[("NoSuchKey", 1, 404)]))
    assert counts == {"HTTP 500": 4, "HTTP 499": 2, "NoSuchKey": 1}
    assert statuses == {"HTTP 500": 500, "HTTP 499": 499, "NoSuchKey": 404}


def test_a_redirect_or_success_without_an_error_is_no_failure():
    counts, _ = NATIVE.failures(breakdown({301: 7, 200: 50, 503: 1}, codes=[("WrongRegion", 2, 301)]))
    assert counts == {"WrongRegion": 2, "HTTP 503": 1}  # the other 301s and the 200s are not failures


def test_the_rest_of_a_status_goes_to_the_keys_seen_with_it_in_proportion():
    """Messages that differ per request leave most of a status outside the top buckets."""
    counts, _ = WITH_MESSAGES.failures(breakdown({500: 20}, messages=[("disk full on node a", 6, 500), ("quota daemon down", 2, 500)]))
    assert counts == {"disk full on node a": 15, "quota daemon down": 5}
    assert sum(counts.values()) == 20


def test_keys_are_sorted_by_count_then_by_name():
    counts, _ = NATIVE.failures(breakdown({403: 2, 404: 2, 500: 3}, codes=[("NoSuchKey", 2, 404), ("AccessDenied", 2, 403)]))
    assert list(counts) == ["HTTP 500", "AccessDenied", "NoSuchKey"]


def test_messages_that_name_a_knowledge_base_entry_are_counted_under_its_code():
    counts, statuses = MESSAGES_ONLY.failures(breakdown({401: 5, 404: 2}, messages=[
        ("The access token has expired at 2026-11-25T10:02:11Z", 3, 401),
        ("Token expired (issued 3600 s ago)", 2, 401),
        ("The specified key does not exist.", 2, 404),
    ]))
    assert counts == {"ExpiredToken": 5, "NoSuchKey": 2}
    assert statuses == {"ExpiredToken": 401, "NoSuchKey": 404}


def test_an_empty_or_missing_breakdown_has_no_failures():
    assert NATIVE.failures({}) == ({}, {})
    assert NATIVE.failures(breakdown({})) == ({}, {})


def test_a_code_answered_with_several_statuses_is_counted_once():
    # 5 ExpiredToken: 3 answered 401, 2 answered 403 (the max aggregation says 403)
    counts, _ = NATIVE.failures(breakdown({401: 3, 403: 2}, codes=[("ExpiredToken", 5, 403)]))
    assert sum(counts.values()) == 5


def test_sharing_out_the_rest_of_a_status_never_takes_failures_away():
    messages = [(f"failure {name}", 1, 500) for name in "abcdefgh"]  # eight keys seen once, 13 failures in all
    counts, _ = WITH_MESSAGES.failures(breakdown({500: 13}, messages=messages))
    assert sum(counts.values()) == 13
    assert all(count >= 1 for count in counts.values()), counts


# --- the key of a failure ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("logged", "key"), [
    ("ExpiredToken", "ExpiredToken"),  # a code the knowledge base knows
    ("expiredtoken", "ExpiredToken"),  # in other case
    ("The access token has expired at 10:02", "ExpiredToken"),  # a message with one of its phrases
    ("Bucket 'media-eu' does not exist", "NoSuchBucket"),  # the phrase around a quoted name
    ("InternalError", "InternalError"),  # a code it does not know: as logged
    ("upstream connect error 7f3a9c21e4b0", "upstream connect error <id>"),
])
def test_failure_key(logged, key):
    assert NATIVE.failure_key(logged) == key


def test_failure_keys_are_remembered_per_logged_value():
    search = LogSearch(LogSchema(), KNOWLEDGE)
    assert search.failure_key("quota daemon down at 2026-11-25T10:02:11Z") == "quota daemon down at <time>"
    assert search._keys == {"quota daemon down at 2026-11-25T10:02:11Z": "quota daemon down at <time>"}


@pytest.mark.parametrize(("message", "key"), [
    ("expired at 2026-11-25T08:00:12.345Z", "expired at <time>"),
    ("expired at 2026-11-25 08:00:12+08:00", "expired at <time>"),
    ("request 3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f failed", "request <id> failed"),
    ("trace 9f8e7d6c5b4a3f2e lost", "trace <id> lost"),
    ("no permission on 'photos-2024'", "no permission on '…'"),
    ('no permission on "photos-2024"', "no permission on '…'"),
    ("  too   many\tspaces ", "too many spaces"),
    ("deadbeefcafe is a word", "deadbeefcafe is a word"),  # hex without a digit: not an id
    ("limit 5368709120 exceeded", "limit 5368709120 exceeded"),  # a number is not an id
])
def test_folded_messages(message, key):
    assert folded(message) == key


def test_messages_that_differ_only_in_what_varies_fold_together():
    first = folded("Token 3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f expired at 2026-11-25T08:00:12Z for 'alice'")
    second = folded("Token 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d expired at 2026-11-25T09:14:55Z for 'bob'")
    assert first == second == "Token <id> expired at <time> for '…'"


def test_a_long_message_is_cut_to_the_key_length():
    key = folded("x" * 500)
    assert len(key) == MAX_KEY_LENGTH and key.endswith("…")
    assert folded("y" * MAX_KEY_LENGTH) == "y" * MAX_KEY_LENGTH
