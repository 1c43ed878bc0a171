"""Throughput of the batched worker on the real local stack; prints figures, asserts nothing.

    make throughput       # or: .venv/bin/python benchmarks/throughput.py --tickets 5000 --batch-size 200

Loads the default scenario's logs and metrics, produces N tickets (copies of the scenario's ten,
with fresh ids) to a fresh topic, runs the worker in this process until all N are in a fresh
index, and prints tickets/s, the worker's batch-duration and end-to-end latency quantiles from
its own histograms, and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timezone

from elasticsearch import Elasticsearch

from lab import default_scenario, load
from worker.config import load_settings
from worker.metrics import WorkerMetrics
from worker.wiring import build_worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()

    run = uuid.uuid4().hex[:6]
    settings = load_settings(
        input_topic=f"bench-tickets-{run}", output_topic=f"bench-enriched-{run}", dlq_topic=f"bench-dlq-{run}",
        enriched_index=f"bench-enriched-{run}", group_id=f"bench-{run}", batch_size=args.batch_size, metrics_port=0,
        log_level="WARNING",
    )
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=60)
    scenario = default_scenario.build(datetime.now(timezone.utc), run_id=run)
    load.replace_signals(es, settings.prometheus_url, scenario.logs, scenario.series)
    tickets = [{**item.ticket, "ticket_id": f"{item.ticket['ticket_id']}-{n:06d}"}
               for n in range(args.tickets // len(scenario.tickets) + 1) for item in scenario.tickets][: args.tickets]
    load.produce_tickets(settings.kafka_bootstrap, settings.input_topic, tickets, settings.topic_partitions)

    metrics = WorkerMetrics()
    stop = threading.Event()
    with ExitStack() as resources:
        worker = build_worker(settings, resources, metrics)
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        started = time.monotonic()
        thread.start()
        while metrics.registry.get_sample_value("fc_tickets_processed_total") < len(tickets):
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        stop.set()
        thread.join(timeout=60)

    batches = metrics.registry.get_sample_value("fc_batch_duration_seconds_count")
    print(f"tickets            {len(tickets)} (batch size {args.batch_size}, {int(batches)} batches)")
    print(f"wall time          {elapsed:.2f} s (includes the consumer joining its group)")
    print(f"throughput         {len(tickets) / elapsed:.0f} tickets/s")
    print(f"batch duration     mean {metrics.registry.get_sample_value('fc_batch_duration_seconds_sum') / batches * 1000:.0f} ms")
    print(f"end-to-end latency p50 <= {quantile(metrics, 'fc_end_to_end_latency_seconds', 0.5)} s, "
          f"p99 <= {quantile(metrics, 'fc_end_to_end_latency_seconds', 0.99)} s (histogram bucket bounds)")
    print(f"peak RSS           {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (benchmark process, worker included)")
    es.options(ignore_status=404).indices.delete(index=settings.enriched_index)
    es.close()


def quantile(metrics: WorkerMetrics, name: str, q: float) -> str:
    """The upper bound of the histogram bucket holding quantile q."""
    total = metrics.registry.get_sample_value(f"{name}_count")
    for sample in next(m for m in metrics.registry.collect() if m.name == name).samples:
        if sample.name.endswith("_bucket") and sample.value >= q * total:
            return sample.labels["le"]
    return "+Inf"


if __name__ == "__main__":
    main()
