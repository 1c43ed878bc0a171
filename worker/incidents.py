"""Correlated incidents: platform tickets' sightings merged into one document per incident, and the
`fault-correlator incidents` command that reads them back.

Several workers write the same incident at once, and a batch is replayed after any failure. So the
merge (`merge`) is a join: every rule is a min, a max, a set union or "the newest judgement wins" with
a fixed tie-break, which makes it commutative, associative and idempotent. Any order, any batching,
any number of replays and any interleaving of workers give the same document. Writers never lock:
they read, merge and write back only if the document is unchanged (`if_seq_no`), and merge again when
another writer got there first. See docs/incidents.md.

Elasticsearch stores the documents exactly as merged here; times are fixed-width UTC strings
(`es_time`), so comparing two of them as text compares the moments.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import reduce
from typing import Any

import orjson

from backends.elasticsearch import KEYWORD, ElasticsearchBackend, Versioned
from backends.errors import BackendUnavailable, Recoverable
from triage.models import Incident, IncidentSighting, IncidentStatus

DEFAULT_INDEX = "incidents"
# A big incident is in every batch of every worker: several read-merge-write rounds may be lost to
# other writers before one lands. After this many the batch fails and the worker retries it later.
CONFLICT_ROUNDS = 10
# Between rounds, a random pause of up to 10 ms, 20, 40... (at most 0.5 s): contenders spread out
# instead of colliding again at once.
CONFLICT_PAUSE_S = 0.01
CONFLICT_PAUSE_MAX_S = 0.5
BOOKKEEPING = ("updated_at", "customer_count", "ticket_count")  # derived at write time, not merged

Document = dict[str, Any]

INCIDENT_MAPPINGS: dict[str, Any] = {
    "dynamic": False,  # anything else stays in _source without growing the mapping
    "properties": {
        "incident_id": KEYWORD,
        "service": KEYWORD,
        "services": KEYWORD,
        "region": KEYWORD,
        "status": KEYWORD,
        "fault_start": {"type": "date"},
        "fault_end": {"type": "date"},
        "status_as_of": {"type": "date"},
        "first_seen": {"type": "date"},
        "last_seen": {"type": "date"},
        "updated_at": {"type": "date"},
        "customers": KEYWORD,
        "ticket_ids": KEYWORD,
        "alerts": KEYWORD,
        # Sizes as numbers, so Kibana can sort and filter on them without counting arrays.
        "customer_count": {"type": "integer"},
        "ticket_count": {"type": "integer"},
        # Free-form figures: kept, not indexed (keys differ per correlator and must not grow the mapping).
        "figures": {"type": "object", "enabled": False},
        "figures_as_of": {"type": "object", "enabled": False},
    },
}


class IncidentStore:
    """Incidents in Elasticsearch, `_id` = incident_id: written by merging sightings, read as Incident."""

    def __init__(self, es: ElasticsearchBackend, index: str = DEFAULT_INDEX, replicas: int = 0,
                 conflict_rounds: int = CONFLICT_ROUNDS):
        self.es = es
        self.index = index
        self.replicas = replicas
        self.conflict_rounds = conflict_rounds
        self.conflicts = 0  # incidents merged again after losing a race to another writer

    def prepare(self) -> None:
        self.es.ensure_index(self.index, INCIDENT_MAPPINGS, {"number_of_replicas": self.replicas})

    def record(self, sightings: Sequence[IncidentSighting], now: datetime | None = None) -> None:
        """Merge a batch's sightings into their incidents: one `_mget` and one `_bulk` per round, a new
        round only for the incidents another writer changed meanwhile. Returns when every incident is
        written, else raises BackendUnavailable: the worker then retries the batch, and replaying a
        sighting changes nothing."""
        pending = merge_batch(sightings)
        stamp = es_time(now or datetime.now(timezone.utc))
        for round_number in range(1, self.conflict_rounds + 1):
            stored = self.es.get_versioned(self.index, list(pending))
            lost = self.es.write_versioned(self.index, documents_to_write(pending, stored, stamp), stored)
            if not lost:
                return
            self.conflicts += len(lost)
            pending = {incident_id: pending[incident_id] for incident_id in sorted(lost)}
            time.sleep(random.uniform(0, min(CONFLICT_PAUSE_MAX_S, CONFLICT_PAUSE_S * 2 ** (round_number - 1))))
        raise BackendUnavailable("elasticsearch", IncidentConflict(
            f"incidents {sorted(pending)} still changed by other writers after {self.conflict_rounds} rounds"))

    def get(self, incident_id: str) -> Incident | None:
        source = self.es.get_source(self.index, incident_id)
        return Incident.model_validate(source) if source else None

    def search(
        self, status: IncidentStatus | None = None, service: str | None = None, region: str | None = None,
        since: datetime | None = None, customer: str | None = None, limit: int = 50,
    ) -> list[Incident]:
        """Incidents matching every filter given, most recently seen first; `since` bounds last_seen."""
        response = self.es.search(self.index, search_body(status, service, region, since, customer, limit))
        return [Incident.model_validate(hit["_source"]) for hit in response["hits"]["hits"]]


class IncidentConflict(Recoverable):
    """Other writers kept changing an incident between our read and our write."""


# --- the merge (pure) -----------------------------------------------------------------------------

def merge_batch(sightings: Iterable[IncidentSighting]) -> dict[str, Document]:
    """The batch's sightings folded into one document per incident, keyed (and sorted) by incident_id."""
    grouped: dict[str, list[Document]] = {}
    for sighting in sightings:
        grouped.setdefault(sighting.incident_id, []).append(document_of(sighting))
    return {incident_id: reduce(merge, grouped[incident_id]) for incident_id in sorted(grouped)}


def document_of(sighting: IncidentSighting) -> Document:
    """One sighting as a one-ticket incident, in the stored form."""
    seen = es_time(sighting.seen_at)
    as_of = es_time(sighting.status_as_of)
    figures = {key: value for key, value in sighting.model_dump(mode="json")["figures"].items() if value is not None}
    return {
        "incident_id": sighting.incident_id,
        "service": sighting.service,
        "services": [sighting.service],
        "region": sighting.region,
        "fault_start": es_time(sighting.fault_start),
        "fault_end": es_time(sighting.fault_end) if sighting.fault_end else None,
        "status": sighting.status,
        "status_as_of": as_of,
        "first_seen": seen,
        "last_seen": seen,
        "customers": [sighting.customer_id],
        "ticket_ids": [sighting.ticket_id],
        "alerts": sorted(set(sighting.alerts)),
        "figures": figures,
        # When each non-numeric figure was judged, so the newest one wins whatever the merge order.
        "figures_as_of": {key: as_of for key, value in figures.items() if not is_number(value)},
    }


def merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> Document:
    """Join two documents of the same incident: merge(a, b) == merge(b, a), merge(a, a) == a, and
    merge(merge(a, b), c) == merge(a, merge(b, c)). Bookkeeping fields are left out (see finished)."""
    judgement = max(a, b, key=judgement_rank)
    figures, figures_as_of = merge_figures(a, b)
    return {
        "incident_id": a["incident_id"],
        # A shared-dependency incident spans services; `service` is the first by name, order-free.
        "service": min(a["service"], b["service"]),
        "services": union(a.get("services", [a["service"]]), b.get("services", [b["service"]])),
        # Equal by construction (it is hashed into the id); min keeps the merge order-free regardless.
        "region": min(a["region"], b["region"]),
        "fault_start": min(a["fault_start"], b["fault_start"]),
        "fault_end": judgement["fault_end"],  # the fault end travels with the status it was judged with
        "status": judgement["status"],
        "status_as_of": judgement["status_as_of"],
        "first_seen": min(a["first_seen"], b["first_seen"]),
        "last_seen": max(a["last_seen"], b["last_seen"]),
        "customers": union(a["customers"], b["customers"]),
        "ticket_ids": union(a["ticket_ids"], b["ticket_ids"]),
        "alerts": union(a["alerts"], b["alerts"]),
        "figures": figures,
        "figures_as_of": figures_as_of,
    }


def judgement_rank(doc: Mapping[str, Any]) -> tuple[str, bool, str]:
    """The newest data time wins. At the same time "resolved" beats "open": a wrong "open" would stick,
    since tickets stop once the fault ends, while a wrong "resolved" is reopened by the next ticket.
    Then the later fault end. A total order, so the winner never depends on arrival order."""
    return doc["status_as_of"], doc["status"] == "resolved", doc["fault_end"] or ""


def merge_figures(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Numbers keep their maximum (and beat a non-number under the same key); any other value keeps
    the one judged on the newest data, the larger JSON text on a tie."""
    figures: dict[str, Any] = {}
    figures_as_of: dict[str, str] = {}
    for key in sorted(a["figures"].keys() | b["figures"].keys()):
        candidates = [(doc["figures"][key], doc["figures_as_of"].get(key, "")) for doc in (a, b) if key in doc["figures"]]
        numbers = [value for value, _ in candidates if is_number(value)]
        if numbers:
            figures[key] = max(numbers, key=lambda number: (number, json_text(number)))  # 1 vs 1.0: still one answer
        else:
            figures[key], figures_as_of[key] = max(candidates, key=lambda pair: (pair[1], json_text(pair[0])))
    return figures, figures_as_of


def documents_to_write(pending: Mapping[str, Document], stored: Mapping[str, Versioned], stamp: str) -> dict[str, Document]:
    """The merged documents that differ from what is stored; a replayed sighting writes nothing."""
    writes: dict[str, Document] = {}
    for incident_id, batch_doc in pending.items():
        current = stored.get(incident_id)
        if current is None:
            writes[incident_id] = finished(batch_doc, stamp)
            continue
        merged = merge(current.source, batch_doc)
        if merged != {key: value for key, value in current.source.items() if key not in BOOKKEEPING}:
            writes[incident_id] = finished(merged, stamp)
    return writes


def finished(doc: Document, stamp: str) -> Document:
    return {**doc, "customer_count": len(doc["customers"]), "ticket_count": len(doc["ticket_ids"]), "updated_at": stamp}


def union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    return sorted({*a, *b})


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def es_time(moment: datetime) -> str:
    """UTC, always the same width (2026-11-25T14:05:00.000000Z), so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: incident times must carry a time zone")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def search_body(status: str | None, service: str | None, region: str | None, since: datetime | None,
                customer: str | None, limit: int) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [
        {"term": {field: value}}
        for field, value in (("status", status), ("services", service), ("region", region), ("customers", customer))
        if value is not None
    ]
    if since is not None:
        filters.append({"range": {"last_seen": {"gte": es_time(since)}}})
    return {
        "query": {"bool": {"filter": filters}},
        "sort": [{"last_seen": "desc"}, {"incident_id": "asc"}],
        "size": limit,
    }


# --- the `incidents` command ----------------------------------------------------------------------

SHOWN_ITEMS = 10  # customers and ticket ids printed by `show` before "... and N more"
DURATION = re.compile(r"(\d+)([smhdw])")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def add_incidents_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "incidents", help="list or show correlated platform incidents (from Elasticsearch)",
        description="List the correlated incidents, most recently seen first, or show one in full.",
    )
    parser.add_argument("action", nargs="?", choices=("list", "show"), default="list", help="list (default) or show ID")
    parser.add_argument("incident_id", nargs="?", metavar="ID", help="the incident to show")
    parser.add_argument("--status", choices=("open", "resolved"), help="only incidents with this status")
    parser.add_argument("--service", help="only this service, e.g. object-storage")
    parser.add_argument("--region", help="only this region, e.g. cn-east-1")
    parser.add_argument("--customer", help="only incidents that hit this customer_id")
    parser.add_argument("--since", type=parse_since, metavar="2h|ISO",
                        help="only incidents last seen at or after: a duration back from now (30m, 2h, 7d) "
                             "or an ISO 8601 time with offset (2026-11-25T14:00Z)")
    parser.add_argument("--limit", type=positive_int, default=50, help="most incidents listed (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line, complete, for scripts")
    return parser


def parse_since(text: str, now: datetime | None = None) -> datetime:
    match = DURATION.fullmatch(text.strip())
    if match:
        amount, unit = match.groups()
        return (now or datetime.now(timezone.utc)) - timedelta(**{UNITS[unit]: int(amount)})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a duration (30m, 2h, 7d) nor an ISO 8601 time") from None
    if moment.tzinfo is None:  # as for tickets: never guess a time zone
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone offset: add Z or +08:00")
    return moment


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def run_incidents_command(args: argparse.Namespace, settings: Any) -> int:
    """`fault-correlator incidents`: 0 = done, 1 = not found or Elasticsearch unavailable, 2 = bad usage."""
    if args.action == "show" and not args.incident_id:
        return usage_error("show needs an incident ID")
    if args.action == "list" and args.incident_id:
        return usage_error(f"list takes no ID (did you mean `show {args.incident_id}`?)")

    from backends.elasticsearch import connect
    from backends.retry import RetryPolicy

    from worker.config import elasticsearch_access

    client = connect(elasticsearch_access(settings), settings.backend_timeout_s)
    store = IncidentStore(
        ElasticsearchBackend(client, RetryPolicy(settings.retry_attempts, settings.retry_max_wait_s)),
        getattr(settings, "incidents_index", DEFAULT_INDEX),
    )
    try:
        if args.action == "show":
            return show_incident(store, args.incident_id, args.json)
        incidents = store.search(args.status, args.service, args.region, args.since, args.customer, args.limit)
        print_incidents(incidents, args.json)
        return 0
    except BackendUnavailable as exc:
        print(f"fault-correlator incidents: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()


def usage_error(message: str) -> int:
    print(f"fault-correlator incidents: {message}", file=sys.stderr)
    return 2


def show_incident(store: IncidentStore, incident_id: str, as_json: bool) -> int:
    incident = store.get(incident_id)
    if incident is None:
        print(f"fault-correlator incidents: no incident {incident_id} in index {store.index}", file=sys.stderr)
        return 1
    print(json_line(incident) if as_json else format_incident(incident))
    return 0


def print_incidents(incidents: list[Incident], as_json: bool) -> None:
    if as_json:
        for incident in incidents:
            print(json_line(incident))
    elif incidents:
        print(format_table(incidents))
    else:
        print("no incidents match", file=sys.stderr)


def json_line(incident: Incident) -> str:
    return orjson.dumps(incident.model_dump(mode="json")).decode()


def format_table(incidents: Sequence[Incident]) -> str:
    """A fixed-width table, one incident per line; times in UTC to the minute."""
    header = ["INCIDENT", "STATUS", "SERVICE/REGION", "FAULT START", "FIRST SEEN", "LAST SEEN",
              "CUSTOMERS", "TICKETS", "TOP ALERT"]
    rows = [[
        incident.incident_id, incident.status, f"{'+'.join(incident.services)}/{incident.region}",
        minute(incident.fault_start), minute(incident.first_seen), minute(incident.last_seen),
        str(len(incident.customers)), str(len(incident.ticket_ids)), top_alert(incident.alerts),
    ] for incident in incidents]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    numeric = {6, 7}  # counts are right-aligned

    def line(cells: list[str]) -> str:
        return "  ".join(cell.rjust(width) if column in numeric else cell.ljust(width)
                         for column, (cell, width) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(header), *map(line, rows), "(times in UTC)"])


def format_incident(incident: Incident) -> str:
    """The whole incident for a person; long customer and ticket lists are cut with a count."""
    fault_end = second(incident.fault_end) if incident.fault_end else "ongoing"
    lines = [
        f"incident    {incident.incident_id}",
        f"status      {incident.status} (judged on data up to {second(incident.status_as_of)})",
        f"service     {', '.join(incident.services)} / {incident.region}",
        f"fault       {second(incident.fault_start)} to {fault_end}",
        f"seen        {second(incident.first_seen)} to {second(incident.last_seen)} (first and last ticket)",
        f"customers   {shortened(incident.customers)}",
        f"tickets     {shortened(incident.ticket_ids)}",
        "alerts      " + ("\n            ".join(incident.alerts) or "none"),
        "figures     " + (", ".join(f"{key}={value}" for key, value in sorted(incident.figures.items())) or "none"),
        f"updated     {second(incident.updated_at) if incident.updated_at else 'unknown'}",
        "(times in UTC)",
    ]
    return "\n".join(lines)


def shortened(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN_ITEMS])
    more = f", ... and {len(items) - SHOWN_ITEMS} more" if len(items) > SHOWN_ITEMS else ""
    return f"{len(items)}: {shown}{more}" if items else "0"


def top_alert(alerts: Sequence[str]) -> str:
    """The first alert's name (its labels repeat service/region), and how many others there are.
    Alerts are a set, not counted: "top" is the first in sorted order."""
    if not alerts:
        return "-"
    name = alerts[0].split("{", 1)[0]
    return f"{name} +{len(alerts) - 1}" if len(alerts) > 1 else name


def minute(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def second(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
