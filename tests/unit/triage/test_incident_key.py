"""Which incident a ticket belongs to: a deterministic id from the evidence (triage/incidents.py), on
chains recorded from the real stack (tests/unit/correlators/recorded/).

(Named test_incident_key.py: tests/unit/worker/test_incidents.py tests the incident store.)"""

import re
from datetime import datetime, timezone

import pytest

from tests.unit.fakes import Recording
from triage.incidents import incident_id, incident_key, related_incident_id, sighting
from triage.models import Verdict
from triage.understand import Case

UTC = timezone.utc
PLATFORM = Verdict(label="platform_incident", confidence=0.9, rule="r", reasons=["x"])
USAGE = Verdict(label="usage_error", confidence=0.9, rule="r", reasons=["x"])
INCONCLUSIVE = Verdict(label="inconclusive", confidence=0.5, rule="r", reasons=["x"])


def chain(name: str, position: int = 0) -> Case:
    """The recording's case number `position`, after every correlator (dependency_batch: 0 auth, 1 image-processing)."""
    return Recording(name).run()[position]


def with_facts(case: Case, source: str, **changes) -> Case:
    """The same case with one source's facts changed (None removes a fact)."""
    evidence = []
    for item in case.evidence:
        if item.source == source:
            facts = {**item.facts, **changes}
            item = item.model_copy(update={"facts": {key: value for key, value in facts.items() if value is not None}})
        evidence.append(item)
    return Case(ticket=case.ticket, reading=case.reading, window=case.window, baseline=case.baseline, evidence=evidence)


def without(case: Case, source: str) -> Case:
    return Case(ticket=case.ticket, reading=case.reading, window=case.window, baseline=case.baseline,
                evidence=[item for item in case.evidence if item.source != source])


def test_the_same_facts_give_the_same_id_in_separately_built_cases():
    first, second = chain("outage_5xx"), chain("outage_5xx")
    assert first is not second
    assert incident_key(first) == incident_key(second) == (
        "*", "cn-east-1", "HighErrorRatio", datetime(2026, 11, 25, 16, 12, 26, tzinfo=UTC))
    assert incident_id(incident_key(first)) == incident_id(incident_key(second))
    assert re.fullmatch(r"inc-cn-east-1-20261125T1612-[0-9a-f]{12}", incident_id(incident_key(first)))


def test_the_alert_key_leaves_the_service_out_so_a_shared_dependency_is_one_incident():
    auth = chain("dependency_batch", 0)
    images = chain("dependency_batch", 1)
    assert (auth.service, images.service) == ("auth", "image-processing")
    assert incident_key(auth) == incident_key(images) == ("*", "cn-east-1", "HighErrorRatio", datetime(2026, 11, 25, 16, 37, 41, tzinfo=UTC))
    assert sighting(auth, PLATFORM).incident_id == sighting(images, PLATFORM).incident_id


def test_another_outage_in_the_region_is_another_incident():
    # the object-storage outage and the metadata-db failure: same region, same rule, other onsets
    assert incident_id(incident_key(chain("outage_5xx"))) != incident_id(incident_key(chain("dependency_batch")))


def test_a_different_onset_is_a_different_incident():
    case = chain("outage_5xx")
    moved = with_facts(case, "alerts", incident_onset="2026-11-25T16:12:56Z")
    assert incident_key(moved)[3] == datetime(2026, 11, 25, 16, 12, 56, tzinfo=UTC)
    assert incident_id(incident_key(moved)) != incident_id(incident_key(case))
    renamed = with_facts(case, "alerts", incident_alert_name="SlowBurnErrorRatio")
    assert incident_id(incident_key(renamed)) != incident_id(incident_key(case))


def test_the_key_uses_the_shared_onset_not_the_tickets_own_alert():
    case = with_facts(chain("outage_5xx"), "alerts", incident_alert_active_at="2026-11-25T16:13:26Z")
    assert incident_key(case)[3] == datetime(2026, 11, 25, 16, 12, 26, tzinfo=UTC)


def test_without_an_alert_the_key_falls_back_to_the_hour_of_the_first_failure():
    case = without(chain("outage_5xx"), "alerts")
    assert case.fact("first_failure") == "2026-11-25T15:46:13.467Z"
    assert incident_key(case) == ("object-storage", "cn-east-1", "first-failure-hour", datetime(2026, 11, 25, 15, tzinfo=UTC))
    same_hour = with_facts(case, "request_logs", first_failure="2026-11-25T15:59:00Z")
    next_hour = with_facts(case, "request_logs", first_failure="2026-11-25T14:59:59Z")
    assert incident_id(incident_key(same_hour)) == incident_id(incident_key(case))
    assert incident_id(incident_key(next_hour)) != incident_id(incident_key(case))
    assert re.fullmatch(r"inc-cn-east-1-20261125T1500-[0-9a-f]{12}", incident_id(incident_key(case)))


def test_the_fallback_key_keeps_the_service():
    auth = without(chain("dependency_batch", 0), "alerts")
    images = without(chain("dependency_batch", 1), "alerts")
    images = with_facts(images, "request_logs", first_failure=auth.fact("first_failure"))
    assert incident_key(auth)[0] == "auth" and incident_key(images)[0] == "image-processing"
    assert incident_id(incident_key(auth)) != incident_id(incident_key(images))


def test_no_key_without_a_place_or_anything_that_dates_the_fault():
    assert incident_key(chain("no_traffic")) is None  # a place, but no alert and no failure
    case = chain("outage_5xx")
    nowhere = Case(ticket=case.ticket, reading=case.reading.model_copy(update={"service": None, "region": None}),
                   window=case.window, baseline=case.baseline, evidence=[case.evidence[0]])
    assert nowhere.service is None and incident_key(nowhere) is None


def test_only_platform_tickets_report_a_sighting():
    case = chain("outage_5xx")
    assert sighting(case, USAGE) is None and sighting(case, INCONCLUSIVE) is None
    assert sighting(chain("no_traffic"), PLATFORM) is None  # platform, but no key


def test_a_sighting_of_an_open_incident():
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
                            "customers_with_5xx": 788, "customers_active": 880}


def test_a_sighting_of_a_resolved_incident_carries_its_end():
    case = with_facts(chain("outage_5xx"), "alerts", incident_alert_ongoing=0, incident_alert_last_seen="2026-11-25T16:17:00Z")
    seen = sighting(case, PLATFORM)
    assert (seen.status, seen.fault_end) == ("resolved", datetime(2026, 11, 25, 16, 17, tzinfo=UTC))


def test_without_alerts_the_status_is_judged_as_of_the_window_end():
    case = without(chain("outage_5xx"), "alerts")
    seen = sighting(case, PLATFORM)
    assert (seen.status, seen.status_as_of, seen.alerts) == ("open", case.window.end, [])


def test_a_usage_error_during_an_outage_points_at_the_outage():
    token = chain("expired_token_in_outage")
    outage = chain("outage_5xx")
    assert token.fact("incident_alert_symptom") == "errors"
    assert related_incident_id(token, USAGE) == sighting(outage, PLATFORM).incident_id


@pytest.mark.parametrize("verdict", [PLATFORM, INCONCLUSIVE])
def test_only_usage_errors_get_a_related_incident(verdict):
    assert related_incident_id(chain("expired_token_in_outage"), verdict) is None


def test_a_latency_alert_is_not_a_related_incident_for_a_usage_error():
    latency = chain("latency")
    assert latency.fact("incident_alert_symptom") == "latency"
    assert related_incident_id(latency, USAGE) is None
    assert related_incident_id(chain("traffic_vanished"), USAGE) is None  # no alert at all


def test_incident_ids_are_a_pure_function_of_the_key():
    key = ("*", "cn-east-1", "HighErrorRatio", datetime(2026, 11, 25, 15, 26, 16, tzinfo=UTC))
    assert incident_id(key) == incident_id(tuple(key))
    assert incident_id(key) != incident_id(("*", "cn-north-1", "HighErrorRatio", key[3]))
    assert incident_id(key) != incident_id(("object-storage", "cn-east-1", "HighErrorRatio", key[3]))
