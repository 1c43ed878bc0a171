"""The fault suite, sized for CI: `fault-correlator lab chaos` on the real stack (lab/chaos.py).

Every fault at a small size: three SIGKILLs, Elasticsearch down, Prometheus down, a broker restart,
malformed records of every kind, valid but hostile tickets, a Prometheus refusing every query.
Nothing may be lost, every malformed record must be in the DLQ byte for byte, and the refused run
must stop at the DLQ limit (exit 3). The stack's data is kept (`--no-load`): other tests read it."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_worker_loses_nothing_under_any_fault(local_stack, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "fault_correlator", "lab", "chaos", "--no-load", "--copies", "3", "--outage-s", "8",
         "--fuzzed", "330", "--runs-dir", str(tmp_path)], capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [figures_file] = tmp_path.glob("chaos-*/chaos.json")
    figures = {item["fault"]: item for item in json.loads(figures_file.read_text())}
    assert set(figures) == {"kill", "elasticsearch", "prometheus", "broker", "fuzz", "hostile", "refused"}
    for fault, item in figures.items():
        assert item["lost"] == 0, (fault, item)
        if fault != "refused":
            assert item["enriched"] == item["valid"] and item["worker_exit"] == 0, (fault, item)
    assert figures["fuzz"]["dead_lettered"] == 330 and figures["fuzz"]["malformed_in_dlq_intact"] is True
    assert figures["hostile"]["dead_lettered"] == 0
    assert figures["refused"]["worker_exit"] == 3  # the DLQ limit: a systemic fault, not bad tickets
    assert "faults" in done.stdout  # the table is printed
