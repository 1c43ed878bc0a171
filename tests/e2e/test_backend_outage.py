"""A backend down mid-stream: the worker must not commit tickets it could not process, must keep
running, and must finish them once the backend is back. Prometheus is the one stopped: it restarts
in under a second and keeps its data (the WAL is replayed)."""

from __future__ import annotations

import time

from tests.e2e.conftest import committed_total, produce, wait_for_count


def test_prometheus_down_means_nothing_committed_then_everything_done_when_it_is_back(default_scenario, names, start_worker, es, local_stack):
    tickets = [item.ticket for item in default_scenario.tickets]
    local_stack.down(["prometheus"], verbose=False)
    try:
        produce(names.input_topic, tickets)
        worker = start_worker(retry_attempts=2, retry_max_wait_s=0.2)
        time.sleep(8)  # several rewinds: 2 attempts each, then a growing pause
        assert worker.alive()
        assert wait_for_count(es, names.enriched_index, 1, timeout=0.1) == 0
        assert committed_total(names) == 0
    finally:
        local_stack.up(["prometheus"], verbose=False)

    assert wait_for_count(es, names.enriched_index, len(tickets), while_true=worker.alive) == len(tickets)
    assert worker.stop() == 0
    assert committed_total(names) == len(tickets)
    log = worker.log_path.read_text()
    assert '"msg":"backend unavailable: batch rewound, retrying later","backend":"prometheus"' in log
