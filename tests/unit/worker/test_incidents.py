"""The pure parts of worker/incidents.py: the merge, grouping a batch, the conflict loop (against a fake
backend), the command's parsing and formatting. The real Elasticsearch is in
tests/integration/test_incident_store.py."""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta, timezone

import pytest

from backends.elasticsearch import BulkRejected, BulkThrottled, ElasticsearchBackend, Versioned
from backends.errors import BackendRefused, BackendUnavailable
from backends.retry import RetryPolicy
from triage.models import Incident, IncidentSighting
from worker import incidents
from worker.incidents import (
    IncidentStore, add_incidents_parser, document_of, documents_to_write, es_time, format_incident, format_table,
    merge, merge_batch, parse_since, run_incidents_command, search_body,
)

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


def sighting(number: int, incident: str = "inc-a", **changes) -> IncidentSighting:
    fields = dict(
        incident_id=incident, service="object-storage", region="cn-east-1", fault_start=T0 + timedelta(minutes=number % 3),
        status="open", status_as_of=T0 + timedelta(minutes=10 + number), ticket_id=f"T-{number}",
        customer_id=f"cust-{number % 4}", seen_at=T0 + timedelta(minutes=5 + number),
        alerts=["HighErrorRatio{region=cn-east-1,service=object-storage}"], figures={"peak_error_ratio": number / 100},
    )
    return IncidentSighting(**{**fields, **changes})


def random_sightings(seed: int, count: int = 40) -> list[IncidentSighting]:
    """Sightings of three incidents with every kind of disagreement the merge must settle."""
    rng = random.Random(seed)
    result = []
    for number in range(count):
        as_of = T0 + timedelta(minutes=rng.randint(0, 8))  # few distinct times: many ties
        resolved = rng.random() < 0.4
        result.append(sighting(
            number, incident=rng.choice(["inc-a", "inc-b", "inc-c"]), status="resolved" if resolved else "open",
            status_as_of=as_of, fault_end=as_of - timedelta(minutes=rng.randint(0, 3)) if resolved else None,
            seen_at=T0 + timedelta(minutes=rng.randint(0, 60)), fault_start=T0 + timedelta(minutes=rng.randint(0, 5)),
            customer_id=f"cust-{rng.randint(1, 9)}", ticket_id=f"T-{rng.randint(1, 30)}",  # repeats: replays
            alerts=rng.sample(["A{x=1}", "B{x=1}", "C{x=1}"], rng.randint(0, 2)),
            figures={"peak": rng.choice([1, 2, 2.5, 3.0]), "code": rng.choice(["500", "503"]),
                     "mixed": rng.choice([7, "n/a"]), "flag": rng.choice([True, False])},
        ))
    return result


# --- the merge ------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_merge_is_commutative_associative_and_idempotent(seed):
    docs = [document_of(item) for item in random_sightings(seed) if item.incident_id == "inc-a"]
    rng = random.Random(seed)
    for _ in range(50):
        a, b, c = rng.choice(docs), rng.choice(docs), rng.choice(docs)
        assert merge(a, b) == merge(b, a)
        assert merge(merge(a, b), c) == merge(a, merge(b, c))
        ab = merge(a, b)
        assert merge(ab, ab) == ab and merge(ab, a) == ab


@pytest.mark.parametrize("seed", range(5))
def test_any_order_and_any_batching_gives_the_same_incidents(seed):
    sightings = random_sightings(seed)
    expected = merge_batch(sightings)
    rng = random.Random(seed)
    for _ in range(10):
        shuffled = rng.sample(sightings, len(sightings))
        cuts = sorted(rng.sample(range(1, len(shuffled)), 3))
        batches = [merge_batch(shuffled[start:end]) for start, end in zip([0, *cuts], [*cuts, len(shuffled)])]
        merged: dict = {}
        for batch in batches:  # as the store does: stored document merged with each batch's
            for incident_id, doc in batch.items():
                merged[incident_id] = merge(merged[incident_id], doc) if incident_id in merged else doc
        assert merged == expected


def test_a_batch_becomes_one_document_per_incident_in_id_order():
    batch = merge_batch([sighting(1, "inc-b"), sighting(2, "inc-a"), sighting(3, "inc-b", customer_id="cust-1")])
    assert list(batch) == ["inc-a", "inc-b"]
    doc = batch["inc-b"]
    assert doc["ticket_ids"] == ["T-1", "T-3"] and doc["customers"] == ["cust-1"]
    assert (doc["first_seen"], doc["last_seen"]) == (es_time(T0 + timedelta(minutes=6)), es_time(T0 + timedelta(minutes=8)))
    assert doc["fault_start"] == es_time(T0)  # min of T0+1min and T0+0min
    assert doc["figures"] == {"peak_error_ratio": 0.03}
    assert merge_batch([]) == {}


def test_times_are_stored_as_fixed_width_utc_text():
    east8 = timezone(timedelta(hours=8))
    assert es_time(datetime(2026, 11, 25, 22, 5, tzinfo=east8)) == "2026-11-25T14:05:00.000000Z"
    assert es_time(datetime(2026, 11, 25, 14, 5, 0, 120, tzinfo=timezone.utc)) == "2026-11-25T14:05:00.000120Z"
    with pytest.raises(ValueError, match="naive"):
        es_time(datetime(2026, 11, 25, 14, 5))


def test_the_newest_judgement_wins_and_brings_its_fault_end():
    opened = document_of(sighting(1, status="open", status_as_of=T0 + timedelta(minutes=10)))
    resolved = document_of(sighting(2, status="resolved", status_as_of=T0 + timedelta(minutes=20),
                                    fault_end=T0 + timedelta(minutes=18)))
    reopened = document_of(sighting(3, status="open", status_as_of=T0 + timedelta(minutes=30)))
    assert merge(opened, resolved)["status"] == "resolved"
    assert merge(opened, resolved)["fault_end"] == es_time(T0 + timedelta(minutes=18))
    assert merge(merge(opened, resolved), reopened)["status"] == "open"
    assert merge(merge(opened, resolved), reopened)["fault_end"] is None


def test_at_the_same_data_time_resolved_beats_open_then_the_later_end_wins():
    same = T0 + timedelta(minutes=20)
    opened = document_of(sighting(1, status="open", status_as_of=same))
    early = document_of(sighting(2, status="resolved", status_as_of=same, fault_end=T0 + timedelta(minutes=15)))
    late = document_of(sighting(3, status="resolved", status_as_of=same, fault_end=T0 + timedelta(minutes=17)))
    for a, b in [(opened, early), (early, opened)]:
        assert merge(a, b)["status"] == "resolved"
    assert merge(early, late)["fault_end"] == merge(late, early)["fault_end"] == es_time(T0 + timedelta(minutes=17))


def test_figures_keep_the_largest_number_and_the_newest_text():
    older = document_of(sighting(1, status_as_of=T0, figures={"peak": 0.9, "code": "503", "mixed": "n/a", "gone": None}))
    newer = document_of(sighting(2, status_as_of=T0 + timedelta(minutes=5), figures={"peak": 0.4, "code": "500", "mixed": 3}))
    merged = merge(older, newer)
    assert merged["figures"] == {"peak": 0.9, "code": "500", "mixed": 3}  # a number beats text; None is dropped
    assert merged["figures_as_of"] == {"code": es_time(T0 + timedelta(minutes=5))}
    tie_a = document_of(sighting(3, status_as_of=T0, figures={"code": "502"}))
    tie_b = document_of(sighting(4, status_as_of=T0, figures={"code": "504"}))
    assert merge(tie_a, tie_b)["figures"]["code"] == merge(tie_b, tie_a)["figures"]["code"] == "504"


def test_the_merge_settles_even_what_should_never_differ():
    """3 and 3.0 are equal to Python but not to the stored JSON; service is in the id, but a bug
    upstream must still not make the document depend on arrival order."""
    a = document_of(sighting(1, figures={"peak": 3}, service="cdn"))
    b = document_of(sighting(2, figures={"peak": 3.0}))
    assert incidents.json_text(merge(a, b)) == incidents.json_text(merge(b, a))


# --- writing: what goes to Elasticsearch ----------------------------------------------------------

def stored(doc: dict, seq_no: int = 7) -> Versioned:
    return Versioned(incidents.finished(doc, "2026-11-25T14:59:00.000000Z"), seq_no, 1)


def test_only_changed_incidents_are_written_with_counts_and_a_stamp():
    batch = merge_batch([sighting(1, "inc-a"), sighting(2, "inc-b"), sighting(3, "inc-c")])
    current = {"inc-a": stored(batch["inc-a"]),  # a replay: nothing new
               "inc-b": stored(merge_batch([sighting(9, "inc-b")])["inc-b"])}  # another ticket already there
    writes = documents_to_write(batch, current, "2026-11-25T15:00:00.000000Z")
    assert sorted(writes) == ["inc-b", "inc-c"]
    assert writes["inc-b"]["ticket_ids"] == ["T-2", "T-9"]
    assert (writes["inc-b"]["ticket_count"], writes["inc-b"]["customer_count"]) == (2, 2)
    assert writes["inc-c"]["updated_at"] == "2026-11-25T15:00:00.000000Z"


class FakeIncidentBackend:
    """Unit-test stand-in for ElasticsearchBackend: a dict of versioned documents; `lose` makes the
    next writes of those ids lose a race (another writer bumps the version first)."""

    def __init__(self, lose: dict[str, int] | None = None):
        self.docs: dict[str, Versioned] = {}
        self.lose = dict(lose or {})
        self.reads: list[list[str]] = []

    def get_versioned(self, index, ids):
        self.reads.append(list(ids))
        return {doc_id: self.docs[doc_id] for doc_id in ids if doc_id in self.docs}

    def write_versioned(self, index, documents, versions):
        lost = set()
        for doc_id, doc in documents.items():
            if self.lose.get(doc_id):
                self.lose[doc_id] -= 1
                lost.add(doc_id)
                continue
            seq_no = self.docs[doc_id].seq_no + 1 if doc_id in self.docs else 0
            self.docs[doc_id] = Versioned(doc, seq_no, 1)
        return lost


def test_incidents_that_lose_a_race_are_read_and_merged_again(monkeypatch):
    monkeypatch.setattr(incidents, "CONFLICT_PAUSE_S", 0)
    backend = FakeIncidentBackend(lose={"inc-b": 2})
    store = IncidentStore(backend, "idx")
    store.record([sighting(1, "inc-a"), sighting(2, "inc-b")], now=NOW)
    assert backend.reads == [["inc-a", "inc-b"], ["inc-b"], ["inc-b"]]
    assert store.conflicts == 2
    assert backend.docs["inc-b"].source["ticket_ids"] == ["T-2"]


def test_an_incident_that_keeps_losing_fails_the_batch(monkeypatch):
    monkeypatch.setattr(incidents, "CONFLICT_PAUSE_S", 0)
    store = IncidentStore(FakeIncidentBackend(lose={"inc-a": 99}), "idx", conflict_rounds=3)
    with pytest.raises(BackendUnavailable, match="inc-a"):
        store.record([sighting(1)], now=NOW)


class FakeBulkClient:
    """Unit-test stand-in for the Elasticsearch client's bulk(): answers with prepared statuses."""

    def __init__(self, statuses: list[int]):
        self.statuses = statuses
        self.operations: list = []

    def bulk(self, operations):
        self.operations = operations
        items = []
        for header, status in zip(operations[::2], self.statuses):
            [(op, meta)] = header.items()
            items.append({op: {"_id": meta["_id"], "status": status, **({"error": {"type": "x"}} if status >= 300 else {})}})
        return {"errors": any(status >= 300 for status in self.statuses), "items": items}


def test_versioned_bulk_creates_new_ids_overwrites_read_ones_and_returns_conflicts():
    client = FakeBulkClient([201, 409])
    backend = ElasticsearchBackend(client, RetryPolicy(attempts=1))
    lost = backend.write_versioned("idx", {"new": {"v": 1}, "old": {"v": 2}}, {"old": Versioned({}, 5, 2)})
    assert lost == {"old"}
    assert client.operations[0] == {"create": {"_index": "idx", "_id": "new"}}
    assert client.operations[2] == {"index": {"_index": "idx", "_id": "old", "if_seq_no": 5, "if_primary_term": 2}}


@pytest.mark.parametrize(("status", "kind", "cause"), [
    (400, BackendRefused, BulkRejected), (429, BackendUnavailable, BulkThrottled), (503, BackendUnavailable, BulkThrottled)])
def test_versioned_bulk_raises_on_any_other_refusal(status, kind, cause):
    backend = ElasticsearchBackend(FakeBulkClient([201, status]), RetryPolicy(attempts=1))
    with pytest.raises(kind) as failure:
        backend.write_versioned("idx", {"a": {}, "b": {}}, {})
    assert isinstance(failure.value.__cause__, cause)


# --- reading --------------------------------------------------------------------------------------

def test_search_filters_on_every_criterion_given_newest_first():
    body = search_body("open", "cdn", None, T0, "cust-1", 5)
    assert body["query"]["bool"]["filter"] == [
        {"term": {"status": "open"}}, {"term": {"services": "cdn"}}, {"term": {"customers": "cust-1"}},
        {"range": {"last_seen": {"gte": "2026-11-25T14:00:00.000000Z"}}},
    ]
    assert body["sort"][0] == {"last_seen": "desc"} and body["size"] == 5
    assert search_body(None, None, None, None, None, 50)["query"]["bool"]["filter"] == []


# --- the command ----------------------------------------------------------------------------------

def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fault-correlator")
    add_incidents_parser(parser.add_subparsers())
    return parser.parse_args(["incidents", *argv])


def test_list_is_the_default_and_show_takes_an_id():
    args = parse([])
    assert (args.action, args.incident_id, args.limit, args.json, args.status) == ("list", None, 50, False, None)
    args = parse(["show", "abc123", "--json"])
    assert (args.action, args.incident_id, args.json) == ("show", "abc123", True)
    args = parse(["list", "--status", "resolved", "--service", "cdn", "--region", "cn-north-1", "--customer", "c1",
                  "--limit", "3", "--since", "2026-11-25T22:00+08:00"])
    assert (args.status, args.service, args.region, args.customer, args.limit) == ("resolved", "cdn", "cn-north-1", "c1", 3)
    assert args.since == datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)


def test_since_takes_a_duration_back_from_now_or_a_time_with_offset():
    assert parse_since("2h", now=NOW) == NOW - timedelta(hours=2)
    assert parse_since("30m", now=NOW) == NOW - timedelta(minutes=30)
    assert parse_since("7d", now=NOW) == NOW - timedelta(days=7)
    assert parse_since("2026-11-25T14:00:00Z") == T0
    for bad in ["2026-11-25T14:00", "yesterday", "2x"]:
        with pytest.raises(argparse.ArgumentTypeError):
            parse_since(bad)


@pytest.mark.parametrize("argv", [["--status", "closed"], ["--limit", "0"], ["--since", "soon"], ["delete"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as leaving:
        parse(argv)
    assert leaving.value.code == 2


@pytest.mark.parametrize(("argv", "message"), [(["show"], "needs an incident ID"), (["list", "abc"], "did you mean")])
def test_misused_actions_exit_2_before_connecting(argv, message, capsys):
    assert run_incidents_command(parse(argv), settings=None) == 2
    assert message in capsys.readouterr().err


def incident(number: int, **changes) -> Incident:
    fields = dict(
        incident_id=f"inc-{number:03d}", service="object-storage", region="cn-east-1", fault_start=T0,
        fault_end=None, status="open", status_as_of=T0 + timedelta(minutes=30),
        first_seen=T0 + timedelta(minutes=2), last_seen=T0 + timedelta(minutes=28),
        customers=[f"cust-{n}" for n in range(number)], ticket_ids=[f"T-{n}" for n in range(number * 2)],
        alerts=["HighErrorRatio{region=cn-east-1,service=object-storage}", "SlowRequests{region=cn-east-1}"],
        figures={"peak_error_ratio": 0.71, "top_code": "503"}, updated_at=NOW,
    )
    fields["services"] = [changes.get("service", fields["service"])]
    return Incident(**{**fields, **changes})


def test_the_table_has_one_aligned_line_per_incident_in_utc():
    east8 = timezone(timedelta(hours=8))
    lines = format_table([incident(12), incident(3, status="resolved", service="cdn", region="cn-north-1", alerts=[],
                                                fault_start=datetime(2026, 11, 25, 21, 0, tzinfo=east8))]).splitlines()
    assert lines[0].split() == ["INCIDENT", "STATUS", "SERVICE/REGION", "FAULT", "START", "FIRST", "SEEN", "LAST", "SEEN",
                                "CUSTOMERS", "TICKETS", "TOP", "ALERT"]
    assert lines[1].split() == ["inc-012", "open", "object-storage/cn-east-1", "2026-11-25", "14:00", "2026-11-25", "14:02",
                                "2026-11-25", "14:28", "12", "24", "HighErrorRatio", "+1"]
    assert lines[2].split()[:5] == ["inc-003", "resolved", "cdn/cn-north-1", "2026-11-25", "13:00"]
    assert lines[2].split()[-3:] == ["3", "6", "-"]
    tickets_end = lines[0].index("TICKETS") + len("TICKETS")
    assert lines[1][tickets_end - 2:tickets_end] == "24"  # counts are right-aligned under their header
    assert lines[-1] == "(times in UTC)"


def test_a_shared_dependency_incident_lists_its_services():
    shared = incident(2, service="auth", services=["auth", "image-processing"])
    assert format_table([shared]).splitlines()[1].split()[2] == "auth+image-processing/cn-east-1"
    assert "service     auth, image-processing / cn-east-1" in format_incident(shared)


def test_show_cuts_long_lists_with_a_count_and_prints_everything_else():
    text = format_incident(incident(12, status="resolved", fault_end=T0 + timedelta(minutes=26)))
    assert "customers   12: cust-0, cust-1," in text and "... and 2 more" in text
    assert "tickets     24: T-0," in text and "... and 14 more" in text
    assert "fault       2026-11-25 14:00:00 to 2026-11-25 14:26:00" in text
    assert "figures     peak_error_ratio=0.71, top_code=503" in text
    assert "SlowRequests{region=cn-east-1}" in text
    assert "to ongoing" in format_incident(incident(1))


def test_json_lines_are_complete_incidents():
    line = incidents.json_line(incident(12))
    assert Incident.model_validate_json(line) == incident(12)  # nothing cut, unlike `show`
