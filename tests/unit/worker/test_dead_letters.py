"""Dead letters: their headers, the failure they carry, and the limit that stops a systemic fault."""

import pytest

from backends.errors import BackendRefused
from tests.unit.fakes import record
from triage.decode import Rejection
from worker.dead_letters import DlqLimit, DlqLimitExceeded, enrichment_failure, headers


def test_the_headers_keep_the_records_own_and_add_the_reason_the_position_and_the_details():
    bad = record(b"{}", 41, partition=2)
    bad.headers.append(("trace", b"abc"))
    failure = enrichment_failure(BackendRefused("elasticsearch", ValueError("field name cannot be an empty string"), status=400))
    written = headers(bad, failure, "w1")
    assert written[0] == ("trace", b"abc")
    named = dict(written)
    assert named["dlq.kind"] == b"enrichment_failed"
    assert named["dlq.source.offset"] == b"41" and named["dlq.source.partition"] == b"2"
    assert named["dlq.backend"] == b"elasticsearch" and named["dlq.status"] == b"400"
    assert len(named["dlq.error_digest"]) == 12
    assert b"empty string" in named["dlq.reason"]


def test_a_bug_is_an_enrichment_failure_of_the_worker_itself():
    failure = enrichment_failure(RecursionError("maximum serialization depth exceeded"))
    assert failure.kind == "enrichment_failed" and dict(failure.details)["backend"] == "worker"
    assert "RecursionError" in failure.reason


def test_a_malformed_record_has_no_details():
    assert dict(headers(record(b"{", 0), Rejection("not_json", "not valid JSON"), "w1")).keys() >= {"dlq.reason", "dlq.kind"}


def test_the_consecutive_limit_counts_across_batches_and_resets_on_a_good_record():
    limit = DlqLimit(max_consecutive=3)
    limit.observe([True, True])
    limit.observe([True, False, True, True, True])
    with pytest.raises(DlqLimitExceeded, match="4 records in a row"):
        limit.observe([True])


def test_the_ratio_limit_is_judged_on_a_full_window_only():
    limit = DlqLimit(max_ratio=0.5, window=10)
    limit.observe([True] * 9)  # nine bad records at start-up: too few to judge
    with pytest.raises(DlqLimitExceeded, match="90% of the last 10 records"):
        limit.observe([False])


def test_half_bad_is_not_more_than_half():
    limit = DlqLimit(max_ratio=0.5, window=10)
    limit.observe([True, False] * 20)


def test_no_limit_when_both_are_off():
    DlqLimit().observe([True] * 100_000)
