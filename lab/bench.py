"""`fault-correlator lab bench DIR`: every scenario of a directory, one after another, on a clean stack.

Per scenario: load it (the earlier scenario's logs and metrics are removed first), start a worker
process (`fault-correlator run`) on topics of its own, wait until it has joined its group, produce
the tickets in one burst, wait until every ticket is enriched or dead-lettered, stop the worker
(SIGTERM), read the outputs back and evaluate. Then, on the largest scenario, the same with the
worker in naive mode (one ticket per batch), so the batched speed is always shown as a ratio
against it, measured in the same run on the same data.

Throughput and latency are measured the same way in both modes: from the first ticket produced to
the last one enriched, over a burst produced after the worker is ready. Latency therefore includes
the time a ticket waited behind the rest of the burst.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson
import yaml
from pydantic import SecretStr
from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient
from rich.console import Console

from backends.kafka import ensure_topics
from lab import collect, evaluate, load, report
from lab.generate import Traffic
from lab.run import expected_lines, load_scenario, new_run_id, read_run
from lab.spec import load_spec
from lab.truth import GroundTruth, Observed
from lab.worlds import world
from worker.config import Settings, load_settings


@dataclass
class WorkerRun:
    seconds: float
    exit_code: int | None
    peak_rss_mib: float | None
    timed_out: bool


def run_settings(settings: Settings, run_id: str, mode: str = "batched") -> Settings:
    """Topics, index and group of the run's own, so no run ever reads another's output."""
    prefix = f"lab.{run_id}" + (".naive" if mode == "naive" else "")
    return settings.model_copy(update={
        "input_topic": f"{prefix}.tickets", "output_topic": f"{prefix}.enriched", "dlq_topic": f"{prefix}.dlq",
        "enriched_index": prefix.replace(".", "-") + "-enriched", "group_id": prefix, "metrics_port": 0, "mode": mode,
    })


def run_worker(settings: Settings, tickets: list[dict], log_path: Path, timeout_s: float) -> WorkerRun:
    """A real worker process over a burst of tickets; returns once all are out (or on timeout)."""
    ensure_topics(settings.kafka_bootstrap, [settings.input_topic, settings.output_topic, settings.dlq_topic], settings.topic_partitions)
    env = {**os.environ, **settings_env(settings)}
    env["FC_LOG_LEVEL"] = "WARNING"
    started = time.monotonic()
    with log_path.open("ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "worker.cli", "run"], env=env, stdout=log, stderr=log)
        try:
            wait_for_group(settings.kafka_bootstrap, settings.group_id, process, deadline=started + 60)
            load.produce_tickets(settings.kafka_bootstrap, settings.input_topic, tickets, settings.topic_partitions)
            timed_out = not wait_for_outputs(settings, len(tickets), process, deadline=time.monotonic() + timeout_s)
            seconds = time.monotonic() - started
            rss = peak_rss_mib(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
    return WorkerRun(seconds, code, rss, timed_out)


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as the worker's FC_* environment (a schema as its JSON)."""
    env = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name == "worker_name" or value is None:
            continue
        if isinstance(value, SecretStr):  # str() would give "**********"
            value = value.get_secret_value()
        env[f"FC_{name.upper()}"] = value.model_dump_json() if hasattr(value, "model_dump_json") else str(value)
    return env


def wait_for_group(bootstrap: str, group_id: str, process: subprocess.Popen, deadline: float) -> None:
    """Until the worker's consumer group is Stable (it owns the partitions), so the burst is timed from a ready worker."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="fault-correlator-lab")
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the worker exited with code {process.returncode} before joining its group")
            group = admin.describe_groups([group_id]).get(group_id) or {}
            if group.get("group_state") == "Stable" and group.get("members"):
                return
            time.sleep(0.2)
    finally:
        admin.close()
    raise TimeoutError(f"consumer group {group_id} not stable in time")


def wait_for_outputs(settings: Settings, wanted: int, process: subprocess.Popen, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if collect.count_records(settings.kafka_bootstrap, [settings.output_topic, settings.dlq_topic]) >= wanted:
            return True
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with code {process.returncode} before finishing")
        time.sleep(0.5)
    return False


def peak_rss_mib(pid: int) -> float | None:
    """The process's high-water resident memory (VmHWM), read before it is stopped."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def observe_run(settings: Settings, run_dir: Path, tickets: list[dict] | None = None) -> tuple[list[GroundTruth], dict[str, Observed]]:
    """The run's truth (only the tickets given, if any) and what the worker produced for it."""
    _, truth, _ = read_run(run_dir)
    if tickets is not None:
        wanted = {ticket["ticket_id"] for ticket in tickets}
        truth = [item for item in truth if item.ticket_id in wanted]
    observed = collect.observe(settings.kafka_bootstrap, settings.input_topic, settings.output_topic, {t.ticket_id for t in truth})
    return truth, observed


def drop_index(settings: Settings) -> None:
    """The run's enriched index is not needed once its output topic is read: dozens of them would
    slow the single-node Elasticsearch of later runs."""
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=60)
    try:
        es.options(ignore_status=404).indices.delete(index=settings.enriched_index)
    finally:
        es.close()


def pooled(runs: list[tuple[str, list[GroundTruth], dict[str, Observed]]]) -> dict:
    """One evaluation over every scenario's tickets together (the library as a whole).

    Incident ids are prefixed with the run, so two scenarios' "outage" events never count as one
    incident. Speed figures are left out: the runs were separate bursts."""
    truth: list[GroundTruth] = []
    observed: dict[str, Observed] = {}
    for run, run_truth, run_observed in runs:
        truth += [item.model_copy(update={"incident": f"{run}/{item.incident}" if item.incident else None}) for item in run_truth]
        for ticket_id, seen in run_observed.items():
            document = {**seen.document, "incident_id": f"{run}/{seen.incident_id}" if seen.incident_id else None}
            document.pop("incident", None)
            observed[ticket_id] = seen.model_copy(update={"document": document})
    result = evaluate.evaluate(truth, observed)
    result["throughput_tps"] = None
    result["latency_s"] = {key: None for key in result["latency_s"]}
    result["latencies_s"] = []
    return result


def world_settings(settings: Settings, spec_world: str) -> Settings:
    """The settings for a world's scenarios: the adopting team's config file (lab/worlds/<name>/team/)
    over the bench's own, so that the worker reads the world exactly as that team would have it."""
    config = world(spec_world).team_config_file()
    if config is None:
        return settings
    team = load_settings(config)
    written = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return settings.model_copy(update={key: getattr(team, key) for key in written})


def bench(directory: Path, settings: Settings, runs_dir: Path, console: Console, naive_tickets: int = 1000,
          timeout_s: float = 1800.0, reset: bool = True) -> Path:
    """Run every scenario; print and save the summary; returns the bench directory."""
    specs = [(path, load_spec(path)) for path in sorted(directory.glob("*.yaml"))]
    specs.sort(key=lambda item: (item[1].world != "native", item[1].world, item[0].name))  # family by family
    if not specs:
        raise FileNotFoundError(f"no *.yaml scenario in {directory}")
    now = datetime.now(timezone.utc)
    largest = max(specs, key=lambda item: expected_lines(Traffic(item[1], now, "size")))[0]
    bench_dir = runs_dir / f"bench-{now.strftime('%Y%m%dT%H%M%S')}"
    bench_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    runs: list[tuple[str, list[GroundTruth], dict[str, Observed]]] = []
    families: dict[str, list[tuple[str, list[GroundTruth], dict[str, Observed]]]] = {}
    naive: dict | None = None
    for number, (path, spec) in enumerate(specs, start=1):
        run_id = new_run_id()
        batched = run_settings(world_settings(settings, spec.world), run_id)
        run_dir = bench_dir / f"{spec.name}-{run_id}"
        console.print(f"[bold]{number}/{len(specs)}[/] {spec.name}: loading")
        manifest = load_scenario(spec, path, batched, run_dir, run_id, produce=False, reset=reset)
        _, _, tickets = read_run(run_dir)
        console.print(f"      {manifest.log_lines:,} log lines, {manifest.metric_samples:,} samples, "
                      f"{manifest.alert_samples:,} alert samples, {manifest.tickets:,} tickets "
                      f"(load {sum(manifest.load_seconds.values()):.0f} s); running the worker")
        worker = run_worker(batched, tickets, run_dir / "worker.log", timeout_s)
        truth, observed = observe_run(batched, run_dir)
        drop_index(batched)
        runs.append((run_id, truth, observed))
        families.setdefault(spec.world, []).append((run_id, truth, observed))
        result = evaluate.evaluate(truth, observed)
        result["worker"] = worker.__dict__
        report.write_report(result, run_dir)
        rows.append({**report.summary_row(spec.name, result), "worker_rss_mib": worker.peak_rss_mib, "world": spec.world})
        console.print(f"      accuracy {fmt(result['accuracy'])}, {fmt(result['throughput_tps'], '{:.0f}')} tickets/s"
                      + (" [red]TIMED OUT[/]" if worker.timed_out else ""))
        if path == largest and naive_tickets:
            naive = naive_run(world_settings(settings, spec.world), run_id, run_dir, tickets[:naive_tickets], timeout_s, console)
            naive["batched_tps"] = result["throughput_tps"]
    if len(families) > 1:  # each family's scenarios, then its pooled row, a section each
        grouped: list[dict] = []
        for name, family in families.items():
            result = pooled(family)
            report.write_report(result, bench_dir / f"family-{name}")
            own = [row for row in rows if row["world"] == name]
            grouped += [{**own[0], "section": bool(grouped)}, *own[1:],
                        {**report.summary_row(f"{name} family (pooled)", result), "world": name, "section": True}]
        rows = grouped
    library = pooled(runs)
    report.write_report(library, bench_dir / "library")
    rows.append({**report.summary_row("whole library (pooled)", library), "section": True})
    report.print_summary(rows, console)
    if naive:
        ratio = naive["batched_tps"] / naive["naive_tps"] if naive["batched_tps"] and naive["naive_tps"] else None
        naive["ratio"] = ratio
        console.print(f"naive mode on {naive['scenario']} ({naive['tickets']} tickets): {fmt(naive['naive_tps'], '{:.1f}')} tickets/s; "
                      f"batched {fmt(naive['batched_tps'], '{:.1f}')} tickets/s: [bold]batched is {fmt(ratio, '{:.1f}')}x naive[/]")
    (bench_dir / "bench.json").write_bytes(orjson.dumps({"scenarios": rows, "naive": naive}, option=orjson.OPT_INDENT_2))
    console.print(f"reports: {bench_dir}")
    return bench_dir


def naive_run(settings: Settings, run_id: str, run_dir: Path, tickets: list[dict], timeout_s: float, console: Console) -> dict:
    naive = run_settings(settings, run_id, mode="naive")
    console.print(f"      naive mode over the first {len(tickets)} tickets of the same scenario")
    worker = run_worker(naive, tickets, run_dir / "worker-naive.log", timeout_s)
    result = evaluate.evaluate(*observe_run(naive, run_dir, tickets))
    drop_index(naive)
    return {"scenario": run_dir.name, "tickets": len(tickets), "naive_tps": result["throughput_tps"],
            "naive_accuracy": result["accuracy"], "worker": worker.__dict__}


def fmt(value: float | None, pattern: str = "{:.1%}") -> str:
    return "n/a" if value is None else pattern.format(value)
