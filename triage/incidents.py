"""Which correlated incident a ticket belongs to: a deterministic id from the evidence.

The key is (region, alert name, fault onset), where the onset is the activeAt of the strongest
alert active on the ticket's service/region while the customer failed, moved back to the earliest
activeAt of the same rule in that region within 90 seconds (correlators/alerts.py). The service is
left out on purpose: when a shared dependency fails, the same alert becomes active on several
services of the region within seconds, and that is one incident. Without any alert the
key falls back to (service, region, the customer's first failure on the hour grid).

Every worker reads the same Prometheus, so every worker computes the same id for the same fault:
no coordination needed. Pure: no I/O; worker/incidents.py merges the sightings into `incidents`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

from triage.models import IncidentSighting, Verdict
from triage.clock import floor_to, parse_utc
from triage.understand import Case

FALLBACK_GRID = timedelta(hours=1)


def incident_key(case: Case) -> tuple[str, str, str, datetime] | None:
    """(scope, region, what defines the fault, fault start), or None when nothing does."""
    if not case.service or not case.region:
        return None
    alert, active_at = case.fact("incident_alert_name"), case.fact("incident_onset")
    if alert and active_at:
        return "*", case.region, alert, parse_utc(active_at)
    first = case.fact("first_failure")
    if first:
        return case.service, case.region, "first-failure-hour", floor_to(parse_utc(first), FALLBACK_GRID)
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
    ongoing = case.fact("incident_alert_ongoing")
    as_of = case.fact("alerts_as_of")
    last = case.fact("incident_alert_last_seen")
    resolved = ongoing == 0 and last is not None
    return IncidentSighting(
        incident_id=incident_id(key),
        service=case.service,
        region=region,
        fault_start=start,
        fault_end=parse_utc(last) if resolved else None,
        status="resolved" if resolved else "open",
        status_as_of=parse_utc(as_of) if as_of else case.window.end,
        ticket_id=case.ticket.ticket_id,
        customer_id=case.ticket.customer_id,
        seen_at=case.ticket.created_at.astimezone(timezone.utc),
        alerts=[case.fact("incident_alert")] if case.fact("incident_alert") else [],
        figures=figures(case),
    )


def related_incident_id(case: Case, verdict: Verdict) -> str | None:
    """For a usage error filed while an error alert is active on its service/region: that incident."""
    if verdict.label != "usage_error" or case.fact("incident_alert_symptom") != "errors":
        return None
    key = incident_key(case)
    return incident_id(key) if key else None


FIGURES = ("platform_error_ratio", "baseline_error_ratio", "p99_latency_s", "customers_with_5xx", "customers_active")


def figures(case: Case) -> dict[str, Any]:
    return {name: case.fact(name) for name in FIGURES if isinstance(case.fact(name), (int, float))}
