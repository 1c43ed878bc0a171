"""The correlators' order (correlators/base.py): what each one requires must be provided by one before
it, a field is provided once, and a correlator sets only what it declared."""

from datetime import datetime, timedelta, timezone

import pytest

from correlators.alerts import AlertsCorrelator
from correlators.base import OrderError, by_time, check_order, check_provided, handed_on
from correlators.blast_radius import BlastRadiusCorrelator
from correlators.knowledge_base import KnowledgeBaseCorrelator
from correlators.metrics_anomaly import MetricsAnomalyCorrelator
from correlators.request_logs import RequestLogsCorrelator
from tests.unit.fakes import FakeElasticsearch, FakePrometheus
from triage.case import HANDOFFS, Case
from triage.findings import BlastFinding, CustomerActivity, MetricsFinding
from triage.models import Evidence, Ticket, TicketReading, TimeWindow


class Declared:
    """A correlator that only declares; `sets` are the fields it sets on every case."""

    def __init__(self, name: str, requires=(), provides=(), sets: dict | None = None):
        self.name = name
        self.requires = frozenset(requires)
        self.provides = frozenset(provides)
        self.sets = sets or {}

    def correlate(self, cases):
        for case in cases:
            for field, value in self.sets.items():
                setattr(case, field, value)
        return [Evidence(source=self.name, query="", summary="") for _ in cases]


def real_correlators():
    """The worker's correlators in the worker's order (worker/wiring.py), on backends that are never called."""
    es, prometheus = FakeElasticsearch([]), FakePrometheus()
    return [RequestLogsCorrelator(es), MetricsAnomalyCorrelator(prometheus), AlertsCorrelator(prometheus),
            BlastRadiusCorrelator(es), KnowledgeBaseCorrelator()]


def case() -> Case:
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=timezone.utc),
                    subject="s", body="b")
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=timezone.utc), end=datetime(2026, 11, 25, 10, 22, tzinfo=timezone.utc))
    return Case(ticket=ticket, reading=TicketReading(), window=window, baseline=window)


# --- check_order -------------------------------------------------------------------------------------------

def test_the_handoffs_are_the_typed_fields_of_the_case():
    assert HANDOFFS == ("activity", "metrics", "alert", "blast")


def test_the_workers_own_order_holds_and_every_handoff_is_provided_once():
    correlators = real_correlators()
    check_order(correlators)
    provided = [name for correlator in correlators for name in correlator.provides]
    assert sorted(provided) == sorted(HANDOFFS)
    assert [c.name for c in correlators] == ["request_logs", "metrics_anomaly", "alerts", "blast_radius", "knowledge_base"]


def test_a_correlator_before_the_one_that_provides_what_it_requires_is_refused():
    logs, metrics, alerts, blast, kb = real_correlators()
    with pytest.raises(OrderError, match="metrics_anomaly requires 'activity', which no correlator before it provides"):
        check_order([metrics, logs])
    with pytest.raises(OrderError, match="blast_radius requires 'metrics'"):
        check_order([logs, blast, metrics])
    with pytest.raises(OrderError, match="alerts requires 'activity'"):
        check_order([alerts])


def test_a_field_provided_twice_is_refused():
    first, second = Declared("first", provides=["activity"]), Declared("second", provides=["activity"])
    with pytest.raises(OrderError, match="second provides 'activity', which first already provides"):
        check_order([first, second])


def test_a_name_that_is_no_handoff_is_refused_with_the_known_ones():
    with pytest.raises(OrderError, match=r"typo: 'activty' is not a field of the case \(known: activity, metrics, alert, blast\)"):
        check_order([Declared("typo", requires=["activty"])])
    with pytest.raises(OrderError, match="'evidence' is not a field of the case"):
        check_order([Declared("writer", provides=["evidence"])])


def test_correlators_that_need_nothing_go_in_any_order():
    check_order([])
    check_order([Declared("a"), Declared("b", provides=["blast"]), Declared("c", requires=["blast"])])


# --- check_provided ----------------------------------------------------------------------------------------

def test_a_correlator_may_set_what_it_provides():
    cases = [case(), case()]
    provider = Declared("logs", provides=["activity"], sets={"activity": CustomerActivity(requests=0, scopes=[])})
    before = handed_on(cases)
    provider.correlate(cases)
    check_provided(provider, before, cases)
    assert handed_on(cases) != before


def test_a_correlator_that_sets_what_it_did_not_declare_is_refused():
    cases = [case()]
    sneaky = Declared("sneaky", provides=["metrics"],
                      sets={"metrics": MetricsFinding(scope=("s", "r")), "blast": BlastFinding(customers_active=1, customers_with_5xx=0)})
    before = handed_on(cases)
    sneaky.correlate(cases)
    with pytest.raises(OrderError, match="sneaky set case.blast without declaring it in provides"):
        check_provided(sneaky, before, cases)


def test_leaving_a_declared_field_unset_is_fine():
    """A field stays None when the source could not answer."""
    cases = [case()]
    quiet = Declared("quiet", provides=["alert"])
    before = handed_on(cases)
    quiet.correlate(cases)
    check_provided(quiet, before, cases)
    assert cases[0].alert is None


def test_handed_on_tells_a_new_value_even_when_it_is_equal():
    cases = [case()]
    cases[0].metrics = MetricsFinding(scope=("s", "r"))
    before = handed_on(cases)
    cases[0].metrics = MetricsFinding(scope=("s", "r"))  # equal, but set again
    with pytest.raises(OrderError, match="set case.metrics"):
        check_provided(Declared("again"), before, cases)


# --- by_time: tickets far apart are asked about separately -------------------------------------------------

def case_at(ticket_id: str, created: datetime, service: str = "api", region: str = "r1") -> Case:
    ticket = Ticket(ticket_id=ticket_id, customer_id="c", created_at=created, subject="s", body="b")
    window = TimeWindow(start=created - timedelta(minutes=30), end=created + timedelta(minutes=2))
    return Case(ticket=ticket, reading=TicketReading(service=service, region=region), window=window, baseline=window)


def test_by_time_groups_cases_within_a_day_and_keeps_their_order():
    now = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    cases = [case_at("today", now), case_at("last-week", now - timedelta(days=7)), case_at("today-later", now + timedelta(hours=2))]
    groups = []

    def correlate(group):
        groups.append([c.ticket.ticket_id for c in group])
        return [Evidence(source="x", query="", summary=c.ticket.ticket_id) for c in group]

    out = by_time(cases, correlate)
    assert [e.summary for e in out] == ["today", "last-week", "today-later"]
    assert groups == [["last-week"], ["today", "today-later"]]


def test_a_week_old_ticket_beside_todays_keeps_every_range_query_short():
    """Prometheus refuses more than 11,000 points a series (7.6 days at one minute): a batch mixing a
    week-old ticket with today's must not ask one range over both."""
    now = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    cases = [case_at("today", now), case_at("last-week", now - timedelta(days=8))]
    prometheus = FakePrometheus(ranges=[[] for _ in range(20)])
    MetricsAnomalyCorrelator(prometheus).correlate(cases)
    AlertsCorrelator(prometheus).correlate(cases)
    assert len(prometheus.range_queries) == 2 * 9 + 2
    for _, start, end, step in prometheus.range_queries:
        assert (end - start).total_seconds() / step < 11_000
