from datetime import datetime, timezone

from correlators.error_ratio import ErrorRatioCorrelator
from tests.unit.fakes import FakePrometheus
from triage.models import Evidence, Ticket
from triage.understand import understand

ROWS = [
    {"metric": {"service": "object-storage", "region": "cn-east-1"}, "value": 0.18},
    {"metric": {"service": "cdn", "region": "cn-east-1"}, "value": 0.002},
    {"metric": {"service": "cdn", "region": "us-west-1"}, "value": float("nan")},
]


def case(**fields):
    base = dict(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 20, 30, tzinfo=timezone.utc), subject="s", body="b")
    return understand(Ticket(**{**base, **fields}))


def test_ratio_against_baseline_with_one_query_pair_per_window():
    prometheus = FakePrometheus(default=ROWS)
    correlator = ErrorRatioCorrelator(prometheus)
    cases = [case(service="object-storage", region="cn-east-1"), case(ticket_id="T-2", service="cdn", region="cn-east-1")]
    evidence = correlator.correlate(cases)
    assert len(prometheus.queries) == 2  # window and baseline, shared by both tickets
    assert evidence[0].facts["platform_error_ratio"] == 0.18
    assert evidence[0].facts["error_ratio_delta"] == 0.0  # the fake answers the same for the baseline
    assert evidence[1].facts["platform_error_ratio"] == 0.002
    assert ('sum by (service, region) (increase(http_requests_total{code=~"5.."}[1920s]))' in evidence[0].query
            and "time=2026-11-25T10:22:00+00:00" in evidence[0].query)


def test_scope_may_come_from_earlier_evidence():
    c = case()
    c.evidence.append(Evidence(source="request_logs", query="", summary="", facts={"top_service": "object-storage", "top_region": "cn-east-1"}))
    evidence = ErrorRatioCorrelator(FakePrometheus(default=ROWS)).correlate([c])
    assert evidence[0].facts["metrics_region"] == "cn-east-1"


def test_without_scope_or_traffic_the_ratio_is_missing_not_zero():
    correlator = ErrorRatioCorrelator(FakePrometheus(default=ROWS))
    no_scope, no_traffic = correlator.correlate([case(), case(service="cdn", region="us-west-1")])
    assert "platform_error_ratio" not in no_scope.facts and "service/region" in no_scope.summary
    assert "platform_error_ratio" not in no_traffic.facts
