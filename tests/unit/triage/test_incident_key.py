"""Which incident a ticket belongs to: a deterministic id from the typed findings (triage/incidents.py),
on hand-made findings and on chains recorded from the real stack (tests/unit/correlators/recorded/).

(Named test_incident_key.py: tests/unit/worker/test_incidents.py tests the incident store.)"""

import re
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from tests.unit.fakes import Recording
from triage.case import Case
from triage.findings import AlertFinding, BlastFinding, CustomerActivity, MetricsFinding, ScopeActivity
from triage.incidents import incident_id, incident_key, related_incident_id, sighting
from triage.models import Ticket, TicketReading, TimeWindow, Verdict

UTC = timezone.utc
PLATFORM = Verdict(label="platform_incident", confidence=0.9, rule="r", reasons=["x"])
USAGE = Verdict(label="usage_error", confidence=0.9, rule="r", reasons=["x"])
INCONCLUSIVE = Verdict(label="inconclusive", confidence=0.5, rule="r", reasons=["x"])


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, second, tzinfo=UTC)


def chain(name: str, position: int = 0) -> Case:
    """The recording's case number `position`, after every correlator (dependency_batch: 0 auth, 1 image-processing)."""
    return Recording(name).run()[position]


def handed(case: Case, **changes) -> Case:
    """A copy of the case with some handoffs changed (alert=None: no alert found)."""
    return replace(case, evidence=list(case.evidence), _derived={}, **changes)


def with_alert(case: Case, **changes) -> Case:
    return handed(case, alert=replace(case.alert, **changes))


def with_first_failure(case: Case, moment: datetime) -> Case:
    """The customer's failures on every place starting at `moment`."""
    activity = case.activity
    scopes = [replace(item, first_failure=moment) if item.first_failure else item for item in activity.scopes]
    return handed(case, activity=replace(activity, scopes=scopes))


# --- on hand-made findings ---------------------------------------------------------------------------

ALERT = AlertFinding(name="HighErrorRatio", fingerprint='HighErrorRatio{region="cn-east-1",service="object-storage"}',
                     symptom="errors", active_at=at(16, 12, 26), fault_alert="HighErrorRatio", onset=at(16, 12, 26),
                     last_seen=at(16, 18, 30), ongoing=True, as_of=at(16, 18))


def made(service: str = "object-storage", region: str = "cn-east-1", alert: AlertFinding | None = ALERT,
         first_failure: datetime | None = at(15, 46, 13), customer: str = "big-video") -> Case:
    """A platform ticket as the correlators leave it: its place, the metrics, the alert and the blast radius."""
    ticket = Ticket(ticket_id=f"T-{customer}", customer_id=customer, created_at=at(16, 16, 9), subject="s", body="b")
    window = TimeWindow(start=at(15, 46), end=at(16, 18))
    case = Case(ticket=ticket, reading=TicketReading(service=service, region=region), window=window,
                baseline=TimeWindow(start=at(14, 46), end=at(15, 46)))
    case.activity = CustomerActivity(requests=100, scopes=[ScopeActivity(
        service=service, region=region, requests=100, failures=20 if first_failure else 0, server_errors=20 if first_failure else 0,
        error_codes={"ServiceUnavailable": 20} if first_failure else {},
        error_code_statuses={"ServiceUnavailable": 503} if first_failure else {},
        first_failure=first_failure, last_failure=at(16, 17, 58) if first_failure else None)])
    case.metrics = MetricsFinding(scope=(service, region), window=window, error_ratio=0.11467, baseline_error_ratio=0.00275,
                                  p99_s=0.2427)
    case.alert = alert
    case.blast = BlastFinding(customers_active=880, customers_with_5xx=788)
    return case


def test_the_same_findings_give_the_same_id_in_separately_built_cases():
    first, second = made(), made()
    assert first is not second
    assert incident_key(first) == incident_key(second) == ("*", "cn-east-1", "HighErrorRatio", at(16, 12, 26))
    assert re.fullmatch(r"inc-cn-east-1-20261125T1612-[0-9a-f]{12}", incident_id(incident_key(first)))


def test_the_alert_key_leaves_the_service_out_so_a_shared_dependency_is_one_incident():
    auth = made("auth", alert=replace(ALERT, name="HighErrorRatio", fingerprint='HighErrorRatio{region="cn-east-1",service="auth"}'))
    images = made("image-processing", customer="mid-0204",
                  alert=replace(ALERT, active_at=at(16, 13, 30), fingerprint='HighErrorRatio{region="cn-east-1",service="image-processing"}'))
    assert incident_key(auth) == incident_key(images)
    assert sighting(auth, PLATFORM).incident_id == sighting(images, PLATFORM).incident_id
    assert (sighting(auth, PLATFORM).service, sighting(images, PLATFORM).service) == ("auth", "image-processing")


def test_another_fault_alert_or_onset_is_another_incident():
    case = made()
    moved = with_alert(case, onset=at(16, 12, 56))
    assert incident_key(moved)[3] == at(16, 12, 56)
    assert incident_id(incident_key(moved)) != incident_id(incident_key(case))
    renamed = with_alert(case, fault_alert="SlowBurnErrorRatio")
    assert incident_id(incident_key(renamed)) != incident_id(incident_key(case))
    other_region = made(region="cn-north-1")
    assert incident_id(incident_key(other_region)) != incident_id(incident_key(case))


def test_the_key_is_the_faults_first_alert_not_the_tickets_own():
    # the ticket's strongest alert re-fired at 16:13:26; its fault began with a burn-rate alert at 16:05
    case = with_alert(made(), active_at=at(16, 13, 26), fault_alert="SlowBurnErrorRatio", onset=at(16, 5))
    assert incident_key(case) == ("*", "cn-east-1", "SlowBurnErrorRatio", at(16, 5))
    assert sighting(case, PLATFORM).fault_start == at(16, 5)


def test_without_an_alert_the_key_falls_back_to_the_hour_of_the_first_failure():
    case = made(alert=None)
    assert incident_key(case) == ("object-storage", "cn-east-1", "first-failure-hour", at(15, 0))
    same_hour = with_first_failure(case, at(15, 59))
    earlier_hour = with_first_failure(case, at(14, 59, 59))
    assert incident_id(incident_key(same_hour)) == incident_id(incident_key(case))
    assert incident_id(incident_key(earlier_hour)) != incident_id(incident_key(case))
    assert re.fullmatch(r"inc-cn-east-1-20261125T1500-[0-9a-f]{12}", incident_id(incident_key(case)))


def test_the_fallback_key_is_the_earliest_failure_of_the_customers_places():
    case = made(alert=None)
    other = ScopeActivity(service="cdn", region="cn-east-1", requests=5, failures=1, server_errors=0,
                          error_codes={"NoSuchKey": 1}, error_code_statuses={"NoSuchKey": 404}, first_failure=at(14, 20))
    case = handed(case, activity=replace(case.activity, scopes=[*case.activity.scopes, other]))
    assert incident_key(case)[3] == at(14, 0)


def test_the_fallback_key_keeps_the_service():
    auth, images = made("auth", alert=None), made("image-processing", alert=None)
    assert incident_key(auth)[0] == "auth" and incident_key(images)[0] == "image-processing"
    assert incident_id(incident_key(auth)) != incident_id(incident_key(images))


def test_no_key_without_a_place_or_anything_that_dates_the_fault():
    assert incident_key(made(alert=None, first_failure=None)) is None  # a place, but no alert and no failure
    case = made()
    nowhere = Case(ticket=case.ticket, reading=case.reading.model_copy(update={"service": None, "region": None}),
                   window=case.window, baseline=case.baseline)
    assert nowhere.service is None and incident_key(nowhere) is None


def test_only_platform_tickets_report_a_sighting():
    case = made()
    assert sighting(case, USAGE) is None and sighting(case, INCONCLUSIVE) is None
    assert sighting(made(alert=None, first_failure=None), PLATFORM) is None  # platform, but no key


def test_a_sighting_of_an_open_incident():
    case = made()
    seen = sighting(case, PLATFORM)
    assert seen.incident_id == incident_id(incident_key(case))
    assert (seen.service, seen.region, seen.customer_id, seen.ticket_id) == ("object-storage", "cn-east-1", "big-video", "T-big-video")
    assert (seen.fault_start, seen.status, seen.fault_end) == (at(16, 12, 26), "open", None)
    assert seen.status_as_of == at(16, 18)  # the end of the alert data read
    assert seen.seen_at == at(16, 16, 9)
    assert seen.alerts == ['HighErrorRatio{region="cn-east-1",service="object-storage"}']
    assert seen.figures == {"platform_error_ratio": 0.11467, "baseline_error_ratio": 0.00275, "p99_latency_s": 0.2427,
                            "customers_with_5xx": 788, "customers_active": 880}


def test_the_figures_are_only_those_the_sources_found():
    case = handed(made(), metrics=MetricsFinding(scope=("object-storage", "cn-east-1")), blast=None)
    assert sighting(case, PLATFORM).figures == {}


def test_a_sighting_of_a_resolved_incident_carries_its_end():
    case = with_alert(made(), ongoing=False, last_seen=at(16, 17))
    seen = sighting(case, PLATFORM)
    assert (seen.status, seen.fault_end) == ("resolved", at(16, 17))


def test_without_alerts_the_status_is_judged_as_of_the_window_end():
    case = made(alert=None)
    seen = sighting(case, PLATFORM)
    assert (seen.status, seen.status_as_of, seen.alerts) == ("open", case.window.end, [])


def test_a_usage_error_during_an_outage_points_at_the_outage():
    token = made(customer="small-2208")
    assert related_incident_id(token, USAGE) == sighting(made(), PLATFORM).incident_id


@pytest.mark.parametrize("verdict", [PLATFORM, INCONCLUSIVE])
def test_only_usage_errors_get_a_related_incident(verdict):
    assert related_incident_id(made(), verdict) is None


def test_a_latency_alert_is_not_a_related_incident_for_a_usage_error():
    latency = with_alert(made(), name="LatencyRegression", symptom="latency", fault_alert="LatencyRegression")
    assert related_incident_id(latency, USAGE) is None
    assert related_incident_id(made(alert=None), USAGE) is None  # no alert at all


# --- on the recorded chains ----------------------------------------------------------------------------

def test_recorded_the_same_facts_give_the_same_id_in_separately_built_cases():
    first, second = chain("outage_5xx"), chain("outage_5xx")
    assert first is not second
    assert incident_key(first) == incident_key(second) == (
        "*", "cn-east-1", "HighErrorRatio", datetime(2026, 11, 25, 16, 12, 26, tzinfo=UTC))
    assert incident_id(incident_key(first)) == incident_id(incident_key(second))
    assert re.fullmatch(r"inc-cn-east-1-20261125T1612-[0-9a-f]{12}", incident_id(incident_key(first)))


def test_recorded_the_alert_key_leaves_the_service_out_so_a_shared_dependency_is_one_incident():
    auth = chain("dependency_batch", 0)
    images = chain("dependency_batch", 1)
    assert (auth.service, images.service) == ("auth", "image-processing")
    # the fault's first alert: image-processing's SlowBurnErrorRatio, 15 s before HighErrorRatio fired on both
    assert incident_key(auth) == incident_key(images) == (
        "*", "cn-east-1", "SlowBurnErrorRatio", datetime(2026, 11, 25, 16, 37, 26, tzinfo=UTC))
    assert sighting(auth, PLATFORM).incident_id == sighting(images, PLATFORM).incident_id


def test_recorded_another_outage_in_the_region_is_another_incident():
    # the object-storage outage and the metadata-db failure: same region, same rule, other onsets
    assert incident_id(incident_key(chain("outage_5xx"))) != incident_id(incident_key(chain("dependency_batch")))


def test_recorded_a_different_onset_is_a_different_incident():
    case = chain("outage_5xx")
    moved = with_alert(case, onset=datetime(2026, 11, 25, 16, 12, 56, tzinfo=UTC))
    assert incident_key(moved)[3] == datetime(2026, 11, 25, 16, 12, 56, tzinfo=UTC)
    assert incident_id(incident_key(moved)) != incident_id(incident_key(case))
    renamed = with_alert(case, fault_alert="SlowBurnErrorRatio")
    assert incident_id(incident_key(renamed)) != incident_id(incident_key(case))


def test_recorded_the_key_uses_the_shared_onset_not_the_tickets_own_alert():
    case = with_alert(chain("outage_5xx"), active_at=datetime(2026, 11, 25, 16, 13, 26, tzinfo=UTC))
    assert incident_key(case)[3] == datetime(2026, 11, 25, 16, 12, 26, tzinfo=UTC)


def test_recorded_without_an_alert_the_key_falls_back_to_the_hour_of_the_first_failure():
    case = handed(chain("outage_5xx"), alert=None)
    assert case.fact("first_failure") == "2026-11-25T15:46:13.467000Z"
    assert incident_key(case) == ("object-storage", "cn-east-1", "first-failure-hour", datetime(2026, 11, 25, 15, tzinfo=UTC))
    same_hour = with_first_failure(case, datetime(2026, 11, 25, 15, 59, tzinfo=UTC))
    next_hour = with_first_failure(case, datetime(2026, 11, 25, 14, 59, 59, tzinfo=UTC))
    assert incident_id(incident_key(same_hour)) == incident_id(incident_key(case))
    assert incident_id(incident_key(next_hour)) != incident_id(incident_key(case))
    assert re.fullmatch(r"inc-cn-east-1-20261125T1500-[0-9a-f]{12}", incident_id(incident_key(case)))


def test_recorded_the_fallback_key_keeps_the_service():
    auth = handed(chain("dependency_batch", 0), alert=None)
    images = handed(chain("dependency_batch", 1), alert=None)
    images = with_first_failure(images, min(p.first_failure for p in auth.activity.scopes if p.first_failure))
    assert incident_key(auth)[0] == "auth" and incident_key(images)[0] == "image-processing"
    assert incident_id(incident_key(auth)) != incident_id(incident_key(images))


def test_recorded_no_key_without_a_place_or_anything_that_dates_the_fault():
    assert incident_key(chain("no_traffic")) is None  # a place, but no alert and no failure
    case = chain("outage_5xx")
    nowhere = Case(ticket=case.ticket, reading=case.reading.model_copy(update={"service": None, "region": None}),
                   window=case.window, baseline=case.baseline, evidence=[case.evidence[0]])
    assert nowhere.service is None and incident_key(nowhere) is None


def test_recorded_only_platform_tickets_report_a_sighting():
    case = chain("outage_5xx")
    assert sighting(case, USAGE) is None and sighting(case, INCONCLUSIVE) is None
    assert sighting(chain("no_traffic"), PLATFORM) is None  # platform, but no key


def test_recorded_a_sighting_of_an_open_incident():
    case = chain("outage_5xx")
    seen = sighting(case, PLATFORM)
    assert seen.incident_id == incident_id(incident_key(case))
    assert (seen.service, seen.region, seen.customer_id) == ("object-storage", "cn-east-1", "big-video")
    assert seen.ticket_id == case.ticket.ticket_id
    assert seen.fault_start == datetime(2026, 11, 25, 16, 12, 26, tzinfo=UTC)
    assert (seen.status, seen.fault_end) == ("open", None)
    assert seen.status_as_of == datetime(2026, 11, 25, 16, 18, tzinfo=UTC)  # the end of the alert data read
    assert seen.seen_at == datetime(2026, 11, 25, 16, 16, 9, tzinfo=UTC)  # created 00:16:09+08:00
    assert seen.alerts == ['HighErrorRatio{region="cn-east-1",service="object-storage"}']
    assert seen.figures == {"platform_error_ratio": 0.11467, "baseline_error_ratio": 0.00275, "p99_latency_s": 0.2427,
                            "customers_with_5xx": 784, "customers_active": 874}


def test_recorded_a_sighting_of_a_resolved_incident_carries_its_end():
    case = with_alert(chain("outage_5xx"), ongoing=False, last_seen=datetime(2026, 11, 25, 16, 17, tzinfo=UTC))
    seen = sighting(case, PLATFORM)
    assert (seen.status, seen.fault_end) == ("resolved", datetime(2026, 11, 25, 16, 17, tzinfo=UTC))


def test_recorded_without_alerts_the_status_is_judged_as_of_the_window_end():
    case = handed(chain("outage_5xx"), alert=None)
    seen = sighting(case, PLATFORM)
    assert (seen.status, seen.status_as_of, seen.alerts) == ("open", case.window.end, [])


def test_recorded_a_usage_error_during_an_outage_points_at_the_outage():
    token = chain("expired_token_in_outage")
    outage = chain("outage_5xx")
    assert token.alert.symptom == "errors"
    assert related_incident_id(token, USAGE) == sighting(outage, PLATFORM).incident_id


@pytest.mark.parametrize("verdict", [PLATFORM, INCONCLUSIVE])
def test_recorded_only_usage_errors_get_a_related_incident(verdict):
    assert related_incident_id(chain("expired_token_in_outage"), verdict) is None


def test_recorded_a_latency_alert_is_not_a_related_incident_for_a_usage_error():
    latency = chain("latency")
    assert latency.alert.symptom == "latency"
    assert related_incident_id(latency, USAGE) is None
    assert related_incident_id(chain("traffic_vanished"), USAGE) is None  # no alert at all


def test_incident_ids_are_a_pure_function_of_the_key():
    key = ("*", "cn-east-1", "HighErrorRatio", datetime(2026, 11, 25, 15, 26, 16, tzinfo=UTC))
    assert incident_id(key) == incident_id(tuple(key))
    assert incident_id(key) != incident_id(("*", "cn-north-1", "HighErrorRatio", key[3]))
    assert incident_id(key) != incident_id(("object-storage", "cn-east-1", "HighErrorRatio", key[3]))
