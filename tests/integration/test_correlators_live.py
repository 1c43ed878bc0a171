"""Every correlator against the real Elasticsearch and Prometheus of the local stack, on a small
lab scenario: a 70% outage of the test's own service in cn-east-1 (8 customers) and one customer
with an expired token in cn-north-1.

The scenario is loaded without any reset, under a logs index prefix and a service name of the
test's own, with the alerts backfilled for that service only (tests/e2e/conftest.py,
`load_isolated`), so a scenario someone else has loaded on the shared stack is left untouched.
Cases are built with `triage.understand.understand` from the scenario's tickets and the
correlators run in the worker's order (worker/wiring.py), each reading what the earlier ones found.
No fakes anywhere.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone

import httpx
import orjson
import pytest

from backends.elasticsearch import ElasticsearchBackend, connect
from backends.prometheus import PrometheusBackend
from backends.retry import RetryPolicy
from correlators.alerts import AlertsCorrelator
from correlators.blast_radius import BlastRadiusCorrelator
from correlators.knowledge_base import KnowledgeBaseCorrelator
from correlators.metrics_anomaly import MetricsAnomalyCorrelator
from correlators.request_logs import RequestLogsCorrelator
from lab.spec import Scenario
from stack.settings import ELASTICSEARCH_URL, PROMETHEUS_URL
from correlators.alerts import FLAP_GAP
from tests.e2e.conftest import LoadedScenario, isolated_scenario, skip_unless_same_prometheus
from triage.knowledge import builtin_knowledge
from triage.models import Evidence, Ticket
from triage.understand import Case, ticket_evidence, understand
from worker.enrich import enrich_batch

VOCABULARY = builtin_knowledge().vocabulary  # the built-in one, as when no team file is set

OUTAGE_REGION, TOKEN_REGION = "cn-east-1", "cn-north-1"
# small_lab_scenario's outage, relative to the end of the loaded range
OUTAGE = (timedelta(minutes=-30), timedelta(minutes=-8))


@pytest.fixture(scope="module")
def scenario(local_stack, es, small_lab_scenario) -> Iterator[LoadedScenario]:
    unique = uuid.uuid4().hex[:8]
    service = f"live-{unique}"
    spec = Scenario.model_validate(small_lab_scenario(service, name="correlators-live", token_tickets=2))
    with isolated_scenario(es, spec, f"corr-it-{unique}-logs-*", unique, "correlators-live") as loaded:
        yield loaded


@pytest.fixture(autouse=True)
def same_prometheus(scenario):
    skip_unless_same_prometheus(scenario)


@pytest.fixture(scope="module")
def backends(local_stack):
    retry = RetryPolicy(attempts=3, max_wait_s=1.0)
    client = connect(ELASTICSEARCH_URL, timeout_s=30)
    prometheus = PrometheusBackend(PROMETHEUS_URL, 30.0, retry)
    yield ElasticsearchBackend(client, retry), prometheus
    prometheus.close()
    client.close()


@pytest.fixture(scope="module")
def correlators(backends, scenario):
    """As worker/wiring.py builds them (no Alertmanager), on the test's logs index."""
    elasticsearch, prometheus = backends
    return {
        "request_logs": RequestLogsCorrelator(elasticsearch, scenario.logs_index),
        "metrics_anomaly": MetricsAnomalyCorrelator(prometheus),
        "alerts": AlertsCorrelator(prometheus),
        "blast_radius": BlastRadiusCorrelator(elasticsearch, scenario.logs_index),
        "knowledge_base": KnowledgeBaseCorrelator(),
    }


def run_until(correlators: dict, last: str, tickets: Sequence[Ticket]) -> tuple[list[Case], list[Evidence]]:
    """Cases for the tickets with every correlator up to `last` run (in the worker's order); returns
    the cases and the evidence of `last`."""
    cases = [understand(ticket, VOCABULARY) for ticket in tickets]
    for case in cases:
        case.evidence.append(ticket_evidence(case))
    found: list[Evidence] = []
    for name, correlator in correlators.items():
        found = correlator.correlate(cases)
        assert len(found) == len(cases)
        for case, evidence in zip(cases, found):
            assert evidence.source == name
            case.evidence.append(evidence)
        if name == last:
            return cases, found
    raise AssertionError(f"no correlator {last}")


def service_of(scenario: LoadedScenario) -> str:
    (service,) = scenario.services
    return service


def tickets_of(scenario: LoadedScenario, event: str) -> list[Ticket]:
    truth = scenario.truth
    tickets = [Ticket.model_validate_json(_json(t)) for t in scenario.tickets if truth[t["ticket_id"]].event == event]
    assert tickets, f"the scenario has no ticket for {event}"
    return tickets


def _json(ticket: dict) -> str:
    return orjson.dumps(ticket).decode()


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def between(moment: datetime, start: datetime, end: datetime) -> bool:
    return start <= moment <= end


def asking(ticket: Ticket, variant: str, **fields) -> Ticket:
    """The same ticket with some fields changed (e.g. naming another service/region or time), under
    an id of its own: correlators key their per-ticket work by ticket_id."""
    return Ticket.model_validate_json(_json({**ticket.model_dump(mode="json"), **fields, "ticket_id": f"{ticket.ticket_id}-{variant}"}))


# --- request logs ------------------------------------------------------------------------------

def test_request_logs_find_the_customers_failures_and_the_named_request(scenario, correlators, es):
    service = service_of(scenario)
    outage_start, outage_end = (scenario.at(offset) for offset in OUTAGE)
    ticket = tickets_of(scenario, "outage")[0]
    # One of the customer's own failing requests during the outage, quoted by id in the ticket.
    hit = es.search(index=scenario.logs_index, size=1, sort=[{"@timestamp": "asc"}], query={"bool": {"filter": [
        {"term": {"customer_id": ticket.customer_id}}, {"term": {"status": 503}},
        {"range": {"@timestamp": {"gte": outage_start.isoformat(), "lt": outage_end.isoformat()}}},
    ]}})["hits"]["hits"][0]["_source"]
    quoting = asking(ticket, "quoting", request_ids=[hit["request_id"]])

    (case,), (evidence,) = run_until(correlators, "request_logs", [quoting])
    facts = evidence.facts
    assert evidence.available and f"GET {scenario.logs_index}/_search" in evidence.query
    assert facts["customer_requests"] > 100
    assert facts["customer_5xx"] >= 20 and facts["server_error_share"] > 0.8  # its failures are the outage's 5xx
    assert facts["top_service"] == service and facts["top_region"] == OUTAGE_REGION
    assert facts["top_error_code"] in {"ServiceUnavailable", "InternalError"}
    assert facts["customer_scopes"][0]["server_errors"] > 0
    assert facts["named_request_ids"] == facts["named_request_ids_found"] == 1
    assert facts["named_request_ids_5xx"] == 1 and facts["named_request_codes"] == ["ServiceUnavailable"]
    named = [sample for sample in evidence.samples if sample.get("named_in_ticket")]
    assert [sample["request_id"] for sample in named] == [hit["request_id"]]
    assert case.window.start <= parse(hit["@timestamp"]) < case.window.end


def test_request_logs_show_the_expired_token_as_client_errors(scenario, correlators):
    tickets = tickets_of(scenario, "token")
    _, found = run_until(correlators, "request_logs", tickets)
    for evidence in found:
        assert evidence.facts["top_error_code"] == "ExpiredToken"
        assert evidence.facts["customer_4xx"] > 0 and evidence.facts["error_codes"]["ExpiredToken"] > 0
        assert evidence.facts["top_region"] == TOKEN_REGION


# --- metrics anomaly -----------------------------------------------------------------------------

def test_metrics_anomaly_scores_the_faulted_scope_high_and_the_others_near_zero(scenario, correlators):
    service = service_of(scenario)
    outage_start, outage_end = (scenario.at(offset) for offset in OUTAGE)
    ticket = tickets_of(scenario, "outage")[0]
    during = outage_start + timedelta(minutes=12)
    tickets = [
        ticket,  # the outage ticket as filed
        asking(ticket, "named", service=service, region=OUTAGE_REGION, created_at=during.isoformat()),
        # No error quoted (a quoted error would take the scope to where the customer got it), and a
        # customer without requests: one whose requests all went to the outage region would be
        # judged there, not where the ticket names (triage/case.py, Case.scope).
        asking(ticket, "other-region", service=service, region=TOKEN_REGION, created_at=during.isoformat(),
               customer_id="nobody-sends",
               subject="Requests failing", body="Our requests fail, please check."),
        asking(ticket, "before", service=service, region=OUTAGE_REGION, created_at=(outage_start - timedelta(minutes=8)).isoformat()),
    ]
    _, found = run_until(correlators, "metrics_anomaly", tickets)
    filed, named, other_region, before = (evidence.facts for evidence in found)
    print(f"\n[correlators-live] error_score: filed {filed.get('error_score')}, named {named.get('error_score')}, "
          f"{TOKEN_REGION} {other_region.get('error_score')}, before the outage {before.get('error_score')}")
    for facts in (filed, named):
        assert (facts["metrics_service"], facts["metrics_region"]) == (service, OUTAGE_REGION)
        # The window reaches back before the outage (the customers' background 4xx set its start): diluted.
        assert facts["platform_error_ratio"] > 0.1 and facts["baseline_error_ratio"] < 0.05
        assert facts["error_score"] > 20
    assert (other_region["metrics_service"], other_region["metrics_region"]) == (service, TOKEN_REGION)
    assert other_region["platform_error_ratio"] < 0.05 and abs(other_region["error_score"]) < 4
    assert before["platform_error_ratio"] < 0.05 and abs(before["error_score"]) < 4


# --- alerts ----------------------------------------------------------------------------------------

def test_alerts_find_the_backfilled_alert_active_during_the_outage(scenario, correlators):
    service = service_of(scenario)
    outage_start, outage_end = (scenario.at(offset) for offset in OUTAGE)
    outage = tickets_of(scenario, "outage")
    token = tickets_of(scenario, "token")
    _, found = run_until(correlators, "alerts", outage + token)
    for evidence in found[:len(outage)]:
        facts = evidence.facts
        assert facts["incident_alert_name"] == "HighErrorRatio", evidence.summary
        assert f'service="{service}"' in facts["incident_alert"] and f'region="{OUTAGE_REGION}"' in facts["incident_alert"]
        assert between(parse(facts["incident_alert_active_at"]), outage_start, outage_end)
        assert facts["incident_alert_symptom"] == "errors" and facts["error_alerts"] >= 1
    active_at = {evidence.facts["incident_alert_active_at"] for evidence in found[:len(outage)]}
    assert len(active_at) == 1  # one episode: one incident
    for evidence in found[len(outage):]:
        assert evidence.facts["alerts_active"] == 0, evidence.summary

    # The same activeAt is what the backfill wrote to Prometheus.
    (value,) = active_at
    response = httpx.get(f"{PROMETHEUS_URL}/api/v1/query", timeout=30, params={
        "query": f'ALERTS_FOR_STATE{{alertname="HighErrorRatio",service="{service}",region="{OUTAGE_REGION}"}}',
        "time": (outage_start + timedelta(minutes=10)).timestamp()})
    (series,) = response.json()["data"]["result"]
    assert datetime.fromtimestamp(float(series["value"][1]), timezone.utc) == parse(value)


# --- blast radius --------------------------------------------------------------------------------

def test_blast_radius_counts_the_customers_with_5xx(scenario, correlators):
    service = service_of(scenario)
    outage = tickets_of(scenario, "outage")
    token = tickets_of(scenario, "token")
    _, found = run_until(correlators, "blast_radius", outage + token)
    for evidence in found[:len(outage)]:
        facts = evidence.facts
        assert (facts["blast_service"], facts["blast_region"]) == (service, OUTAGE_REGION)
        assert facts["customers_active"] == 8 and facts["customers_with_5xx"] >= 6
        assert facts["other_customers_with_5xx"] >= 5
        # The window starts before the outage when the ticket came early: the share is diluted, not small.
        # (A ticket whose time hint reaches back before the loaded range has no baseline share.) The hour
        # before ends on the quarter hour at or before the window's last 15 minutes, so depending on the
        # clock it can hold the outage's first minutes: the share stands out, whatever the baseline.
        baseline = facts.get("baseline_5xx_share", 0.0)
        assert facts["scope_5xx_share"] > max(0.05, 5 * baseline), evidence.summary
    for evidence in found[len(outage):]:
        assert (evidence.facts["blast_region"], evidence.facts["customers_active"]) == (TOKEN_REGION, 1)
        assert evidence.facts["customers_with_5xx"] <= 1


# --- the whole batch -------------------------------------------------------------------------------

def test_enrich_batch_puts_the_outage_tickets_in_one_platform_incident(scenario, correlators):
    tickets = [Ticket.model_validate_json(_json(ticket)) for ticket in scenario.tickets]
    truth = scenario.truth
    started = time.monotonic()
    result = enrich_batch(tickets, list(correlators.values()), datetime.now(timezone.utc), "it-correlators")
    print(f"\n[correlators-live] enrich_batch: {len(tickets)} tickets in {time.monotonic() - started:.2f} s")
    by_id = {item.ticket_id: item for item in result.tickets}
    outage = [by_id[t.ticket_id] for t in tickets if truth[t.ticket_id].event == "outage"]
    token = [by_id[t.ticket_id] for t in tickets if truth[t.ticket_id].event == "token"]
    assert len(outage) >= 5 and token
    for item in outage:
        assert item.verdict.label == "platform_incident", (item.ticket_id, item.verdict.rule, item.verdict.reasons)
    assert len({item.incident_id for item in outage}) == 1 and outage[0].incident_id
    assert outage[0].incident_id.startswith(f"inc-{OUTAGE_REGION}-")
    for item in token:
        assert item.verdict.label == "usage_error" and item.verdict.error_code == "ExpiredToken", item.verdict
        assert item.incident_id is None
    sightings = {sighting.ticket_id: sighting for sighting in result.sightings}
    assert set(sightings) == {item.ticket_id for item in outage}
    assert {sighting.incident_id for sighting in sightings.values()} == {outage[0].incident_id}
    outage_start, outage_end = (scenario.at(offset) for offset in OUTAGE)
    for sighting in sightings.values():
        # The onset is the earliest of a chain of same-rule alerts in the region (a shared cause):
        # other tests' services (and earlier runs of this one) share this Prometheus and region, and
        # each step of such a chain may start up to SAME_ONSET_S earlier: allow a few (FLAP_GAP).
        assert between(sighting.fault_start, outage_start - FLAP_GAP, outage_end)
        assert sighting.status == "resolved" and sighting.fault_end is not None and sighting.fault_end <= outage_end + timedelta(minutes=3)
    assert len({sighting.fault_start for sighting in sightings.values()}) == 1  # one onset for the incident
