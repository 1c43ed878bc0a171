"""`processes: N`: one daemon, N worker processes, each a whole worker in the same consumer group.

Why: a worker's own Python (reading tickets, judging, writing documents) runs under one
interpreter lock, so one process uses one core at most. N processes are N members of the group:
Kafka spreads the partitions over them (a process with no partition waits for a rebalance), and
each commits its own. Nothing is shared between them but the backends; incidents stay consistent
as they do across separate instances (worker/incidents.py).

The parent only starts, watches and stops its children, like any process supervisor:

- process `i` (from 0) is named `<worker_name>-<i>` and serves /metrics and /healthz on
  `metrics_port + i` (none when `metrics_port` is 0);
- the first SIGTERM/SIGINT is passed on to every child, which finishes its batches, commits and
  exits; a second one is passed on too (the children leave at once) and the parent exits 130;
- a child that exits on its own (a crash, a bad setting) stops the others: the daemon exits with
  its code, for the service manager to restart the whole;
- a child whose parent is gone (killed) stops by itself rather than run unsupervised.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import wait

from worker.config import Settings

log = logging.getLogger("fault_correlator.processes")
ORPHAN_CHECK_S = 1.0


def child_settings(settings: Settings, number: int) -> Settings:
    """The settings of process `number`: one process each, its own name and metrics port. A plain
    `Settings` (the loaded one may be of a class made for its config file, which cannot be pickled
    for the child); every value is given, so the child's environment changes none."""
    return Settings(**{**settings.model_dump(), "processes": 1, "worker_name": f"{settings.worker_name}-{number}",
                       "metrics_port": settings.metrics_port + number if settings.metrics_port else 0})


def run_processes(settings: Settings, target: Callable[[Settings], int]) -> int:
    """Start `settings.processes` children running `target(child_settings)`; returns the exit code."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no client or thread is inherited
    children = [context.Process(target=_child_main, args=(target, child_settings(settings, n), os.getpid()),
                                name=f"{settings.worker_name}-{n}") for n in range(settings.processes)]
    signals = _ForwardSignals(children)
    try:
        for child in children:
            child.start()
        log.info("worker processes started", extra={"processes": len(children), "pids": [child.pid for child in children]})
        first_exit = None
        while first_exit is None and not signals.received:
            done = wait([child.sentinel for child in children], timeout=0.5)
            first_exit = next((child for child in children if child.sentinel in done), None)
        if first_exit is not None and not signals.received:
            log.error("a worker process exited on its own: stopping the others",
                      extra={"worker": first_exit.name, "exit_code": first_exit.exitcode})
            signals.forward(signal.SIGTERM)
        for child in children:
            child.join()
    finally:
        signals.restore()
    codes = [child.exitcode for child in children]
    log.info("worker processes stopped", extra={"exit_codes": codes})
    if first_exit is not None and not signals.received:
        return first_exit.exitcode or 1
    return next((code for code in codes if code), 0)


class _ForwardSignals:
    """SIGTERM/SIGINT reach the children through the parent: the first lets them finish their
    batches, the second makes them leave at once (and the parent with them, code 130)."""

    def __init__(self, children: list[multiprocessing.Process]):
        self.children = children
        self.received = 0
        self.previous = {signum: signal.signal(signum, self.on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def on_signal(self, signum: int, frame: object) -> None:
        self.received += 1
        log.info("signal received: passing it on to the worker processes", extra={"signal": signal.Signals(signum).name})
        self.forward(signal.SIGTERM)
        if self.received > 1:
            for child in self.children:
                child.join(timeout=10)
            raise SystemExit(130)

    def forward(self, signum: int) -> None:
        for child in self.children:
            if child.pid is not None and child.exitcode is None:
                os.kill(child.pid, signum)


def _child_main(target: Callable[[Settings], int], settings: Settings, parent: int) -> None:
    # Ctrl-C in a terminal signals the whole process group: only the parent's forwarded SIGTERM counts.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_stop_when_orphaned, args=(parent,), daemon=True, name="orphan-check").start()
    raise SystemExit(target(settings))


def _stop_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        threading.Event().wait(ORPHAN_CHECK_S)
    os.kill(os.getpid(), signal.SIGTERM)  # the worker's own handler: finish the batches, commit, exit
