"""Raw Kafka bytes to a validated Ticket, or a rejection with a reason a human can act on.

Pure: no I/O. The worker sends rejections to the dead-letter topic with the original bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import orjson
from pydantic import ValidationError

from triage.models import Ticket

DEFAULT_MAX_BYTES = 64 * 1024
# Tickets from before this are certainly a bad timestamp (epoch zero, seconds-vs-ms mix-ups).
EARLIEST_CREATED_AT = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Clocks drift; a ticket a little in the future is fine, a day ahead is a bad timestamp.
MAX_CLOCK_SKEW = timedelta(hours=1)


@dataclass(frozen=True)
class Rejection:
    """Why a message is not a ticket (or could not be enriched). `kind` is a short stable code used
    as a metric label; `details` become DLQ headers (`dlq.<key>`)."""

    kind: str
    reason: str
    details: tuple[tuple[str, str], ...] = ()


def decode_ticket(raw: bytes | None, now: datetime, max_bytes: int = DEFAULT_MAX_BYTES) -> Ticket | Rejection:
    if raw is None:
        return Rejection("empty", "message has no value (tombstone)")
    if len(raw) > max_bytes:
        return Rejection("oversized", f"message is {len(raw)} bytes, the limit is {max_bytes}")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Rejection("not_json", f"not valid JSON: {exc}")
    if not isinstance(data, dict):
        return Rejection("not_object", f"expected a JSON object, got {type(data).__name__}")
    try:
        ticket = Ticket.model_validate(_with_parsed_time(data))
    except ValidationError as exc:
        return Rejection("invalid", _describe(exc))
    except ValueError as exc:
        return Rejection("bad_timestamp", str(exc))
    if not EARLIEST_CREATED_AT <= ticket.created_at <= now + MAX_CLOCK_SKEW:
        return Rejection("bad_timestamp", f"created_at {ticket.created_at.isoformat()} is out of range")
    return ticket


def _with_parsed_time(data: dict) -> dict:
    """Strict models take datetimes, not strings: parse ISO 8601 here with a precise error."""
    value = data.get("created_at")
    if not isinstance(value, str):
        return data  # missing or mistyped: let the model report it with the field name
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"created_at {value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise ValueError(f"created_at {value!r} has no time zone offset")
    return {**data, "created_at": parsed}


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{field}: {err['msg']}")
    return "; ".join(parts)
