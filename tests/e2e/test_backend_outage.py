"""A backend down mid-stream: the worker must not commit tickets it could not process, must keep
running, and must finish them once the backend is back. Prometheus is the one stopped: it restarts
in under a second and keeps its data (the WAL is replayed)."""

from __future__ import annotations

import socket
import time

import httpx

from tests.e2e.conftest import committed_total, produce, wait_for_count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_prometheus_down_means_nothing_committed_then_everything_done_when_it_is_back(default_scenario, names, start_worker, es, local_stack):
    tickets = [item.ticket for item in default_scenario.tickets]
    local_stack.down(["prometheus"], verbose=False)
    try:
        produce(names.input_topic, tickets)
        port = free_port()
        worker = start_worker(retry_attempts=2, retry_max_wait_s=0.2, metrics_port=str(port), stuck_partition_s="3")
        time.sleep(8)  # several rewinds: 2 attempts each, then a growing pause
        assert worker.alive()
        assert wait_for_count(es, names.enriched_index, 1, timeout=0.1) == 0
        assert committed_total(names) == 0
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 503 and ready.json()["stuck_partitions"], ready.text  # the operator sees it
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200  # alive: no restart
    finally:
        local_stack.up(["prometheus"], verbose=False)

    assert wait_for_count(es, names.enriched_index, len(tickets), while_true=worker.alive) == len(tickets)
    deadline = time.monotonic() + 30
    while httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    assert worker.stop() == 0
    assert committed_total(names) == len(tickets)
    log = worker.log_path.read_text()
    assert '"msg":"backend unavailable: batch rewound, retrying later","backend":"prometheus"' in log
