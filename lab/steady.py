"""`fault-correlator lab steady`: the worker at a steady load, with latency and memory figures.

1. Maximum: a burst of `burst` tickets (the default scenario's, under new ids) through a fresh
   worker process; the maximum is tickets over the seconds until the last is out.
2. Steady: a new worker process on new topics; tickets produced at `share` (default half) of that
   maximum, evenly, for `minutes`. Latency per ticket: from the input record's timestamp (when it
   was produced) to the enriched record's (when the worker published it); p50, p99 and max.
   Memory: the worker's resident set (VmRSS) after the first minute and at the end, and the growth
   per hour between the two.
The logs and metrics already loaded are kept (the figures are about time and memory, not verdicts).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from backends.kafka import make_producer
from lab import collect, default_scenario, load
from lab.bench import run_settings, wait_for_outputs
from lab.chaos import start_worker
from worker.config import Settings

console = Console(width=None if Console().is_terminal else 200)
WARM_UP_S = 60.0


@dataclass
class SteadyFigures:
    max_tps: float
    rate_tps: float
    minutes: float
    tickets: int
    enriched: int
    latency_p50_s: float
    latency_p99_s: float
    latency_max_s: float
    rss_start_mib: float
    rss_end_mib: float
    rss_growth_mib_per_hour: float


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tickets(count: int, tag: str) -> list[dict]:
    base = [item.ticket for item in default_scenario.build(datetime.now(timezone.utc), run_id=tag).tickets]
    return [{**base[n % len(base)], "ticket_id": f"{base[n % len(base)]['ticket_id']}-{tag}-{n:06d}"} for n in range(count)]


def measure_max(settings: Settings, burst: int, log_path: Path) -> float:
    batch = tickets(burst, "max")
    worker = start_worker(settings, log_path)
    try:
        started = time.monotonic()
        load.produce_records(settings.kafka_bootstrap, settings.input_topic, batch, settings.topic_partitions)
        if not wait_for_outputs(settings, burst, worker.process, deadline=time.monotonic() + 600):
            raise TimeoutError("the burst was not enriched within 10 minutes")
        return burst / (time.monotonic() - started)
    finally:
        worker.stop()


def run_steady(settings: Settings, minutes: float, share: float, burst: int, out_dir: Path) -> SteadyFigures:
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = datetime.now(timezone.utc).strftime("%H%M%S")
    max_tps = measure_max(run_settings(settings, f"steady-{run_id}-max"), burst, out_dir / "max-worker.log")
    rate = max_tps * share
    console.print(f"maximum {max_tps:.0f} tickets/s; steady load at {rate:.0f} tickets/s for {minutes:g} min")
    steady = run_settings(settings, f"steady-{run_id}")
    total = int(rate * minutes * 60)
    stream = tickets(total, "steady")
    worker = start_worker(steady, out_dir / "steady-worker.log")
    process = worker.process
    producer = make_producer(settings.kafka_bootstrap, "fault-correlator-lab")
    rss_start = None
    try:
        started = time.monotonic()
        for n, ticket in enumerate(stream):
            due = started + n / rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            producer.send(steady.input_topic, key=ticket["ticket_id"].encode(), value=load.ticket_bytes(ticket))
            if rss_start is None and time.monotonic() - started >= WARM_UP_S:
                rss_start, rss_at = rss_mib(process.pid), time.monotonic()
        producer.flush()
        wait_for_outputs(steady, total, process, deadline=time.monotonic() + 300)
        rss_end, end_at = rss_mib(process.pid), time.monotonic()
    finally:
        producer.close()
        worker.stop()
    if rss_start is None:
        rss_start, rss_at = rss_end, end_at
    produced = {key: stamp for key, _, stamp in collect.read_topic(steady.kafka_bootstrap, steady.input_topic)}
    latencies = sorted(max(stamp - produced[key], 0) / 1000 for key, _, stamp in collect.read_topic(steady.kafka_bootstrap, steady.output_topic)
                       if key in produced)
    hours = max(end_at - rss_at, 1.0) / 3600
    figures = SteadyFigures(
        max_tps=round(max_tps, 1), rate_tps=round(rate, 1), minutes=minutes, tickets=total, enriched=len(latencies),
        latency_p50_s=round(quantile(latencies, 0.5), 3), latency_p99_s=round(quantile(latencies, 0.99), 3),
        latency_max_s=round(latencies[-1], 3) if latencies else 0.0, rss_start_mib=round(rss_start, 1), rss_end_mib=round(rss_end, 1),
        rss_growth_mib_per_hour=round((rss_end - rss_start) / hours, 1))
    (out_dir / "steady.json").write_text(json.dumps(asdict(figures), indent=2))
    console.print(json.dumps(asdict(figures), indent=2))
    return figures


def quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0
