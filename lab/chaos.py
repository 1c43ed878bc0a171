"""`fault-correlator lab chaos`: the worker under faults, on the local stack, with figures.

Each fault runs on topics, group and index of its own (`lab.chaos-<run>-<fault>.*`): the default
scenario's tickets, copied `copies` times under new ids, are produced (with the fault's own
records mixed in), a worker process (`python -m worker.cli run`, as users run it) enriches them
while the fault is injected, and the figures are read back from the servers:

- sent: records produced; valid: the tickets among them;
- enriched: distinct ticket ids in the enriched index; lost: valid tickets neither enriched nor
  dead-lettered;
- dead-lettered: records in the DLQ (and whether each malformed one is there byte for byte);
- duplicates: output-topic records beyond one per ticket (at-least-once: replays after a kill);
- recovery: seconds from the end of the fault to the last ticket enriched.

The faults: `kill` (SIGKILL three times mid-stream, restarted each time), `elasticsearch` (down for
`outage_s`), `prometheus` (down for half of it), `broker` (Kafka restarted), `fuzz` (malformed
records of every kind mixed with the tickets), `hostile` (valid tickets that once choked a
backend), `refused` (every Prometheus query refused for good: the DLQ limit stops the worker, and
nothing is committed past it). It loads the default scenario first, replacing the stack's logs and
scenario metrics (as `demo` does).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from elasticsearch import Elasticsearch
from rich.console import Console
from rich.table import Table

from backends.kafka import ensure_topics
from lab import collect, default_scenario, load
from lab.bench import run_settings, settings_env, wait_for_group
from worker.config import Settings

console = Console(width=None if Console().is_terminal else 200)


@dataclass
class Figures:
    fault: str
    sent: int = 0
    valid: int = 0
    enriched: int = 0
    dead_lettered: int = 0
    malformed_in_dlq_intact: bool | None = None
    duplicates: int = 0
    lost: int = 0
    recovery_s: float | None = None
    worker_exit: int | None = None
    notes: list[str] = field(default_factory=list)


class Worker:
    """One `python -m worker.cli run` process of the fault's group, logging to the run directory."""

    def __init__(self, settings: Settings, log_path: Path, **overrides: str):
        env = {**os.environ, **settings_env(settings), "FC_LOG_LEVEL": "INFO",  # its "worker started" line says it runs
               **{f"FC_{key.upper()}": value for key, value in overrides.items()}}
        self.log = log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "worker.cli", "run"], env=env, stdout=self.log, stderr=self.log)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.log.close()
        return code


def start_worker(settings: Settings, log_path: Path, **overrides: str) -> Worker:
    """A worker process that is running its loop (its signal handlers in place), in a Stable group."""
    s = settings
    ensure_topics(s.kafka_bootstrap, [s.input_topic, s.output_topic, s.dlq_topic], s.topic_partitions)
    worker = Worker(settings, log_path, **overrides)
    deadline = time.monotonic() + 90
    # A killed member stays in the group until its session times out: the group's state alone
    # does not say that this process joined; its "worker started" line does.
    while b"worker started" not in log_path.read_bytes() and time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited with code {worker.process.returncode} at start; log {log_path}")
        time.sleep(0.1)
    wait_for_group(settings.kafka_bootstrap, settings.group_id, worker.process, deadline=deadline)
    return worker


def run_chaos(settings: Settings, faults: list[str], copies: int, outage_s: float, fuzzed: int, out_dir: Path,
              timeout_s: float = 300.0, load_signals: bool = True) -> list[Figures]:
    """`load_signals=False` keeps the logs and metrics already loaded: the figures are about delivery,
    not verdicts, so any data will do (the test suite keeps its own so)."""
    run_id = datetime.now(timezone.utc).strftime("%H%M%S")
    scenario = default_scenario.build(datetime.now(timezone.utc), run_id=run_id)
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=60)
    if load_signals:
        load.replace_signals(es, settings.prometheus_url, scenario.logs, scenario.series)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for fault in faults:
        tickets = [{**item.ticket, "ticket_id": f"{item.ticket['ticket_id']}-{fault}-{copy:03d}"}
                   for copy in range(copies) for item in scenario.tickets]
        fault_settings = run_settings(settings, f"chaos-{run_id}-{fault}")
        console.print(f"[bold]{fault}[/]: {len(tickets)} tickets")
        started = time.monotonic()
        figures = FAULT_RUNS[fault](Context(fault_settings, es, tickets, out_dir / f"{fault}-worker.log", outage_s, fuzzed, timeout_s))
        console.print(f"  done in {time.monotonic() - started:.0f} s")
        results.append(figures)
    (out_dir / "chaos.json").write_text(json.dumps([asdict(item) for item in results], indent=2))
    console.print(table(results))
    console.print(f"figures: {out_dir / 'chaos.json'}")
    return results


@dataclass
class Context:
    settings: Settings
    es: Elasticsearch
    tickets: list[dict]
    log_path: Path
    outage_s: float
    fuzzed: int
    timeout_s: float
    started: int = 0

    def start(self, **overrides: str) -> Worker:
        self.started += 1
        return start_worker(self.settings, self.log_path.with_name(f"{self.log_path.stem}-{self.started}.log"), **overrides)

    def produce(self, records: list[dict | bytes]) -> None:
        s = self.settings
        ensure_topics(s.kafka_bootstrap, [s.input_topic, s.output_topic, s.dlq_topic], s.topic_partitions)
        load.produce_records(s.kafka_bootstrap, s.input_topic, records, s.topic_partitions)

    def enriched(self) -> int:
        try:
            self.es.indices.refresh(index=self.settings.enriched_index)
            return self.es.count(index=self.settings.enriched_index)["count"]
        except Exception:  # noqa: BLE001 - the index may not exist yet, or Elasticsearch be the fault
            return 0

    def wait_enriched(self, wanted: int, worker: Worker | None = None) -> float | None:
        """Seconds until `wanted` tickets are in the index (None on timeout or if the worker exits)."""
        started, deadline = time.monotonic(), time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self.enriched() >= wanted:
                return round(time.monotonic() - started, 1)
            if worker is not None and worker.process.poll() is not None:
                return None
            time.sleep(0.5)
        return None

    def figures(self, fault: str, sent: list[dict | bytes], malformed: list[bytes] = ()) -> Figures:
        s = self.settings
        valid = sum(1 for item in sent if isinstance(item, dict))
        out = list(collect.read_topic(s.kafka_bootstrap, s.output_topic))
        dead = [value for _, value, _ in collect.read_topic(s.kafka_bootstrap, s.dlq_topic)]
        enriched = self.enriched()
        keys = {key for key, _, _ in out}
        figures = Figures(fault, sent=len(sent), valid=valid, enriched=enriched, dead_lettered=len(dead),
                          duplicates=len(out) - len(keys))
        figures.lost = max(valid - enriched - max(len(dead) - len(malformed), 0), 0)
        if malformed:
            figures.malformed_in_dlq_intact = sorted(dead) == sorted(malformed)
        return figures


def run_kill(ctx: Context) -> Figures:
    ctx.produce(ctx.tickets)
    worker = ctx.start(batch_size="5")
    for kill in range(1, 4):
        ctx_wait_for_share(ctx, len(ctx.tickets) * kill // 4, worker)
        worker.stop(signal.SIGKILL)
        worker = ctx.start(batch_size="5")
    recovery = ctx.wait_enriched(len(ctx.tickets), worker)
    code = worker.stop()
    figures = ctx.figures("kill", ctx.tickets)
    figures.recovery_s, figures.worker_exit = recovery, code
    figures.notes.append("three SIGKILLs at 1/4, 1/2 and 3/4 of the tickets")
    return figures


def ctx_wait_for_share(ctx: Context, wanted: int, worker: Worker) -> None:
    deadline = time.monotonic() + ctx.timeout_s
    while ctx.enriched() < wanted and time.monotonic() < deadline and worker.process.poll() is None:
        time.sleep(0.2)


def outage(fault: str, component: str, seconds_of: Callable[[Context], float]) -> Callable[[Context], Figures]:
    def run(ctx: Context) -> Figures:
        from stack import manager

        worker = ctx.start(batch_size="5", retry_attempts="2", retry_max_wait_s="0.5")
        ctx.produce(ctx.tickets)
        ctx_wait_for_share(ctx, len(ctx.tickets) // 4, worker)
        manager.down([component], verbose=False)
        time.sleep(seconds_of(ctx))
        manager.up([component], verbose=False)
        recovery = ctx.wait_enriched(len(ctx.tickets), worker)
        code = worker.stop()
        figures = ctx.figures(fault, ctx.tickets)
        figures.recovery_s, figures.worker_exit = recovery, code
        figures.notes.append(f"{component} down {seconds_of(ctx):.0f} s after a quarter of the tickets")
        return figures

    return run


def run_fuzz(ctx: Context) -> Figures:
    bad = fuzzed_records(ctx.fuzzed, random.Random(7))
    records: list[dict | bytes] = [*ctx.tickets, *bad]
    random.Random(8).shuffle(records)
    # Bad records cluster when shuffled: the consecutive limit is raised so that it is not the point here.
    worker = ctx.start(dlq_max_consecutive=str(len(bad) + 1), max_ticket_bytes="65536")
    ctx.produce(records)
    recovery = ctx.wait_enriched(len(ctx.tickets), worker)
    deadline = time.monotonic() + ctx.timeout_s
    while collect.count_records(ctx.settings.kafka_bootstrap, [ctx.settings.dlq_topic]) < len(bad) and time.monotonic() < deadline:
        time.sleep(0.5)
    alive = worker.process.poll() is None
    code = worker.stop()
    figures = ctx.figures("fuzz", records, bad)
    figures.recovery_s, figures.worker_exit = recovery, code
    figures.notes.append(f"{len(bad)} malformed records mixed in; worker alive throughout: {alive}")
    return figures


def run_hostile(ctx: Context) -> Figures:
    deep: object = "x"
    for _ in range(300):
        deep = {"a": deep}
    base = ctx.tickets[0]
    hostile = [{**base, "ticket_id": f"{base['ticket_id']}-deep", "trace": deep},
               {**base, "ticket_id": f"{base['ticket_id']}-empty-name", "": "x", "a..b": 1},
               {**base, "ticket_id": f"{base['ticket_id']}-newline", "region": "cn-east-1\nx"},
               {**base, "ticket_id": f"{base['ticket_id']}-fffd", "region": "cn-east-\ufffd"},
               {**base, "ticket_id": f"{base['ticket_id']}-long", "region": "r" * 40_000},
               {**base, "ticket_id": f"{base['ticket_id']}-2000", "created_at": "2000-01-01T00:00:00Z"}]
    records: list[dict | bytes] = [*hostile, *ctx.tickets]
    worker = ctx.start(max_ticket_bytes="200000")
    ctx.produce(records)
    recovery = ctx.wait_enriched(len(records), worker)
    code = worker.stop()
    figures = ctx.figures("hostile", records)
    figures.recovery_s, figures.worker_exit = recovery, code
    figures.notes.append("300-deep extra, empty field name, newline / U+FFFD / 40,000-character region, a 2000-01-01 ticket")
    return figures


def run_refused(ctx: Context) -> Figures:
    window = 20
    worker = ctx.start(metrics_schema='{"preset": "native", "requests_counter": "not a metric"}',
                       dlq_max_ratio="0.5", dlq_window=str(window))
    ctx.produce(ctx.tickets)
    try:
        code = worker.process.wait(timeout=ctx.timeout_s)
    except subprocess.TimeoutExpired:
        code = None
    worker.stop()
    figures = ctx.figures("refused", ctx.tickets)
    figures.worker_exit = code
    committed = committed_records(ctx.settings)
    figures.lost = max(figures.valid - figures.enriched - figures.dead_lettered - (figures.valid - committed), 0)
    figures.notes.append(f"every Prometheus query refused (400): stopped by the DLQ limit (over half of {window} records; exit 3 expected); "
                         f"{figures.valid - committed} records left uncommitted, to be replayed once the cause is fixed")
    return figures


def committed_records(settings: Settings) -> int:
    """How many records of the input topic the fault's group has committed."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=settings.group_id, enable_auto_commit=False,
                             client_id="fault-correlator-lab")
    try:
        partitions = [TopicPartition(settings.input_topic, p) for p in consumer.partitions_for_topic(settings.input_topic) or ()]
        return sum(consumer.committed(tp) or 0 for tp in partitions)
    finally:
        consumer.close()


def fuzzed_records(count: int, rng: random.Random) -> list[bytes]:
    """Malformed records of every kind the decoder refuses, each one unique (so the DLQ can be checked byte for byte)."""
    def deep(n: int) -> bytes:
        return b'{"a":' * n + b"1" + b"}" * n

    makers = [
        lambda n: b"\xff\xfe invalid utf-8 " + str(n).encode(),
        lambda n: b'{"ticket_id": "T-' + str(n).encode() + b'", "subject": "trunc',
        lambda n: deep(2000 + n % 7),
        lambda n: b'{"ticket_id": "T-%d", "customer_id": "c", "created_at": "2026-12-03T10:00:00Z", "subject": NaN, "body": "b"}' % n,
        lambda n: b'{"ticket_id": "T-%d", "ticket_id": "T-dup", "customer_id": "c"}' % n,
        lambda n: b'{"ticket_id": "T-%d", "pad": "' % n + b"x" * 70_000 + b'"}',
        lambda n: b'{"ticket_id": "T-%d", "customer_id": "c", "created_at": "not a time", "subject": "s", "body": "b"}' % n,
        lambda n: b'{"ticket_id": "T-%d", "customer_id": "c", "created_at": "2999-01-01T00:00:00Z", "subject": "s", "body": "b"}' % n,
        lambda n: b'{"ticket_id": %d, "customer_id": ["c"], "created_at": 5, "subject": 1, "body": null}' % n,
        lambda n: b"[%d, 2, 3]" % n,
        lambda n: b"",
    ]
    return [makers[n % len(makers)](n) for n in range(count)]


FAULT_RUNS: dict[str, Callable[[Context], Figures]] = {
    "kill": run_kill,
    "elasticsearch": outage("elasticsearch", "elasticsearch", lambda ctx: ctx.outage_s),
    "prometheus": outage("prometheus", "prometheus", lambda ctx: ctx.outage_s / 2),
    "broker": outage("broker", "kafka", lambda ctx: 5.0),
    "fuzz": run_fuzz,
    "hostile": run_hostile,
    "refused": run_refused,
}


def table(results: list[Figures]) -> Table:
    out = Table(title="faults")
    for column in ("fault", "sent", "valid", "enriched", "DLQ'd", "malformed intact", "duplicates", "lost", "recovery s", "exit"):
        out.add_column(column, justify="left" if column == "fault" else "right")
    for item in results:
        out.add_row(item.fault, str(item.sent), str(item.valid), str(item.enriched), str(item.dead_lettered),
                    "-" if item.malformed_in_dlq_intact is None else ("yes" if item.malformed_in_dlq_intact else "NO"),
                    str(item.duplicates), str(item.lost), "-" if item.recovery_s is None else f"{item.recovery_s:.1f}",
                    "-" if item.worker_exit is None else str(item.worker_exit))
    return out
