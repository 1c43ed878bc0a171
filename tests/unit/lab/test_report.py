import io

import orjson
from rich.console import Console

from lab.evaluate import evaluate
from lab.report import print_report, print_summary, summary_row, write_report
from lab.truth import GroundTruth, Observed


def gt(ticket_id, label, incident=None):
    return GroundTruth(ticket_id=ticket_id, customer_id="c", scenario="s", label=label, kind="k", event="e",
                       incident=incident, services=["api"], regions=["eu"])


def obs(ticket_id, label, latency_ms):
    return Observed(ticket_id=ticket_id, document={"verdict": {"label": label, "rule": "r"}, "evidence": []},
                    produced_ms=0, enriched_ms=latency_ms)


def full_report():
    truth = [gt("a", "platform_incident", "E"), gt("b", "platform_incident", "E"), gt("c", "usage_error"),
             gt("d", "inconclusive")]
    observed = {"a": obs("a", "platform_incident", 1200), "b": obs("b", "inconclusive", 800),
                "c": obs("c", "usage_error", 3000)}
    return evaluate(truth, observed)


def empty_report():
    """Nothing enriched: almost every figure is None."""
    return evaluate([gt("a", "usage_error")], {})


def console():
    return Console(file=io.StringIO(), width=200)


def test_write_report(tmp_path):
    report = full_report()
    paths = write_report(report, tmp_path / "out")
    assert [p.name for p in paths] == ["report.json", "report.png"]
    assert paths[1].read_bytes().startswith(b"\x89PNG")
    stored = orjson.loads(paths[0].read_bytes())
    assert "latencies_s" not in stored
    assert stored["tickets"] == 4 and stored["latency_s"] == report["latency_s"]


def test_write_report_with_nothing_enriched(tmp_path):
    paths = write_report(empty_report(), tmp_path)
    assert paths[1].read_bytes().startswith(b"\x89PNG")
    assert orjson.loads(paths[0].read_bytes())["accuracy"] == 0.0


def test_write_report_with_no_tickets(tmp_path):
    paths = write_report(evaluate([], {}), tmp_path)
    assert paths[1].read_bytes().startswith(b"\x89PNG")


def test_print_report_with_none_values():
    out = console()
    print_report(empty_report(), out)
    text = out.file.getvalue()
    assert "n/a" in text and "missing" in text
    out = console()
    print_report(full_report(), out)
    assert "platform_incident" in out.file.getvalue()


def test_summary():
    rows = [summary_row("default", full_report()), summary_row("empty", empty_report())]
    assert rows[0]["scenario"] == "default" and rows[0]["tickets"] == 4
    assert rows[1]["p50_s"] is None and rows[1]["coverage_platform"] is None
    out = console()
    print_summary(rows, out)
    text = out.file.getvalue()
    assert "default" in text and "empty" in text and "n/a" in text
