"""A lab run: one scenario loaded into the real stack, and the directory that remembers it.

`load_scenario` generates the traffic, replaces the stack's access logs and scenario metrics with
it, backfills the alerts the rules in deploy/prometheus/rules would have fired, and (unless told
not to) produces the tickets. The run directory keeps what `lab eval` needs later:

    manifest.json   run id, window, sizes, topics and index used, load timings
    tickets.jsonl   the tickets exactly as produced
    truth.jsonl     the ground truth of each ticket (lab.truth.GroundTruth)
"""

from __future__ import annotations

import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

import orjson
from elasticsearch import Elasticsearch
from elasticsearch.serializer import OrjsonSerializer
from pydantic import BaseModel

from lab import alerts, load
from lab.generate import Traffic
from lab.spec import Scenario
from lab.tickets import write_tickets
from lab.truth import GroundTruth
from worker.config import Settings

Progress = Callable[[str, int, int | None], None]  # (stage, done, total or None)


class RunManifest(BaseModel):
    run_id: str
    scenario: str
    description: str
    spec_path: str
    window_start: datetime
    window_end: datetime
    log_lines: int
    metric_samples: int
    alert_samples: int
    tickets: int
    input_topic: str
    output_topic: str
    dlq_topic: str
    loaded_at: datetime
    load_seconds: dict[str, float]


def new_run_id() -> str:
    return uuid.uuid4().hex[:6]


def load_scenario(spec: Scenario, spec_path: Path, settings: Settings, run_dir: Path, run_id: str,
                  produce: bool = True, reset: bool = True, progress: Progress | None = None) -> RunManifest:
    """Generate and write everything; returns the manifest (also saved in run_dir).

    The logs go to daily indices named after `settings.logs_index` (the worker reads the same
    pattern). `reset` first deletes those indices and every scenario metric series, so the
    correlators see this scenario only; without it, earlier data stays (tests sharing the stack
    use their own logs index and service names instead)."""
    report = progress or (lambda stage, done, total: None)
    run_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    traffic = Traffic(spec, now, run_id)
    world = traffic.world
    timings: dict[str, float] = {}

    started = time.monotonic()
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=120, serializer=OrjsonSerializer())
    try:
        prefix = logs_prefix(settings.logs_index)
        if reset:
            load.reset_logs(es, prefix)
            reset_metrics(settings.prometheus_url)
        estimate = expected_lines(traffic)
        lines = load.load_logs(es, traffic.logs(), prefix, lambda done: report("logs", done, estimate),
                               mapping=world.mapping(), document=world.document)
        report("logs", lines, lines)
    finally:
        es.close()
    timings["logs"] = time.monotonic() - started

    started = time.monotonic()
    # The same hours a day or a week before, written first (older samples first): the metrics' time-of-day baselines.
    samples = sum(load.load_metrics(settings.prometheus_url, series) for series in history(spec, now, run_id))
    series = traffic.series()
    report("metrics", 0, len(series))
    samples += load.load_metrics(settings.prometheus_url, series)
    report("metrics", len(series), len(series))
    timings["metrics"] = time.monotonic() - started

    started = time.monotonic()
    window_start, window_end = traffic.window
    alert_samples = alerts.backfill_alerts(settings.prometheus_url, world.rule_files(), window_start, window_end,
                                           offset_ms=zlib.crc32(run_id.encode()) % 15_000,
                                           services={service.name for service in spec.services},
                                           service_label=world.metrics.labels["service"])
    timings["alerts"] = time.monotonic() - started

    tickets = write_tickets(traffic)
    write_jsonl(run_dir / "tickets.jsonl", (item.ticket for item in tickets))
    write_jsonl(run_dir / "truth.jsonl", (item.truth.model_dump(mode="json") for item in tickets))
    if produce:
        started = time.monotonic()
        report("tickets", 0, len(tickets))
        load.produce_tickets(settings.kafka_bootstrap, settings.input_topic, [item.ticket for item in tickets], settings.topic_partitions)
        report("tickets", len(tickets), len(tickets))
        timings["tickets"] = time.monotonic() - started

    manifest = RunManifest(
        run_id=run_id, scenario=spec.name, description=spec.description, spec_path=str(spec_path),
        window_start=window_start, window_end=window_end, log_lines=lines, metric_samples=samples,
        alert_samples=alert_samples, tickets=len(tickets), input_topic=settings.input_topic,
        output_topic=settings.output_topic, dlq_topic=settings.dlq_topic, loaded_at=datetime.now(timezone.utc),
        load_seconds={stage: round(seconds, 2) for stage, seconds in timings.items()},
    )
    (run_dir / "manifest.json").write_bytes(orjson.dumps(manifest.model_dump(mode="json"), option=orjson.OPT_INDENT_2))
    return manifest


def history(spec: Scenario, now: datetime, run_id: str) -> list[list]:
    """The series of the scenario's normal traffic (no events) over the same range `spec.history`
    before, oldest first, with the same labels as today's so that `offset 1d` finds them."""
    end = spec.window(now)[1]
    out = []
    for back in sorted(spec.history, reverse=True):
        quiet = spec.model_copy(update={"events": [], "time": spec.time.model_copy(update={"end": end - back})})
        earlier = Traffic(quiet, now, run_id)
        for _ in earlier.logs():  # counted into the series as it goes; the lines themselves are not kept
            pass
        out.append(earlier.series())
    return out


def reset_metrics(prometheus_url: str) -> None:
    """Remove earlier scenarios' metrics. On the local stack, restart Prometheus with an empty TSDB:
    deleted series linger in its head block and slow every later query (measured: the worker's
    error-ratio query went from ~40 to ~100 ms after a few dozen loads), which would make each
    bench slower than the one before. Elsewhere, delete the series through the admin API."""
    from stack import manager
    from stack.settings import PROMETHEUS_URL

    if prometheus_url.rstrip("/") == PROMETHEUS_URL and manager.status("prometheus")["prometheus"]["running"]:
        manager.wipe("prometheus", verbose=False)
        manager.up("prometheus", verbose=False)
    else:
        load.reset_metrics(prometheus_url)


def logs_prefix(pattern: str) -> str:
    """"access-logs-*" -> "access-logs-": where the generator writes, so that the worker reads it."""
    if not pattern.endswith("*") or "*" in pattern[:-1] or "," in pattern:
        raise ValueError(f"logs_index must be one prefix pattern like 'access-logs-*' to load a scenario, not {pattern!r}")
    return pattern[:-1]


def expected_lines(traffic: Traffic) -> int:
    """A rough total for the progress bar: peak rate, less half the daily dip."""
    seconds = traffic.end - traffic.start
    return int(sum(customer.rate * seconds * (1 - customer.diurnal / 2) for customer in traffic.customers))


def read_run(run_dir: Path) -> tuple[RunManifest, list[GroundTruth], list[dict]]:
    manifest = RunManifest.model_validate_json((run_dir / "manifest.json").read_bytes())
    truth = [GroundTruth.model_validate(row) for row in read_jsonl(run_dir / "truth.jsonl")]
    return manifest, truth, list(read_jsonl(run_dir / "tickets.jsonl"))


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with path.open("wb") as out:
        for row in rows:
            out.write(orjson.dumps(row) + b"\n")


def read_jsonl(path: Path) -> Iterable[dict]:
    with path.open("rb") as rows:
        for line in rows:
            if line.strip():
                yield orjson.loads(line)
