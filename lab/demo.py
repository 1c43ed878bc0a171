"""`fault-correlator demo`: the default scenario through the real stack, start to finish.

stack up -> load 20 minutes of logs and metrics -> start a worker process (`fault-correlator run`,
as a user would) on topics of this run's own, produce the tickets, wait until every one is
enriched -> print what it concluded, and where to look.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from elasticsearch import Elasticsearch
from rich.console import Console
from rich.table import Table

from lab import default_scenario, load
from lab.bench import run_settings, run_worker
from stack.settings import logs_dir as stack_logs_dir
from worker.config import Settings

# Wide enough for the table when the output is a file or a CI log, not a terminal.
console = Console(width=None if Console().is_terminal else 200)


def run_demo(settings: Settings, start_stack: bool = True, timeout_s: float = 180.0) -> int:
    if start_stack:
        from stack import manager

        console.print("[bold]1/4[/] bringing the local stack up (first run downloads Kafka and Elasticsearch)")
        manager.up()
    run_id = datetime.now(timezone.utc).strftime("%H%M%S")
    scenario = default_scenario.build(datetime.now(timezone.utc), run_id=run_id)
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=60)
    settings = run_settings(settings, f"demo-{run_id}").model_copy(update={"metrics_port": settings.metrics_port})

    console.print(f"[bold]2/4[/] loading the default scenario (run {run_id}): {len(scenario.logs)} log lines, "
                  f"{sum(len(s[1]) for s in scenario.series)} metric samples, {len(scenario.tickets)} tickets")
    load.replace_signals(es, settings.prometheus_url, scenario.logs, scenario.series)

    console.print("[bold]3/4[/] running the worker until every ticket is enriched")
    wanted = [item.ticket["ticket_id"] for item in scenario.tickets]
    started = time.monotonic()
    log_path = Path(".lab") / f"demo-{run_id}-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    run_worker(settings, [item.ticket for item in scenario.tickets], log_path, timeout_s)
    es.indices.refresh(index=settings.enriched_index)
    response = es.mget(index=settings.enriched_index, ids=wanted)
    documents = {doc["_id"]: doc["_source"] for doc in response["docs"] if doc.get("found")}
    elapsed = time.monotonic() - started

    console.print(f"[bold]4/4[/] {len(documents)} of {len(wanted)} tickets enriched in {elapsed:.1f} s")
    console.print(result_table(scenario.tickets, documents))
    right = sum(1 for item in scenario.tickets if documents.get(item.ticket["ticket_id"], {}).get("verdict", {}).get("label") == item.expected)
    console.print(f"verdicts matching the expected label: {right} of {len(wanted)}")
    console.print(
        f"Look further:\n"
        f"  enriched tickets  topic {settings.output_topic} at {settings.kafka_bootstrap}; "
        f"index {settings.elasticsearch_url}/{settings.enriched_index}/_search\n"
        f"  dead letters      topic {settings.dlq_topic}\n"
        f"  worker log        {log_path}\n"
        f"  platform metrics  {settings.prometheus_url}/graph\n"
        f"  stack logs        {stack_logs_dir()} (fault-correlator stack status)"
    )
    es.close()
    return 0 if len(documents) == len(wanted) else 1


def result_table(expected: list[default_scenario.ExpectedTicket], documents: dict[str, dict]) -> Table:
    table = Table(title="fault-correlator demo: the default scenario", show_lines=False)
    for column in ("ticket", "customer", "expected", "verdict", "conf.", "key evidence"):
        table.add_column(column, overflow="fold")
    for item in expected:
        doc = documents.get(item.ticket["ticket_id"])
        if doc is None:
            table.add_row(item.ticket["ticket_id"], item.ticket["customer_id"], item.expected, "[red]missing[/]", "", "")
            continue
        verdict = doc["verdict"]
        colour = "green" if verdict["label"] == item.expected else "red"
        table.add_row(
            item.ticket["ticket_id"], item.ticket["customer_id"], item.expected,
            f"[{colour}]{verdict['label']}[/]", f"{verdict['confidence']:.2f}", key_evidence(doc),
        )
    return table


def key_evidence(doc: dict) -> str:
    """The evidence behind the verdict in one line: the customer's errors, then the platform's."""
    facts: dict = {}
    for item in doc["evidence"]:
        if item["available"]:
            facts.update(item["facts"])
    parts = []
    if facts.get("customer_requests") == 0:
        parts.append("no request from the customer in the window")
    elif facts.get("top_error_code"):
        count = facts["error_codes"][facts["top_error_code"]]
        parts.append(f"{count}x {facts['top_error_code']} ({facts['top_status']}) of {facts['customer_requests']} requests"
                     f" on {facts['top_service']}/{facts['top_region']}")
    if "platform_error_ratio" in facts:
        parts.append(f"{facts['metrics_service']}/{facts['metrics_region']} 5xx {facts['platform_error_ratio']:.1%}"
                     f" (baseline {facts.get('baseline_error_ratio', float('nan')):.1%})")
    if facts.get("named_request_ids"):
        parts.append(f"{facts['named_request_ids_failed']}/{facts['named_request_ids']} quoted request ids failed")
    if doc["verdict"].get("cause"):
        parts.append(f"cause: {doc['verdict']['cause']}")
    return "; ".join(parts)
