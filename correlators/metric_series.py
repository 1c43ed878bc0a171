"""Per-minute series of one service/region and the figures of a window summed from them.

The metrics correlator asks Prometheus once per batch for every scope's per-minute request, 5xx
and latency-bucket counts; every ticket's windows (and the stretches of long windows) are then
summed from these series with running totals, in two lookups each.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from triage.clock import floor_to
from triage.findings import Scope
from triage.models import TimeWindow

STRETCH = timedelta(minutes=15)
GRID = timedelta(minutes=5)


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
