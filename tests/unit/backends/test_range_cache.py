"""The range cache answers exactly what Prometheus answers, and asks it only for what it lacks."""

from datetime import datetime, timedelta, timezone

import pytest

from backends.range_cache import RangeCache, lag

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


class SeriesPrometheus:
    """Two series with a point every step from T0 - 1 day on; records the ranges it was asked."""

    def __init__(self):
        self.asked: list[tuple[datetime, datetime]] = []

    def query_range(self, promql, start, end, step_s):
        self.asked.append((start, end))
        times = []
        t = start.timestamp()
        while t <= end.timestamp():
            times.append(t)
            t += step_s
        return [{"metric": {"region": region}, "values": [(t, t / 60 + n) for t in times]} for n, region in enumerate(("a", "b"))]


def cache_at(now: datetime, **kwargs) -> tuple[RangeCache, SeriesPrometheus]:
    backend = SeriesPrometheus()
    return RangeCache(backend, clock=lambda: now, **kwargs), backend


@pytest.mark.parametrize("start_min, end_min", [(0, 0), (0, 59), (5, 125), (59, 61), (-70, 170), (30, 299)])
@pytest.mark.parametrize("now_min", [20, 90, 300, 2000])
def test_answers_equal_a_direct_query(start_min, end_min, now_min):
    cache, _ = cache_at(T0 + timedelta(minutes=now_min))
    start, end = T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=end_min)
    direct = SeriesPrometheus().query_range("q", start, end, 60)
    assert cache.query_range("q", start, end, 60) == direct
    assert cache.query_range("q", start, end, 60) == direct  # and again, from the cache


def test_settled_hours_are_asked_once_and_the_live_edge_every_time():
    now = T0 + timedelta(hours=3, minutes=2)  # 10:00-11:00 ended 2 minutes ago: not settled yet
    cache, backend = cache_at(now)
    cache.query_range("q", T0 + timedelta(minutes=30), now, 60)
    assert backend.asked == [(T0, T0 + timedelta(hours=2) - timedelta(minutes=1)),  # 08:00 and 09:00, in one query
                             (T0 + timedelta(hours=2), now)]  # the live edge
    backend.asked.clear()
    cache.query_range("q", T0 + timedelta(minutes=45), now, 60)
    assert backend.asked == [(T0 + timedelta(hours=2), now)]
    assert (cache.hits, cache.misses) == (2, 2)


def test_a_query_a_day_back_is_settled_up_to_now():
    """`offset 1d` reads yesterday's samples: its live edge is final too, and asked once."""
    now = T0 + timedelta(hours=3, minutes=2)
    cache, backend = cache_at(now)
    promql = "sum(increase(x[1m] offset 1d))"
    first = cache.query_range(promql, T0 + timedelta(minutes=30), now, 60)
    assert backend.asked == [(T0, T0 + timedelta(hours=4) - timedelta(minutes=1))]  # whole hours, the last one too
    assert first == SeriesPrometheus().query_range(promql, T0 + timedelta(minutes=30), now, 60)
    backend.asked.clear()
    cache.query_range(promql, T0 + timedelta(minutes=45), now, 60)
    assert backend.asked == []


@pytest.mark.parametrize("promql, seconds", [("q", 0), ("q offset 1d", 86400), ("a offset 7d / b offset 1d", 86400),
                                             ("q offset 5m", 300), ('q{x="offset"}', 0)])
def test_lag_is_the_smallest_offset(promql, seconds):
    assert lag(promql) == timedelta(seconds=seconds)


def test_keys_are_per_query_and_step():
    cache, backend = cache_at(T0 + timedelta(days=1))
    for promql, step in (("q", 60), ("q", 30), ("r", 60)):
        cache.query_range(promql, T0, T0 + timedelta(minutes=10), step)
    assert len(backend.asked) == 3


def test_oldest_chunks_leave_first():
    cache, backend = cache_at(T0 + timedelta(days=1), max_chunks=2)
    for hour in (0, 1, 2):
        cache.query_range("q", T0 + timedelta(hours=hour), T0 + timedelta(hours=hour, minutes=10), 60)
    backend.asked.clear()
    cache.query_range("q", T0 + timedelta(hours=2), T0 + timedelta(hours=2, minutes=5), 60)
    assert backend.asked == []
    cache.query_range("q", T0, T0 + timedelta(minutes=5), 60)
    assert len(backend.asked) == 1


def test_unaligned_ranges_go_straight_to_prometheus():
    cache, backend = cache_at(T0 + timedelta(days=1))
    start = T0 + timedelta(seconds=7)
    assert cache.query_range("q", start, start + timedelta(minutes=5), 60) == SeriesPrometheus().query_range(
        "q", start, start + timedelta(minutes=5), 60)
    assert backend.asked == [(start, start + timedelta(minutes=5))] and not cache.chunks
