"""Evidence from Prometheus: is the ticket's service/region abnormal, in errors or in latency?

For each ticket, for the service/region it names (else for each place its requests went): the 5xx
ratio and the p99 latency in the customer's fault window, against the preceding hour and against
the same window a day earlier, with a score for each:

- error score: how many standard errors the window's 5xx ratio sits above the reference ratio
  (a binomial z-score on the request counts, so 40 failures in 4,000 requests weigh more than
  1 in 10, and a small but long rise over a gray failure still shows);
- latency score: the window's p99 divided by the reference p99.

Shared work: per batch, six range queries (request counts, 5xx counts and latency buckets, each now
and a day earlier) at one-minute steps, filtered to the batch's services and regions; every window of
every ticket is then summed from those series in Python.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from backends.prometheus import any_of
from backends.range_cache import RangeQueries
from triage.clock import floor_to
from triage.models import Evidence, TimeWindow
from triage.understand import Case, Scope, failing_now

SOURCE = "metrics_anomaly"
STEP_S = 60
STEP = timedelta(seconds=STEP_S)
PRECEDING = timedelta(minutes=60)
DAY = timedelta(days=1)
# A ratio of 0 would make any single error infinitely surprising; assume at least this background.
MIN_REFERENCE_RATIO = 0.001
MAX_SCOPES_PER_TICKET = 6
# Windows longer than this (a vague time hint) are judged by their worst stretch, not as a whole.
LONG_WINDOW = timedelta(minutes=60)
STRETCH = timedelta(minutes=15)
GRID = timedelta(minutes=5)

COUNT_QUERY = 'sum by (service, region) (increase({metric}{{{selector}}}[1m]{offset}))'
ERROR_QUERY = 'sum by (service, region) (increase({metric}{{code=~"5..",{selector}}}[1m]{offset}))'
BUCKET_QUERY = 'sum by (service, region, le) (increase({histogram}_bucket{{{selector}}}[1m]{offset}))'


@dataclass
class ScopeSeries:
    """Per-minute counts of one service/region: requests, 5xx, and latency histogram buckets."""

    requests: dict[float, float] = field(default_factory=dict)
    errors: dict[float, float] = field(default_factory=dict)
    buckets: dict[float, dict[float, float]] = field(default_factory=lambda: defaultdict(dict))  # t -> le -> count
    _sums: RunningSums | None = field(default=None, init=False, repr=False, compare=False)

    def sums(self) -> RunningSums:
        """Built on first use, once the series are filled: every window of the batch reads them."""
        if self._sums is None:
            self._sums = RunningSums.of(self)
        return self._sums


@dataclass(frozen=True)
class RunningSums:
    """Running totals over the minutes of a ScopeSeries, so any window's sums are two lookups, not a
    walk over all the minutes of the batch (hundreds of windows share one series)."""

    times: list[float]
    requests: list[float]  # requests[i] = total over times[:i]
    errors: list[float]
    buckets: dict[float, list[float]]  # le -> running total

    @classmethod
    def of(cls, series: ScopeSeries) -> RunningSums:
        times = sorted(series.requests)
        les = sorted({le for t in times for le in series.buckets.get(t, {})})
        return cls(
            times=times,
            requests=list(accumulate((series.requests[t] for t in times), initial=0.0)),
            errors=list(accumulate((series.errors.get(t, 0.0) for t in times), initial=0.0)),
            buckets={le: list(accumulate((series.buckets.get(t, {}).get(le, 0.0) for t in times), initial=0.0)) for le in les},
        )


@dataclass(frozen=True)
class WindowFigures:
    requests: float
    errors: float
    p99_s: float | None

    @property
    def ratio(self) -> float | None:
        return self.errors / self.requests if self.requests else None


class MetricsAnomalyCorrelator:
    name = SOURCE

    def __init__(self, backend: RangeQueries, metric: str = "http_requests_total",
                 histogram: str = "http_request_duration_seconds"):
        self.backend = backend
        self.metric = metric
        self.histogram = histogram
        # Kept for the worker's life: starting six threads per batch cost more than the queries' parsing.
        self.pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="metrics-query")

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        wanted = {case.ticket.ticket_id: scopes_to_check(case) for case in cases}
        all_scopes = {scope for scopes in wanted.values() for scope in scopes}
        if not all_scopes:
            return [Evidence(source=SOURCE, query="", summary="no service/region known for this ticket") for _ in cases]
        start = min(case.fault_window.start for case in cases) - PRECEDING
        end = max(case.fault_window.end for case in cases)
        selector = scope_selector(all_scopes)
        now, day_before = self.fetch(selector, start, end)
        query = self.query_text(selector)
        stretches = Stretches(now)
        return [judge(case, wanted[case.ticket.ticket_id], now, day_before, query, stretches) for case in cases]

    def queries(self, selector: str, offset: str) -> tuple[str, str, str]:
        return (
            COUNT_QUERY.format(metric=self.metric, selector=selector, offset=offset),
            ERROR_QUERY.format(metric=self.metric, selector=selector, offset=offset),
            BUCKET_QUERY.format(histogram=self.histogram, selector=selector, offset=offset),
        )

    def query_text(self, selector: str) -> str:
        return "\n".join(self.queries(selector, "")) + f"\n(range queries, step {STEP_S}s; the same with offset 1d)"

    def fetch(self, selector: str, start: datetime, end: datetime) -> tuple[dict[Scope, ScopeSeries], dict[Scope, ScopeSeries]]:
        """(now, a day before): six range queries at minute steps aligned to the clock, so every batch
        sees the same minutes, sent together (Prometheus answers them in parallel).

        With `offset 1d`, Prometheus reads a day back but stamps the values with the query's own
        times: the day-before series line up with today's windows as they are.
        """
        start, end = floor_to(start, STEP), floor_to(end, STEP)
        queries = [*self.queries(selector, ""), *self.queries(selector, " offset 1d")]
        answers = list(self.pool.map(lambda query: self.backend.query_range(query, start, end, STEP_S), queries))
        return to_series(*answers[:3]), to_series(*answers[3:])


def to_series(counts: list[dict], errors: list[dict], buckets: list[dict]) -> dict[Scope, ScopeSeries]:
    series: dict[Scope, ScopeSeries] = defaultdict(ScopeSeries)
    for row in counts:
        series[_scope(row)].requests.update(dict(row["values"]))
    for row in errors:
        series[_scope(row)].errors.update(dict(row["values"]))
    for row in buckets:
        le = float(row["metric"].get("le", "+Inf"))
        for t, v in row["values"]:
            series[_scope(row)].buckets[t][le] = v
    return dict(series)


def scopes_to_check(case: Case) -> list[Scope]:
    """Where the customer got the errors it quotes, else the named service/region if the ticket
    gives both, else the customer's scopes that fit what it names."""
    if case.quoted_scope:
        return [case.quoted_scope]
    if case.reading.service and case.reading.region:
        return [(case.reading.service, case.reading.region)]
    return [scope for scope in case.candidate_scopes
            if case.reading.service in (None, scope[0]) and case.reading.region in (None, scope[1])][:MAX_SCOPES_PER_TICKET]


def scope_selector(scopes: Iterable[Scope]) -> str:
    scopes = list(scopes)
    return f'service=~"{any_of(service for service, _ in scopes)}",region=~"{any_of(region for _, region in scopes)}"'


class Stretches:
    """The worst STRETCH of a long window, per scope: shared by every ticket of the batch.

    A vague "since this evening" gives a window of hours, and its hour before is no baseline: the
    fault is somewhere inside. As an SRE reads the graph, take the stretch (on a five-minute grid)
    with the highest p99, or the highest 5xx ratio, and compare it with the hour before it."""

    def __init__(self, series: dict[Scope, ScopeSeries]):
        self.series = series
        self.cache: dict[tuple[Scope, float], WindowFigures] = {}

    def at(self, scope: Scope, start: datetime) -> WindowFigures:
        key = (scope, start.timestamp())
        if key not in self.cache:
            self.cache[key] = figures(self.series[scope], TimeWindow(start=start, end=start + STRETCH))
        return self.cache[key]

    def worst(self, scope: Scope, window: TimeWindow, by: str) -> TimeWindow:
        starts = []
        start = floor_to(window.start, GRID)
        while start + STRETCH <= window.end:
            starts.append(start)
            start += GRID
        if not starts:
            return window

        def badness(moment: datetime) -> float:
            found = self.at(scope, moment)
            return (found.p99_s or 0.0) if by == "latency" else (found.ratio or 0.0)

        first = max(starts, key=badness)
        return TimeWindow(start=first, end=first + STRETCH)


def judge(case: Case, scopes: list[Scope], now: dict[Scope, ScopeSeries], day_before: dict[Scope, ScopeSeries],
          query: str, stretches: Stretches | None = None) -> Evidence:
    if not scopes:
        return Evidence(source=SOURCE, query=query, summary="no service/region known for this ticket")
    window = case.fault_window
    scored = []
    for scope in scopes:
        if scope not in now:
            continue
        if stretches is not None and window.duration > LONG_WINDOW:
            errors = score_window(scope, stretches.worst(scope, window, "errors"), now, day_before)
            latency = score_window(scope, stretches.worst(scope, window, "latency"), now, day_before)
            facts = {**errors, **{key: value for key, value in latency.items() if "latency" in key}}
        else:
            facts = score_window(scope, window, now, day_before)
        scored.append(facts)
    if not scored:
        service, region = scopes[0]
        return Evidence(source=SOURCE, query=query, summary=f"no request metrics for {service}/{region}",
                        facts={"metrics_service": service, "metrics_region": region})
    chosen = choose(case, scored)
    return Evidence(source=SOURCE, query=query, summary=sentence(chosen), facts=chosen)


def score_window(scope: Scope, window: TimeWindow, now: dict[Scope, ScopeSeries], day_before: dict[Scope, ScopeSeries]) -> dict:
    preceding = TimeWindow(start=window.start - PRECEDING, end=window.start)
    facts = scope_facts(scope, figures(now[scope], window), figures(now[scope], preceding),
                        figures(day_before[scope], window) if scope in day_before else None)
    facts["metrics_window_start"], facts["metrics_window_end"] = window.start.isoformat(), window.end.isoformat()
    return facts


def choose(case: Case, scored: list[dict]) -> dict:
    """The scope the ticket is about: the first (named, or where the customer failed most) unless the
    customer did not fail at all, then the most abnormal one."""
    if case.quoted_scope or (case.reading.service and case.reading.region) or failing_now(case.scope_activity or {}):
        return scored[0]
    return max(scored, key=lambda facts: (facts.get("latency_score") or 0) + (facts.get("error_score") or 0) / 3)


def figures(series: ScopeSeries, window: TimeWindow) -> WindowFigures:
    """Sums over the minutes whose step falls in (start, end]: each step counts the minute before it."""
    sums = series.sums()
    lo = bisect_right(sums.times, window.start.timestamp())
    hi = bisect_right(sums.times, window.end.timestamp())
    # Rounded: a difference of two large running totals carries float noise (1e-10 where it is 0).
    buckets = {le: round(totals[hi] - totals[lo], 6) for le, totals in sums.buckets.items()} if hi > lo else {}
    return WindowFigures(
        requests=round(sums.requests[hi] - sums.requests[lo], 6),
        errors=round(sums.errors[hi] - sums.errors[lo], 6),
        p99_s=quantile(0.99, buckets),
    )


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """The q-quantile of a cumulative histogram, interpolated within the bucket as Prometheus does."""
    if not buckets:
        return None
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return None
    rank, previous_bound, previous_count = q * total, 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return previous_bound  # beyond the last finite bucket: its upper bound is all we know
            share = (rank - previous_count) / (count - previous_count) if count > previous_count else 1.0
            return previous_bound + (bound - previous_bound) * share
        previous_bound, previous_count = bound, count
    return previous_bound


def error_score(now: WindowFigures, reference: WindowFigures | None) -> float | None:
    """Standard errors between the window's 5xx ratio and the reference ratio (binomial)."""
    if reference is None or not now.requests or reference.ratio is None:
        return None
    base = max(reference.ratio, MIN_REFERENCE_RATIO)
    return (now.errors / now.requests - base) / math.sqrt(base * (1 - base) / now.requests)


def latency_score(now: WindowFigures, reference: WindowFigures | None) -> float | None:
    if reference is None or not now.p99_s or not reference.p99_s:
        return None
    return now.p99_s / reference.p99_s


def scope_facts(scope: Scope, now: WindowFigures, before: WindowFigures, day: WindowFigures | None) -> dict:
    facts: dict = {"metrics_service": scope[0], "metrics_region": scope[1], "metrics_requests": round(now.requests)}
    if now.ratio is not None:
        facts["platform_error_ratio"] = round(now.ratio, 5)
    if before.ratio is not None:
        facts["baseline_error_ratio"] = round(before.ratio, 5)
    if day is not None and day.ratio is not None:
        facts["day_before_error_ratio"] = round(day.ratio, 5)
    if now.ratio is not None and before.ratio is not None:
        facts["error_ratio_delta"] = round(now.ratio - before.ratio, 5)
    # Abnormal against both references when both exist: the smaller score.
    errors = [s for s in (error_score(now, before), error_score(now, day)) if s is not None]
    latency = [s for s in (latency_score(now, before), latency_score(now, day)) if s is not None]
    if errors:
        facts["error_score"] = round(min(errors), 2)
    for name, value in (("p99_latency_s", now.p99_s), ("baseline_p99_latency_s", before.p99_s),
                        ("day_before_p99_latency_s", day.p99_s if day else None)):
        if value is not None:
            facts[name] = round(value, 4)
    if latency:
        facts["latency_score"] = round(min(latency), 2)
    return facts


def sentence(facts: dict) -> str:
    text = f"{facts['metrics_service']}/{facts['metrics_region']}"
    if "platform_error_ratio" in facts:
        text += f": 5xx ratio {facts['platform_error_ratio']:.2%}"
        if "baseline_error_ratio" in facts:
            text += f" (preceding hour {facts['baseline_error_ratio']:.2%}"
            if "day_before_error_ratio" in facts:
                text += f", a day earlier {facts['day_before_error_ratio']:.2%}"
            text += f", score {facts.get('error_score', 0):.1f})"
    if "p99_latency_s" in facts:
        text += f"; p99 {facts['p99_latency_s'] * 1000:.0f} ms"
        if "baseline_p99_latency_s" in facts:
            text += f" (preceding hour {facts['baseline_p99_latency_s'] * 1000:.0f} ms, x{facts.get('latency_score', 0):.1f})"
    return text


def _scope(row: dict) -> Scope:
    return row["metric"].get("service", ""), row["metric"].get("region", "")


