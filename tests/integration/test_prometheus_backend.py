import time
from datetime import datetime, timedelta, timezone

import pytest

from backends.prometheus import PrometheusBackend, any_of
from backends.errors import BackendRefused, BackendUnavailable
from backends.retry import RetryPolicy
from correlators.metrics_anomaly import MetricsAnomalyCorrelator
from lab.promwrite import remote_write
from stack.settings import PROMETHEUS_URL
from triage.knowledge import builtin_knowledge
from triage.models import Ticket
from triage.understand import understand

VOCABULARY = builtin_knowledge().vocabulary  # the built-in one, as when no team file is set


@pytest.fixture
def backend(local_stack):
    backend = PrometheusBackend(PROMETHEUS_URL)
    yield backend
    backend.close()


def test_remote_written_past_samples_are_queryable(backend, unique):
    at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=30)
    remote_write(PROMETHEUS_URL, [({"__name__": "fc_test_value", "run": unique}, [(int(at.timestamp() * 1000), 42.0)])])
    rows = backend.query(f'fc_test_value{{run="{unique}"}}', at=at)
    assert rows == [{"metric": {"__name__": "fc_test_value", "run": unique}, "value": 42.0}]


def test_a_bad_query_is_refused_for_good_not_retried(backend):
    errors = []
    backend.retry = RetryPolicy(attempts=5, on_error=errors.append)
    started = time.monotonic()
    with pytest.raises(BackendRefused) as refused:
        backend.query("sum(", at=datetime.now(timezone.utc))
    assert errors == ["prometheus"] and time.monotonic() - started < 2
    assert refused.value.status == 400


@pytest.mark.parametrize("odd", ["cn-east-1\nx", "fra\ufffd1", "bad\udcff", "r" * 40_000, 'a"b\\c', "华东"])
def test_any_label_value_makes_a_valid_query(backend, odd):
    """Values from tickets once made Prometheus answer 400 ("unterminated quoted string", "invalid UTF-8 rune")."""
    assert backend.query(f'fc_test_value{{region=~"{any_of([odd])}"}}', at=datetime.now(timezone.utc)) == []


def test_unreachable_prometheus_is_retried_then_reported():
    errors = []
    backend = PrometheusBackend("http://127.0.0.1:1", timeout_s=0.5, retry=RetryPolicy(attempts=3, max_wait_s=0.05, on_error=errors.append))
    with pytest.raises(BackendUnavailable):
        backend.query("up", at=datetime.now(timezone.utc))
    assert errors == ["prometheus"] * 3


def test_metrics_anomaly_shows_the_regional_outage_against_its_baseline(backend, default_scenario):
    created = default_scenario.end - timedelta(minutes=3)

    def case(service: str, region: str):
        return understand(Ticket(ticket_id=f"T-{region}", customer_id="c", created_at=created, subject="s", body="b",
                                 service=service, region=region), VOCABULARY)

    outage, quiet = MetricsAnomalyCorrelator(backend).correlate([case("object-storage", "cn-east-1"), case("object-storage", "cn-north-1")])
    assert outage.facts["platform_error_ratio"] > 0.08
    assert outage.facts["baseline_error_ratio"] < 0.02
    assert outage.facts["error_score"] > 10
    assert quiet.facts["platform_error_ratio"] < 0.02 and quiet.facts["error_score"] < 3
