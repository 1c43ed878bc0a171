from datetime import datetime, timezone

import orjson
import pytest

from triage.decode import Rejection, decode_ticket
from triage.models import Ticket

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
GOOD = {
    "ticket_id": "T-1", "customer_id": "cust-1", "created_at": "2026-11-25T19:30:00+08:00",
    "subject": "上传失败", "body": "503 since 19:00",
}


def raw(**changes) -> bytes:
    data = {**GOOD, **changes}
    return orjson.dumps({k: v for k, v in data.items() if v is not ...})


def test_good_ticket_is_decoded_with_utc_time_and_extra_fields_kept():
    ticket = decode_ticket(raw(extra_field="kept", request_ids=["req-abcdef12"]), NOW)
    assert isinstance(ticket, Ticket)
    assert ticket.created_at == datetime(2026, 11, 25, 11, 30, tzinfo=timezone.utc)
    assert ticket.request_ids == ["req-abcdef12"]
    assert ticket.model_dump()["extra_field"] == "kept"


@pytest.mark.parametrize(
    ("message", "kind", "words"),
    [
        (None, "empty", "tombstone"),
        (b"\xff\xfe not json", "not_json", "JSON"),
        (b"[1, 2]", "not_object", "list"),
        (b'"a string"', "not_object", "str"),
        (raw(customer_id=...), "invalid", "customer_id: Field required"),
        (raw(ticket_id=42), "invalid", "ticket_id"),
        (raw(request_ids="req-1"), "invalid", "request_ids"),
        (raw(language="fr"), "invalid", "language"),
        (raw(created_at="yesterday"), "bad_timestamp", "ISO 8601"),
        (raw(created_at="2026-11-25T10:00:00"), "bad_timestamp", "time zone"),
        (raw(created_at="1970-01-01T00:00:00Z"), "bad_timestamp", "out of range"),
        (raw(created_at="2027-01-01T00:00:00Z"), "bad_timestamp", "out of range"),
        (raw(created_at=1764070000), "invalid", "created_at"),
        (raw(body="x" * 70_000), "oversized", "limit"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(message, kind, words):
    result = decode_ticket(message, NOW)
    assert isinstance(result, Rejection)
    assert result.kind == kind
    assert words in result.reason
