"""Backfill ALERTS for past samples, as Prometheus's rule manager would have written them.

The lab writes metrics with past timestamps, so the live rule evaluation never sees the faults.
Here every alerting rule is evaluated with the real Prometheus (/api/v1/query_range at the group's
interval), the `for` state machine is replayed step by step, and the result is remote-written:

    ALERTS{alertname, alertstate="pending"|"firing", <result labels>, <rule labels>}  1 per step in that state
    ALERTS_FOR_STATE{alertname, <result labels>, <rule labels>}  unix seconds the alert became active

plus Prometheus's staleness marker at the first evaluation after a series ends (pending -> firing
ends the pending series; inactive ends both). Not replayed: templated rule label values, and
`keep_firing_for` (Prometheus 2.43+).
"""

from __future__ import annotations

import time

import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from lab.promwrite import Series, remote_write

STALE_NAN: float = struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000002))[0]  # Prometheus's StaleNaN
DEFAULT_INTERVAL_MS = 15_000
MAX_POINTS_PER_QUERY = 10_000  # Prometheus refuses query_range with more than 11,000 steps

_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_DURATION_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1)


@dataclass(frozen=True)
class AlertRule:
    name: str
    expr: str
    for_ms: int
    labels: Mapping[str, str]
    interval_ms: int


def parse_duration(text: str) -> int:
    """A Prometheus duration ("1m", "1h30m", "500ms") in milliseconds."""
    match = _DURATION.match(str(text).strip())
    if not text or not match:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return sum(int(part) * unit for part, unit in zip(match.groups(), _DURATION_MS) if part)


def alert_rule_files() -> list[Path]:
    """The repository's rule files, deploy/prometheus/rules/*.yml."""
    return sorted((Path(__file__).resolve().parents[1] / "deploy" / "prometheus" / "rules").glob("*.yml"))


def load_alert_rules(rule_files: Sequence[Path]) -> list[AlertRule]:
    """The alerting rules of these files (recording rules are skipped)."""
    rules = []
    for path in rule_files:
        for group in (yaml.safe_load(Path(path).read_text()) or {}).get("groups") or []:
            interval_ms = parse_duration(group["interval"]) if group.get("interval") else DEFAULT_INTERVAL_MS
            for rule in group.get("rules") or []:
                if "alert" not in rule:
                    continue
                labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
                if any("{{" in value for value in labels.values()):
                    raise ValueError(f"{path}: {rule['alert']}: templated label values are not supported")
                rules.append(AlertRule(name=rule["alert"], expr=str(rule["expr"]),
                                       for_ms=parse_duration(rule["for"]) if rule.get("for") else 0,
                                       labels=labels, interval_ms=interval_ms))
    return rules


def evaluation_steps(start_ms: int, end_ms: int, interval_ms: int, offset_ms: int = 0) -> list[int]:
    return list(range(start_ms + offset_ms, end_ms + 1, interval_ms))


def alert_labels(rule: AlertRule, metric: Mapping[str, str]) -> dict[str, str]:
    """Result labels without __name__, overridden by the rule's labels, plus alertname (empty values dropped)."""
    labels = {k: v for k, v in metric.items() if k != "__name__"}
    labels.update(rule.labels)
    labels["alertname"] = rule.name
    return {k: v for k, v in labels.items() if v != ""}


def _with_stale_markers(steps: Sequence[int], values: Sequence[float | None]) -> list[tuple[int, float]]:
    """Samples for the steps with a value, and a stale marker at each first step without one after a run."""
    samples, previous = [], None
    for ts, value in zip(steps, values):
        if value is not None:
            samples.append((ts, value))
        elif previous is not None:
            samples.append((ts, STALE_NAN))
        previous = value
    return samples


def replay_alert(rule: AlertRule, labels: Mapping[str, str], active: set[int], steps: Sequence[int]) -> list[Series]:
    """The ALERTS and ALERTS_FOR_STATE series of one alert, given the steps at which its expr returned it."""
    states: list[str | None] = []
    for_state: list[float | None] = []
    active_at = None
    for ts in steps:
        if ts not in active:
            active_at = None
            states.append(None)
            for_state.append(None)
            continue
        if active_at is None:
            active_at = ts
        states.append("firing" if ts - active_at >= rule.for_ms else "pending")
        for_state.append(float(active_at // 1000))  # Prometheus: float64(ActiveAt.Unix())
    out: list[Series] = []
    for state in ("pending", "firing"):
        samples = _with_stale_markers(steps, [1.0 if s == state else None for s in states])
        if samples:
            out.append(({**labels, "__name__": "ALERTS", "alertstate": state}, samples))
    samples = _with_stale_markers(steps, for_state)
    if samples:
        out.append(({**labels, "__name__": "ALERTS_FOR_STATE"}, samples))
    return out


def alert_series(rule: AlertRule, matrix: Sequence[Mapping[str, Any]], steps: Sequence[int]) -> list[Series]:
    """From the query_range result (``data.result`` of a matrix) of the rule's expr to the series to write."""
    active: dict[tuple[tuple[str, str], ...], set[int]] = {}
    for item in matrix:
        key = tuple(sorted(alert_labels(rule, item["metric"]).items()))
        active.setdefault(key, set()).update(round(float(t) * 1000) for t, _ in item["values"])
    return [series for key, steps_active in sorted(active.items())
            for series in replay_alert(rule, dict(key), steps_active, steps)]


CHUNK_RACE_ATTEMPTS = 5


def query_matrix(client: httpx.Client, prometheus_url: str, expr: str, steps: Sequence[int], interval_ms: int) -> list[dict[str, Any]]:
    """query_range over these (evenly spaced) steps, in chunks small enough for Prometheus's step limit."""
    matrix: list[dict[str, Any]] = []
    for i in range(0, len(steps), MAX_POINTS_PER_QUERY):
        chunk = steps[i:i + MAX_POINTS_PER_QUERY]
        params = {"query": expr, "start": f"{chunk[0] / 1000:.3f}", "end": f"{chunk[-1] / 1000:.3f}", "step": f"{interval_ms / 1000:g}"}
        for attempt in range(CHUNK_RACE_ATTEMPTS):
            response = client.get(f"{prometheus_url.rstrip('/')}/api/v1/query_range", params=params)
            # Prometheus can fail a query that races the m-mapping of out-of-order head chunks
            # ("cannot populate chunk ... not found"), which lab loads write: asking again works.
            if response.status_code != 422 or "cannot populate chunk" not in response.text:
                break
            time.sleep(0.2 * (attempt + 1))
        if response.status_code != 200:
            raise RuntimeError(f"query_range refused ({response.status_code}): {response.text[:300]}")
        matrix += response.json()["data"]["result"]
    return matrix


def backfill_alerts(prometheus_url: str, rule_files: Sequence[Path], start: datetime, end: datetime,
                    offset_ms: int = 0, client: httpx.Client | None = None, services: set[str] | None = None,
                    service_label: str = "service") -> int:
    """Evaluate every alerting rule over [start, end] and remote-write its ALERTS / ALERTS_FOR_STATE.

    Steps are start + offset_ms + k * interval (the offset plays the part of Prometheus's per-group
    evaluation offset; two loads with different offsets never write the same timestamps).
    With `services`, only alerts of those services (by `service_label`) are written: a load that
    shares Prometheus with other data (no reset) must not write a second copy of the others' alerts.
    Returns the number of samples written.
    """
    own_client = client is None
    client = client or httpx.Client(timeout=60)
    try:
        series: list[Series] = []
        for rule in load_alert_rules(rule_files):
            steps = evaluation_steps(int(start.timestamp() * 1000), int(end.timestamp() * 1000), rule.interval_ms, offset_ms)
            if steps:
                matrix = query_matrix(client, prometheus_url, rule.expr, steps, rule.interval_ms)
                if services is not None:
                    matrix = [row for row in matrix if row["metric"].get(service_label) in services]
                series += alert_series(rule, matrix, steps)
        return remote_write(prometheus_url, series, client=client) if series else 0
    finally:
        if own_client:
            client.close()
