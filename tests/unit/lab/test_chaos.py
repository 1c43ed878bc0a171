"""The chaos command's own parts that need no server: its fault list and its malformed records."""

import random
from datetime import datetime, timezone

from lab.chaos import FAULT_RUNS, fuzzed_records
from lab.cli import CHAOS_FAULTS
from triage.decode import Rejection, decode_ticket


def test_every_fault_the_command_offers_has_a_run():
    assert set(FAULT_RUNS) == set(CHAOS_FAULTS)


def test_every_fuzzed_record_is_refused_by_the_decoder_with_a_reason():
    now = datetime(2026, 12, 3, 12, tzinfo=timezone.utc)
    records = fuzzed_records(220, random.Random(7))
    kinds = set()
    for raw in records:
        result = decode_ticket(raw, now, 64 * 1024)
        assert isinstance(result, Rejection), raw[:80]
        kinds.add(result.kind)
    assert kinds >= {"not_json", "invalid", "oversized", "bad_timestamp", "not_object"}
