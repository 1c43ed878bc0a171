"""`fault-correlator lab`: describe a scenario in YAML, load it, evaluate the worker on it, bench a library.

    fault-correlator lab check scenarios/*.yaml         validate scenario files
    fault-correlator lab load scenarios/01-....yaml     load logs, metrics, alerts; produce the tickets
    fault-correlator run                                 (the worker, in another terminal)
    fault-correlator lab eval .lab/runs/<run>           score the enriched tickets against the truth
    fault-correlator lab bench scenarios/               all of the above for every scenario, plus naive mode
    fault-correlator lab calibrate .lab/runs/bench-*/[0-9]*   fit the verdict confidence to the measured accuracy
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from lab.spec import Scenario, SpecError, load_spec

console = Console(width=None if Console().is_terminal else 200)
DEFAULT_RUNS_DIR = Path(".lab/runs")
CHAOS_FAULTS = ("kill", "elasticsearch", "prometheus", "broker", "fuzz", "hostile", "refused")  # lab/chaos.py: FAULT_RUNS
NO_RESET_HELP = ("keep the logs in the logs_index pattern and the scenario metrics already loaded (by default they are "
                 "deleted first); for a shared stack, with a logs index and service names of the scenario's own")


def main(argv: list[str], prog: str = "fault-correlator lab") -> int:
    """The lab's commands; `demo` is also `fault-correlator demo` (fault_correlator/cli.py)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except SpecError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2


def build_parser(prog: str) -> argparse.ArgumentParser:
    from worker.config import add_settings_options

    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    demo = commands.add_parser("demo", help="bring the local stack up, load the default scenario, run the worker on it, print a table")
    add_settings_options(demo)
    demo.add_argument("--no-stack", action="store_true", help="do not start the local stack (use servers already running)")
    demo.add_argument("--timeout", type=float, default=180.0, help="give up waiting for enriched tickets after this many seconds")
    demo.set_defaults(handler=cmd_demo)

    check = commands.add_parser("check", help="validate scenario files (errors name the file and the field)")
    check.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
    check.add_argument("--dry-run", action="store_true", help="also generate the traffic in memory and count lines and tickets per event (no servers)")
    check.set_defaults(handler=cmd_check)

    schema = commands.add_parser("schema", help="print the JSON Schema of a scenario file")
    schema.set_defaults(handler=cmd_schema)

    load = commands.add_parser("load", help="load a scenario into the stack and produce its tickets",
                               description="Replace the access logs and scenario metrics with the scenario's, backfill "
                               "its alerts, produce its tickets to the input topic, and keep the ground truth in a run directory.")
    load.add_argument("spec", type=Path, metavar="SPEC")
    load.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR, help="where run directories go (default .lab/runs)")
    load.add_argument("--no-produce", action="store_true", help="load logs, metrics and alerts only; write the tickets to the run directory")
    load.add_argument("--no-reset", action="store_true", help=NO_RESET_HELP)
    add_settings_options(load)
    load.set_defaults(handler=cmd_load)

    evaluate = commands.add_parser("eval", help="score a run: read its enriched tickets back from Kafka, compare with the truth")
    evaluate.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    evaluate.add_argument("--output-topic", help="topic to read the enriched tickets from (default: the one in the manifest)")
    evaluate.add_argument("--config", type=Path, help="YAML settings file (for kafka_bootstrap)")
    evaluate.set_defaults(handler=cmd_eval)

    calibrate = commands.add_parser("calibrate", help="fit the confidence curve of triage/rules.yaml to the accuracy measured on runs")
    calibrate.add_argument("run_dirs", type=Path, nargs="+", metavar="RUN_DIR")
    calibrate.add_argument("--config", type=Path, help="YAML settings file (for kafka_bootstrap)")
    calibrate.set_defaults(handler=cmd_calibrate)

    bench = commands.add_parser("bench", help="load, run and evaluate every scenario of a directory; naive-mode ratio on the largest")
    bench.add_argument("directory", type=Path, metavar="DIR")
    bench.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR, help="where the bench's reports go (default .lab/runs)")
    bench.add_argument("--naive-tickets", type=int, default=1000, help="tickets of the largest scenario run in naive mode (0 = skip)")
    bench.add_argument("--timeout", type=float, default=1800.0, help="longest wait for one scenario's tickets, seconds")
    bench.add_argument("--no-reset", action="store_true", help=NO_RESET_HELP)
    add_settings_options(bench)
    bench.set_defaults(handler=cmd_bench)

    chaos = commands.add_parser("chaos", help="run the worker under injected faults on the local stack; print sent/enriched/DLQ'd/lost per fault",
                                description="Each fault on topics and an index of its own: worker kills, backend outages, a broker "
                                "restart, malformed and hostile records, a backend refusing every query. Loads the default scenario "
                                "first (replacing the stack's logs and scenario metrics).")
    chaos.add_argument("--faults", default=",".join(CHAOS_FAULTS), help=f"comma-separated, from {', '.join(CHAOS_FAULTS)} (default all)")
    chaos.add_argument("--copies", type=int, default=20, help="copies of the default scenario's tickets per fault (default 20)")
    chaos.add_argument("--outage-s", type=float, default=60.0, help="Elasticsearch outage; Prometheus is down half of it (default 60)")
    chaos.add_argument("--fuzzed", type=int, default=10_000, help="malformed records in the fuzz fault (default 10000)")
    chaos.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR, help="where the figures and worker logs go (default .lab/runs)")
    chaos.add_argument("--no-load", action="store_true", help="keep the logs and metrics already loaded (the figures are about delivery, not verdicts)")
    add_settings_options(chaos)
    chaos.set_defaults(handler=cmd_chaos)

    steady = commands.add_parser("steady", help="measure the maximum throughput, then run at a share of it: latency p50/p99 and memory growth",
                                 description="A burst measures the worker's maximum; then tickets arrive evenly at --share of it "
                                 "for --minutes. Prints produced-to-enriched latency p50/p99/max and the resident memory at start "
                                 "and end (growth per hour). Keeps the logs and metrics already loaded.")
    steady.add_argument("--minutes", type=float, default=5.0, help="length of the steady run (default 5)")
    steady.add_argument("--share", type=float, default=0.5, help="share of the measured maximum to run at (default 0.5)")
    steady.add_argument("--burst", type=int, default=5000, help="tickets of the burst that measures the maximum (default 5000)")
    steady.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR, help="where the figures and worker logs go (default .lab/runs)")
    add_settings_options(steady)
    steady.set_defaults(handler=cmd_steady)
    return parser


def cmd_chaos(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from lab.chaos import run_chaos
    from worker.config import settings_from
    from worker.logs import setup_logging

    faults = [item.strip() for item in args.faults.split(",") if item.strip()]
    unknown = sorted(set(faults) - set(CHAOS_FAULTS))
    if unknown:
        print(f"lab chaos: unknown fault(s) {', '.join(unknown)}; known: {', '.join(CHAOS_FAULTS)}", file=sys.stderr)
        return 2
    settings = settings_from(args)
    setup_logging("WARNING", "text")
    out = args.runs_dir / f"chaos-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}"
    results = run_chaos(settings, faults, args.copies, args.outage_s, args.fuzzed, out, load_signals=not args.no_load)
    return 0 if all(item.lost == 0 for item in results) else 1


def cmd_steady(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from lab.steady import run_steady
    from worker.config import settings_from
    from worker.logs import setup_logging

    settings = settings_from(args)
    setup_logging("WARNING", "text")
    run_steady(settings, args.minutes, args.share, args.burst, args.runs_dir / f"steady-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from lab.demo import run_demo
    from worker.config import settings_from
    from worker.logs import setup_logging

    settings = settings_from(args)
    setup_logging("WARNING", "text")
    return run_demo(settings, start_stack=not args.no_stack, timeout_s=args.timeout)


def cmd_check(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.specs:
        try:
            spec = load_spec(path)
            check_generation(spec, path)
        except SpecError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: ok ({len(spec.services)} services, {len(spec.customers)} customer entries, {len(spec.events)} events)")
        if args.dry_run:
            dry_run(spec)
    return 1 if failed else 0


def check_generation(spec: Scenario, path: Path) -> None:
    """What only the generator can tell: whether event selectors find enough customers, and time order."""
    from datetime import datetime, timezone

    from lab.generate import Traffic

    try:
        Traffic(spec, datetime.now(timezone.utc), "check")
    except ValueError as exc:
        raise SpecError(f"{path}: invalid scenario:\n  {exc}") from None


def dry_run(spec: Scenario) -> None:
    """What a load would write, without writing it: sizes, and tickets per event and label."""
    import time
    from collections import Counter
    from datetime import datetime, timezone

    from lab.generate import Traffic
    from lab.tickets import write_tickets

    started = time.monotonic()
    traffic = Traffic(spec, datetime.now(timezone.utc), "dryrun")
    lines = sum(1 for _ in traffic.logs())
    series = traffic.series()
    tickets = write_tickets(traffic)
    per_event = Counter((item.truth.event, item.truth.kind, item.truth.label) for item in tickets)
    print(f"  {lines:,} log lines, {len(series):,} series, {sum(len(s[1]) for s in series):,} samples, "
          f"{len(tickets):,} tickets (generated in {time.monotonic() - started:.1f} s)")
    for event in spec.events:
        counts = {key: n for key, n in per_event.items() if key[0] == event.id}
        filers = sum(1 for (event_id, _), exposure in traffic.exposures.items() if event_id == event.id)
        label = next(iter(counts))[2] if counts else event.truth
        print(f"  {event.id:<28} {event.kind:<20} {label:<18} {sum(counts.values()):>6} tickets "
              f"({filers} customers affected)")


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from lab.run import load_scenario, new_run_id
    from worker.config import settings_from

    spec = load_spec(args.spec)
    check_generation(spec, args.spec)
    settings = settings_from(args)
    run_id = new_run_id()
    run_dir = args.runs_dir / f"{spec.name}-{run_id}"
    with progress_bar() as report:
        manifest = load_scenario(spec, args.spec, settings, run_dir, run_id, produce=not args.no_produce,
                                 reset=not args.no_reset, progress=report)
    console.print(f"loaded {spec.name} (run {run_id}): {manifest.log_lines:,} log lines, {manifest.metric_samples:,} metric samples, "
                  f"{manifest.alert_samples:,} alert samples, {manifest.tickets:,} tickets "
                  f"{'produced to ' + manifest.input_topic if not args.no_produce else 'kept in ' + str(run_dir / 'tickets.jsonl')}")
    console.print(f"timings (s): {manifest.load_seconds}")
    console.print(f"run directory: {run_dir}\nnext: run the worker, then `fault-correlator lab eval {run_dir}`")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from lab import collect, evaluate, report
    from lab.run import read_run
    from worker.config import load_settings

    manifest, truth, _ = read_run(args.run_dir)
    settings = load_settings(args.config)
    observed = collect.observe(settings.kafka_bootstrap, manifest.input_topic, args.output_topic or manifest.output_topic,
                               {item.ticket_id for item in truth})
    result = evaluate.evaluate(truth, observed)
    report.print_report(result, console)
    for path in report.write_report(result, args.run_dir):
        console.print(f"wrote {path}")
    return 0 if result["enriched"] else 1


def cmd_calibrate(args: argparse.Namespace) -> int:
    from lab import calibrate, collect
    from lab.run import read_run
    from worker.config import load_settings

    settings = load_settings(args.config)
    points: list[tuple[float, bool]] = []
    for run_dir in args.run_dirs:
        manifest, truth, _ = read_run(run_dir)
        observed = collect.observe(settings.kafka_bootstrap, manifest.input_topic, manifest.output_topic, {t.ticket_id for t in truth})
        points += calibrate.samples(truth, observed)
    slope, intercept = calibrate.fit_logistic(points)
    right = sum(ok for _, ok in points)
    console.print(f"{len(points)} verdicts with signals, {right} right ({right / len(points):.1%})")
    console.print(f"fitted: confidence: {{slope: {slope}, intercept: {intercept}}}  (put these in triage/rules.yaml)")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from lab.bench import bench
    from worker.config import settings_from

    bench(args.directory, settings_from(args), args.runs_dir, console, naive_tickets=args.naive_tickets, timeout_s=args.timeout,
          reset=not args.no_reset)
    return 0


class progress_bar:
    """A rich progress bar per load stage, fed by lab.run's progress callback."""

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)
        self.tasks: dict[str, int] = {}
        self.progress.start()
        return self.update

    def update(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=max(total or 0, done) or None)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
