"""Evidence from alerting: which alerts were pending or firing on the ticket's service/region
while the customer was failing.

Source of truth is Prometheus's own `ALERTS_FOR_STATE` series (value = the time the alert became
active), read with one range query per batch, so past tickets are judged on the alerts of their
time. When an Alertmanager URL is configured, its API adds the alerts active now (silenced or
inhibited ones included), for a live view when Prometheus rules run elsewhere.

An alert "episode" is one activeAt value: the alert became active then and stayed pending/firing
while the series is present. The strongest matching episode (by the priority of the alert names,
triage/alerts.yaml or the team's `alerts_file`, then the one nearest the customer's first failure)
names the incident: its alertname, service, region and activeAt are the same for every worker that
reads the same Prometheus. The alerts' service and region labels are the metrics schema's. An alert
that is about neither errors nor latency (by its `symptom` label, the catalog, or its name) is not
evidence about a ticket and is left out. Provides `case.alert`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

import httpx

from backends.prometheus import any_of
from backends.range_cache import RangeQueries
from backends.access import HttpAccess, http
from backends.retry import RetryPolicy
from correlators.base import by_time
from triage.case import Case
from triage.clock import floor_to, iso_z, parse_utc
from triage.findings import AlertFinding
from triage.knowledge import AlertCatalog, builtin_knowledge
from triage.models import Evidence
from triage.schema import MetricsSchema

SOURCE = "alerts"
STEP_S = 30
STEP = timedelta(seconds=STEP_S)
# An alert that became active a little before the customer noticed still explains the ticket.
LEAD = timedelta(minutes=10)
# The same rule becoming active on several services of one region this close together is one
# fault: a shared dependency failing. The incident starts at the earliest of them.
SAME_ONSET_S = 90
# Alerts on one service active within this long of each other are one fault (flapping, or bridged).
FLAP_GAP = timedelta(minutes=10)
# How far back the alert history is read for those chains, so that every batch (and every worker)
# that sees an episode finds the same start for it, however its tickets' windows fall.
CHAIN_LOOKBACK = timedelta(hours=6)
QUERY = 'ALERTS_FOR_STATE{{{region_label}=~"{regions}"}}'
IGNORED_LABELS = {"__name__", "alertstate"}


@dataclass(frozen=True)
class Episode:
    labels: dict[str, str]
    active_at: float  # unix seconds
    first_seen: float
    last_seen: float
    symptom: str  # errors | latency
    source: str = "prometheus"

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "?")

    @cached_property  # sorted and joined once: a batch compares each episode for every ticket
    def fingerprint(self) -> str:
        """alertname{label="value",...}: the alert's identity, as Prometheus prints it."""
        shown = {key: value for key, value in sorted(self.labels.items()) if key not in ("alertname", "severity", "symptom")}
        return self.name + "{" + ",".join(f'{key}="{value}"' for key, value in shown.items()) + "}"


class AlertsCorrelator:
    name = SOURCE
    requires = frozenset({"activity", "metrics"})  # the scope and the fault window
    provides = frozenset({"alert"})

    def __init__(self, backend: RangeQueries, alertmanager: AlertmanagerClient | None = None,
                 schema: MetricsSchema | None = None, catalog: AlertCatalog | None = None):
        self.backend = backend
        self.alertmanager = alertmanager
        self.labels = Labels.of(schema or MetricsSchema())
        self.catalog = catalog or builtin_knowledge().alerts

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        return by_time(cases, self.correlate_together)

    def correlate_together(self, cases: Sequence[Case]) -> list[Evidence]:
        """Cases whose windows lie within a day: one alert-history query for all of them."""
        regions = sorted({case.region for case in cases if case.region})
        if not regions:
            return [Evidence(source=SOURCE, query="", summary="no region known for this ticket") for _ in cases]
        query = QUERY.format(region_label=self.labels.region, regions=any_of(regions))
        start = min(case.fault_window.start for case in cases) - LEAD - CHAIN_LOOKBACK
        end = max(case.fault_window.end for case in cases)
        rows = self.backend.query_range(query, floor_to(start, STEP), floor_to(end, STEP) + STEP, STEP_S)
        episodes = to_episodes(rows, self.catalog)
        if self.alertmanager is not None:
            known = {episode.fingerprint for episode in episodes}  # Prometheus's history wins over a second copy
            live = self.alertmanager.active_episodes(regions, self.labels.region, self.catalog)
            episodes += [e for e in live if e.fingerprint not in known]
        text = f"{query} (range query, step {STEP_S}s)" + (f"\nGET {self.alertmanager.url}/api/v2/alerts" if self.alertmanager else "")
        data_end = floor_to(end, STEP).timestamp()
        starts = fault_starts(episodes, self.labels)
        out = []
        for case in cases:
            evidence, case.alert = judge(case, episodes, text, data_end, self.labels, self.catalog, starts)
            out.append(evidence)
        return out


@dataclass(frozen=True)
class Labels:
    service: str
    region: str

    @classmethod
    def of(cls, schema: MetricsSchema) -> Labels:
        return cls(schema.service_label, schema.region_label)


def to_episodes(rows: Sequence[dict[str, Any]], catalog: AlertCatalog) -> list[Episode]:
    """One episode per (alert labels, activeAt): a re-fired alert is a new episode. Alerts about
    neither errors nor latency are left out."""
    out = []
    for row in rows:
        labels = {key: value for key, value in row["metric"].items() if key not in IGNORED_LABELS}
        symptom = catalog.symptom(labels.get("alertname", "?"), labels.get("symptom"))
        if symptom is None:
            continue
        by_active: dict[float, list[float]] = {}
        for t, active_at in row["values"]:
            by_active.setdefault(active_at, []).append(t)
        for active_at, times in by_active.items():
            out.append(Episode(labels, active_at, min(times), max(times), symptom))
    return out


def matching(case: Case, episodes: Sequence[Episode], labels: Labels = Labels("service", "region")) -> list[Episode]:
    """Episodes on the ticket's service/region (an alert without a service label matches any service)
    that were active at some point of the customer's fault window."""
    window = case.fault_window
    lo, hi = (window.start - LEAD).timestamp(), window.end.timestamp()
    service, region = case.service, case.region  # derived from the evidence: worked out once, not per episode
    return [
        episode for episode in episodes
        if episode.labels.get(labels.region) == region
        and episode.labels.get(labels.service, service) == service
        and episode.last_seen >= lo and episode.active_at <= hi
    ]


def strongest(case: Case, episodes: Sequence[Episode], catalog: AlertCatalog) -> Episode:
    """By the catalog's priority; among episodes of the same rule (a flapping fault), the latest one
    that began before the customer says its problem began, else before it wrote: people write about
    what is failing now, and say so when it began earlier."""
    anchor = (case.reading.started_at or case.ticket.created_at).timestamp() + LEAD.total_seconds()
    return min(episodes, key=lambda e: (catalog.rank(e.name), e.active_at > anchor, abs(e.active_at - anchor), e.fingerprint))


def judge(case: Case, episodes: Sequence[Episode], query: str, data_end: float, labels: Labels | None = None,
          catalog: AlertCatalog | None = None, starts: dict[int, tuple[str, float]] | None = None,
          ) -> tuple[Evidence, AlertFinding | None]:
    labels = labels or Labels("service", "region")
    catalog = catalog or builtin_knowledge().alerts
    starts = starts if starts is not None else fault_starts(episodes, labels)
    if not case.service or not case.region:
        return Evidence(source=SOURCE, query=query, summary="no service/region known for this ticket"), None
    found = matching(case, episodes, labels)
    facts: dict[str, Any] = {
        "alert_service": case.service, "alert_region": case.region,
        "alerts_active": len(found),
        "error_alerts": sum(1 for e in found if e.symptom == "errors"),
        "latency_alerts": sum(1 for e in found if e.symptom == "latency"),
    }
    if not found:
        return Evidence(source=SOURCE, query=query, summary=f"no alert on {case.service}/{case.region} in the window", facts=facts), None
    top = strongest(case, found, catalog)
    fault_alert, onset = starts.get(id(top), (top.name, top.active_at))
    facts.update({
        "alert_names": sorted({e.name for e in found}),
        "incident_alert": top.fingerprint,
        "incident_alert_name": top.name,
        "incident_alert_active_at": iso_z(top.active_at),
        "incident_onset": iso_z(onset),
        "incident_first_alert": fault_alert,
        "incident_alert_symptom": top.symptom,
        "incident_alert_last_seen": iso_z(top.last_seen),
        # Still active at the end of the data read: the incident is open as of that time.
        "incident_alert_ongoing": int(top.last_seen >= data_end - STEP_S),
        "alerts_as_of": iso_z(data_end),
    })
    names = ", ".join(f"{e.fingerprint} since {iso_z(e.active_at)}" for e in sorted(found, key=lambda e: e.active_at))
    finding = AlertFinding(
        name=top.name, fingerprint=top.fingerprint, symptom=top.symptom, active_at=_utc(top.active_at),
        fault_alert=fault_alert, onset=_utc(onset),
        last_seen=_utc(top.last_seen), ongoing=bool(facts["incident_alert_ongoing"]), as_of=_utc(data_end))
    return Evidence(source=SOURCE, query=query, summary=f"{len(found)} alert(s) active: {names}", facts=facts,
                    samples=[{"alert": e.fingerprint, "active_at": iso_z(e.active_at), "source": e.source} for e in found]), finding


def _utc(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, timezone.utc)


def fault_starts(episodes: Sequence[Episode], labels: Labels) -> dict[int, tuple[str, float]]:
    """Each episode's fault, by the episode's id(): (the first alert's name, its activeAt) of the
    group it belongs to.

    First, the episodes of one service and region about one symptom (errors, latency) are one
    group when active within FLAP_GAP of each other (an alert flapping around its threshold, or a
    burn-rate alert still firing between two error alerts: Alertmanager would keep one notification
    open). Then groups of several services of a region are one fault when, within FLAP_GAP of
    their starts, the same rule became active on both within SAME_ONSET_S (one dependency failing
    under them); near the starts, not at any later flap, so that two faults of a region stay two. Computed once per batch
    over everything read; every worker that reads the same history finds the same groups."""
    groups = DisjointSets(len(episodes))
    gap = FLAP_GAP.total_seconds()
    for i, a in enumerate(episodes):
        for j in range(i + 1, len(episodes)):
            b = episodes[j]
            service_a, service_b = a.labels.get(labels.service), b.labels.get(labels.service)
            if (a.labels.get(labels.region) == b.labels.get(labels.region) and a.symptom == b.symptom
                    and (service_a is None or service_b is None or service_a == service_b)
                    and a.active_at <= b.last_seen + gap and b.active_at <= a.last_seen + gap):
                groups.join(i, j)
    firsts = groups.firsts(episodes)
    # Episodes near their group's start: what a fault looks like as it begins.
    starting = [i for i, episode in enumerate(episodes) if episode.active_at - episodes[firsts[i]].active_at <= gap]
    for x, i in enumerate(starting):
        for j in starting[x + 1:]:
            a, b = episodes[i], episodes[j]
            if (firsts[i] != firsts[j] and a.labels.get(labels.region) == b.labels.get(labels.region)
                    and a.name == b.name and abs(a.active_at - b.active_at) <= SAME_ONSET_S):
                groups.join(i, j)
    firsts = groups.firsts(episodes)
    return {id(episode): (episodes[firsts[i]].name, episodes[firsts[i]].active_at) for i, episode in enumerate(episodes)}


class DisjointSets:
    """Union-find over positions 0..n-1."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        self.parent[self.root(i)] = self.root(j)

    def firsts(self, episodes: Sequence[Episode]) -> dict[int, int]:
        """Each position -> the position of the earliest episode of its set."""
        first: dict[int, int] = {}
        for i, episode in enumerate(episodes):
            group = self.root(i)
            if group not in first or (episode.active_at, episode.name) < (episodes[first[group]].active_at, episodes[first[group]].name):
                first[group] = i
        return {i: first[self.root(i)] for i in range(len(episodes))}


class AlertmanagerClient:
    """Alertmanager's v2 API: the alerts active now (it keeps no history)."""

    def __init__(self, url: str | HttpAccess, timeout_s: float = 10.0, retry: RetryPolicy | None = None,
                 client: httpx.Client | None = None):
        access = http(url)
        self.url = access.url.rstrip("/")
        self.client = client or access.client(timeout_s)
        self.retry = retry or RetryPolicy()

    def active_episodes(self, regions: Sequence[str], region_label: str, catalog: AlertCatalog) -> list[Episode]:
        alerts = self.retry.call("alertmanager", self._get)
        return alertmanager_episodes(alerts, regions, datetime.now(timezone.utc).timestamp(), region_label, catalog)

    def _get(self) -> list[dict[str, Any]]:
        response = self.client.get("/api/v2/alerts", params={"active": "true"})
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        self.client.close()


def alertmanager_episodes(alerts: Sequence[dict[str, Any]], regions: Sequence[str], now: float,
                          region_label: str = "region", catalog: AlertCatalog | None = None) -> list[Episode]:
    catalog = catalog or builtin_knowledge().alerts
    out = []
    for alert in alerts:
        labels = dict(alert.get("labels", {}))
        symptom = catalog.symptom(labels.get("alertname", "?"), labels.get("symptom"))
        if labels.get(region_label) not in regions or symptom is None:
            continue
        started = parse_utc(alert["startsAt"]).timestamp()
        out.append(Episode(labels, started, started, now, symptom, source="alertmanager"))
    return out


