"""The blast-radius correlator on Elasticsearch's own answers (tests/unit/correlators/recorded/), and the
five-minute grid that lets tickets of one fault share a search.

The recorded searches are the correlator's own (windows cut to their last 15 minutes on the five-minute
grid, the preceding hour ending on the quarter hour), checked to the byte below; the figures are the
answers to them. tests/integration/test_correlators_live.py runs the correlator against the live stack."""

from datetime import datetime, timezone

import pytest

from correlators.blast_radius import LONGEST, BlastRadiusCorrelator, key_of, summarise
from tests.unit.fakes import FakeElasticsearch, Recording
from triage.case import Case
from triage.findings import CustomerActivity, MetricsFinding, ScopeActivity
from triage.models import Ticket, TicketReading, TimeWindow
from triage.schema import LogSchema

UTC = timezone.utc
BLAST = BlastRadiusCorrelator(FakeElasticsearch([]))  # its searches, without a backend
scope_search, baseline_search = BLAST.scope_search, BLAST.baseline_search


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, second, tzinfo=UTC)


def blast_run(name: str, cases=None):
    recording = Recording(name)
    cases = cases if cases is not None else recording.run("alerts")
    es = recording.elasticsearch("blast_radius")
    return cases, es, BlastRadiusCorrelator(es).correlate(cases)


@pytest.mark.parametrize("name", ["outage_5xx", "expired_token_in_outage", "traffic_vanished", "no_traffic", "latency",
                                  "dependency_batch"])
def test_the_recorded_searches_cut_to_the_last_quarter_hour(name):
    recording = Recording(name)
    cases, es, _ = blast_run(name)
    keys = sorted({key_of(case) for case in cases})
    assert es.requests == [("access-logs-*", [s for key in keys for s in (scope_search(key), baseline_search(key))])]
    assert es.requests == recording.searches("blast_radius")  # what the server was asked, to the byte
    for key, now in zip(keys, es.requests[0][1][0::2]):
        assert time_range(now) == {"gte": key[2].isoformat(), "lt": key[3].isoformat()}
        assert key[3] - key[2] <= LONGEST
    assert es.responses == []


def time_range(search: dict) -> dict:
    return next(f["range"]["@timestamp"] for f in search["query"]["bool"]["filter"] if "range" in f)


def test_outage_many_customers_fail_at_once():
    [case], _, [evidence] = blast_run("outage_5xx")
    facts = evidence.facts
    assert (facts["blast_service"], facts["blast_region"]) == ("object-storage", "cn-east-1")
    # the fault window 15:46-16:18 (the window the metrics judged) widened to the five-minute grid, its last 15 minutes
    assert (case.fault_window.start.isoformat(), case.fault_window.end.isoformat()) == (
        "2026-11-25T15:46:00+00:00", "2026-11-25T16:18:00+00:00")
    assert (facts["blast_window_start"], facts["blast_window_end"]) == ("2026-11-25T16:05:00+00:00", "2026-11-25T16:20:00+00:00")
    # 16:05-16:20 holds the outage's first eight minutes (HighErrorRatio from 16:12:26): a third of the requests fail
    assert (facts["customers_active"], facts["customers_with_5xx"], facts["other_customers_with_5xx"]) == (874, 784, 783)
    assert (facts["scope_requests"], facts["scope_5xx_share"], facts["share_of_customers_hit"]) == (
        9880, round(3193 / 9880, 5), round(784 / 874, 4))
    # the hour before the quarter hour at or before 16:05: 15:00-16:00, 119 5xx in 39600 requests
    assert (facts["baseline_customers_with_5xx"], facts["baseline_5xx_share"]) == (97, round(119 / 39600, 5))
    assert evidence.summary == ("784 of 874 customers of object-storage/cn-east-1 got 5xx in the window; 5xx were 32.32% "
                                "of its requests against 0.30% in the preceding hour (97 customers with 5xx then)")


def test_the_figures_are_the_raw_answers_own():
    recording = Recording("outage_5xx")
    now, before = recording.calls("blast_radius")[0]["responses"]
    _, _, [evidence] = blast_run("outage_5xx")
    assert evidence.facts["scope_requests"] == now["hits"]["total"]["value"]
    assert evidence.facts["customers_with_5xx"] == now["aggregations"]["server_errors"]["customers"]["value"]
    assert evidence.facts["scope_5xx_share"] == round(now["aggregations"]["server_errors"]["doc_count"] / now["hits"]["total"]["value"], 5)
    assert evidence.facts["baseline_5xx_share"] == round(
        before["aggregations"]["server_errors"]["doc_count"] / before["hits"]["total"]["value"], 5)


def test_a_customer_without_its_own_5xx_there_is_not_subtracted():
    [case], _, [evidence] = blast_run("no_traffic")
    assert case.fact("customer_scopes") == []
    assert evidence.facts["customers_with_5xx"] == evidence.facts["other_customers_with_5xx"] == 27
    # traffic there, but its only failure was a 404 elsewhere (image-processing/cn-south-1)
    [case], _, [evidence] = blast_run("traffic_vanished")
    assert case.scope_activity is not None and case.scope_activity.server_errors == 0
    assert evidence.facts["customers_with_5xx"] == evidence.facts["other_customers_with_5xx"] == 27


def test_a_batch_searches_each_scope_once():
    cases, es, (auth, images) = blast_run("dependency_batch")
    assert len(es.requests) == 1 and len(es.requests[0][1]) == 4
    assert (auth.facts["blast_service"], auth.facts["customers_with_5xx"], auth.facts["customers_active"]) == ("auth", 467, 846)
    assert (images.facts["blast_service"], images.facts["customers_with_5xx"], images.facts["customers_active"]) == (
        "image-processing", 460, 828)
    assert (auth.facts["blast_window_start"], auth.facts["blast_window_end"]) == ("2026-11-25T16:35:00+00:00", "2026-11-25T16:50:00+00:00")
    assert images.facts["blast_window_start"] == "2026-11-25T16:35:00+00:00"


def test_tickets_of_the_same_scope_and_grid_share_one_pair_of_searches():
    recording = Recording("outage_5xx")
    twice = recording.run("alerts") + recording.run("alerts")  # the same ticket twice: the same key
    answers = recording.calls("blast_radius")[0]["responses"]
    es = FakeElasticsearch(answers)
    first, second = BlastRadiusCorrelator(es).correlate(twice)
    assert len(es.requests[0][1]) == 2
    assert first.facts == second.facts


# --- the grid --------------------------------------------------------------------------------------------

def case_with(start: datetime, end: datetime, service: str | None = "s", region: str | None = "r") -> Case:
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=end, subject="s", body="b")
    window = TimeWindow(start=start, end=end)
    return Case(ticket=ticket, reading=TicketReading(service=service, region=region), window=window, baseline=window)


@pytest.mark.parametrize(("start", "end", "grid_start", "grid_end"), [
    (at(14, 51), at(15, 3), at(14, 50), at(15, 5)),
    (at(14, 55), at(15, 5), at(14, 55), at(15, 5)),  # on the grid already: unchanged
    (at(14, 54, 59), at(15, 5, 1), at(14, 55), at(15, 10)),  # widened to 15:10, then its last 15 minutes
    (at(23, 58), at(23, 59), at(23, 55), datetime(2026, 11, 26, 0, 0, tzinfo=UTC)),
    (at(14, 31), at(15, 3), at(14, 50), at(15, 5)),  # a long window: its last 15 minutes
])
def test_key_is_the_scope_and_the_window_on_the_five_minute_grid_at_most_15_minutes(start, end, grid_start, grid_end):
    assert key_of(case_with(start, end)) == ("s", "r", grid_start, grid_end)


def test_nearby_windows_share_a_key():
    assert key_of(case_with(at(14, 31), at(15, 2))) == key_of(case_with(at(14, 36), at(15, 4)))
    assert key_of(case_with(at(14, 31), at(15, 2))) != key_of(case_with(at(14, 36), at(15, 6)))


def test_windows_that_start_in_the_same_quarter_hour_share_the_hour_before():
    early, late = case_with(at(14, 46), at(14, 58)), case_with(at(14, 50), at(15, 4))
    late.ticket = late.ticket.model_copy(update={"ticket_id": "T-2"})
    answer = {"hits": {"total": {"value": 10}}, "aggregations": {
        "customers": {"value": 3}, "server_errors": {"doc_count": 2, "customers": {"value": 1}}}}
    es = FakeElasticsearch([answer] * 3)
    first, second = BlastRadiusCorrelator(es).correlate([early, late])
    sent = es.requests[0][1]
    assert sent == [scope_search(key_of(early)), baseline_search(key_of(early)), scope_search(key_of(late))]
    assert time_range(sent[1]) == {"gte": at(13, 45).isoformat(), "lt": at(14, 45).isoformat()}  # the hour before 14:45
    assert first.facts["baseline_customers_with_5xx"] == second.facts["baseline_customers_with_5xx"] == 1
    assert first.query.splitlines()[1] == second.query.splitlines()[1]  # the same preceding-hour search shown


def test_key_needs_service_and_region():
    assert key_of(case_with(at(14, 31), at(15, 3), service=None)) is None
    assert key_of(case_with(at(14, 31), at(15, 3), region=None)) is None
    es = FakeElasticsearch([])
    [evidence] = BlastRadiusCorrelator(es).correlate([case_with(at(14, 31), at(15, 3), region=None)])
    assert evidence.summary == "no service/region known for this ticket"
    assert es.requests == [("access-logs-*", [])]


def test_scope_search_filters_the_scope_and_the_grid_window():
    key = ("object-storage", "cn-east-1", at(14, 30), at(15, 5))
    assert scope_search(key)["query"] == {"bool": {"filter": [
        {"term": {"service": "object-storage"}}, {"term": {"region": "cn-east-1"}},
        {"range": {"@timestamp": {"gte": "2026-11-25T14:30:00+00:00", "lt": "2026-11-25T15:05:00+00:00"}}}]}}
    assert baseline_search(key)["query"]["bool"]["filter"][2] == {
        "range": {"@timestamp": {"gte": "2026-11-25T13:30:00+00:00", "lt": "2026-11-25T14:30:00+00:00"}}}


def place(service: str = "s", region: str = "r", requests: int = 10, server_errors: int = 0) -> ScopeActivity:
    return ScopeActivity(service=service, region=region, requests=requests, failures=server_errors, server_errors=server_errors,
                         error_codes={"InternalError": server_errors} if server_errors else {},
                         error_code_statuses={"InternalError": 500} if server_errors else {})


def activity(*places: ScopeActivity) -> CustomerActivity:
    return CustomerActivity(requests=sum(item.requests for item in places), scopes=list(places))


ANSWER = {"hits": {"total": {"value": 2000}}, "aggregations": {
    "customers": {"value": 40}, "server_errors": {"doc_count": 300, "customers": {"value": 25}}}}
BEFORE = {"hits": {"total": {"value": 8000}}, "aggregations": {"server_errors": {"doc_count": 16, "customers": {"value": 3}}}}


def test_the_metrics_stretch_is_the_window_when_it_judged_the_tickets_scope():
    case = case_with(at(14, 1), at(15, 58))
    assert key_of(case) == ("s", "r", at(15, 45), at(16, 0))  # the ticket's window: its last 15 minutes
    case.metrics = MetricsFinding(scope=("s", "r"), window=TimeWindow(start=at(14, 31), end=at(14, 46)))
    assert key_of(case) == ("s", "r", at(14, 35), at(14, 50))  # the stretch the metrics found worst, on the grid
    case.metrics = MetricsFinding(scope=("other", "r"), window=TimeWindow(start=at(14, 31), end=at(14, 46)))
    assert key_of(case) == ("s", "r", at(15, 45), at(16, 0))  # judged elsewhere: not this scope's stretch
    case.metrics = MetricsFinding(scope=("s", "r"))  # no series for the scope: no stretch
    assert key_of(case) == ("s", "r", at(15, 45), at(16, 0))


def test_the_finding_is_handed_on_and_the_customers_own_5xx_subtracted():
    case = case_with(at(14, 31), at(15, 3))
    case.activity = activity(place(server_errors=4))
    es = FakeElasticsearch([ANSWER, BEFORE])
    [evidence] = BlastRadiusCorrelator(es).correlate([case])
    assert (case.blast.customers_active, case.blast.customers_with_5xx) == (40, 25)
    facts = evidence.facts
    assert (facts["customers_with_5xx"], facts["other_customers_with_5xx"]) == (25, 24)
    assert (facts["scope_5xx_share"], facts["share_of_customers_hit"]) == (0.15, 0.625)
    assert (facts["baseline_customers_with_5xx"], facts["baseline_5xx_share"]) == (3, 0.002)
    assert evidence.summary.startswith("25 of 40 customers of s/r got 5xx in the window; 5xx were 15.00% of its requests")


def test_a_customer_whose_failures_there_were_not_5xx_is_not_subtracted():
    case = case_with(at(14, 31), at(15, 3))
    case.activity = activity(place(server_errors=0), place(service="other", server_errors=9))
    [evidence] = BlastRadiusCorrelator(FakeElasticsearch([ANSWER, BEFORE])).correlate([case])
    assert evidence.facts["other_customers_with_5xx"] == evidence.facts["customers_with_5xx"] == 25


def test_the_searches_use_the_log_schemas_field_names():
    ecs = BlastRadiusCorrelator(FakeElasticsearch([]), schema=LogSchema.model_validate("ecs"))
    key = ("vault", "fra1", at(14, 30), at(14, 45))
    search = ecs.scope_search(key)
    assert search["query"]["bool"]["filter"][:2] == [{"term": {"service.name": "vault"}}, {"term": {"cloud.region": "fra1"}}]
    assert "@timestamp" in search["query"]["bool"]["filter"][2]["range"]
    assert search["aggs"]["customers"] == {"cardinality": {"field": "user.id"}}
    assert search["aggs"]["server_errors"]["filter"] == {"range": {"http.response.status_code": {"gte": 500}}}
    assert ecs.baseline_search(key)["aggs"]["server_errors"]["aggs"]["customers"] == {"cardinality": {"field": "user.id"}}


# --- when the logs cannot answer ----------------------------------------------------------------------------

def test_no_log_index_means_the_evidence_is_missing():
    recording = Recording("errors")
    case = recording.cases()[0]
    case.activity = activity(place("object-storage", "cn-east-1", requests=1))
    es = FakeElasticsearch(recording.calls("blast_radius_no_index")[0]["responses"])
    [evidence] = BlastRadiusCorrelator(es, "access-logs-none-*").correlate([case])
    assert not evidence.available and evidence.summary == "no access-log index matches the pattern"
    assert case.blast is None


def test_a_failed_search_marks_the_evidence_unavailable():
    [failed] = Recording("errors").calls("request_logs_failed")[0]["responses"]
    case = case_with(at(14, 31), at(15, 3))
    evidence, finding = summarise(case, key_of(case), failed, failed, "q")
    assert not evidence.available and evidence.summary.startswith("log search failed:")
    assert finding is None


def test_a_failed_baseline_only_drops_the_baseline_figures():
    recording = Recording("outage_5xx")
    now, _ = recording.calls("blast_radius")[0]["responses"]
    [failed] = Recording("errors").calls("request_logs_failed")[0]["responses"]
    [case] = recording.run("alerts")
    evidence, _ = summarise(case, key_of(case), now, failed, "q")
    assert evidence.available and evidence.facts["customers_with_5xx"] == 784
    assert "baseline_5xx_share" not in evidence.facts and "baseline_customers_with_5xx" not in evidence.facts
