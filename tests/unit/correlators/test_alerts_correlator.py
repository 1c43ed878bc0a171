"""The alerts correlator on Prometheus's own ALERTS_FOR_STATE answers (tests/unit/correlators/recorded/),
and its pure parts: episodes, matching, the strongest episode.

(Named test_alerts_correlator.py: tests/unit/lab/test_alerts.py already has the basename test_alerts.py.)"""

from datetime import datetime, timedelta, timezone

import pytest

from correlators.alerts import (
    CHAIN_LOOKBACK, FLAP_GAP, LEAD, SAME_ONSET_S, STEP_S, AlertmanagerClient, AlertsCorrelator, Episode, Labels,
    alertmanager_episodes, fault_starts, matching, to_episodes,
)
from correlators.alerts import strongest as strongest_of
from tests.unit.fakes import FakePrometheus, Recording, prometheus_rows
from triage.case import Case
from triage.knowledge import AlertCatalog, builtin_knowledge
from triage.models import Evidence, Ticket, TicketReading, TimeWindow
from triage.schema import MetricsSchema

UTC = timezone.utc
CATALOG = builtin_knowledge().alerts


def strongest(case, episodes, catalog=CATALOG):
    return strongest_of(case, episodes, catalog)


def fault_of(top: Episode, episodes: list[Episode]) -> tuple[str, float]:
    """(the first alert's name, its activeAt) of the fault `top` belongs to, among `episodes`."""
    return fault_starts(episodes, Labels("service", "region"))[id(top)]


def onset_of(top: Episode, episodes: list[Episode]) -> float:
    return fault_of(top, episodes)[1]


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, second, tzinfo=UTC)


def stamp(hour: int, minute: int, second: int = 0) -> float:
    return at(hour, minute, second).timestamp()


def alerts_run(name: str):
    recording = Recording(name)
    cases = recording.run("metrics_anomaly")
    prometheus = recording.prometheus("alerts")
    return cases, prometheus, AlertsCorrelator(prometheus).correlate(cases)


def recorded_episodes(name: str) -> list[Episode]:
    return to_episodes(prometheus_rows(Recording(name).calls("alerts")[0]["response"]), CATALOG)


# --- what is sent ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["outage_5xx", "expired_token_in_outage", "traffic_vanished", "latency", "dependency_batch"])
def test_one_range_query_per_batch_for_its_regions(name):
    recording = Recording(name)
    cases, prometheus, _ = alerts_run(name)
    [call] = recording.calls("alerts")
    [(query, start, end, step)] = prometheus.range_queries
    assert (query, start.isoformat().replace("+00:00", "Z"), end.isoformat().replace("+00:00", "Z"), step) == (
        call["query"], call["start"], call["end"], call["step"])
    regions = sorted({case.region for case in cases})
    assert query == 'ALERTS_FOR_STATE{region=~"' + "|".join(regions) + '"}'
    # from LEAD (and the chain's look-back) before the earliest fault window (on the 30 s grid) to one step past the latest end
    assert start == min(case.fault_window.start for case in cases) - LEAD - CHAIN_LOOKBACK
    assert end == max(case.fault_window.end for case in cases) + timedelta(seconds=STEP_S)
    assert step == STEP_S


def test_no_region_sends_nothing():
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=at(10, 20), subject="s", body="b")
    window = TimeWindow(start=at(9, 50), end=at(10, 22))
    prometheus = FakePrometheus()
    [evidence] = AlertsCorrelator(prometheus).correlate([Case(ticket=ticket, reading=TicketReading(), window=window, baseline=window)])
    assert evidence.summary == "no region known for this ticket" and prometheus.range_queries == []


# --- what it finds ------------------------------------------------------------------------------------

def test_outage_alert_names_the_incident():
    [case], _, [evidence] = alerts_run("outage_5xx")
    facts = evidence.facts
    assert (facts["alert_service"], facts["alert_region"]) == ("object-storage", "cn-east-1")
    assert (facts["alerts_active"], facts["error_alerts"], facts["latency_alerts"]) == (6, 6, 0)
    assert facts["alert_names"] == ["HighErrorRatio", "NodeErrorRatio", "SlowBurnErrorRatio"]
    assert facts["incident_alert"] == 'HighErrorRatio{region="cn-east-1",service="object-storage"}'
    assert (facts["incident_alert_name"], facts["incident_alert_symptom"]) == ("HighErrorRatio", "errors")
    assert facts["incident_alert_active_at"] == facts["incident_onset"] == "2026-11-25T16:12:26Z"
    # still firing at the end of the data read (16:18, the fault window's end): open as of then
    assert (facts["incident_alert_last_seen"], facts["incident_alert_ongoing"], facts["alerts_as_of"]) == (
        "2026-11-25T16:18:30Z", 1, "2026-11-25T16:18:00Z")
    assert {sample["alert"] for sample in evidence.samples} >= {facts["incident_alert"]}
    assert all(sample["source"] == "prometheus" for sample in evidence.samples)
    assert evidence.summary.startswith("6 alert(s) active: HighErrorRatio{region=\"cn-east-1\",service=\"object-storage\"} since 2026-11-25T16:12:26Z")


def test_an_alert_elsewhere_in_the_region_does_not_match():
    # the outage's region also has image-processing's flapping latency alert: another service, not counted
    episodes = recorded_episodes("outage_5xx")
    assert any(e.labels.get("service") == "image-processing" for e in episodes)
    [case], _, [evidence] = alerts_run("outage_5xx")
    assert all("image-processing" not in sample["alert"] for sample in evidence.samples)
    assert len(matching(case, episodes)) == 6


def test_no_alert_where_nothing_is_wrong():
    [case], _, [evidence] = alerts_run("traffic_vanished")
    assert evidence.summary == "no alert on cdn/cn-east-1 in the window"
    assert evidence.facts == {"alert_service": "cdn", "alert_region": "cn-east-1", "alerts_active": 0,
                              "error_alerts": 0, "latency_alerts": 0}


def test_a_latency_degradation_is_named_by_its_latency_alert():
    [case], _, [evidence] = alerts_run("latency")
    facts = evidence.facts
    assert (facts["alerts_active"], facts["error_alerts"], facts["latency_alerts"]) == (1, 0, 1)
    assert facts["incident_alert"] == 'LatencyRegression{region="ap-southeast-1",service="cdn"}'
    assert (facts["incident_alert_symptom"], facts["incident_alert_active_at"]) == ("latency", "2026-11-25T16:47:41Z")


def test_a_shared_dependency_fires_the_same_rule_at_the_same_moment_on_both_services():
    cases, prometheus, (auth, images) = alerts_run("dependency_batch")
    assert len(prometheus.range_queries) == 1  # one query for the batch
    assert (auth.facts["incident_alert"], images.facts["incident_alert"]) == (
        'HighErrorRatio{region="cn-east-1",service="auth"}', 'HighErrorRatio{region="cn-east-1",service="image-processing"}')
    assert auth.facts["incident_alert_active_at"] == images.facts["incident_alert_active_at"] == "2026-11-25T16:37:41Z"
    assert (auth.facts["alerts_active"], auth.facts["error_alerts"], auth.facts["latency_alerts"]) == (5, 4, 1)
    # image-processing also has its flapping latency alert: six episodes of it overlap the window; errors still win
    assert (images.facts["alerts_active"], images.facts["error_alerts"], images.facts["latency_alerts"]) == (12, 5, 7)
    assert images.facts["alert_names"] == ["HighErrorRatio", "HighLatencyP99", "LatencyRegression", "NodeErrorRatio",
                                           "SlowBurnErrorRatio"]
    # One fault: HighErrorRatio became active on both at 16:37:41, near the starts of both services' error alerts.
    # It starts with the first of them, image-processing's SlowBurnErrorRatio 15 s earlier (16:37:26); auth's first
    # is its HighErrorRatio. The latency flap (HighLatencyP99 since 14:32:41 in the six hours read) dates neither.
    assert auth.facts["incident_onset"] == images.facts["incident_onset"] == "2026-11-25T16:37:26Z"
    assert auth.facts["incident_first_alert"] == images.facts["incident_first_alert"] == "SlowBurnErrorRatio"


def test_a_usage_error_during_the_outage_sees_the_outage_alert_too():
    [case], _, [evidence] = alerts_run("expired_token_in_outage")
    assert evidence.facts["incident_alert"] == 'HighErrorRatio{region="cn-east-1",service="object-storage"}'
    assert evidence.facts["incident_alert_active_at"] == "2026-11-25T16:12:26Z"


# --- episodes -------------------------------------------------------------------------------------------

def test_a_re_fired_alert_is_a_new_episode():
    episodes = [e for e in recorded_episodes("dependency_batch")
                if e.name == "HighLatencyP99" and e.labels["service"] == "image-processing"]
    # one series, ten values of activeAt over the six hours read (the data begins at 14:32): ten episodes,
    # each seen from its first to its last step
    assert [datetime.fromtimestamp(e.active_at, UTC).strftime("%H:%M:%S") for e in sorted(episodes, key=lambda e: e.active_at)] == [
        "14:32:41", "14:44:41", "15:12:41", "15:46:56", "16:03:56", "16:26:26", "16:29:11", "16:31:41", "16:33:56", "16:37:11"]
    refired = next(e for e in episodes if e.active_at == stamp(16, 26, 26))
    assert (refired.first_seen, refired.last_seen) == (stamp(16, 26, 30), stamp(16, 28))
    assert all(e.first_seen >= e.active_at for e in episodes)


def test_episodes_from_all_recorded_series():
    episodes = recorded_episodes("dependency_batch")
    series = Recording("dependency_batch").calls("alerts")[0]["response"]["data"]["result"]
    # 29 episodes of 19 series: the ten flaps above, and object-storage-cn-east-1-3's NodeErrorRatio re-fired once
    # (16:40:26); the 19th series is cdn's SlowBurnErrorRatio of 14:32:56, seen only in the hours the look-back adds
    assert (len(series), len(episodes)) == (19, 29)
    assert all("__name__" not in e.labels and "alertstate" not in e.labels for e in episodes)
    node = next(e for e in episodes if e.labels.get("node") == "auth-cn-east-1-1")
    assert node.fingerprint == 'NodeErrorRatio{node="auth-cn-east-1-1",region="cn-east-1",service="auth"}'
    assert (node.symptom, node.source) == ("errors", "prometheus")


def test_to_episodes_splits_by_active_at_and_keeps_the_labels():
    row = {"metric": {"__name__": "ALERTS_FOR_STATE", "alertname": "HighErrorRatio", "alertstate": "firing",
                      "region": "r", "service": "s", "severity": "page"},
           "values": [(100.0, 90.0), (130.0, 90.0), (160.0, 90.0), (400.0, 395.0), (430.0, 395.0)]}
    first, second = to_episodes([row], CATALOG)
    assert (first.active_at, first.first_seen, first.last_seen) == (90.0, 100.0, 160.0)
    assert (second.active_at, second.first_seen, second.last_seen) == (395.0, 400.0, 430.0)
    assert first.labels == {"alertname": "HighErrorRatio", "region": "r", "service": "s", "severity": "page"}
    assert first.fingerprint == 'HighErrorRatio{region="r",service="s"}'  # severity and symptom are not identity
    assert (first.symptom, second.symptom) == ("errors", "errors")
    assert to_episodes([], CATALOG) == []


def test_symptom_from_the_rule_label_else_the_catalog_else_the_name():
    assert CATALOG.symptom("X", "latency") == "latency"  # the rule's own label wins
    assert CATALOG.symptom("HighErrorRatio", "latency") == "latency"
    assert CATALOG.symptom("LatencyRegression") == "latency" and CATALOG.symptom("HighErrorRatio") == "errors"
    assert CATALOG.symptom("CheckoutErrorLatencyHigh") == "latency"  # not listed: its words, latency first
    assert CATALOG.symptom("Api5xxBurst") == "errors"
    assert CATALOG.symptom("DiskAlmostFull") is None and CATALOG.symptom("Watchdog", "none") is None


def test_alerts_about_neither_errors_nor_latency_are_left_out():
    rows = [{"metric": {"alertname": name, "region": "r", "service": "s"}, "values": [(100.0, 90.0)]}
            for name in ("HighErrorRatio", "DiskAlmostFull", "Watchdog", "SlowResponses")]
    assert [(e.name, e.symptom) for e in to_episodes(rows, CATALOG)] == [("HighErrorRatio", "errors"), ("SlowResponses", "latency")]


def test_the_catalog_ranks_its_names_strongest_first_and_the_others_after():
    assert CATALOG.names[:2] == ("HighErrorRatio", "NodeErrorRatio")
    assert CATALOG.rank("HighErrorRatio") < CATALOG.rank("HighLatencyP99") < CATALOG.rank("SlowBurnErrorRatio")
    assert CATALOG.rank("SomethingElse") == len(CATALOG.names)
    team = AlertCatalog(names=("VaultDown", *CATALOG.names), symptoms={"VaultDown": "errors"}, symptom_words={})
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)), started_at=at(10, 10))
    builtin = episode("HighErrorRatio", at(10, 10), at(10, 30))
    own = episode("VaultDown", at(10, 12), at(10, 30))
    assert strongest(case, [builtin, own]) is builtin
    assert strongest(case, [builtin, own], team) is own


# --- matching and the strongest ----------------------------------------------------------------------------

def case_at(window: TimeWindow, service: str = "s", region: str = "r", started_at: datetime | None = None) -> Case:
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=window.end, subject="s", body="b")
    return Case(ticket=ticket, reading=TicketReading(service=service, region=region, started_at=started_at),
                window=window, baseline=window)


def episode(name: str, active: datetime, last: datetime, **labels) -> Episode:
    return Episode({"alertname": name, "region": "r", "service": "s", **labels}, active.timestamp(), active.timestamp(),
                   last.timestamp(), CATALOG.symptom(name) or "errors")


def test_matching_needs_the_region_the_service_and_an_overlap_with_the_window():
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)))
    inside = episode("HighErrorRatio", at(10, 5), at(10, 20))
    just_before = episode("HighErrorRatio", at(9, 40), at(9, 50))  # ended within LEAD before the window: counts
    too_early = episode("HighErrorRatio", at(9, 30), at(9, 49))
    too_late = episode("HighErrorRatio", at(10, 31), at(10, 40))
    other_region = episode("HighErrorRatio", at(10, 5), at(10, 20), region="q")
    other_service = episode("HighErrorRatio", at(10, 5), at(10, 20), service="t")
    region_wide = Episode({"alertname": "RegionDown", "region": "r"}, at(10, 5).timestamp(), at(10, 5).timestamp(),
                          at(10, 6).timestamp(), "errors")
    found = matching(case, [inside, just_before, too_early, too_late, other_region, other_service, region_wide])
    assert found == [inside, just_before, region_wide]


def test_strongest_by_rule_priority_first():
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)), started_at=at(10, 10))
    error = episode("HighErrorRatio", at(10, 25), at(10, 30))
    latency = episode("HighLatencyP99", at(10, 10), at(10, 30))
    unknown = episode("SomethingElse", at(10, 10), at(10, 30))
    assert strongest(case, [unknown, latency, error]) is error
    assert strongest(case, [unknown, latency]) is latency


def test_strongest_among_flaps_is_the_latest_that_began_before_the_stated_start():
    """Among episodes of one rule (a flapping alert): the latest that became active before the start the
    customer states (else before it wrote), with LEAD of slack; failing that, the nearest after."""
    images = Recording("dependency_batch").run("metrics_anomaly")[1]
    assert images.reading.started_at == at(16, 35)  # "大概从00:35起" (UTC+8)
    flaps = [e for e in matching(images, recorded_episodes("dependency_batch")) if e.name == "HighLatencyP99"]
    assert [datetime.fromtimestamp(e.active_at, UTC).strftime("%H:%M:%S") for e in sorted(flaps, key=lambda e: e.active_at)] == [
        "16:03:56", "16:26:26", "16:29:11", "16:31:41", "16:33:56", "16:37:11"]

    def stated(started_at):
        return Case(ticket=images.ticket, reading=images.reading.model_copy(update={"started_at": started_at}),
                    window=images.window, baseline=images.baseline, evidence=images.evidence)

    assert strongest(images, flaps).active_at == stamp(16, 37, 11)  # before 16:35 + LEAD
    assert strongest(stated(at(16, 20)), flaps).active_at == stamp(16, 29, 11)  # the latest before 16:30
    assert strongest(stated(at(15, 45)), flaps).active_at == stamp(16, 3, 56)  # none before 15:55: the nearest after
    assert images.ticket.created_at == at(16, 48, 11)
    assert strongest(stated(None), flaps).active_at == stamp(16, 37, 11)  # no stated start: before it wrote (+ LEAD)
    assert LEAD == timedelta(minutes=10)


def test_strongest_ties_break_on_the_fingerprint():
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)), started_at=at(10, 0))
    a = episode("NodeErrorRatio", at(10, 5), at(10, 9), node="n-1")
    b = episode("NodeErrorRatio", at(10, 5), at(10, 9), node="n-0")
    assert strongest(case, [a, b]) is b and strongest(case, [b, a]) is b


def test_a_resolved_alert_is_not_ongoing():
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)), started_at=at(10, 0))
    row = {"metric": {"alertname": "HighErrorRatio", "region": "r", "service": "s"},
           "values": [(stamp(10, 5, 30) + 30 * n, stamp(10, 5)) for n in range(10)]}  # 10:05:30 .. 10:10:00
    [evidence] = AlertsCorrelator(FakePrometheus(ranges=[[row]])).correlate([case])
    assert (evidence.facts["incident_alert_ongoing"], evidence.facts["incident_alert_last_seen"]) == (0, "2026-11-25T10:10:00Z")
    assert evidence.facts["alerts_as_of"] == "2026-11-25T10:30:00Z"


def test_alertmanager_alerts_of_other_regions_are_left_out():
    alerts = [{"labels": {"alertname": "HighErrorRatio", "region": "r", "service": "s"}, "startsAt": "2026-11-25T10:05:00Z"},
              {"labels": {"alertname": "HighErrorRatio", "region": "q", "service": "s"}, "startsAt": "2026-11-25T10:05:00Z"}]
    [only] = alertmanager_episodes(alerts, ["r"], stamp(11, 0))
    assert (only.active_at, only.last_seen, only.source) == (stamp(10, 5), stamp(11, 0), "alertmanager")


def test_evidence_of_a_case_without_service_says_so():
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)), service=None)
    case.evidence.append(Evidence(source="request_logs", query="", summary="", facts={}))
    [evidence] = AlertsCorrelator(FakePrometheus(ranges=[[]])).correlate([case])
    assert evidence.summary == "no service/region known for this ticket"


def test_the_same_rule_on_other_services_of_the_region_moves_the_onset_back():
    first = episode("HighErrorRatio", at(10, 0, 10), at(10, 20), service="auth")
    top = episode("HighErrorRatio", at(10, 1, 0), at(10, 20), service="image-processing")
    later = episode("HighErrorRatio", at(10, 3, 0), at(10, 20), service="cdn")  # 120 s after: another fault
    other_rule = episode("SlowBurnErrorRatio", at(9, 59, 0), at(10, 20))
    other_region = episode("HighErrorRatio", at(9, 59, 30), at(10, 20), region="q")
    assert SAME_ONSET_S == 90
    every = [first, top, later, other_rule, other_region]
    assert fault_of(top, every) == ("HighErrorRatio", at(10, 0, 10).timestamp())
    assert onset_of(later, every) == later.active_at
    assert onset_of(other_region, every) == other_region.active_at
    assert onset_of(first, [first]) == first.active_at


def test_a_shared_onset_is_the_same_for_every_service_of_the_chain():
    a = episode("HighErrorRatio", at(10, 0, 0), at(10, 20), service="auth")
    b = episode("HighErrorRatio", at(10, 1, 0), at(10, 20), service="image-processing")
    c = episode("HighErrorRatio", at(10, 2, 0), at(10, 20), service="object-storage")
    assert {onset_of(top, [a, b, c]) for top in (a, b, c)} == {a.active_at}
    assert {onset_of(top, [c, b, a]) for top in (a, b, c)} == {a.active_at}  # whatever order they were read in


def test_a_flapping_alert_is_one_fault_while_it_re_fires_within_the_flap_gap():
    # one rule on one service, resolving and firing again: 10:00-10:04, 10:10-10:12 (6 min later), 10:30 (18 min later)
    a = episode("HighLatencyP99", at(10, 0), at(10, 4))
    b = episode("HighLatencyP99", at(10, 10), at(10, 12))
    c = episode("HighLatencyP99", at(10, 30), at(10, 40))
    assert FLAP_GAP == timedelta(minutes=10)
    assert onset_of(b, [a, b, c]) == a.active_at
    assert onset_of(c, [a, b, c]) == c.active_at
    d = episode("HighLatencyP99", at(10, 20), at(10, 24))  # fills the gap: one fault from 10:00
    assert onset_of(c, [a, b, c, d]) == a.active_at


def test_alerts_on_one_service_bridged_by_another_are_one_fault_named_by_the_first():
    # a burn-rate alert still firing between two error-ratio alerts: Alertmanager keeps one notification open
    error = episode("HighErrorRatio", at(10, 0), at(10, 5))
    burn = episode("SlowBurnErrorRatio", at(10, 3), at(10, 40))
    again = episode("HighErrorRatio", at(10, 35), at(10, 45))
    elsewhere = episode("HighLatencyP99", at(10, 3), at(10, 40), service="cdn")  # another service, another rule
    together = episode("HighErrorRatio", at(10, 0, 30), at(10, 40), service="auth")  # the same first alert 30 s later
    coincidence = episode("HighErrorRatio", at(10, 35, 30), at(10, 40), service="cdn")  # same rule as `again`, long after its start
    every = [again, elsewhere, burn, error]
    assert fault_of(again, every) == ("HighErrorRatio", error.active_at)
    assert fault_of(burn, every) == ("HighErrorRatio", error.active_at)
    assert fault_of(elsewhere, every) == ("HighLatencyP99", elsewhere.active_at)
    assert fault_of(together, [*every, together]) == ("HighErrorRatio", error.active_at)  # one dependency under both
    # Two faults of a region stay two when only a later alert of one coincides with the other's start.
    assert fault_of(coincidence, [*every, coincidence]) == ("HighErrorRatio", coincidence.active_at)
    region_wide = Episode({"alertname": "RegionErrors", "region": "r"}, at(9, 58).timestamp(), at(9, 58).timestamp(),
                          at(10, 1).timestamp(), "errors")  # no service label: any service's
    assert fault_of(again, [*every, region_wide]) == ("RegionErrors", region_wide.active_at)


def test_the_range_read_reaches_back_for_the_chains_of_episodes():
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)), started_at=at(10, 0))
    prometheus = FakePrometheus(ranges=[[]])
    [evidence] = AlertsCorrelator(prometheus).correlate([case])
    [(query, start, end, step)] = prometheus.range_queries
    assert query == 'ALERTS_FOR_STATE{region=~"r"}'
    assert (start, end, step) == (at(10, 0) - LEAD - CHAIN_LOOKBACK, at(10, 30) + timedelta(seconds=STEP_S), STEP_S)
    assert CHAIN_LOOKBACK == timedelta(hours=6)
    assert evidence.summary == "no alert on s/r in the window" and case.alert is None


def test_the_strongest_alert_is_handed_on_as_the_cases_alert():
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)), started_at=at(10, 5))
    rows = [{"metric": {"alertname": "HighErrorRatio", "region": "r", "service": "s"},
             "values": [(stamp(10, 6) + 30 * n, stamp(10, 5, 45)) for n in range(49)]},  # 10:06 .. 10:30, still firing
            {"metric": {"alertname": "HighErrorRatio", "region": "r", "service": "other"},
             "values": [(stamp(10, 5) + 30 * n, stamp(10, 4, 30)) for n in range(10)]}]  # 75 s earlier elsewhere: the onset
    [evidence] = AlertsCorrelator(FakePrometheus(ranges=[rows])).correlate([case])
    alert = case.alert
    assert (alert.name, alert.fingerprint, alert.symptom) == ("HighErrorRatio", 'HighErrorRatio{region="r",service="s"}', "errors")
    assert (alert.active_at, alert.fault_alert, alert.onset) == (at(10, 5, 45), "HighErrorRatio", at(10, 4, 30))
    assert (alert.last_seen, alert.ongoing, alert.as_of) == (at(10, 30), True, at(10, 30))
    assert evidence.facts["incident_onset"] == "2026-11-25T10:04:30Z" and evidence.facts["incident_alert_ongoing"] == 1
    assert evidence.facts["incident_first_alert"] == "HighErrorRatio"


def test_the_alert_labels_are_the_metrics_schemas():
    otel = MetricsSchema.model_validate("otel")
    case = case_at(TimeWindow(start=at(10, 0), end=at(10, 30)), service="vault", region="fra1", started_at=at(10, 0))
    rows = [{"metric": {"alertname": "HighErrorRatio", "cloud_region": "fra1", "service_name": "vault"},
             "values": [(stamp(10, 10), stamp(10, 9))]},
            {"metric": {"alertname": "HighErrorRatio", "cloud_region": "fra1", "service_name": "relay"},
             "values": [(stamp(10, 10), stamp(10, 9))]}]
    prometheus = FakePrometheus(ranges=[rows])
    [evidence] = AlertsCorrelator(prometheus, schema=otel).correlate([case])
    assert prometheus.range_queries[0][0] == 'ALERTS_FOR_STATE{cloud_region=~"fra1"}'
    assert evidence.facts["alerts_active"] == 1 and case.alert.fingerprint == 'HighErrorRatio{cloud_region="fra1",service_name="vault"}'
    assert matching(case, to_episodes(rows, CATALOG), Labels("service_name", "cloud_region"))[0].labels["service_name"] == "vault"
    assert matching(case, to_episodes(rows, CATALOG)) == []  # the default labels find nothing in these series


def test_a_background_latency_flap_does_not_date_a_later_dependency_outage():
    """As recorded in 16-large (dependency_batch): image-processing's HighLatencyP99 flaps at its threshold from
    16:03:56 with no fault behind it; metadata-db fails at 16:37:41 under auth and image-processing."""
    flaps = [episode("HighLatencyP99", at(16, 3, 56), at(16, 8), service="image-processing"),
             episode("HighLatencyP99", at(16, 17), at(16, 22), service="image-processing"),
             episode("HighLatencyP99", at(16, 31, 41), at(16, 40), service="image-processing")]
    auth = episode("HighErrorRatio", at(16, 37, 41), at(16, 50), service="auth")
    images = episode("HighErrorRatio", at(16, 37, 41), at(16, 50), service="image-processing")
    every = [*flaps, auth, images]
    assert fault_of(auth, every) == fault_of(images, every) == ("HighErrorRatio", at(16, 37, 41).timestamp())


# The shape of Alertmanager's GET /api/v2/alerts (v0.27), one active alert as Prometheus sends it.
ALERTMANAGER_ALERTS = [{
    "annotations": {"summary": "object-storage in cn-east-1: 41.3% of requests fail with 5xx"},
    "endsAt": "2026-11-25T10:31:00.000Z",
    "fingerprint": "6a5d0f4e2b1c3d7e",
    "receivers": [{"name": "oncall"}],
    "startsAt": "2026-11-25T10:05:30.000Z",
    "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
    "updatedAt": "2026-11-25T10:27:00.000Z",
    "generatorURL": "http://prometheus:9090/graph?g0.expr=...",
    "labels": {"alertname": "HighErrorRatio", "region": "cn-east-1", "service": "object-storage", "severity": "page",
               "symptom": "errors"},
}]


def test_an_alertmanager_alert_becomes_an_episode_with_its_labels():
    [episode] = alertmanager_episodes(ALERTMANAGER_ALERTS, ["cn-east-1"], stamp(10, 30))
    assert episode.fingerprint == 'HighErrorRatio{region="cn-east-1",service="object-storage"}'
    assert episode.symptom == "errors" and episode.source == "alertmanager"
    assert episode.active_at == datetime(2026, 11, 25, 10, 5, 30, tzinfo=timezone.utc).timestamp()


def test_the_alertmanager_client_asks_for_active_alerts_only():
    import httpx

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=ALERTMANAGER_ALERTS)

    client = AlertmanagerClient("http://am:9093", client=httpx.Client(base_url="http://am:9093", transport=httpx.MockTransport(handler)))
    episodes = client.active_episodes(["cn-east-1", "cn-north-1"], "region", CATALOG)
    assert [e.name for e in episodes] == ["HighErrorRatio"]
    assert seen[0].path == "/api/v2/alerts" and seen[0].params["active"] == "true"
