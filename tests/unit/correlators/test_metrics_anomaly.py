"""The metrics correlator on Prometheus's own answers (tests/unit/correlators/recorded/), and its pure
helpers: the quantile of a histogram, the error score, window sums, the scope selector."""

import math
from datetime import datetime, timedelta, timezone

import pytest

from backends.prometheus import regex_literal
from correlators.metric_series import ScopeSeries, WindowFigures, figures, quantile
from correlators.metrics_anomaly import (
    OFFSETS, PRECEDING, STEP_S, MetricsAnomalyCorrelator, clean_references, error_score, latency_score, scope_facts,
    scopes_to_check,
)
from tests.unit.fakes import FakePrometheus, Recording, prometheus_rows
from triage.case import Case
from triage.findings import CustomerActivity, ScopeActivity
from triage.models import Ticket, TicketReading, TimeWindow
from triage.schema import MetricsSchema

UTC = timezone.utc


def scope_selector(scopes) -> str:
    return MetricsAnomalyCorrelator(FakePrometheus()).selector(scopes)


def metrics_run(name: str):
    """(cases after the request logs, the fake Prometheus, the metrics evidence), all from the recording."""
    recording = Recording(name)
    cases = recording.run("request_logs")
    prometheus = recording.prometheus("metrics_anomaly")
    return cases, prometheus, MetricsAnomalyCorrelator(prometheus).correlate(cases)


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- what is sent ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["outage_5xx", "expired_token_in_outage", "traffic_vanished", "no_traffic", "latency",
                                  "dependency_batch"])
def test_nine_range_queries_per_batch_exactly_as_recorded(name):
    recording = Recording(name)
    cases, prometheus, _ = metrics_run(name)
    sent = [(query, start, end, step) for query, start, end, step in prometheus.range_queries]
    assert sent == [(call["query"], parse(call["start"]), parse(call["end"]), call["step"])
                    for call in recording.calls("metrics_anomaly")]
    correlator = MetricsAnomalyCorrelator(FakePrometheus())
    selector = scope_selector({scope for case in cases for scope in scopes_to_check(case)})
    assert sorted(query for query, *_ in sent) == sorted(
        [*correlator.queries(selector, ""), *correlator.queries(selector, " offset 1d"), *correlator.queries(selector, " offset 7d")])
    # one shared range: the preceding hour before the earliest fault window to the latest end, minute steps
    start = min(case.fault_window.start for case in cases) - PRECEDING
    end = max(case.fault_window.end for case in cases)
    assert {(s, e, step) for _, s, e, step in sent} == {(start, end, STEP_S)}
    assert prometheus.ranges == []


def test_the_queries_name_the_metrics_and_the_offset():
    counts, errors, buckets = MetricsAnomalyCorrelator(FakePrometheus()).queries('service=~"cdn",region=~"r"', " offset 1d")
    assert counts == 'sum by (service, region) (increase(http_requests_total{service=~"cdn",region=~"r"}[1m] offset 1d))'
    assert errors == 'sum by (service, region) (increase(http_requests_total{code=~"5..",service=~"cdn",region=~"r"}[1m] offset 1d))'
    assert buckets == ('sum by (service, region, le) (increase(http_request_duration_seconds_bucket'
                       '{service=~"cdn",region=~"r"}[1m] offset 1d))')


# --- what it finds ------------------------------------------------------------------------------------

def minute_sums(call: dict, scope: tuple[str, str], lo: datetime, hi: datetime) -> float:
    """The recorded per-minute values of one scope summed over the steps in (lo, hi], straight from the raw JSON."""
    total = 0.0
    for row in call["response"]["data"]["result"]:
        if (row["metric"]["service"], row["metric"]["region"]) == scope:
            total += sum(float(v) for t, v in row["values"] if lo.timestamp() < t <= hi.timestamp())
    return total


def test_outage_ratio_and_score_against_the_preceding_hour():
    recording = Recording("outage_5xx")
    [case], _, [evidence] = metrics_run("outage_5xx")
    facts = evidence.facts
    window = case.fault_window
    assert (window.start, window.end) == (datetime(2026, 11, 25, 15, 46, tzinfo=UTC), datetime(2026, 11, 25, 16, 18, tzinfo=UTC))
    scope = ("object-storage", "cn-east-1")
    counts, errors, _ = recording.calls("metrics_anomaly")[:3]
    requests, failed = minute_sums(counts, scope, window.start, window.end), minute_sums(errors, scope, window.start, window.end)
    before = minute_sums(counts, scope, window.start - PRECEDING, window.start)
    failed_before = minute_sums(errors, scope, window.start - PRECEDING, window.start)
    assert (facts["metrics_service"], facts["metrics_region"]) == scope
    assert facts["metrics_requests"] == round(requests) == 21095
    assert facts["platform_error_ratio"] == round(failed / requests, 5) == 0.11467
    assert facts["baseline_error_ratio"] == round(failed_before / before, 5) == 0.00275
    assert facts["error_ratio_delta"] == 0.11192
    assert facts["error_score"] == round(error_score(WindowFigures(requests, failed, None), WindowFigures(before, failed_before, None)), 2)
    assert facts["error_score"] == 310.48
    assert (facts["metrics_window_start"], facts["metrics_window_end"]) == (window.start.isoformat(), window.end.isoformat())
    assert (facts["p99_latency_s"], facts["baseline_p99_latency_s"], facts["latency_score"]) == (0.2427, 0.2422, 1.0)
    assert "day_before_error_ratio" not in facts  # nothing a day earlier in this Prometheus
    assert evidence.summary == ("object-storage/cn-east-1: 5xx ratio 11.47% (the preceding hour 0.27%, score 310.5); "
                                "p99 243 ms (the preceding hour 242 ms, x1.0)")


def test_latency_degradation_scores_p99_not_errors():
    [case], _, [evidence] = metrics_run("latency")
    facts = evidence.facts
    assert (facts["metrics_service"], facts["metrics_region"]) == ("cdn", "ap-southeast-1")
    assert (facts["p99_latency_s"], facts["baseline_p99_latency_s"], facts["latency_score"]) == (0.4721, 0.0994, 4.75)
    assert facts["error_score"] == -4.57 and facts["platform_error_ratio"] == 0.00121


def test_a_customer_without_failures_gets_the_most_abnormal_of_its_places():
    # small-2273 names only the region; it used cdn there and in cn-north-1 (where one request failed, no more
    # than its background): only the places that fit what it names are checked. It complains of slowness and
    # fails nowhere, so its places come by how much its own requests slowed: x7.9 in ap-southeast-1, x1.64 in cn-north-1.
    [case], _, [evidence] = metrics_run("latency")
    assert case.reading.region == "ap-southeast-1"
    assert [round(place.slowdown, 2) for place in case.activity.scopes] == [1.64, 7.9]  # the logs' order: failures first
    assert case.candidate_scopes == [("cdn", "ap-southeast-1"), ("cdn", "cn-north-1")]
    assert scopes_to_check(case) == [("cdn", "ap-southeast-1")]
    assert (evidence.facts["metrics_service"], evidence.facts["metrics_region"]) == ("cdn", "ap-southeast-1")


def test_one_batch_answers_each_ticket_on_its_own_scope():
    cases, prometheus, (auth, images) = metrics_run("dependency_batch")
    assert 'service=~"auth|image-processing",region=~"cn-east-1"' in prometheus.range_queries[0][0]
    assert (auth.facts["metrics_service"], auth.facts["platform_error_ratio"], auth.facts["error_score"]) == ("auth", 0.28766, 462.84)
    assert (images.facts["metrics_service"], images.facts["platform_error_ratio"], images.facts["error_score"]) == (
        "image-processing", 0.24805, 368.8)
    # image-processing's p99 is past the last finite bucket (10 s): the bound is all that is known
    assert (images.facts["p99_latency_s"], images.facts["baseline_p99_latency_s"], images.facts["latency_score"]) == (10.0, 1.6147, 6.19)
    assert auth.query == images.query  # the shared queries


def test_the_named_scope_is_checked_even_without_the_customers_traffic():
    [case], _, [evidence] = metrics_run("no_traffic")
    assert case.candidate_scopes == []
    assert (evidence.facts["metrics_service"], evidence.facts["metrics_region"]) == ("cdn", "cn-east-1")
    assert (evidence.facts["latency_score"], evidence.facts["error_score"]) == (1.01, 1.36)


def test_quantile_matches_prometheus_histogram_quantile_minute_by_minute():
    """Recorded: Prometheus's histogram_quantile(0.99, <the bucket query>) over the same range and steps."""
    checked = 0
    for name in ("outage_5xx", "latency", "dependency_batch", "traffic_vanished"):
        recording = Recording(name)
        by_step: dict = {}
        for row in prometheus_rows(recording.calls("metrics_anomaly")[2]["response"]):
            scope = (row["metric"]["service"], row["metric"]["region"])
            for t, value in row["values"]:
                by_step.setdefault((scope, t), {})[float(row["metric"]["le"])] = value
        for row in prometheus_rows(recording.calls("histogram_quantile_p99")[0]["response"]):
            scope = (row["metric"]["service"], row["metric"]["region"])
            for t, expected in row["values"]:
                assert quantile(0.99, by_step[(scope, t)]) == pytest.approx(expected, rel=1e-12), (name, scope, t)
                checked += 1
    assert checked == 491


# --- the pure parts -----------------------------------------------------------------------------------

INF = math.inf


@pytest.mark.parametrize(("q", "buckets", "expected"), [
    (0.5, {0.1: 50, 0.5: 90, 1.0: 100, INF: 100}, 0.1),  # exactly at a bucket's top
    (0.9, {0.1: 50, 0.5: 90, 1.0: 100, INF: 100}, 0.5),
    (0.99, {0.1: 50, 0.5: 90, 1.0: 100, INF: 100}, 0.95),  # linear within (0.5, 1.0]: 9 of its 10
    (0.5, {0.25: 100, INF: 100}, 0.125),  # the first bucket starts at 0
    (0.99, {0.1: 0, 1.0: 0, INF: 10}, 1.0),  # everything beyond the last finite bucket: its bound
    (0.99, {0.1: 10, 1.0: 10, INF: 10}, 0.099),
    (0.5, {INF: 10}, 0.0),
])
def test_quantile_of_known_histograms(q, buckets, expected):
    assert quantile(q, buckets) == pytest.approx(expected)


def test_quantile_of_nothing_is_unknown():
    assert quantile(0.99, {}) is None
    assert quantile(0.99, {0.1: 0, INF: 0}) is None


def test_error_score_is_a_binomial_z_score():
    reference = WindowFigures(requests=100_000, errors=100, p99_s=None)  # 0.1%
    many = WindowFigures(requests=4000, errors=40, p99_s=None)  # 1% of 4000
    few = WindowFigures(requests=10, errors=1, p99_s=None)  # 10% of 10
    assert error_score(many, reference) == pytest.approx((0.01 - 0.001) / math.sqrt(0.001 * 0.999 / 4000))
    assert error_score(many, reference) > error_score(few, reference)  # 40 in 4000 weighs more than 1 in 10
    assert error_score(WindowFigures(4000, 4, None), reference) == pytest.approx(0.0)
    assert error_score(WindowFigures(4000, 0, None), reference) < 0


def test_error_score_floors_a_clean_reference_and_needs_both_windows():
    clean = WindowFigures(requests=5000, errors=0, p99_s=None)
    now = WindowFigures(requests=1000, errors=1, p99_s=None)
    assert error_score(now, clean) == pytest.approx(0.0)  # the floor is 0.1%: one error in 1000 is not surprising
    assert error_score(now, None) is None
    assert error_score(WindowFigures(0, 0, None), clean) is None
    assert error_score(now, WindowFigures(0, 0, None)) is None


def test_latency_score_is_the_ratio_of_p99s():
    assert latency_score(WindowFigures(1, 0, 0.5), WindowFigures(1, 0, 0.1)) == pytest.approx(5.0)
    assert latency_score(WindowFigures(1, 0, None), WindowFigures(1, 0, 0.1)) is None
    assert latency_score(WindowFigures(1, 0, 0.5), None) is None


def test_figures_sum_the_steps_in_start_exclusive_end_inclusive():
    start = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    stamps = [(start + timedelta(minutes=m)).timestamp() for m in range(0, 4)]  # 10:00 .. 10:03
    series = ScopeSeries(
        requests={t: 100.0 for t in stamps}, errors={stamps[0]: 50.0, stamps[1]: 1.0, stamps[3]: 2.0},
        buckets={t: {0.1: 90.0, 1.0: 100.0, INF: 100.0} for t in stamps},
    )
    window = TimeWindow(start=start, end=start + timedelta(minutes=3))
    now = figures(series, window)
    # the 10:00 step counts the minute before 10:00: outside; the 10:03 step counts 10:02-10:03: inside
    assert (now.requests, now.errors) == (300.0, 3.0)
    assert now.ratio == pytest.approx(0.01)
    assert now.p99_s == pytest.approx(quantile(0.99, {0.1: 270.0, 1.0: 300.0, INF: 300.0}))
    assert figures(series, TimeWindow(start=start - timedelta(hours=1), end=start)).requests == 100.0
    empty = figures(series, TimeWindow(start=start + timedelta(hours=1), end=start + timedelta(hours=2)))
    assert (empty.requests, empty.ratio, empty.p99_s) == (0.0, None, None)


def test_scope_selector_is_sorted_and_deduplicated():
    scopes = [("object-storage", "cn-east-1"), ("cdn", "cn-east-1"), ("cdn", "ap-southeast-1")]
    assert scope_selector(scopes) == 'service=~"cdn|object-storage",region=~"ap-southeast-1|cn-east-1"'


@pytest.mark.parametrize(("value", "text"), [
    # checked against Prometheus 2.42: label_replace(..., "m", "yes", "s", "<text>") matches the value itself
    ("cn-east-1", "cn-east-1"),
    ("a.b", "a\\\\.b"),  # the regex sees a\.b: a literal dot
    ("x|y", "x\\\\|y"),
    ("a+b(c)", "a\\\\+b\\\\(c\\\\)"),
    ('a"b', 'a\\"b'),  # the string's own quote
])
def test_scope_selector_escapes_regex_metacharacters_and_quotes(value, text):
    assert regex_literal(value) == text
    assert scope_selector([(value, "r")]) == f'service=~"{text}",region=~"r"'


def test_scope_selector_escapes_a_backslash_for_the_regex_and_the_string():
    assert regex_literal("a\\b") == "a\\\\\\\\b"  # PromQL text a\\\\b -> string a\\b -> regex: a literal backslash


def case_with(reading: TicketReading, scopes: list[tuple[str, str]] = (), failures: int = 0) -> Case:
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=UTC), subject="s", body="b")
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=UTC), end=datetime(2026, 11, 25, 10, 22, tzinfo=UTC))
    case = Case(ticket=ticket, reading=reading, window=window, baseline=window)
    case.activity = CustomerActivity(requests=10 * len(scopes), scopes=[
        ScopeActivity(service=s, region=r, requests=10, failures=0, server_errors=0, error_codes={}, error_code_statuses={})
        for s, r in scopes])
    return case


def test_scopes_to_check_follow_what_the_ticket_names():
    places = [("cdn", "cn-east-1"), ("auth", "cn-east-1"), ("cdn", "cn-north-1")]
    assert scopes_to_check(case_with(TicketReading(service="cdn", region="cn-north-1"), places)) == [("cdn", "cn-north-1")]
    assert scopes_to_check(case_with(TicketReading(service="oss", region="eu-1"))) == [("oss", "eu-1")]  # no traffic seen
    assert scopes_to_check(case_with(TicketReading(service="cdn"), places)) == [("cdn", "cn-east-1"), ("cdn", "cn-north-1")]
    assert scopes_to_check(case_with(TicketReading(region="cn-east-1"), places)) == [("cdn", "cn-east-1"), ("auth", "cn-east-1")]
    assert scopes_to_check(case_with(TicketReading(), places)) == places
    # words that fit none of its places (a service it never called): its places
    assert scopes_to_check(case_with(TicketReading(service="image-processing"), places)) == places
    assert scopes_to_check(case_with(TicketReading(service="cdn", region="eu-1"), places)) == [("cdn", "cn-east-1"), ("cdn", "cn-north-1")]
    many = [(f"s{n}", "r") for n in range(9)]
    assert len(scopes_to_check(case_with(TicketReading(), many))) == 6


def test_no_scope_anywhere_sends_nothing():
    prometheus = FakePrometheus()
    [evidence] = MetricsAnomalyCorrelator(prometheus).correlate([case_with(TicketReading())])
    assert evidence.summary == "no service/region known for this ticket" and prometheus.range_queries == []


def test_a_scope_without_any_series_says_so():
    prometheus = FakePrometheus(ranges=[[]] * 9)
    [evidence] = MetricsAnomalyCorrelator(prometheus).correlate([case_with(TicketReading(service="cdn", region="mars-1"))])
    assert evidence.summary == "no request metrics for cdn/mars-1"
    assert evidence.facts == {"metrics_service": "cdn", "metrics_region": "mars-1"}
    assert len(prometheus.range_queries) == 9


def test_the_day_before_is_compared_when_prometheus_has_it():
    # Prometheus stamps an `offset 1d` answer with the query's own times: answer the three offset 1d queries
    # with today's recorded answers, as if the day before had had the same traffic; nothing a week earlier.
    recording = Recording("outage_5xx")
    cases = recording.run("request_logs")
    calls = recording.calls("metrics_anomaly")
    today = [call["response"] for call in calls[:3]]
    week = [call["query"].replace(" offset 1d", " offset 7d") for call in calls[3:6]]
    prometheus = FakePrometheus(ranges=today + today + [[], [], []], range_queries_for=[call["query"] for call in calls[:6]] + week)
    [evidence] = MetricsAnomalyCorrelator(prometheus).correlate(cases)
    facts = evidence.facts
    assert facts["day_before_error_ratio"] == facts["platform_error_ratio"]
    assert facts["day_before_p99_latency_s"] == facts["p99_latency_s"]
    assert "week_before_error_ratio" not in facts
    # the weakest score is against the day before (the same ratio: nothing abnormal), and it says so
    assert facts["error_reference"] == "the same time a day earlier" and facts["error_reference_zh"] == "前一天同一时段"
    assert facts["reference_error_ratio"] == facts["platform_error_ratio"] and facts["error_score"] == 0.0
    assert cases[0].metrics.baseline_error_ratio == facts["reference_error_ratio"]
    assert prometheus.ranges == []


def test_the_day_before_queries_ask_for_the_same_times_with_an_offset():
    # (what Prometheus needs for `offset 1d`: the query's own times; it reads the data a day back)
    recording = Recording("outage_5xx")
    calls = recording.calls("metrics_anomaly")
    now, day, week = calls[:3], calls[3:6], calls[6:]
    assert [(c["start"], c["end"]) for c in day] == [(c["start"], c["end"]) for c in week] == [(c["start"], c["end"]) for c in now]
    assert all(c["query"].endswith("[1m] offset 1d))") for c in day)
    assert all(c["query"].endswith("[1m] offset 7d))") for c in week) and len(week) == 3
    assert OFFSETS == {"day": " offset 1d", "week": " offset 7d"}


def dependency_case(failures: int) -> Case:
    """small-0467's ticket without the service it names; its places image-processing first, with or without failures there."""
    [auth_case, _] = Recording("dependency_batch").cases()
    case = Case(ticket=auth_case.ticket, reading=TicketReading(), window=auth_case.window, baseline=auth_case.baseline)
    case.activity = CustomerActivity(requests=57, scopes=[
        ScopeActivity(service="image-processing", region="cn-east-1", requests=30, failures=failures, server_errors=failures,
                      error_codes={"ServiceUnavailable": failures} if failures else {},
                      error_code_statuses={"ServiceUnavailable": 503} if failures else {}),
        ScopeActivity(service="auth", region="cn-east-1", requests=27, failures=0, server_errors=0, error_codes={},
                      error_code_statuses={})])
    return case


def test_without_failures_the_most_abnormal_place_is_chosen_else_where_the_customer_failed():
    recording = Recording("dependency_batch")
    [quiet] = MetricsAnomalyCorrelator(recording.prometheus("metrics_anomaly")).correlate([dependency_case(0)])
    [failing] = MetricsAnomalyCorrelator(recording.prometheus("metrics_anomaly")).correlate([dependency_case(3)])
    # over its whole window 16:17-16:49: auth p99 x9.13 and 5xx score 258.2; image-processing x5.84 and 228.49
    assert (quiet.facts["metrics_service"], quiet.facts["latency_score"], quiet.facts["error_score"]) == ("auth", 9.13, 258.2)
    assert (failing.facts["latency_score"], failing.facts["error_score"]) == (5.84, 228.49)
    assert 9.13 + 258.2 / 3 > 5.84 + 228.49 / 3
    assert failing.facts["metrics_service"] == "image-processing"  # first: where its failures were (3 of 30: not noise)


def test_a_long_window_is_judged_by_its_worst_quarter_hour():
    """A vague hint ("since this evening") gives a window of hours: the 15-minute stretch (on the 5-minute
    grid) with the highest 5xx ratio is compared with the hour before it, and the one with the highest p99 too."""
    recording = Recording("dependency_batch")
    [auth, _] = recording.cases()
    recorded_from = parse(recording.calls("metrics_anomaly")[0]["start"])  # 15:35: the series start there
    window = TimeWindow(start=recorded_from + timedelta(minutes=2), end=auth.window.end)  # 15:37-16:49: over an hour
    case = Case(ticket=auth.ticket, reading=TicketReading(service="auth", region="cn-east-1"), window=window, baseline=window)
    [evidence] = MetricsAnomalyCorrelator(recording.prometheus("metrics_anomaly")).correlate([case])
    counts, errors, _ = recording.calls("metrics_anomaly")[:3]
    scope = ("auth", "cn-east-1")
    starts = [datetime(2026, 11, 25, 15, 40, tzinfo=UTC) + timedelta(minutes=5 * n) for n in range(11)]  # 15:40 .. 16:30
    assert window.duration > timedelta(hours=1)
    assert starts[-1] + timedelta(minutes=15) <= window.end < starts[-1] + timedelta(minutes=20)

    def ratio(start):
        end = start + timedelta(minutes=15)
        return minute_sums(errors, scope, start, end) / minute_sums(counts, scope, start, end)

    worst = max(starts, key=ratio)
    facts = evidence.facts
    assert facts["metrics_window_start"] == worst.isoformat()
    assert facts["metrics_window_end"] == (worst + timedelta(minutes=15)).isoformat()
    assert facts["platform_error_ratio"] == round(ratio(worst), 5)
    assert facts["error_score"] > 100


# --- the references: the hour before, a day and a week earlier (synthetic series) ------------------------

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def minutes(start: datetime, end: datetime) -> list[float]:
    return [(start + timedelta(minutes=m)).timestamp() for m in range(int((end - start).total_seconds() // 60) + 1)]


def bodies(scope, requests, errors, buckets, start, end, labels=("service", "region")):
    """The three answers (counts, 5xx, buckets) of one scope: per-minute functions of the step's time."""
    metric = dict(zip(labels, scope))
    steps = minutes(start, end)
    return [
        [{"metric": metric, "values": [(t, requests(t)) for t in steps]}],
        [{"metric": metric, "values": [(t, errors(t)) for t in steps]}],
        [{"metric": {**metric, "le": le}, "values": [(t, count(t)) for t in steps]} for le, count in buckets.items()],
    ]


def metrics_case(window: TimeWindow, service="cdn", region="r") -> Case:
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=window.end, subject="s", body="b")
    return Case(ticket=ticket, reading=TicketReading(service=service, region=region), window=window, baseline=window)


WINDOW = TimeWindow(start=T0, end=T0 + timedelta(minutes=20))


def answered(correlator, scope, now, day, week):
    selector = correlator.selector([scope])
    keys = [*correlator.queries(selector, ""), *correlator.queries(selector, " offset 1d"), *correlator.queries(selector, " offset 7d")]
    return FakePrometheus(ranges=[*now, *day, *week], range_queries_for=keys)


def flat(value):
    return lambda t: value


def test_nine_range_queries_now_a_day_and_a_week_earlier_over_one_range():
    prometheus = FakePrometheus(ranges=[[]] * 9)
    MetricsAnomalyCorrelator(prometheus).correlate([metrics_case(WINDOW)])
    sent = prometheus.range_queries
    correlator = MetricsAnomalyCorrelator(FakePrometheus())
    selector = correlator.selector([("cdn", "r")])
    assert sorted(query for query, *_ in sent) == sorted(
        query for offset in ("", " offset 1d", " offset 7d") for query in correlator.queries(selector, offset))
    assert {(start, end, step) for _, start, end, step in sent} == {(T0 - PRECEDING, WINDOW.end, STEP_S)}
    assert "offset 7d" in correlator.query_text(selector) and "offset 1d" in correlator.query_text(selector)


def test_each_reference_is_read_from_its_own_series_and_the_score_is_the_weakest():
    """5% of requests fail in the window; 0.1% the hour before, 0.2% a day earlier, 1% a week earlier: the
    error score is the smallest of the three, against the week, and the finding carries that reference."""
    correlator = MetricsAnomalyCorrelator(FakePrometheus())
    scope = ("cdn", "r")
    end = WINDOW.end
    spike = lambda t: 5.0 if t > T0.timestamp() else 0.1  # noqa: E731
    buckets = {"0.1": flat(90.0), "0.5": flat(100.0), "+Inf": flat(100.0)}
    now = bodies(scope, flat(100.0), spike, buckets, T0 - PRECEDING, end)
    day = bodies(scope, flat(100.0), flat(0.2), buckets, T0 - PRECEDING, end)
    week = bodies(scope, flat(100.0), flat(1.0), buckets, T0 - PRECEDING, end)
    case = metrics_case(WINDOW)
    [evidence] = MetricsAnomalyCorrelator(answered(correlator, scope, now, day, week)).correlate([case])
    facts = evidence.facts
    assert (facts["platform_error_ratio"], facts["baseline_error_ratio"]) == (0.05, 0.001)
    assert (facts["day_before_error_ratio"], facts["week_before_error_ratio"]) == (0.002, 0.01)
    weakest = error_score(WindowFigures(2000, 100, None), WindowFigures(2000, 20, None))
    assert facts["error_score"] == round(weakest, 2)
    assert (facts["error_reference"], facts["reference_error_ratio"]) == ("the same time a week earlier", 0.01)
    assert "(the same time a week earlier 1.00%, score" in evidence.summary
    assert case.metrics.scope == scope and case.metrics.error_ratio == 0.05 and case.metrics.baseline_error_ratio == 0.01
    assert (case.metrics.window.start, case.metrics.window.end) == (WINDOW.start, WINDOW.end)


def test_a_week_without_traffic_is_no_reference():
    correlator = MetricsAnomalyCorrelator(FakePrometheus())
    scope = ("cdn", "r")
    buckets = {"0.1": flat(90.0), "+Inf": flat(100.0)}
    now = bodies(scope, flat(100.0), flat(1.0), buckets, T0 - PRECEDING, WINDOW.end)
    silent = bodies(scope, flat(0.0), flat(0.0), {"+Inf": flat(0.0)}, T0 - PRECEDING, WINDOW.end)
    [evidence] = MetricsAnomalyCorrelator(answered(correlator, scope, now, [[], [], []], silent)).correlate([metrics_case(WINDOW)])
    facts = evidence.facts
    assert "week_before_error_ratio" not in facts and "day_before_error_ratio" not in facts
    assert facts["error_reference"] == "the preceding hour" and facts["reference_error_ratio"] == facts["baseline_error_ratio"]


def test_an_hour_before_that_was_already_abnormal_is_no_reference():
    """A fault already under way when the hour before began would be its own baseline."""
    now = WindowFigures(10_000, 500, 0.9)
    bad_hour = WindowFigures(10_000, 450, 0.8)  # as bad as now: against it, nothing would look wrong
    day = WindowFigures(10_000, 10, 0.1)
    references = {"preceding": bad_hour, "day": day}
    assert set(clean_references(now, references, "errors")) == {"day"}
    assert set(clean_references(now, references, "latency")) == {"day"}
    facts = scope_facts(("cdn", "r"), now, references)
    assert facts["baseline_error_ratio"] == 0.045  # still shown
    assert facts["error_reference"] == "the same time a day earlier" and facts["error_score"] > 100
    assert facts["latency_reference"] == "the same time a day earlier" and facts["latency_score"] == 9.0
    # without the day before, the hour before is all there is
    alone = scope_facts(("cdn", "r"), now, {"preceding": bad_hour})
    assert alone["error_reference"] == "the preceding hour" and alone["latency_score"] == round(0.9 / 0.8, 2)


def test_the_latency_reference_is_the_one_with_the_smallest_ratio():
    now = WindowFigures(1000, 1, 0.6)
    facts = scope_facts(("cdn", "r"), now, {"preceding": WindowFigures(1000, 1, 0.1), "day": WindowFigures(1000, 1, 0.15),
                                            "week": WindowFigures(1000, 1, 0.12)})
    assert (facts["latency_score"], facts["latency_reference"], facts["reference_p99_latency_s"]) == (4.0, "the same time a day earlier", 0.15)
    assert (facts["latency_reference_zh"], facts["week_before_p99_latency_s"]) == ("前一天同一时段", 0.12)


def test_the_otel_schema_names_the_metrics_and_labels():
    otel = MetricsAnomalyCorrelator(FakePrometheus(), MetricsSchema.model_validate("otel"))
    selector = otel.selector([("vault", "fra1")])
    assert selector == 'service_name=~"vault",cloud_region=~"fra1"'
    counts, errors, buckets = otel.queries(selector, " offset 7d")
    assert counts == ('sum by (service_name, cloud_region) (increase(http_server_request_duration_seconds_count'
                      '{service_name=~"vault",cloud_region=~"fra1"}[1m] offset 7d))')
    assert errors == ('sum by (service_name, cloud_region) (increase(http_server_request_duration_seconds_count'
                      '{http_response_status_code=~"5..",service_name=~"vault",cloud_region=~"fra1"}[1m] offset 7d))')
    assert buckets.startswith("sum by (service_name, cloud_region, le) (increase(http_server_request_duration_seconds_bucket{")


def test_series_are_read_by_the_schemas_labels_and_buckets_in_its_unit():
    ms = MetricsAnomalyCorrelator(FakePrometheus(), MetricsSchema.model_validate({"preset": "otel", "latency_unit": "ms"}))
    counts, errors, buckets = bodies(("vault", "fra1"), flat(100.0), flat(1.0), {"250": flat(99.0), "+Inf": flat(100.0)},
                                     T0, T0 + timedelta(minutes=2), labels=("service_name", "cloud_region"))
    series = ms.to_series(counts, errors, buckets)
    [(scope, found)] = series.items()
    assert scope == ("vault", "fra1")
    assert set(next(iter(found.buckets.values()))) == {0.25, math.inf}  # 250 ms is 0.25 s
    assert figures(found, TimeWindow(start=T0, end=T0 + timedelta(minutes=2))).requests == 200.0
