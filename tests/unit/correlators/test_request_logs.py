"""The request-log correlator on Elasticsearch 8.19's own answers (tests/unit/correlators/recorded/,
recorded from the lab scenario 16-large by record.py there)."""

from datetime import datetime, timezone

import pytest

from correlators.request_logs import (
    RequestLogsCorrelator, baseline_search, request_id_search, scopes, summarise, window_search,
)
from tests.unit.fakes import FakeElasticsearch, Recording
from triage.models import Ticket, TicketReading, TimeWindow
from triage.understand import Case

RECORDINGS = ["outage_5xx", "expired_token_in_outage", "traffic_vanished", "no_traffic", "latency", "dependency_batch",
              "tied_statuses"]


def logs_evidence(name: str):
    recording = Recording(name)
    cases = recording.cases()
    return cases, RequestLogsCorrelator(recording.elasticsearch("request_logs")).correlate(cases)


@pytest.mark.parametrize("name", RECORDINGS)
def test_one_msearch_per_batch_with_exactly_the_recorded_searches(name):
    recording = Recording(name)
    es = recording.elasticsearch("request_logs")
    cases = recording.cases()
    RequestLogsCorrelator(es, "access-logs-*").correlate(cases)
    assert es.requests == recording.searches("request_logs")  # what the server was asked, to the byte
    expected = []
    for case in cases:  # per ticket: window, baseline, and the id lookup only when ids are named
        expected += [window_search(case, 5), baseline_search(case)] + ([request_id_search(case)] if case.request_ids else [])
    assert es.requests == [("access-logs-*", expected)]
    assert es.responses == []  # every recorded answer was used


def test_outage_counts_codes_and_times():
    [case], [evidence] = logs_evidence("outage_5xx")
    facts = evidence.facts
    assert evidence.available
    assert (facts["customer_requests"], facts["customer_2xx"], facts["customer_3xx"], facts["customer_4xx"],
            facts["customer_5xx"]) == (4712, 4460, 0, 52, 200)
    assert (facts["customer_failures"], facts["customer_client_errors"]) == (252, 52)
    assert facts["error_codes"] == {"ServiceUnavailable": 148, "InternalError": 52, "NoSuchKey": 39, "AccessDenied": 13}
    assert facts["error_code_statuses"] == {"ServiceUnavailable": 503, "InternalError": 500, "NoSuchKey": 404, "AccessDenied": 403}
    assert facts["statuses"] == {"503": 148, "500": 52, "404": 39, "403": 13}
    assert (facts["top_error_code"], facts["top_status"], facts["top_client_error_code"]) == ("ServiceUnavailable", 503, "NoSuchKey")
    assert facts["server_error_share"] == round(200 / 252, 4) and facts["client_error_share"] == round(52 / 252, 4)
    assert (facts["first_failure"], facts["last_failure"]) == ("2026-11-25T15:46:13.467Z", "2026-11-25T16:17:58.876Z")
    assert (facts["customer_p50_ms"], facts["customer_p99_ms"]) == (37.1, 156.4)
    assert "4712 requests from the customer: 4460 2xx, 0 3xx, 52 4xx, 200 5xx" in evidence.summary
    assert "top error ServiceUnavailable (503) on object-storage/cn-east-1" in evidence.summary


def test_outage_scopes_failing_first_then_by_traffic():
    _, [evidence] = logs_evidence("outage_5xx")
    scopes_found = evidence.facts["customer_scopes"]
    # cdn/cn-north-1 (29 failures) before cdn/cn-east-1 (19), though it had fewer requests
    assert [(s["service"], s["region"], s["requests"], s["failures"], s["server_errors"]) for s in scopes_found] == [
        ("object-storage", "cn-east-1", 1647, 204, 187),
        ("cdn", "cn-north-1", 1512, 29, 9),
        ("cdn", "cn-east-1", 1553, 19, 4),
    ]
    outage = scopes_found[0]
    assert outage["error_codes"] == {"ServiceUnavailable": 148, "InternalError": 39, "NoSuchKey": 14, "AccessDenied": 3}
    assert outage["error_code_statuses"] == {"ServiceUnavailable": 503, "InternalError": 500, "NoSuchKey": 404, "AccessDenied": 403}
    assert (outage["first_failure"], outage["last_failure"]) == ("2026-11-25T15:46:18.500Z", "2026-11-25T16:17:58.876Z")
    assert (evidence.facts["top_service"], evidence.facts["top_region"]) == ("object-storage", "cn-east-1")
    assert sum(s["requests"] for s in scopes_found) == evidence.facts["customer_requests"]


def test_each_place_carries_the_failures_its_hour_before_predicts():
    """expected_error_codes: the baseline hour's failures by code on that place, scaled to the window (32 of 60 minutes)."""
    recording = Recording("outage_5xx")
    _, baseline, _ = recording.calls("request_logs")[0]["responses"]
    before = {(service["key"], region["key"]): {code["key"]: code["doc_count"] for code in region["failures"]["codes"]["buckets"]}
              for service in baseline["aggregations"]["scopes"]["buckets"] for region in service["regions"]["buckets"]}
    _, [evidence] = logs_evidence("outage_5xx")
    for scope in evidence.facts["customer_scopes"]:
        counts = before[(scope["service"], scope["region"])]
        assert scope["expected_error_codes"] == {code: round(n * 32 / 60, 2) for code, n in counts.items()}
    assert evidence.facts["customer_scopes"][0]["expected_error_codes"] == {"NoSuchKey": 9.6, "AccessDenied": 6.93, "InternalError": 3.2}


def test_scopes_sort_failures_before_traffic():
    def bucket(service, region, requests, failures):
        return {"key": service, "regions": {"buckets": [{"key": region, "doc_count": requests, "failures": {
            "doc_count": failures, "server": {"doc_count": 0}}}]}}

    agg = {"buckets": [bucket("cdn", "a", 900, 0), bucket("auth", "b", 10, 2), bucket("oss", "c", 50, 0)]}
    assert [s["service"] for s in scopes(agg)] == ["auth", "cdn", "oss"]
    assert scopes(None) == []


def test_outage_quoted_request_id_is_found_failed_and_first_in_the_samples():
    [case], [evidence] = logs_evidence("outage_5xx")
    facts = evidence.facts
    assert case.request_ids == ["req-899e6f697dcda3d2"]
    assert (facts["named_request_ids"], facts["named_request_ids_found"], facts["named_request_ids_failed"],
            facts["named_request_ids_5xx"]) == (1, 1, 1, 1)
    assert (facts["named_request_codes"], facts["named_request_statuses"]) == (["ServiceUnavailable"], [503])
    first = evidence.samples[0]
    assert first["named_in_ticket"] is True and first["request_id"] == "req-899e6f697dcda3d2" and first["status"] == 503
    # then the window's five latest failures, newest first
    rest = evidence.samples[1:]
    assert len(rest) == 5 and not any(line.get("named_in_ticket") for line in rest)
    assert [line["@timestamp"] for line in rest] == sorted((line["@timestamp"] for line in rest), reverse=True)
    assert "1 of 1 named request ids found, 1 failed" in evidence.summary


def test_outage_baseline_and_resources():
    _, [evidence] = logs_evidence("outage_5xx")
    facts = evidence.facts
    # since the stated start 16:12 ("从00:12开始", UTC+8) to the window's end 16:18, 6 minutes: 899 requests,
    # against 8846 in the hour before
    assert (facts["baseline_requests"], facts["recent_requests"]) == (8846, 899)
    assert facts["recent_expected_requests"] == round(8846 / 60 * 6, 1) == 884.6
    assert facts["traffic_ratio"] == round((899 / 6) / (8846 / 60), 3) == 1.016
    assert facts["traffic_drop_z"] == round((884.6 - 899) / 884.6 ** 0.5, 2) == -0.48  # no drop
    assert (facts["baseline_p99_ms"], facts["customer_p99_ratio"]) == (156.9, round(156.4 / 156.9, 3))
    assert (facts["resources"], facts["resource_requests"], facts["resource_failures"]) == (["big-video-data"], 4712, 252)
    assert "traffic 102% of the baseline rate" in evidence.summary


def test_expired_token_in_outage_keeps_codes_with_their_statuses():
    [case], [evidence] = logs_evidence("expired_token_in_outage")
    facts = evidence.facts
    assert (facts["customer_requests"], facts["customer_4xx"], facts["customer_5xx"], facts["customer_failures"]) == (31, 4, 2, 6)
    assert facts["error_codes"] == {"ExpiredToken": 4, "InternalError": 1, "ServiceUnavailable": 1}
    assert facts["error_code_statuses"] == {"ExpiredToken": 401, "InternalError": 500, "ServiceUnavailable": 503}
    assert (facts["top_error_code"], facts["top_status"]) == ("ExpiredToken", 401)
    assert (facts["named_request_codes"], facts["named_request_statuses"], facts["named_request_ids_5xx"]) == (["ExpiredToken"], [401], 0)
    assert [(s["service"], s["region"], s["failures"], s["server_errors"]) for s in facts["customer_scopes"]] == [
        ("object-storage", "cn-east-1", 4, 2), ("object-storage", "cn-north-1", 2, 0)]


def test_traffic_that_vanished_shows_as_a_ratio_to_the_hour_before():
    [case], [evidence] = logs_evidence("traffic_vanished")
    facts = evidence.facts
    # a follow-up ("这是第二次反馈了"): the window looks back two hours, 15:09-17:11, its baseline is 14:09-15:09;
    # no stated start, so the traffic now is its last 32 minutes: 1 request, where the baseline rate predicts 4.8
    assert case.reading.follow_up and (case.window.end - case.window.start).total_seconds() == 122 * 60
    assert (facts["customer_requests"], facts["customer_failures"], facts["baseline_requests"], facts["recent_requests"]) == (36, 1, 9, 1)
    assert facts["traffic_ratio"] == round((1 / 32) / (9 / 60), 3) == 0.208
    assert facts["recent_expected_requests"] == round(9 / 60 * 32, 1) == 4.8
    assert facts["traffic_drop_z"] == round((4.8 - 1) / 4.8 ** 0.5, 2) == 1.73
    # over the two hours its only failure is one 404 on another place (image-processing/cn-south-1, where its
    # baseline hour had two): no 5xx, nothing on cdn/cn-east-1, the place it writes about
    assert (facts["customer_5xx"], facts["error_codes"], facts["top_service"]) == (0, {"NoSuchKey": 1}, "image-processing")
    assert [(s["service"], s["region"], s["failures"]) for s in facts["customer_scopes"]] == [
        ("image-processing", "cn-south-1", 1), ("cdn", "cn-east-1", 0)]
    assert [(line["status"], line["error_code"]) for line in evidence.samples] == [(404, "NoSuchKey")]
    assert evidence.summary == ("36 requests from the customer: 35 2xx, 0 3xx, 1 4xx, 0 5xx; top error NoSuchKey (404) on "
                                "image-processing/cn-south-1, 2026-11-25T16:08:22.182Z to 2026-11-25T16:08:22.182Z; "
                                "traffic 21% of the baseline rate")


def test_no_requests_means_zeros_not_missing_evidence():
    _, [evidence] = logs_evidence("no_traffic")
    facts = evidence.facts
    assert evidence.available
    assert facts["customer_requests"] == 0 and facts["customer_failures"] == 0 and facts["customer_scopes"] == []
    assert facts["baseline_requests"] == 0
    # percentiles of nothing are null in Elasticsearch's answer: left out, not zero
    for name in ("customer_p99_ms", "customer_p50_ms", "traffic_ratio", "baseline_p99_ms", "top_service", "server_error_share"):
        assert name not in facts
    assert evidence.summary == "no requests from this customer in the window"


def test_latency_reports_the_customer_p99_against_its_baseline():
    _, [evidence] = logs_evidence("latency")
    facts = evidence.facts
    assert (facts["customer_requests"], facts["customer_failures"]) == (29, 1)
    # the ratio takes the worse of the whole window (443.1 ms) and the time since the stated start
    # ("For 9 minutes now": 16:49-17:01, 11 requests, p99 494.2 ms)
    recent = Recording("latency").calls("request_logs")[0]["responses"][0]["aggregations"]["recent"]
    assert (recent["doc_count"], round(recent["latency"]["values"]["99.0"], 1)) == (11, 494.2)
    assert (facts["customer_p99_ms"], facts["baseline_p99_ms"], facts["customer_p99_ratio"]) == (443.1, 78.7, 6.28)
    assert facts["customer_p99_ratio"] == round(494.2 / 78.7, 3)
    # the one stray 500 on cdn/cn-north-1 puts that place first; the slow one is ap-southeast-1 (the places
    # carry no latency of their own any more: metrics_anomaly shows which one is slow)
    assert [(s["service"], s["region"], s["requests"], s["failures"]) for s in facts["customer_scopes"]] == [
        ("cdn", "cn-north-1", 12, 1), ("cdn", "ap-southeast-1", 17, 0)]


def test_a_batch_answers_each_ticket_from_its_own_responses():
    cases, evidence = logs_evidence("dependency_batch")
    assert [case.ticket.customer_id for case in cases] == ["small-0467", "mid-0204"]
    auth, images = evidence
    assert (auth.facts["customer_requests"], auth.facts["customer_failures"]) == (55, 10)
    assert "named_request_ids" not in auth.facts  # that ticket quotes none: no id lookup was sent for it
    assert (images.facts["customer_requests"], images.facts["customer_failures"]) == (83, 29)
    assert (images.facts["named_request_codes"], images.facts["named_request_statuses"]) == (["GatewayTimeout"], [504])
    assert '"customer_id":"small-0467"' in auth.query and '"customer_id":"mid-0204"' in images.query


def test_query_text_is_every_search_sent_for_the_ticket():
    [case], [evidence] = logs_evidence("outage_5xx")
    lines = evidence.query.splitlines()
    assert len(lines) == 3 and all(line.startswith("GET access-logs-*/_search {") for line in lines)
    assert '"req-899e6f697dcda3d2"' in lines[2]


def test_top_status_is_the_status_of_the_top_error_code():
    _, [evidence] = logs_evidence("tied_statuses")
    facts = evidence.facts
    assert facts["statuses"] == {"404": 1, "500": 1} and facts["top_error_code"] == "InternalError"
    assert facts["top_status"] == facts["error_code_statuses"]["InternalError"] == 500
    assert "top error InternalError (500)" in evidence.summary


# --- when the logs cannot answer (recorded too: errors.json) --------------------------------------

def errors_case():
    return Recording("errors").cases()[0]


def test_no_log_index_means_the_evidence_is_missing_not_zero():
    recording = Recording("errors")
    [answer, *_] = recording.calls("request_logs_no_index")[0]["responses"]
    assert answer["_shards"]["total"] == 0
    es = FakeElasticsearch(recording.calls("request_logs_no_index")[0]["responses"])
    [evidence] = RequestLogsCorrelator(es, "access-logs-none-*").correlate([errors_case()])
    assert not evidence.available and evidence.summary == "no access-log index matches the pattern"
    assert evidence.facts == {}


def test_a_failed_search_marks_the_evidence_unavailable_with_the_reason():
    [failed] = Recording("errors").calls("request_logs_failed")[0]["responses"]
    assert failed["status"] == 400
    evidence = summarise(errors_case(), failed, None, None, "q")
    assert not evidence.available and evidence.summary.startswith("log search failed:")
    assert "parse_exception" in evidence.summary


def test_a_failed_baseline_or_id_lookup_only_drops_those_facts():
    recording = Recording("outage_5xx")
    window, _, _ = recording.calls("request_logs")[0]["responses"]
    [failed] = Recording("errors").calls("request_logs_failed")[0]["responses"]
    evidence = summarise(recording.cases()[0], window, failed, failed, "q")
    assert evidence.available and evidence.facts["customer_requests"] == 4712
    assert "baseline_requests" not in evidence.facts and "named_request_ids" not in evidence.facts


def test_request_ids_are_looked_up_outside_the_window_but_only_for_the_customer():
    ticket = Ticket(ticket_id="T-1", customer_id="cust-1", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=timezone.utc),
                    subject="s", body="b")
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=timezone.utc), end=datetime(2026, 11, 25, 10, 22, tzinfo=timezone.utc))
    case = Case(ticket=ticket, reading=TicketReading(request_ids=["req-aaaaaaaa", "req-bbbbbbbb"]), window=window,
                baseline=window)
    search = request_id_search(case)
    assert search["size"] == 2
    assert search["query"] == {"bool": {"filter": [{"term": {"customer_id": "cust-1"}},
                                                   {"terms": {"request_id": ["req-aaaaaaaa", "req-bbbbbbbb"]}}]}}


def test_named_resources_become_prefix_filters_at_most_three():
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=timezone.utc), subject="s", body="b")
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=timezone.utc), end=datetime(2026, 11, 25, 10, 22, tzinfo=timezone.utc))
    case = Case(ticket=ticket, reading=TicketReading(resources=["a", "b", "c", "d"]), window=window, baseline=window)
    aggs = window_search(case, 5)["aggs"]
    assert [aggs[f"resource_{n}"]["filter"] for n in range(3)] == [{"prefix": {"path": f"/{name}"}} for name in "abc"]
    assert "resource_3" not in aggs
    assert window_search(case, 5)["query"]["bool"]["filter"][1] == {
        "range": {"@timestamp": {"gte": "2026-11-25T09:50:00+00:00", "lt": "2026-11-25T10:22:00+00:00"}}}
