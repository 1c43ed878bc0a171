"""From a ticket to a case: the windows (which follow the customer's time hint), the scope, the fault window.

Most tests give `understand` a reading of their own (monkeypatching triage.understand.read_ticket), so
they test the window arithmetic, not the ticket reader (tests/unit/triage/test_reading.py does that)."""

from datetime import datetime, timedelta, timezone

import pytest

import triage.understand as understand_module
from triage.case import MIN_FAULT_SPAN
from triage.findings import CustomerActivity, MetricsFinding, ScopeActivity
from triage.knowledge import builtin_knowledge
from triage.models import Evidence, Ticket, TicketReading
from triage.reading import detect_language
from triage.understand import DEFAULT_BASELINE, HINT_MARGIN, MAX_LOOKBACK, ticket_evidence
from triage.understand import understand as understand_with

UTC = timezone.utc
VOCAB = builtin_knowledge().vocabulary
CREATED = datetime(2026, 11, 25, 10, 17, 42, tzinfo=UTC)


def understand(ticket: Ticket, **windows):
    return understand_with(ticket, VOCAB, **windows)


def ticket(**fields) -> Ticket:
    base = dict(ticket_id="T-1", customer_id="c", created_at=CREATED,
                subject="uploads fail", body="see req-0123456789abcdef and req-0123456789abcdef")
    return Ticket(**{**base, **fields})


@pytest.fixture
def reading(monkeypatch):
    """Set what the ticket reader returns: reading(started_at=..., service=...)."""
    def use(**fields) -> TicketReading:
        value = TicketReading(**fields)
        monkeypatch.setattr(understand_module, "read_ticket", lambda _ticket, _vocab: value)
        return value
    return use


# --- the windows -----------------------------------------------------------------------------------

def test_without_a_time_hint_the_window_looks_back_half_an_hour_rounded_to_the_minute(reading):
    reading()
    case = understand(ticket())
    assert case.window.start == datetime(2026, 11, 25, 9, 47, tzinfo=UTC)
    assert case.window.end == datetime(2026, 11, 25, 10, 19, tzinfo=UTC)  # two minutes ahead, floored
    assert case.baseline.end == case.window.start
    assert case.baseline.duration == DEFAULT_BASELINE == timedelta(hours=1)


def test_a_recent_hint_keeps_the_default_look_back(reading):
    reading(started_at=datetime(2026, 11, 25, 10, 5, tzinfo=UTC))  # 10:05 - 10 min margin = 09:55: later than 09:47
    assert understand(ticket()).window.start == datetime(2026, 11, 25, 9, 47, tzinfo=UTC)


def test_an_earlier_hint_moves_the_window_back_with_a_margin(reading):
    reading(started_at=datetime(2026, 11, 25, 8, 30, tzinfo=UTC))
    case = understand(ticket())
    assert case.window.start == datetime(2026, 11, 25, 8, 30, tzinfo=UTC) - HINT_MARGIN
    assert case.window.end == datetime(2026, 11, 25, 10, 19, tzinfo=UTC)
    assert (case.baseline.start, case.baseline.end) == (datetime(2026, 11, 25, 7, 20, tzinfo=UTC), datetime(2026, 11, 25, 8, 20, tzinfo=UTC))


def test_the_hint_is_rounded_down_to_the_minute(reading):
    reading(started_at=datetime(2026, 11, 25, 8, 30, 45, tzinfo=UTC))
    assert understand(ticket()).window.start == datetime(2026, 11, 25, 8, 20, tzinfo=UTC)


def test_a_hint_further_back_than_twelve_hours_is_capped(reading):
    reading(started_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # "since Monday"
    case = understand(ticket())
    assert case.window.start == datetime(2026, 11, 24, 22, 17, tzinfo=UTC)
    assert CREATED - case.window.start < MAX_LOOKBACK + timedelta(minutes=1)  # (floored to the minute)


def test_the_windows_are_in_utc_whatever_the_tickets_offset(reading):
    reading()
    case = understand(ticket(created_at=datetime(2026, 11, 25, 18, 17, 42, tzinfo=timezone(timedelta(hours=8)))))
    assert case.window.start == datetime(2026, 11, 25, 9, 47, tzinfo=UTC)


def test_look_back_look_ahead_and_baseline_are_parameters(reading):
    reading()
    case = understand(ticket(), lookback=timedelta(minutes=10), lookahead=timedelta(0), baseline=timedelta(minutes=15))
    assert (case.window.start, case.window.end) == (datetime(2026, 11, 25, 10, 7, tzinfo=UTC), datetime(2026, 11, 25, 10, 17, tzinfo=UTC))
    assert case.baseline.duration == timedelta(minutes=15)


def test_a_clock_time_in_the_text_moves_the_window(reading):
    """Through the real ticket reader: "since 09:20" in the customer's clock (the ticket's offset, UTC here)."""
    case = understand(ticket(body="uploads fail since 09:20"))
    assert case.reading.started_at == datetime(2026, 11, 25, 9, 20, tzinfo=UTC)
    assert case.window.start == datetime(2026, 11, 25, 9, 10, tzinfo=UTC)


# --- what the ticket says ----------------------------------------------------------------------------

def test_request_ids_from_field_and_text_without_duplicates():
    case = understand(ticket(request_ids=["req-fromfield1"]))
    assert case.request_ids == ["req-fromfield1", "req-0123456789abcdef"]


def test_request_ids_right_next_to_chinese_text():
    case = understand(ticket(body="请求req-3f9a1c2b7d4e处理失败，另一个是req-aaaaaaaaaaaa。", subject="失败"))
    assert case.request_ids == ["req-3f9a1c2b7d4e", "req-aaaaaaaaaaaa"]


def test_language_from_field_else_detected():
    assert understand(ticket(language="zh")).language == "zh"
    assert understand(ticket(body="上传失败 503")).language == "zh"
    assert detect_language("uploads fail") == "en"
    assert detect_language("上传失败") == "zh"


def test_ticket_evidence_says_what_the_customer_complains_of(reading):
    reading(statuses=[503, 404], symptoms=["slow"], error_codes=["ExpiredToken"], resources=["photos"])
    evidence = ticket_evidence(understand(ticket()))
    assert evidence.source == "ticket" and evidence.available
    assert evidence.facts == {"complains_errors": 1, "complains_slow": 1, "complains_timeout": 0, "complains_latency": 1,
                              "ticket_names_5xx": 1, "ticket_names_4xx": 1, "ticket_names_error": 1}
    assert "statuses [503, 404]" in evidence.summary and "error codes ['ExpiredToken']" in evidence.summary


def test_ticket_evidence_of_a_ticket_that_says_nothing(reading):
    reading()
    evidence = ticket_evidence(understand(ticket()))
    assert evidence.summary == "the ticket says: nothing specific"
    assert not any(evidence.facts.values())


# --- the scope --------------------------------------------------------------------------------------

def place(service: str, region: str, requests: int, failures: int, codes: dict | None = None,
          statuses: dict | None = None, **more) -> ScopeActivity:
    return ScopeActivity(service=service, region=region, requests=requests, failures=failures, server_errors=0,
                         error_codes=codes or {}, error_code_statuses=statuses or {}, **more)


def activity(*places: ScopeActivity) -> CustomerActivity:
    """What request_logs hands on: the customer's places in the logs' order."""
    return CustomerActivity(requests=sum(item.requests for item in places), scopes=list(places))


def test_the_scope_the_ticket_names_wins_over_the_logs(reading):
    reading(service="cdn", region="cn-north-1")
    case = understand(ticket())
    case.activity = activity(place("object-storage", "cn-east-1", 10, 5), place("cdn", "cn-north-1", 10, 0))
    assert case.scope == ("cdn", "cn-north-1")


def test_a_named_scope_the_customer_never_called_gives_way_to_its_places(reading):
    # it blames cdn/cn-north-1, but every request it sent went to object-storage
    reading(service="cdn", region="cn-north-1")
    case = understand(ticket())
    assert case.scope == ("cdn", "cn-north-1")  # nothing known of its requests yet: the words decide
    case.activity = activity(place("object-storage", "cn-east-1", 10, 5))
    assert case.named_scope is None
    assert case.scope == ("object-storage", "cn-east-1")


def test_half_a_scope_is_completed_from_the_customers_places(reading):
    reading(service="cdn")
    case = understand(ticket())
    case.activity = activity(place("object-storage", "cn-east-1", 10, 5), place("cdn", "ap-southeast-1", 10, 1))
    assert case.candidate_scopes == [("object-storage", "cn-east-1"), ("cdn", "ap-southeast-1")]
    assert (case.service, case.region) == ("cdn", "ap-southeast-1")


def test_the_metrics_choice_comes_before_the_customers_places(reading):
    reading(service="cdn")
    case = understand(ticket())
    case.activity = activity(place("cdn", "ap-southeast-1", 10, 1), place("cdn", "cn-east-1", 10, 0))
    assert case.scope == ("cdn", "ap-southeast-1")
    case.metrics = MetricsFinding(scope=("cdn", "cn-east-1"))
    assert case.scope == ("cdn", "cn-east-1")  # derived again once the metrics hand on


def test_the_place_of_the_errors_the_ticket_quotes_wins(reading):
    # it names its home region, but its WrongRegion answers come from the region it actually called
    reading(service="object-storage", region="cn-east-1", error_codes=["WrongRegion"])
    case = understand(ticket())
    case.activity = activity(place("object-storage", "cn-east-1", 50, 2, {"NoSuchKey": 2}, {"NoSuchKey": 404}),
                             place("object-storage", "ap-southeast-1", 30, 20, {"WrongRegion": 20}, {"WrongRegion": 301}))
    assert case.scope == ("object-storage", "ap-southeast-1")


def test_words_for_server_errors_outrank_a_usage_hint_in_choosing_the_place(reading):
    # "requests to bucket X fail with 5xx": "bucket" hints at NoSuchBucket, the 5xx say where it fails
    reading(hinted_codes=["NoSuchBucket"], names_server_errors=True)
    case = understand(ticket())
    case.activity = activity(place("object-storage", "cn-south-1", 100, 8, {"NoSuchBucket": 8}, {"NoSuchBucket": 404}),
                             place("object-storage", "cn-east-1", 100, 12, {"ServiceUnavailable": 11, "NoSuchBucket": 1},
                                   {"ServiceUnavailable": 503, "NoSuchBucket": 404}))
    assert case.scope == ("object-storage", "cn-east-1")


def test_a_complaint_of_slowness_takes_the_slow_place_over_its_own_refusals_elsewhere(reading):
    reading(symptoms=["slow"])
    case = understand(ticket())
    case.activity = activity(place("object-storage", "cn-north-1", 43, 14, {"NoSuchKey": 14}, {"NoSuchKey": 404}, mean_latency_ms=52.0, baseline_mean_latency_ms=70.0),
                             place("cdn", "cn-east-1", 60, 0, mean_latency_ms=33.0, baseline_mean_latency_ms=30.0),
                             place("cdn", "ap-southeast-1", 58, 0, mean_latency_ms=89.0, baseline_mean_latency_ms=32.0))
    assert case.candidate_scopes == [("cdn", "ap-southeast-1"), ("object-storage", "cn-north-1"), ("cdn", "cn-east-1")]
    # a complaint of errors is about them
    reading(symptoms=["slow", "errors"])
    case = understand(ticket())
    case.activity = activity(place("object-storage", "cn-north-1", 43, 14, {"NoSuchKey": 14}, {"NoSuchKey": 404}, mean_latency_ms=52.0, baseline_mean_latency_ms=70.0),
                             place("cdn", "ap-southeast-1", 58, 0, mean_latency_ms=89.0, baseline_mean_latency_ms=32.0))
    assert case.candidate_scopes[0] == ("object-storage", "cn-north-1")


def test_no_scope_anywhere(reading):
    reading()
    case = understand(ticket())
    assert case.scope is None and case.service is None and case.region is None


def test_the_scope_is_read_from_the_handoff_not_from_the_evidence(reading):
    reading()
    case = understand(ticket())
    case.evidence.append(Evidence(source="request_logs", query="", summary="", facts={
        "customer_scopes": [{"service": "cdn", "region": "x", "requests": 1, "failures": 0, "server_errors": 0}]}))
    assert case.region is None  # no activity handed on: the evidence's facts are for the rules and the reader
    case.activity = activity(place("cdn", "x", 1, 0))
    assert case.scope == ("cdn", "x")


def test_unavailable_evidence_is_not_read(reading):
    reading()
    case = understand(ticket())
    case.evidence.append(Evidence(source="request_logs", query="", summary="", available=False, facts={
        "customer_scopes": [{"service": "cdn", "region": "x", "requests": 1, "failures": 0, "server_errors": 0}]}))
    assert case.fact("customer_scopes") is None


def test_the_first_available_evidence_wins_a_fact(reading):
    reading()
    case = understand(ticket())
    case.evidence += [Evidence(source="a", query="", summary="", facts={"x": None}),
                      Evidence(source="b", query="", summary="", facts={"x": 2}),
                      Evidence(source="c", query="", summary="", facts={"x": 3})]
    assert case.fact("x") == 2 and case.fact("y") is None


# --- the fault window ----------------------------------------------------------------------------------

def failing_case(reading, failures: int, requests: int, first: str, last: str, expected: float = 0.0):
    """Failures on the ticket's scope, `expected` of them predicted by the customer's hour before."""
    reading(service="cdn", region="r")
    case = understand(ticket())  # window 09:47-10:19
    case.activity = activity(ScopeActivity(
        service="cdn", region="r", requests=requests, failures=failures, server_errors=failures,
        error_codes={"ServiceUnavailable": failures}, error_code_statuses={"ServiceUnavailable": 503},
        expected_error_codes={"ServiceUnavailable": expected} if expected else {},
        first_failure=parse(first), last_failure=parse(last)))
    return case


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_fault_window_is_the_customers_failures_padded_on_the_minute(reading):
    case = failing_case(reading, 20, 100, "2026-11-25T09:58:30.5Z", "2026-11-25T10:09:10Z")
    assert (case.fault_window.start, case.fault_window.end) == (datetime(2026, 11, 25, 9, 56, tzinfo=UTC),
                                                                datetime(2026, 11, 25, 10, 12, tzinfo=UTC))


def test_the_fault_window_spans_at_least_ten_minutes_and_stays_in_the_window(reading):
    short = failing_case(reading, 5, 100, "2026-11-25T10:00:00Z", "2026-11-25T10:00:30Z")
    assert short.fault_window.duration == MIN_FAULT_SPAN
    edge = failing_case(reading, 5, 100, "2026-11-25T09:47:10Z", "2026-11-25T10:18:50Z")
    assert (edge.fault_window.start, edge.fault_window.end) == (edge.window.start, edge.window.end)


@pytest.mark.parametrize(("failures", "requests", "expected"), [
    (2, 10, 0.0),  # too few
    (3, 1000, 0.0),  # too rare (under 5% of its requests)
    (20, 100, 18.5),  # its usual rate: the hour before predicts 18.5 of them
])
def test_background_failures_do_not_date_the_fault(reading, failures, requests, expected):
    case = failing_case(reading, failures, requests, "2026-11-25T09:58:00Z", "2026-11-25T10:05:00Z", expected)
    assert case.fault_window == case.window


def test_failures_above_the_usual_rate_date_the_fault(reading):
    case = failing_case(reading, 20, 100, "2026-11-25T09:58:00Z", "2026-11-25T10:05:00Z", expected=10.0)
    assert case.fault_window.start == datetime(2026, 11, 25, 9, 56, tzinfo=UTC)


def test_the_fault_window_of_a_recorded_ticket():
    from tests.unit.fakes import Recording

    [case] = Recording("expired_token_in_outage").run("request_logs")
    activity = case.scope_activity
    assert (activity.service, activity.region, activity.failures, activity.requests) == ("object-storage", "cn-east-1", 4, 19)
    # first failure there 16:12:50 - 2 min, last 16:22:01 + 2 min, cut at the ticket's window end 16:24
    assert (activity.first_failure, activity.last_failure) == (parse("2026-11-25T16:12:50.304Z"), parse("2026-11-25T16:22:01.606Z"))
    assert (case.window.start, case.window.end) == (datetime(2026, 11, 25, 15, 52, tzinfo=UTC), datetime(2026, 11, 25, 16, 24, tzinfo=UTC))
    assert (case.fault_window.start, case.fault_window.end) == (datetime(2026, 11, 25, 16, 10, tzinfo=UTC),
                                                                datetime(2026, 11, 25, 16, 24, tzinfo=UTC))
