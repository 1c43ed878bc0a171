"""In-memory stand-ins for unit tests only. Integration tests use the real stack.

The backend fakes answer with responses recorded from the real servers
(tests/unit/correlators/recorded/, see record.py there): `Recording` loads one, rebuilds its cases
and replays the correlators over the fakes in the worker's order.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

RECORDED = Path(__file__).resolve().parent / "correlators" / "recorded"
# The worker's order (worker/wiring.py): each may read what the ones before found.
ORDER = ("request_logs", "metrics_anomaly", "alerts", "blast_radius", "knowledge_base")


def record(value: bytes | None, offset: int, partition: int = 0, topic: str = "tickets", key: bytes | None = None) -> ConsumerRecord:
    return ConsumerRecord(topic, partition, -1, offset, 1_764_000_000_000, 0, key, value, [], None, 0, 0, 0)


@dataclass
class FakeConsumer:
    """Hands out queued batches; remembers commits and seeks."""

    batches: list[list[ConsumerRecord]] = field(default_factory=list)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)
    paused_partitions: set = field(default_factory=set)
    log_ends: dict = field(default_factory=dict)  # partition -> [log end offset]: what end_offsets answers

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[ConsumerRecord]]:
        if self.paused_partitions or not self.batches:
            return {}
        out: dict[TopicPartition, list[ConsumerRecord]] = {}
        for item in self.batches.pop(0):
            out.setdefault(TopicPartition(item.topic, item.partition), []).append(item)
        return out

    def commit(self, offsets) -> None:
        for tp, meta in offsets.items():
            self.committed[tp] = meta.offset

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition("tickets", 0), TopicPartition("tickets", 1)}

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))

    def end_offsets(self, partitions) -> dict[TopicPartition, int]:
        return {tp: max([self.committed.get(tp, 0), *self.log_ends.get(tp, [0])]) for tp in partitions}

    def position(self, tp: TopicPartition) -> int:
        return self.committed.get(tp, 0)

    def pause(self, *tps) -> None:
        self.paused_partitions |= set(tps)

    def paused(self) -> set:
        return set(self.paused_partitions)

    def resume(self, *tps) -> None:
        self.paused_partitions -= set(tps)


@dataclass
class FakeOutputs:
    """Outputs.write's signature: (enriched, rejected, sightings); fails `fail_times` times first."""

    fail_times: int = 0
    written: list[tuple[list[Any], list[Any], list[Any]]] = field(default_factory=list)

    def write(self, enriched, rejected, sightings=()) -> None:
        from backends.errors import BackendUnavailable

        if self.fail_times:
            self.fail_times -= 1
            raise BackendUnavailable("elasticsearch", ConnectionError("refused"))
        self.written.append((list(enriched), list(rejected), list(sightings)))


@dataclass
class FakeIncidentStore:
    """IncidentStore's write side: remembers the sightings of each `record` call."""

    fail: Exception | None = None
    recorded: list[list[Any]] = field(default_factory=list)
    prepared: bool = False

    def prepare(self) -> None:
        self.prepared = True

    def record(self, sightings, now=None) -> None:
        if self.fail is not None:
            raise self.fail
        self.recorded.append(list(sightings))


class FakeElasticsearch:
    """Answers `msearch` with queued responses, in order across calls (one per search); records what
    it was asked. Runs out loudly: a correlator that asks for more than was recorded is a test failure."""

    def __init__(self, responses: Sequence[dict[str, Any]]):
        self.responses = list(responses)
        self.requests: list[tuple[str, list]] = []

    def msearch(self, index: str, searches: Sequence[dict[str, Any]], combine: bool = False,
                cache: bool = True) -> list[dict[str, Any]]:
        self.requests.append((index, list(searches)))
        if len(searches) > len(self.responses):
            raise AssertionError(f"asked for {len(searches)} searches, {len(self.responses)} responses left")
        answer, self.responses = self.responses[: len(searches)], self.responses[len(searches):]
        return answer


def prometheus_rows(body: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A raw /api/v1/query_range body as PrometheusBackend.query_range returns it (rows pass through)."""
    if isinstance(body, list):
        return body
    return [{"metric": row["metric"], "values": [(float(t), float(v)) for t, v in row["values"]]}
            for row in body["data"]["result"]]


def _shape(promql: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", promql)


class FakePrometheus:
    """`query_range` answers queued bodies (raw API JSON or rows) in order, or, when `range_queries_for`
    gives the query each body answers, by query: the metrics correlator sends its range queries from
    several threads at once, so their order is not fixed. `query` (instant) answers by (promql, time)
    or a default. Both record what they were asked."""

    def __init__(self, answers: dict[tuple[str, float], list[dict[str, Any]]] | None = None, default: list | None = None,
                 ranges: Sequence[dict[str, Any] | list[dict[str, Any]]] = (), range_queries_for: Sequence[str] | None = None):
        self.answers = answers or {}
        self.default = default or []
        self.queries: list[tuple[str, Any]] = []
        self.ranges = list(ranges)
        self.keys = list(range_queries_for) if range_queries_for is not None else None
        self.lock = threading.Lock()
        self.range_queries: list[tuple[str, datetime, datetime, int]] = []

    def query(self, promql: str, at) -> list[dict[str, Any]]:
        self.queries.append((promql, at))
        return self.answers.get((promql, at.timestamp()), self.default)

    def query_range(self, promql: str, start: datetime, end: datetime, step_s: int) -> list[dict[str, Any]]:
        with self.lock:
            self.range_queries.append((promql, start, end, step_s))
            index = 0
            if self.keys is not None:
                # The same query, or the same query shape over other label matchers (a test may ask
                # about fewer places than were recorded).
                wanted = [key for key in self.keys if key == promql] or [key for key in self.keys if _shape(key) == _shape(promql)]
                if not wanted:
                    raise AssertionError(f"no recorded answer left for {promql}")
                index = self.keys.index(wanted[0])
                self.keys.pop(index)
            if not self.ranges:
                raise AssertionError(f"no recorded answer left for {promql}")
            return prometheus_rows(self.ranges.pop(index))


# --- recorded responses -----------------------------------------------------------------------------

@cache
def _load(name: str) -> str:
    return (RECORDED / f"{name}.json").read_text(encoding="utf-8")


class Recording:
    """One file of tests/unit/correlators/recorded/: the cases as recorded and the servers' answers."""

    def __init__(self, name: str):
        self.name = name
        self.data: dict[str, Any] = json.loads(_load(name))  # a fresh copy: tests may not share mutations

    def tickets(self):
        from triage.models import Ticket

        return [Ticket.model_validate_json(json.dumps(item["ticket"])) for item in self.data["cases"]]

    def cases(self, with_ticket_evidence: bool = True):
        """Fresh Case objects, built from the recorded reading and windows (not by reading the ticket again)."""
        from triage.case import Case
        from triage.models import TicketReading, TimeWindow
        from triage.understand import ticket_evidence

        out = []
        for ticket, item in zip(self.tickets(), self.data["cases"]):
            case = Case(ticket=ticket, reading=TicketReading.model_validate(item["reading"]),
                        window=TimeWindow.model_validate(item["window"]), baseline=TimeWindow.model_validate(item["baseline"]))
            if with_ticket_evidence:
                case.evidence.append(ticket_evidence(case))
            out.append(case)
        return out

    def calls(self, source: str) -> list[dict[str, Any]]:
        return self.data[source]

    def searches(self, source: str) -> list[tuple[str, list]]:
        """What the correlator sent: (index, searches) per msearch call."""
        return [(call["index"], call["searches"]) for call in self.data[source]]

    def elasticsearch(self, source: str) -> FakeElasticsearch:
        return FakeElasticsearch([response for call in self.data[source] for response in call["responses"]])

    def prometheus(self, source: str) -> FakePrometheus:
        return FakePrometheus(ranges=[call["response"] for call in self.data[source]],
                              range_queries_for=[call["query"] for call in self.data[source]])

    def correlator(self, source: str):
        """The real correlator, its backend a fake that answers what the server answered."""
        from correlators.alerts import AlertsCorrelator
        from correlators.blast_radius import BlastRadiusCorrelator
        from correlators.knowledge_base import KnowledgeBaseCorrelator
        from correlators.metrics_anomaly import MetricsAnomalyCorrelator
        from correlators.request_logs import RequestLogsCorrelator

        if source == "request_logs":
            return RequestLogsCorrelator(self.elasticsearch(source), self.data[source][0]["index"])
        if source == "blast_radius":
            return BlastRadiusCorrelator(self.elasticsearch(source), self.data[source][0]["index"])
        if source == "metrics_anomaly":
            return MetricsAnomalyCorrelator(self.prometheus(source))
        if source == "alerts":
            return AlertsCorrelator(self.prometheus(source))
        if source == "knowledge_base":
            return KnowledgeBaseCorrelator()
        raise ValueError(source)

    def run(self, until: str = "knowledge_base", cases=None):
        """The cases after the correlators of the worker's order up to and including `until`."""
        cases = cases if cases is not None else self.cases()
        for source in ORDER[: ORDER.index(until) + 1]:
            for case, evidence in zip(cases, self.correlator(source).correlate(cases), strict=True):
                case.evidence.append(evidence)
        return cases

    def evidence(self, ticket_id: str | None = None):
        """The full recorded chain's evidence of one ticket (the ticket's own evidence first)."""
        cases = self.run()
        case = cases[0] if ticket_id is None else next(c for c in cases if c.ticket.ticket_id == ticket_id)
        return case.evidence


def declared(source: str) -> tuple[frozenset[str], frozenset[str]]:
    """(requires, provides) of the real correlator of that source; nothing for another name."""
    from correlators.alerts import AlertsCorrelator
    from correlators.blast_radius import BlastRadiusCorrelator
    from correlators.knowledge_base import KnowledgeBaseCorrelator
    from correlators.metrics_anomaly import MetricsAnomalyCorrelator
    from correlators.request_logs import RequestLogsCorrelator

    real = {cls.name: cls for cls in (RequestLogsCorrelator, MetricsAnomalyCorrelator, AlertsCorrelator,
                                      BlastRadiusCorrelator, KnowledgeBaseCorrelator)}.get(source)
    return (real.requires, real.provides) if real is not None else (frozenset(), frozenset())


class FakeCorrelator:
    """A correlator that answers prepared evidence by ticket id (and a default for the others), and sets
    the prepared handoffs on each case (`handoffs`: ticket id -> {case field: value}). It declares what
    the real correlator of its name requires and provides, so the worker's order checks hold."""

    def __init__(self, name: str, by_ticket: dict[str, Any], default=None, handoffs: dict[str, dict[str, Any]] | None = None):
        self.name = name
        self.by_ticket = by_ticket
        self.default = default
        self.handoffs = handoffs or {}
        self.requires, self.provides = declared(name)
        self.batches: list[list[str]] = []

    def correlate(self, cases):
        from triage.models import Evidence

        self.batches.append([case.ticket.ticket_id for case in cases])
        for case in cases:
            for field_name, value in self.handoffs.get(case.ticket.ticket_id, {}).items():
                setattr(case, field_name, value)
        return [self.by_ticket.get(case.ticket.ticket_id)
                or self.default or Evidence(source=self.name, query="", summary="nothing recorded", available=False)
                for case in cases]


def recorded_correlators(*names: str) -> list[FakeCorrelator]:
    """One FakeCorrelator per source of the worker's order, answering each recorded ticket with the
    evidence the real correlators found for it on the recorded answers (tickets: Recording.tickets()),
    and handing on what each of them handed on (case.activity, case.metrics, ...)."""
    by_source: dict[str, dict[str, Any]] = {source: {} for source in ORDER}
    handoffs: dict[str, dict[str, dict[str, Any]]] = {source: {} for source in ORDER}
    for name in names:
        for case in Recording(name).run():
            for item in case.evidence[1:]:  # [0] is the ticket's own evidence: enrich_batch adds it
                by_source[item.source][case.ticket.ticket_id] = item
            for source in ORDER:
                handoffs[source][case.ticket.ticket_id] = {field_name: getattr(case, field_name)
                                                           for field_name in declared(source)[1]}
    return [FakeCorrelator(source, by_source[source], handoffs=handoffs[source]) for source in ORDER]
