"""The lab end to end, as a user runs it: `fault-correlator lab bench DIR` on a small scenario.

Real CLI process, real worker processes (batched, then naive), real stack. Isolated from the other
tests sharing the stack by its own logs index, service names and topics, and --no-reset.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import orjson
import yaml


def test_lab_bench_runs_a_scenario_directory(local_stack, es, tmp_path, small_lab_scenario):
    unique = uuid.uuid4().hex[:8]
    service = f"bench-{unique}"
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "tiny.yaml").write_text(yaml.safe_dump(small_lab_scenario(service, name="tiny", token_tickets=2)), encoding="utf-8")
    runs = tmp_path / "runs"
    logs_index = f"lab-e2e-{unique}-logs-*"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "fault_correlator", "lab", "bench", str(scenarios), "--runs-dir", str(runs), "--no-reset",
             "--logs-index", logs_index, "--naive-tickets", "4", "--timeout", "120"],
            capture_output=True, text=True, timeout=400,
        )
    finally:
        for name in es.indices.get(index=logs_index):
            es.indices.delete(index=name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "batched is" in result.stdout and "tiny" in result.stdout

    bench_dir = next(runs.glob("bench-*"))
    summary = orjson.loads((bench_dir / "bench.json").read_bytes())
    row = summary["scenarios"][0]
    assert row["scenario"] == "tiny" and row["tickets"] >= 6
    assert row["accuracy"] >= 0.8 and row["throughput_tps"] > 0
    assert summary["naive"]["tickets"] == 4 and summary["naive"]["naive_tps"] > 0
    run_dir = next(bench_dir.glob("tiny-*"))
    report = orjson.loads((run_dir / "report.json").read_bytes())
    assert report["enriched"] == report["tickets"] and report["missing"] == 0
    assert (run_dir / "report.png").read_bytes().startswith(b"\x89PNG")
