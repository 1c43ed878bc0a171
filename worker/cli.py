"""The daemon's commands: `run` (the worker), `incidents` (read them back), `knowledge check`.

fault_correlator/cli.py hands these to `main` here; `python -m worker.cli run` works too (the
lab's bench starts workers so).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from contextlib import ExitStack

from worker.config import Settings, add_settings_options, settings_from
from worker.logs import setup_logging

log = logging.getLogger("fault_correlator")
# `run` exits 0 when stopped, 2 on a bad setting or knowledge file, 3 when the DLQ limit stopped it
# (a systemic fault: fix the cause, then restart: the uncommitted records are replayed).
EXIT_DLQ_LIMIT = 3


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return args.handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fault-correlator",
        description="Label customer fault tickets as platform incidents or usage errors, with evidence "
        "from Elasticsearch request logs and Prometheus metrics.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser("run", help="run the worker daemon (consume tickets, enrich, produce)",
                              description="Run the worker. Every option can also be set by env var FC_<NAME> or in the --config file.")
    add_settings_options(run)
    run.set_defaults(handler=cmd_run)

    from worker.incidents import add_incidents_parser, run_incidents_command
    incidents = add_incidents_parser(commands)
    add_settings_options(incidents)
    incidents.set_defaults(handler=lambda args: run_incidents_command(args, settings_from(args)))

    knowledge = commands.add_parser(
        "knowledge", help="the vocabulary, knowledge base, rules and alert names the worker will use",
        description="Load the built-in knowledge and the team's files named by the settings (vocabulary_file, "
        "patterns_file, knowledge_base_file, rules_file, alerts_file), validate them, and print what was loaded from where.")
    knowledge_commands = knowledge.add_subparsers(title="commands", metavar="COMMAND")
    check = knowledge_commands.add_parser("check", help="validate the knowledge files and print what was loaded from where")
    add_settings_options(check)
    check.set_defaults(handler=cmd_knowledge_check)

    return parser


def cmd_knowledge_check(args: argparse.Namespace) -> int:
    from triage.knowledge import KnowledgeError
    from worker.config import knowledge_of

    settings = settings_from(args)
    try:
        knowledge = knowledge_of(settings)
    except KnowledgeError as exc:
        print(f"fault-correlator: bad knowledge file:\n{exc}", file=sys.stderr)
        return 2
    print("\n".join(knowledge.describe()))
    print(f"log schema: {settings.log_schema.model_dump(exclude_none=True)}")
    print(f"metrics schema: {settings.metrics_schema.model_dump(exclude_none=True)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    setup_logging(settings.log_level, settings.log_format)
    if settings.processes > 1 and settings.mode != "naive":  # naive mode is the one-at-a-time baseline
        from worker.processes import run_processes

        return run_processes(settings, run_child)
    return run_worker(settings, (signal.SIGTERM, signal.SIGINT))


def run_worker(settings: Settings, signals: tuple[int, ...]) -> int:
    from triage.knowledge import KnowledgeError
    from worker.dead_letters import DlqLimitExceeded
    from worker.wiring import build_worker  # heavy imports only for commands that need them

    stop = threading.Event()
    install_signal_handlers(stop, signals)
    with ExitStack() as resources:
        try:
            worker = build_worker(settings, resources)
        except KnowledgeError as exc:
            log.error("bad knowledge file", extra={"error": str(exc)})
            print(f"fault-correlator: bad knowledge file:\n{exc}", file=sys.stderr)
            return 2
        try:
            worker.run(stop)
        except DlqLimitExceeded as exc:
            log.error("DLQ limit exceeded: worker stopped, nothing more committed", extra={"error": str(exc)})
            print(f"fault-correlator: DLQ limit exceeded, worker stopped: {exc}", file=sys.stderr)
            return EXIT_DLQ_LIMIT
    log.info("worker stopped cleanly")
    return 0


def run_child(settings: Settings) -> int:
    """One of the processes of `processes: N` (worker/processes.py): it is stopped by the SIGTERM
    its parent passes on, so it leaves SIGINT (a terminal's Ctrl-C reaches every process) alone."""
    setup_logging(settings.log_level, settings.log_format)
    return run_worker(settings, (signal.SIGTERM,))


def install_signal_handlers(stop: threading.Event, signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGINT)) -> None:
    """First SIGTERM/SIGINT: finish the batch in hand, commit, close. Second: leave at once
    (nothing uncommitted is lost: the batch in hand is replayed by whoever gets the partition)."""

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            log.warning("second signal: abandoning the batch in hand uncommitted")
            raise SystemExit(130)
        log.info("signal received: finishing the batch in hand", extra={"signal": signal.Signals(signum).name})
        stop.set()

    for signum in signals:
        signal.signal(signum, on_signal)


if __name__ == "__main__":
    sys.exit(main())
