"""Time helpers shared by the correlators and the incident key: everything in UTC, on fixed grids.

Windows are put on a grid (the minute, five minutes, a Prometheus step) so that tickets about the
same minutes send identical queries, and so that every worker computes the same times.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

MINUTE = timedelta(minutes=1)


def parse_utc(text: str) -> datetime:
    """An ISO 8601 time as Elasticsearch and Prometheus write it ("...Z" included), in UTC."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def floor_to(moment: datetime, grid: timedelta = MINUTE) -> datetime:
    """The grid point at or before `moment` (grids count from the Unix epoch), in UTC."""
    stamp = moment.astimezone(timezone.utc).timestamp()
    return datetime.fromtimestamp(stamp - stamp % grid.total_seconds(), timezone.utc)


def ceil_to(moment: datetime, grid: timedelta = MINUTE) -> datetime:
    """The grid point at or after `moment`, in UTC."""
    floor = floor_to(moment, grid)
    return floor if floor == moment else floor + grid


def iso_z(stamp: float) -> str:
    """Unix seconds as ISO 8601 UTC with a Z, as the facts carry times."""
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat().replace("+00:00", "Z")
