"""Show an evaluation report (from `lab.evaluate.evaluate`): rich tables on the console, report.json and report.png.

report.json holds every figure except the raw `latencies_s` list: with 20,000 tickets it would dwarf
the rest of the file, and the quantiles (latency_s) plus the histogram in report.png carry what a
reader needs. matplotlib is imported inside `write_report` only, so the console output works
without the `lab` extra.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from triage.models import LABELS

NA = "n/a"
PREDICTED_ORDER = (*LABELS, "missing")


def _pct(value: float | None) -> str:
    return NA if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 2) -> str:
    return NA if value is None else f"{value:.{digits}f}"


def _seconds(value: float | None) -> str:
    return NA if value is None else f"{value:.2f} s"


def headline(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The few figures worth a glance, already formatted."""
    coverage, grouping, latency = report["coverage"], report["grouping"], report["latency_s"]
    return [
        ("tickets", f"{report['tickets']} ({report['enriched']} enriched, {report['missing']} missing)"),
        ("accuracy", _pct(report["accuracy"])),
        ("macro-F1", _num(report["macro_f1"], 3)),
        ("inconclusive rate", _pct(report["inconclusive_rate"])),
        ("coverage platform", f"{_pct(coverage['platform'])} of {coverage['platform_n']}"),
        ("coverage usage", f"{_pct(coverage['usage'])} of {coverage['usage_n']}"),
        ("grouping precision", f"{_pct(grouping['precision'])} ({grouping['both_pairs']}/{grouping['predicted_pairs']} pairs)"),
        ("grouping recall", f"{_pct(grouping['recall'])} ({grouping['both_pairs']}/{grouping['true_pairs']} pairs)"),
        ("wrong blame", _wrong_blame(report.get("wrong_blame"))),
        ("confidence calibration", _calibration(report.get("calibration"))),
        ("tickets/s", _num(report["throughput_tps"], 1)),
        ("latency p50/p95/p99", " / ".join(_seconds(latency[q]) for q in ("p50", "p95", "p99"))),
    ]


def _wrong_blame(blame: Mapping[str, Any] | None) -> str:
    if not blame or blame.get("rate") is None:
        return "n/a"
    return (f"{_pct(blame['rate'])} of {blame['tickets']}: platform as usage {blame['platform_as_usage']} "
            f"({blame['platform_as_usage_confident']} at >= 0.8), usage as platform {blame['usage_as_platform']} "
            f"({blame['usage_as_platform_confident']} at >= 0.8)")


def _calibration(calibration: Mapping[str, Any] | None) -> str:
    if not calibration or calibration.get("ece") is None:
        return "n/a"
    return f"ECE {calibration['ece']:.3f}, Brier {calibration['brier']:.3f}"


def _confusion_axes(confusion: Mapping[str, Mapping[str, int]]) -> tuple[list[str], list[str]]:
    """Row (truth) and column (predicted) labels that actually occur, in a fixed order."""
    rows = [label for label in LABELS if label in confusion]
    seen = {p for row in confusion.values() for p in row}
    columns = [label for label in PREDICTED_ORDER if label in seen]
    return rows, columns


def confusion_table(confusion: Mapping[str, Mapping[str, int]]) -> Table:
    rows, columns = _confusion_axes(confusion)
    table = Table(title="confusion (rows: truth, columns: predicted)")
    table.add_column("truth")
    for column in columns:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(row, *(str(confusion[row].get(column, 0)) for column in columns))
    return table


def by_kind_table(by_kind: Mapping[str, Mapping[str, Any]]) -> Table:
    table = Table(title="by fault kind")
    for name, justify in (("kind", "left"), ("tickets", "right"), ("correct", "right"),
                          ("accuracy", "right"), ("predicted", "left")):
        table.add_column(name, justify=justify)
    for kind, row in by_kind.items():
        predicted = ", ".join(f"{label} {count}" for label, count in sorted(row["predicted"].items()))
        table.add_row(kind, str(row["tickets"]), str(row["correct"]), _pct(row["accuracy"]), predicted)
    return table


def per_class_table(per_class: Mapping[str, Mapping[str, Any]]) -> Table:
    table = Table(title="per class")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, scores in per_class.items():
        table.add_row(label, _pct(scores["precision"]), _pct(scores["recall"]), _num(scores["f1"], 3), str(scores["support"]))
    return table


def print_report(report: Mapping[str, Any], console: Console) -> None:
    """One scenario: headline figures, per-class scores, confusion matrix, per-kind accuracy."""
    table = Table(title="scenario evaluation", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in headline(report):
        table.add_row(name, value)
    console.print(table)
    console.print(per_class_table(report["per_class"]))
    console.print(confusion_table(report["confusion"]))
    console.print(by_kind_table(report["by_kind"]))


def write_report(report: Mapping[str, Any], directory: Path) -> list[Path]:
    """Write report.json (without the raw latencies) and report.png; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "report.json"
    stored = {key: value for key, value in report.items() if key != "latencies_s"}
    json_path.write_bytes(orjson.dumps(stored, option=orjson.OPT_INDENT_2))
    png_path = directory / "report.png"
    _write_png(report, png_path)
    return [json_path, png_path]


def _write_png(report: Mapping[str, Any], path: Path) -> None:
    """Two panels: the confusion matrix as an annotated heatmap, the latency histogram with p50/p95/p99."""
    import matplotlib

    matplotlib.use("Agg")  # no display: this runs in terminals and CI
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    try:
        _plot_confusion(left, report["confusion"])
        _plot_latency(right, report.get("latencies_s") or [], report["latency_s"])
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)


def _plot_confusion(ax: Any, confusion: Mapping[str, Mapping[str, int]]) -> None:
    rows, columns = _confusion_axes(confusion)
    ax.set_title("confusion (rows: truth, columns: predicted)")
    if not rows:
        ax.text(0.5, 0.5, "no tickets", ha="center", va="center")
        ax.set_axis_off()
        return
    counts = [[confusion[row].get(column, 0) for column in columns] for row in rows]
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(columns)), labels=columns, rotation=20)
    ax.set_yticks(range(len(rows)), labels=rows)
    top = max(max(line) for line in counts)
    for y, line in enumerate(counts):
        for x, count in enumerate(line):
            ax.text(x, y, str(count), ha="center", va="center", color="white" if count > top / 2 else "black")


def _plot_latency(ax: Any, latencies: Sequence[float], quantiles: Mapping[str, float | None]) -> None:
    ax.set_title("latency (produced -> enriched)")
    if not latencies:
        ax.text(0.5, 0.5, "no latencies (nothing enriched, or pooled runs)", ha="center", va="center")
        ax.set_axis_off()
        return
    ax.hist(latencies, bins=50, color="tab:gray")
    marked = [(name, color) for name, color in (("p50", "tab:green"), ("p95", "tab:orange"), ("p99", "tab:red"))
              if quantiles.get(name) is not None]
    for name, color in marked:
        ax.axvline(quantiles[name], color=color, linestyle="--", label=f"{name} {quantiles[name]:.2f} s")
    ax.set_xlabel("seconds")
    ax.set_ylabel("tickets")
    if marked:
        ax.legend()


def summary_row(name: str, report: Mapping[str, Any]) -> dict[str, Any]:
    """The flat figures of one scenario for the multi-scenario table (raw numbers, None when undefined)."""
    return {
        "scenario": name,
        "tickets": report["tickets"],
        "accuracy": report["accuracy"],
        "macro_f1": report["macro_f1"],
        "inconclusive_rate": report["inconclusive_rate"],
        "coverage_platform": report["coverage"]["platform"],
        "coverage_usage": report["coverage"]["usage"],
        "grouping_precision": report["grouping"]["precision"],
        "grouping_recall": report["grouping"]["recall"],
        "throughput_tps": report["throughput_tps"],
        "p50_s": report["latency_s"]["p50"],
        "p99_s": report["latency_s"]["p99"],
        "ece": (report.get("calibration") or {}).get("ece"),
        "wrong_blame": (report.get("wrong_blame") or {}).get("rate"),
        "platform_as_usage": (report.get("wrong_blame") or {}).get("platform_as_usage"),
        "usage_as_platform": (report.get("wrong_blame") or {}).get("usage_as_platform"),
        "wrong_blame_confident": sum((report.get("wrong_blame") or {}).get(key) or 0
                                     for key in ("platform_as_usage_confident", "usage_as_platform_confident")),
    }


def _blame_cell(row: Mapping[str, Any]) -> str:
    if row.get("wrong_blame") is None:
        return NA
    return (f"{_pct(row['wrong_blame'])} {row.get('platform_as_usage', 0)}/{row.get('usage_as_platform', 0)}"
            f" ({row.get('wrong_blame_confident', 0)})")


def print_summary(rows: Sequence[Mapping[str, Any]], console: Console) -> None:
    """One line per scenario, so runs can be compared at a glance."""
    table = Table(title="scenarios")
    table.add_column("scenario")
    for column in ("tickets", "accuracy", "macro-F1", "wrong blame P>U/U>P (>=0.8)", "inconclusive", "coverage P/U",
                   "grouping P/R", "tickets/s", "p50", "p99"):
        table.add_column(column, justify="right")
    for row in rows:
        if row.get("section"):
            table.add_section()
        table.add_row(
            row["scenario"],
            str(row["tickets"]),
            _pct(row["accuracy"]),
            _num(row["macro_f1"], 3),
            _blame_cell(row),
            _pct(row["inconclusive_rate"]),
            f"{_pct(row['coverage_platform'])} / {_pct(row['coverage_usage'])}",
            f"{_pct(row['grouping_precision'])} / {_pct(row['grouping_recall'])}",
            _num(row["throughput_tps"], 1),
            _seconds(row["p50_s"]),
            _seconds(row["p99_s"]),
        )
    console.print(table)
