"""Which correlated incident a ticket belongs to: a deterministic id from the evidence.

The key is (region, first alert, fault onset): the strongest alert active on the ticket's
service/region while the customer failed belongs to a fault (correlators/alerts.py, fault_starts:
the alerts of one service and symptom that flap or bridge each other, joined with other services of
the region where the same rule became active at their starts); the key names that fault's first
alert and its activeAt. The service is left out on purpose: when a shared dependency fails, the
same alert becomes active on several services of the region within seconds, and that is one incident. Without any alert the key is
(service, region, when the metrics' anomaly began, on five-minute slots), and without that
(service, region, the customer's first failure on the hour grid).

Every worker reads the same Prometheus, so every worker computes the same id for the same fault:
no coordination needed. Pure: no I/O; worker/incidents.py merges the sightings into `incidents`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

from triage.case import Case
from triage.clock import floor_to
from triage.models import IncidentSighting, Verdict

FALLBACK_GRID = timedelta(hours=1)


def incident_key(case: Case) -> tuple[str, str, str, datetime] | None:
    """(scope, region, what defines the fault, fault start), or None when nothing does."""
    if not case.service or not case.region:
        return None
    if case.alert is not None:
        return "*", case.region, case.alert.fault_alert, case.alert.onset
    if case.metrics is not None and case.metrics.onset is not None and case.metrics.scope == (case.service, case.region):
        return case.service, case.region, "metrics-anomaly", case.metrics.onset
    firsts = [place.first_failure for place in (case.activity.scopes if case.activity else []) if place.first_failure]
    if firsts:
        return case.service, case.region, "first-failure-hour", floor_to(min(firsts), FALLBACK_GRID)
    return None


def incident_id(key: tuple[str, str, str, datetime]) -> str:
    scope, region, source, start = key
    digest = hashlib.sha1(f"{scope}|{region}|{source}|{start.isoformat()}".encode()).hexdigest()[:12]
    return f"inc-{region}-{start:%Y%m%dT%H%M}-{digest}"


def sighting(case: Case, verdict: Verdict) -> IncidentSighting | None:
    """The incident a platform ticket reports, as this ticket sees it; None for other labels."""
    if verdict.label != "platform_incident":
        return None
    key = incident_key(case)
    if key is None:
        return None
    _, region, _, start = key
    alert = case.alert
    resolved = alert is not None and not alert.ongoing
    return IncidentSighting(
        incident_id=incident_id(key),
        service=case.service,
        region=region,
        fault_start=start,
        fault_end=alert.last_seen if resolved else None,
        status="resolved" if resolved else "open",
        status_as_of=alert.as_of if alert is not None else case.window.end,
        ticket_id=case.ticket.ticket_id,
        customer_id=case.ticket.customer_id,
        seen_at=case.ticket.created_at.astimezone(timezone.utc),
        alerts=[alert.fingerprint] if alert is not None else [],
        figures=figures(case),
    )


def related_incident_id(case: Case, verdict: Verdict) -> str | None:
    """For a usage error filed while an error alert is active on its service/region: that incident."""
    if verdict.label != "usage_error" or case.alert is None or case.alert.symptom != "errors":
        return None
    key = incident_key(case)
    return incident_id(key) if key else None


def figures(case: Case) -> dict[str, Any]:
    """The incident's figures as this ticket saw them (the store keeps the largest)."""
    metrics, blast = case.metrics, case.blast
    found = {
        "platform_error_ratio": metrics.error_ratio if metrics else None,
        "baseline_error_ratio": metrics.baseline_error_ratio if metrics else None,
        "p99_latency_s": metrics.p99_s if metrics else None,
        "customers_with_5xx": blast.customers_with_5xx if blast else None,
        "customers_active": blast.customers_active if blast else None,
    }
    return {name: value for name, value in found.items() if isinstance(value, (int, float))}
