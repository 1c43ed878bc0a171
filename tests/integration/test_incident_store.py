"""IncidentStore on the real Elasticsearch of the local stack: replays, order, concurrent writers,
status judgements, refusals, reading, the `incidents` command, and the size of a big incident.
Every test works in its own `incidents-test-<unique>-*` indices and deletes them."""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import orjson
import pytest

from backends.elasticsearch import ElasticsearchBackend, connect
from backends.errors import BackendRefused, BackendUnavailable
from backends.retry import RetryPolicy
from stack.settings import ELASTICSEARCH_URL
from triage.models import IncidentSighting
from worker.config import load_settings
from worker.incidents import IncidentStore, add_incidents_parser, run_incidents_command

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def client(local_stack):
    client = connect(ELASTICSEARCH_URL, timeout_s=30)
    yield client
    client.close()


@pytest.fixture
def new_store(client, unique):
    """Makes stores on fresh indices (`incidents-test-<unique>-<name>`), deleted after the test."""
    created: list[str] = []

    def make(name: str = "a", prepare: bool = True) -> IncidentStore:
        store = IncidentStore(ElasticsearchBackend(client, RetryPolicy(attempts=5, max_wait_s=0.5)),
                              f"incidents-test-{unique}-{name}")
        created.append(store.index)
        if prepare:
            store.prepare()
        return store

    yield make
    for index in created:
        client.options(ignore_status=404).indices.delete(index=index)


def sighting(ticket: int, incident: str = "inc-a", **changes) -> IncidentSighting:
    fields = dict(
        incident_id=incident, service="object-storage", region="cn-east-1", fault_start=T0, status="open",
        status_as_of=T0 + timedelta(minutes=10), ticket_id=f"T-{ticket:06d}", customer_id=f"cust-{ticket % 7}",
        seen_at=T0 + timedelta(minutes=5, seconds=ticket), alerts=["HighErrorRatio{region=cn-east-1,service=object-storage}"],
        figures={"peak_error_ratio": 0.5},
    )
    return IncidentSighting(**{**fields, **changes})


def varied_sightings(seed: int, count: int = 60) -> list[IncidentSighting]:
    """Three incidents whose sightings disagree on everything the merge settles (and repeat tickets)."""
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        as_of = T0 + timedelta(minutes=rng.randint(0, 6))
        resolved = rng.random() < 0.4
        result.append(sighting(
            rng.randint(1, 40), incident=rng.choice(["inc-a", "inc-b", "inc-c"]),
            status="resolved" if resolved else "open", status_as_of=as_of,
            fault_end=as_of - timedelta(minutes=rng.randint(0, 2)) if resolved else None,
            fault_start=T0 + timedelta(minutes=rng.randint(0, 5)), seen_at=T0 + timedelta(minutes=rng.randint(0, 90)),
            customer_id=f"cust-{rng.randint(1, 9)}", alerts=rng.sample(["A{x=1}", "B{x=1}", "C{x=1}"], rng.randint(0, 2)),
            figures={"peak": rng.choice([0.2, 0.7, 1]), "code": rng.choice(["500", "503"]), "p99_ms": rng.randint(100, 900)},
        ))
    return result


def documents(client, store: IncidentStore) -> dict[str, dict]:
    """Every document of the store's index, without updated_at (the only field allowed to differ)."""
    client.indices.refresh(index=store.index)
    hits = client.search(index=store.index, size=100, query={"match_all": {}})["hits"]["hits"]
    return {hit["_id"]: {k: v for k, v in hit["_source"].items() if k != "updated_at"} for hit in hits}


def test_replaying_sightings_changes_nothing_not_even_the_version(client, new_store):
    store = new_store()
    batch = varied_sightings(1)
    store.record(batch)
    before = {doc_id: client.get(index=store.index, id=doc_id) for doc_id in ("inc-a", "inc-b", "inc-c")}
    store.record(batch)
    store.record(batch[::3])
    for doc_id, doc in before.items():
        again = client.get(index=store.index, id=doc_id)
        assert again["_source"] == doc["_source"]  # updated_at included: nothing was written
        assert again["_version"] == doc["_version"] == 1


def test_any_order_and_batching_gives_the_same_documents(client, new_store):
    sightings = varied_sightings(2)
    reference = new_store("reference")
    reference.record(sightings)
    expected = documents(client, reference)
    assert sorted(expected) == ["inc-a", "inc-b", "inc-c"]
    rng = random.Random(2)
    for attempt in range(3):
        store = new_store(f"shuffled-{attempt}")
        shuffled = rng.sample(sightings, len(sightings))
        cuts = sorted(rng.sample(range(1, len(shuffled)), 4))
        for start, end in zip([0, *cuts], [*cuts, len(shuffled)]):
            store.record(shuffled[start:end])
        assert documents(client, store) == expected


def test_concurrent_writers_lose_no_ticket(client, new_store):
    """Four workers, each with its own client, write overlapping tickets of the same two incidents in
    small batches; like the worker, a writer retries a batch that failed."""
    index = new_store().index
    tickets, writers, batch_size = 400, 4, 10
    conflicts: list[int] = []
    failed_batches: list[int] = []

    def write(number: int) -> None:
        own = connect(ELASTICSEARCH_URL, timeout_s=30)
        store = IncidentStore(ElasticsearchBackend(own, RetryPolicy(attempts=5, max_wait_s=0.5)), index)
        mine = [(number * 100 + offset) % tickets for offset in range(200)]  # each ticket is written by two writers
        random.Random(number).shuffle(mine)
        failures = 0
        for start in range(0, len(mine), batch_size):
            batch = [sighting(ticket, incident=f"inc-{ticket % 2}") for ticket in mine[start:start + batch_size]]
            while True:
                try:
                    store.record(batch)
                    break
                except BackendUnavailable:
                    failures += 1
        conflicts.append(store.conflicts)
        failed_batches.append(failures)
        own.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    written = {}
    for incident in ("inc-0", "inc-1"):
        doc = client.get(index=index, id=incident)
        written[incident] = doc["_source"]["ticket_ids"]
        assert doc["_source"]["ticket_count"] == tickets // 2
    assert sorted(written["inc-0"] + written["inc-1"]) == [f"T-{ticket:06d}" for ticket in range(tickets)]
    print(f"\n{writers} writers x {2 * tickets // writers} sightings in batches of {batch_size} "
          f"({writers * 200 // batch_size} batches, 2 incidents): {elapsed:.2f} s, "
          f"{sum(conflicts)} incident writes lost a race and were merged again, "
          f"{sum(failed_batches)} batches failed and were retried, 0 tickets lost")


def test_the_newest_judgement_wins_and_a_replayed_old_one_does_not_reopen(client, new_store):
    store = new_store()
    opened = sighting(1, status="open", status_as_of=T0 + timedelta(minutes=10))
    resolved = sighting(2, status="resolved", status_as_of=T0 + timedelta(minutes=20), fault_end=T0 + timedelta(minutes=18))
    store.record([opened])
    store.record([resolved])
    store.record([opened, sighting(3, status="open", status_as_of=T0 + timedelta(minutes=20))])  # old, then a tie
    incident = store.get("inc-a")
    assert (incident.status, incident.fault_end) == ("resolved", T0 + timedelta(minutes=18))
    assert incident.status_as_of == T0 + timedelta(minutes=20)
    store.record([sighting(4, status="open", status_as_of=T0 + timedelta(minutes=30))])
    incident = store.get("inc-a")
    assert (incident.status, incident.fault_end) == ("open", None)
    assert incident.ticket_ids == ["T-000001", "T-000002", "T-000003", "T-000004"]


def test_a_refused_incident_fails_the_whole_record(client, new_store, unique):
    store = new_store("refusing", prepare=False)
    # An index whose mapping refuses one of the two incidents: `service` must be a number here.
    client.indices.create(index=store.index, mappings={"properties": {"service": {"type": "integer"}}})
    with pytest.raises(BackendRefused, match="document_parsing_exception"):
        store.record([sighting(1, incident="inc-ok", service="42"), sighting(2, incident="inc-refused")])
    assert client.get(index=store.index, id="inc-ok")["found"]  # written: a retry of the batch will be a no-op
    assert not client.options(ignore_status=404).get(index=store.index, id="inc-refused")["found"]


def test_search_filters_sorts_and_limits_and_get_reads_one(client, new_store):
    store = new_store()
    store.record([
        sighting(1, incident="inc-1", customer_id="cust-x", seen_at=T0 + timedelta(minutes=1)),
        sighting(2, incident="inc-2", service="cdn", region="cn-north-1", seen_at=T0 + timedelta(minutes=50),
                 status="resolved", fault_end=T0 + timedelta(minutes=9)),
        sighting(3, incident="inc-3", region="cn-north-1", customer_id="cust-x", seen_at=T0 + timedelta(minutes=30)),
    ])
    client.indices.refresh(index=store.index)

    def ids(**filters) -> list[str]:
        return [incident.incident_id for incident in store.search(**filters)]

    assert ids() == ["inc-2", "inc-3", "inc-1"]  # last seen, newest first
    assert ids(status="open") == ["inc-3", "inc-1"]
    assert ids(status="resolved") == ["inc-2"]
    assert ids(service="object-storage", region="cn-north-1") == ["inc-3"]
    assert ids(customer="cust-x") == ["inc-3", "inc-1"]
    assert ids(since=T0 + timedelta(minutes=30)) == ["inc-2", "inc-3"]
    assert ids(limit=1) == ["inc-2"]
    assert store.get("inc-2").fault_end == T0 + timedelta(minutes=9)
    assert store.get("no-such-incident") is None
    missing = new_store("never-created", prepare=False)
    assert missing.search() == [] and missing.get("inc-1") is None


def command(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fault-correlator")
    add_incidents_parser(parser.add_subparsers())
    return parser.parse_args(["incidents", *argv])


def test_the_incidents_command_lists_shows_and_prints_json(client, new_store, capsys):
    store = new_store()
    store.record([sighting(ticket, incident="inc-big") for ticket in range(15)] + [sighting(99, incident="inc-small")])
    client.indices.refresh(index=store.index)
    settings = SimpleNamespace(**{**load_settings().model_dump(), "incidents_index": store.index})

    assert run_incidents_command(command(["list", "--service", "object-storage"]), settings) == 0
    table = capsys.readouterr().out
    lines = table.splitlines()
    assert lines[0].startswith("INCIDENT") and len(lines) == 4
    assert lines[1].split()[:3] == ["inc-small", "open", "object-storage/cn-east-1"]  # seen last
    assert lines[2].split()[0] == "inc-big" and lines[2].split()[-3:] == ["7", "15", "HighErrorRatio"]

    assert run_incidents_command(command(["show", "inc-big"]), settings) == 0
    shown = capsys.readouterr().out
    assert "tickets     15: T-000000," in shown and "... and 5 more" in shown

    assert run_incidents_command(command(["--json", "--limit", "5"]), settings) == 0
    rows = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["incident_id"] for row in rows] == ["inc-small", "inc-big"] and len(rows[1]["ticket_ids"]) == 15

    assert run_incidents_command(command(["show", "inc-none"]), settings) == 1
    assert "no incident inc-none" in capsys.readouterr().err


@pytest.mark.parametrize("tickets", [5_000, 20_000])
def test_size_and_update_latency_of_a_big_incident(client, new_store, tickets):
    """Measured, not asserted: the figures go to docs/incidents.md."""
    store = new_store()
    customers = tickets // 3

    def big(ticket: int) -> IncidentSighting:
        return sighting(ticket, incident="inc-big", customer_id=f"cust-{ticket % customers:06d}",
                        ticket_id=f"T-20261125-{ticket:06d}", seen_at=T0 + timedelta(seconds=ticket))

    started = time.perf_counter()
    for start in range(0, tickets, 1_000):
        store.record([big(ticket) for ticket in range(start, start + 1_000)])
    fill_s = time.perf_counter() - started
    source = client.get(index=store.index, id="inc-big")["_source"]
    assert (source["ticket_count"], source["customer_count"]) == (tickets, customers)
    size = len(orjson.dumps(source))

    def timed(batch: list[IncidentSighting]) -> float:
        began = time.perf_counter()
        store.record(batch)
        return (time.perf_counter() - began) * 1000

    one = [timed([big(tickets + n)]) for n in range(20)]
    batch = [timed([big(tickets + 100 + n * 200 + k) for k in range(200)]) for n in range(3)]
    replay = [timed([big(n)]) for n in range(20)]
    assert client.get(index=store.index, id="inc-big")["_source"]["ticket_count"] == tickets + 20 + 600
    print(f"\nincident of {tickets} tickets / {customers} customers: _source {size / 1024:.0f} KiB "
          f"({size / tickets:.0f} bytes per ticket); filled in {fill_s:.2f} s (batches of 1000); "
          f"+1 new ticket: median {statistics.median(one):.0f} ms (max {max(one):.0f}); "
          f"+200 new tickets: median {statistics.median(batch):.0f} ms; "
          f"replayed ticket (no write): median {statistics.median(replay):.0f} ms")
