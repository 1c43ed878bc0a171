"""The request-log correlator on Elasticsearch 8.19's own answers (tests/unit/correlators/recorded/,
recorded from the lab scenario 16-large by record.py there)."""

from datetime import datetime, timezone

import pytest

from correlators.request_logs import RequestLogsCorrelator
from tests.unit.fakes import FakeElasticsearch, Recording
from triage.case import Case
from triage.models import Ticket, TicketReading, TimeWindow
from triage.schema import LogSchema

LOGS = RequestLogsCorrelator(FakeElasticsearch([]))  # its searches and answers, without a backend


def window_search(case, samples=5):
    return RequestLogsCorrelator(FakeElasticsearch([]), samples=samples).window_search(case)


def summarise(case, window, baseline, ids, query):
    evidence, _activity = LOGS.summarise(case, window, baseline, ids, query)
    return evidence

RECORDINGS = ["outage_5xx", "expired_token_in_outage", "traffic_vanished", "no_traffic", "latency", "dependency_batch",
              "tied_statuses"]


def logs_evidence(name: str):
    recording = Recording(name)
    cases = recording.cases()
    return cases, RequestLogsCorrelator(recording.elasticsearch("request_logs")).correlate(cases)


@pytest.mark.parametrize("name", RECORDINGS)
def test_one_msearch_per_batch_with_the_correlators_own_searches(name):
    recording = Recording(name)
    es = recording.elasticsearch("request_logs")
    cases = recording.cases()
    correlator = RequestLogsCorrelator(es, "access-logs-*")
    correlator.correlate(cases)
    expected = []
    for case in cases:  # per ticket: window, baseline, and the id lookup only when ids are named
        expected += [correlator.window_search(case), correlator.baseline_search(case)]
        expected += [correlator.request_id_search(case)] if case.request_ids else []
    assert es.requests == [("access-logs-*", expected)]
    assert len(expected) == len(recording.searches("request_logs")[0][1])  # as many searches as were recorded
    assert es.responses == []  # every recorded answer was used


@pytest.mark.parametrize("name", RECORDINGS)
def test_the_searches_are_exactly_the_recorded_ones(name):
    recording = Recording(name)
    es = recording.elasticsearch("request_logs")
    RequestLogsCorrelator(es, "access-logs-*").correlate(recording.cases())
    assert es.requests == recording.searches("request_logs")  # what the server was asked, to the byte


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
    assert (facts["first_failure"], facts["last_failure"]) == ("2026-11-25T15:46:13.467000Z", "2026-11-25T16:17:58.876000Z")
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
    assert (outage["first_failure"], outage["last_failure"]) == ("2026-11-25T15:46:18.500000Z", "2026-11-25T16:17:58.876000Z")
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


def window_answer(*places: dict, requests: int | None = None) -> dict:
    """A window search's answer in the aggregation shapes of log_search.py, for the places given."""
    services: dict[str, list] = {}
    for item in places:
        services.setdefault(item["service"], []).append(item["bucket"])
    return {"hits": {"total": {"value": requests if requests is not None else sum(p["bucket"]["doc_count"] for p in places)}},
            "aggregations": {"by_class": {"buckets": []}, "latency": {"values": {"50.0": None, "99.0": None}},
                             "failures": {"doc_count": 0},
                             "scopes": {"buckets": [{"key": service, "regions": {"buckets": buckets}}
                                                    for service, buckets in services.items()]}}}


def place_answer(service: str, region: str, requests: int, statuses: dict[int, int] | None = None,
                 codes: list[tuple[str, int, int]] = (), messages: list[tuple[str, int, int]] = (),
                 latency_ms: float | None = None, first: str | None = None, last: str | None = None) -> dict:
    """One (service, region) bucket: failures by status, by code and by uncoded message (key, count, status)."""
    statuses = statuses or {}
    failures: dict = {
        "doc_count": sum(n for status, n in statuses.items() if status >= 400) + sum(
            n for _, n, status in [*codes, *messages] if status < 400),
        "server": {"doc_count": sum(n for status, n in statuses.items() if status >= 500)},
        "statuses": {"buckets": [{"key": status, "doc_count": n} for status, n in statuses.items()]},
        "codes": {"buckets": [{"key": key, "doc_count": n, "status": {"value": float(status)}} for key, n, status in codes]},
        "messages": {"doc_count": sum(n for _, n, _ in messages),
                     "top": {"buckets": [{"key": key, "doc_count": n, "status": {"value": float(status)}}
                                         for key, n, status in messages]}},
    }
    if first:
        failures["first"] = {"value_as_string": first}
        failures["last"] = {"value_as_string": last}
    return {"service": service, "bucket": {"key": region, "doc_count": requests, "failures": failures,
                                           "latency": {"value": latency_ms}}}


def hand_case(**reading) -> Case:
    ticket = Ticket(ticket_id="T-1", customer_id="cust-1", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=timezone.utc),
                    subject="s", body="b")
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=timezone.utc), end=datetime(2026, 11, 25, 10, 22, tzinfo=timezone.utc))
    baseline = TimeWindow(start=window.start - (window.end - window.start), end=window.start)  # as long as the window
    return Case(ticket=ticket, reading=TicketReading(**reading), window=window, baseline=baseline)


def test_scopes_sort_failures_before_traffic():
    answer = window_answer(place_answer("cdn", "a", 900), place_answer("auth", "b", 10, {500: 2}),
                           place_answer("oss", "c", 50))
    evidence, activity = LOGS.summarise(hand_case(), answer, None, None, "q")
    assert [s["service"] for s in evidence.facts["customer_scopes"]] == ["auth", "cdn", "oss"]
    assert [item.scope for item in activity.scopes] == [("auth", "b"), ("cdn", "a"), ("oss", "c")]
    empty, nothing = LOGS.summarise(hand_case(), window_answer(), None, None, "q")
    assert empty.facts["customer_scopes"] == [] and nothing.scopes == [] and nothing.requests == 0


def test_failures_are_keyed_by_code_by_message_else_by_status():
    # 12 failures: 5 ExpiredToken (401), 3 messages without a code, 4 with nothing but a status
    answer = window_answer(place_answer(
        "object-storage", "cn-east-1", 200, {401: 5, 403: 1, 500: 2, 502: 2, 499: 2},
        codes=[("ExpiredToken", 5, 401)],
        messages=[("The access key has no permission on 'photos-2024'", 1, 403), ("upstream connect error 7f3a9c21e4b0", 1, 500),
                  ("upstream connect error 9c21e4b07f3a", 1, 500)],  # one message, two request-specific ids
        first="2026-11-25T10:01:00.000Z", last="2026-11-25T10:09:30.000Z"))
    evidence, activity = LOGS.summarise(hand_case(), answer, None, None, "q")
    [place] = activity.scopes
    assert place.error_codes == {"ExpiredToken": 5, "HTTP 499": 2, "HTTP 502": 2, "upstream connect error <id>": 2,
                                 "The access key has no permission on '…'": 1}
    assert place.error_code_statuses == {"ExpiredToken": 401, "The access key has no permission on '…'": 403,
                                         "upstream connect error <id>": 500, "HTTP 502": 502, "HTTP 499": 499}
    assert (place.failures, place.server_errors) == (12, 4)
    assert (place.first_failure, place.last_failure) == (datetime(2026, 11, 25, 10, 1, tzinfo=timezone.utc),
                                                         datetime(2026, 11, 25, 10, 9, 30, tzinfo=timezone.utc))
    facts = evidence.facts
    assert facts["error_codes"] == place.error_codes and facts["top_error_code"] == "ExpiredToken"
    # a 499 is the client giving up: neither the customer's mistake nor a server error
    assert (facts["customer_failures"], facts["customer_timeouts"], facts["customer_client_errors"]) == (12, 2, 6)
    assert facts["top_client_error_code"] == "ExpiredToken"


def test_a_place_carries_its_mean_latency_and_the_one_of_its_baseline_hour():
    now = window_answer(place_answer("cdn", "r", 100, latency_ms=240.0))
    before = {"hits": {"total": {"value": 120}}, "aggregations": {
        "latency": {"values": {"99.0": 150.0}}, "failures": {"doc_count": 0},
        "scopes": {"buckets": [{"key": "cdn", "regions": {"buckets": [
            {"key": "r", "doc_count": 120, "latency": {"value": 80.0},
             "failures": {"doc_count": 6, "statuses": {"buckets": [{"key": 404, "doc_count": 6}]},
                          "codes": {"buckets": [{"key": "NoSuchKey", "doc_count": 6, "status": {"value": 404.0}}]}}}]}}]}}}
    evidence, activity = LOGS.summarise(hand_case(), now, before, None, "q")
    [place] = activity.scopes
    assert (place.mean_latency_ms, place.baseline_mean_latency_ms, place.slowdown) == (240.0, 80.0, 3.0)
    assert place.expected_error_codes == {"NoSuchKey": 6.0}  # a baseline as long as the window: the same count
    [scope] = evidence.facts["customer_scopes"]
    assert (scope["mean_latency_ms"], scope["baseline_mean_latency_ms"]) == (240.0, 80.0)


def test_a_success_logged_with_a_placeholder_code_is_no_failure():
    line = {"status": 200, "error_code": "-", "request_id": "req-1"}
    assert not LOGS.logs.is_failure(line) and LOGS.logs.line_key(line) is None
    assert LOGS.logs.is_failure({"status": 301, "error_code": "WrongRegion"})  # a redirect that names an error
    assert LOGS.logs.line_key({"status": 503}) == "HTTP 503"


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
                                "image-processing/cn-south-1, 2026-11-25T16:08:22.182000Z to 2026-11-25T16:08:22.182000Z; "
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
    # the one stray 500 on cdn/cn-north-1 puts that place first; the slow one is ap-southeast-1, as its mean
    # latency against its baseline hour shows
    assert [(s["service"], s["region"], s["requests"], s["failures"]) for s in facts["customer_scopes"]] == [
        ("cdn", "cn-north-1", 12, 1), ("cdn", "ap-southeast-1", 17, 0)]
    assert [(s["mean_latency_ms"], s["baseline_mean_latency_ms"]) for s in facts["customer_scopes"]] == [(39.5, 31.5), (96.7, 32.7)]


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
    case = errors_case()
    [evidence] = RequestLogsCorrelator(es, "access-logs-none-*").correlate([case])
    assert not evidence.available and evidence.summary == "no access-log index matches the pattern"
    assert evidence.facts == {} and case.activity is None


def test_a_failed_search_marks_the_evidence_unavailable_with_the_reason():
    [failed] = Recording("errors").calls("request_logs_failed")[0]["responses"]
    assert failed["status"] == 400
    evidence, activity = LOGS.summarise(errors_case(), failed, None, None, "q")
    assert not evidence.available and evidence.summary.startswith("log search failed:")
    assert "parse_exception" in evidence.summary
    assert activity is None  # nothing handed on: the next correlators see no activity, not an empty one


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
    search = LOGS.request_id_search(case)
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


def test_the_activity_handed_on_is_what_the_evidence_shows():
    [case] = Recording("outage_5xx").cases()
    [evidence] = RequestLogsCorrelator(Recording("outage_5xx").elasticsearch("request_logs")).correlate([case])
    activity = case.activity
    assert activity.requests == evidence.facts["customer_requests"] == 4712
    assert [(p.service, p.region, p.requests, p.failures) for p in activity.scopes] == [
        (s["service"], s["region"], s["requests"], s["failures"]) for s in evidence.facts["customer_scopes"]]
    assert (activity.named.named, activity.named.found, activity.named.codes, activity.named.statuses) == (
        1, 1, ["ServiceUnavailable"], [503])


def test_the_searches_use_the_log_schemas_field_names():
    """An ECS team: the customer in user.id, statuses in http.response.status_code, latency in ns."""
    ecs = RequestLogsCorrelator(FakeElasticsearch([]), schema=LogSchema.model_validate("ecs"))
    case = hand_case(request_ids=["req-aaaaaaaa"], resources=["photos"])
    window = ecs.window_search(case)
    assert window["query"]["bool"]["filter"][0] == {"term": {"user.id": "cust-1"}}
    assert window["aggs"]["by_class"]["range"]["field"] == "http.response.status_code"
    assert window["aggs"]["resource_0"]["filter"] == {"prefix": {"url.path": "/photos"}}
    failures = window["aggs"]["scopes"]["aggs"]["regions"]["aggs"]["failures"]
    assert failures["aggs"]["codes"]["terms"]["field"] == "error.code"
    assert failures["aggs"]["messages"]["aggs"]["top"]["terms"]["field"] == "error.message"
    assert ecs.request_id_search(case)["query"]["bool"]["filter"] == [
        {"term": {"user.id": "cust-1"}}, {"terms": {"http.request.id": ["req-aaaaaaaa"]}}]
    native = window_search(case)
    assert native["query"]["bool"]["filter"][0] == {"term": {"customer_id": "cust-1"}}
    assert "messages" not in native["aggs"]["scopes"]["aggs"]["regions"]["aggs"]["failures"]["aggs"]  # no message field


def test_samples_and_named_requests_are_read_through_the_schema():
    ecs = RequestLogsCorrelator(FakeElasticsearch([]), schema=LogSchema.model_validate("ecs"))
    case = hand_case(request_ids=["req-aaaaaaaa"])
    hit = {"_source": {"@timestamp": "2026-11-25T10:05:00Z", "http": {"request": {"id": "req-aaaaaaaa"},
                                                                       "response": {"status_code": 503}},
                       "error": {"message": "upstream timed out after 30000 ms"}, "event": {"duration": 1_500_000_000}}}
    window = window_answer(place_answer("vault", "fra1", 10, {503: 1}, messages=[("upstream timed out after 30000 ms", 1, 503)]))
    ids = {"hits": {"hits": [hit]}}
    evidence, activity = ecs.summarise(case, window, None, ids, "q")
    first = evidence.samples[0]
    assert (first["request_id"], first["status"], first["latency_ms"], first["named_in_ticket"]) == ("req-aaaaaaaa", 503, 1500.0, True)
    assert (activity.named.codes, activity.named.statuses) == (["upstream timed out after 30000 ms"], [503])
    assert evidence.facts["named_request_ids_5xx"] == 1
