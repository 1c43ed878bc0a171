"""Evidence from Prometheus: the platform's 5xx ratio of the ticket's service/region, in the
ticket's window against the baseline window before it.

Queries are shared: one grouped `sum by (service, region)` query answers every ticket of the batch
that has the same window, whatever its service and region.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from backends.prometheus import PrometheusBackend
from triage.models import Evidence
from triage.understand import Case

SOURCE = "error_ratio"
# `or ... * 0`: a service/region with traffic but no 5xx series at all has a ratio of 0, not none.
RATIO_QUERY = (
    '(sum by (service, region) (increase({metric}{{code=~"5.."}}[{range}]))'
    " or sum by (service, region) (increase({metric}[{range}])) * 0)"
    " / sum by (service, region) (increase({metric}[{range}]))"
)

Ratios = dict[tuple[str, str], float]


class ErrorRatioCorrelator:
    name = SOURCE

    def __init__(self, backend: PrometheusBackend, metric: str = "http_requests_total"):
        self.backend = backend
        self.metric = metric

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        cache: dict[tuple[datetime, timedelta], Ratios] = {}

        def ratios(end: datetime, length: timedelta) -> Ratios:
            if (end, length) not in cache:
                cache[(end, length)] = self._ratios(end, length)
            return cache[(end, length)]

        evidence = []
        for case in cases:
            service, region = case.service, case.region
            now_query = self.ratio_query(case.window.duration)
            base_query = self.ratio_query(case.baseline.duration)
            query = f"{now_query}\n  time={case.window.end.isoformat()}\n{base_query}\n  time={case.baseline.end.isoformat()}"
            if not service or not region:
                evidence.append(Evidence(source=SOURCE, query=query, summary="no service/region known for this ticket"))
                continue
            current = ratios(case.window.end, case.window.duration).get((service, region))
            baseline = ratios(case.baseline.end, case.baseline.duration).get((service, region))
            evidence.append(describe(service, region, current, baseline, query))
        return evidence

    def ratio_query(self, length: timedelta) -> str:
        return RATIO_QUERY.format(metric=self.metric, range=f"{int(length.total_seconds())}s")

    def _ratios(self, end: datetime, length: timedelta) -> Ratios:
        rows = self.backend.query(self.ratio_query(length), at=end)
        return {
            (row["metric"].get("service", ""), row["metric"].get("region", "")): row["value"]
            for row in rows
            if row["value"] == row["value"]  # NaN: no traffic at all
        }


def describe(service: str, region: str, current: float | None, baseline: float | None, query: str) -> Evidence:
    facts: dict[str, object] = {"metrics_service": service, "metrics_region": region}
    if current is None:
        summary = f"no request metrics for {service}/{region} in the window"
        return Evidence(source=SOURCE, query=query, summary=summary, facts=facts)
    facts["platform_error_ratio"] = round(current, 5)
    summary = f"{service}/{region} 5xx ratio {current:.2%}"
    if baseline is not None:
        facts["baseline_error_ratio"] = round(baseline, 5)
        facts["error_ratio_delta"] = round(current - baseline, 5)
        summary += f" against {baseline:.2%} in the baseline window"
    return Evidence(source=SOURCE, query=query, summary=summary, facts=facts)
