"""Prometheus range-query answers kept per clock-aligned hour, once that hour is old enough not to change.

Why: every batch asks the same range queries over the hours its tickets cover (the preceding hour,
the same hours a day earlier), and consecutive batches cover nearly the same hours. The answer for
an hour that ended a while ago does not change, so it is asked once. This is what the query
frontends of Thanos and Cortex do (a results cache split by interval, with a "max freshness").

How: a range is cut into chunks on the hour grid. Chunks that ended more than SETTLE ago are served
from the cache or fetched (all missing ones in one query) and kept; the rest of the range, the live
edge, is always fetched. Rows are merged per series and cut to the range asked. At most
`max_chunks` chunks are kept, least recently used out first.

Only ranges whose start and chunk length are multiples of the step are cut (the correlators align
their ranges to the minute); any other range goes straight to Prometheus. A query that reads back
in time (`offset 1d`, the metrics correlator's day-earlier reference) reads samples that settled
that long ago: its whole range up to `offset` before now is final.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

CHUNK = timedelta(hours=1)
SETTLE = timedelta(minutes=5)  # samples are scraped and rules evaluated within this much of their time

Rows = list[dict[str, Any]]
OFFSET = re.compile(r"\boffset\s+(\d+)([smhdw])\b")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class RangeQueries(Protocol):
    def query_range(self, promql: str, start: datetime, end: datetime, step_s: int) -> Rows: ...


class RangeCache:
    def __init__(self, backend: RangeQueries, max_chunks: int = 256,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.backend = backend
        self.max_chunks = max_chunks
        self.clock = clock
        self.chunks: OrderedDict[tuple[str, int, float], Rows] = OrderedDict()
        self.lock = threading.Lock()  # the metrics correlator asks from several threads at once
        self.hits = self.misses = 0

    def query_range(self, promql: str, start: datetime, end: datetime, step_s: int) -> Rows:
        chunk_s = CHUNK.total_seconds()
        lo, hi = start.timestamp(), end.timestamp()
        if lo % step_s or chunk_s % step_s or hi < lo:
            return self.backend.query_range(promql, start, end, step_s)
        settled_until = (self.clock() - SETTLE + lag(promql)).timestamp() // chunk_s * chunk_s  # final before this
        first = lo // chunk_s * chunk_s
        last_settled = min(settled_until, (hi // chunk_s + 1) * chunk_s)  # end of the cached part
        parts: list[Rows] = []
        if first < last_settled:
            parts += self.settled(promql, first, last_settled, step_s)
        if last_settled <= hi:
            edge_start = max(lo, last_settled)
            parts.append(self.backend.query_range(promql, at(edge_start), end, step_s))
        return merge(parts, lo, hi)

    def settled(self, promql: str, first: float, until: float, step_s: int) -> list[Rows]:
        """The chunks from `first` to `until` (both on the grid), fetching the missing ones in one query."""
        chunk_s = CHUNK.total_seconds()
        starts = [first + n * chunk_s for n in range(int((until - first) // chunk_s))]
        with self.lock:
            found = {t: self.chunks.get((promql, step_s, t)) for t in starts}
            for t in starts:
                if found[t] is not None:
                    self.chunks.move_to_end((promql, step_s, t))
            missing = [t for t in starts if found[t] is None]
            self.hits += len(starts) - len(missing)
            self.misses += len(missing)
        if missing:
            rows = self.backend.query_range(promql, at(missing[0]), at(missing[-1] + chunk_s - step_s), step_s)
            for t in missing:
                found[t] = cut(rows, t, t + chunk_s - step_s)
            with self.lock:
                for t in missing:
                    self.chunks[(promql, step_s, t)] = found[t]
                while len(self.chunks) > self.max_chunks:
                    self.chunks.popitem(last=False)
        return [found[t] for t in starts]


def lag(promql: str) -> timedelta:
    """How far back the query reads: its smallest `offset` (none: zero)."""
    offsets = [int(n) * UNIT_S[unit] for n, unit in OFFSET.findall(promql)]
    return timedelta(seconds=min(offsets)) if offsets and len(offsets) == promql.count("offset") else timedelta(0)


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def cut(rows: Rows, lo: float, hi: float) -> Rows:
    """The rows' points from lo to hi (both included); series left without points are dropped."""
    out = []
    for row in rows:
        values = [point for point in row["values"] if lo <= point[0] <= hi]
        if values:
            out.append({"metric": row["metric"], "values": values})
    return out


def merge(parts: list[Rows], lo: float, hi: float) -> Rows:
    """One row per series, its points in time order, cut to lo..hi (both included, as Prometheus does)."""
    series: dict[tuple, dict[str, Any]] = {}
    for rows in parts:
        for row in rows:
            key = tuple(sorted(row["metric"].items()))
            if key not in series:
                series[key] = {"metric": row["metric"], "values": []}
            series[key]["values"].extend(point for point in row["values"] if lo <= point[0] <= hi)
    return [row for row in series.values() if row["values"]]
