"""Bring the local stack (Kafka, Elasticsearch, Prometheus) up, down, report on it, wipe it.

    from stack import manager
    manager.up()                    # install what is missing, start in parallel, wait for health
    manager.status()                # {component: {pid, healthy, url, log, ...}}
    manager.down()                  # SIGTERM, wait, SIGKILL
    manager.wipe("elasticsearch")   # stop and delete its data

Every function is idempotent and safe to call from several processes (a lock file serialises up/down/wipe).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Iterable, Iterator

from . import elasticsearch, kafka, prometheus, proc, settings
from .proc import StackError, say

MODULES: dict[str, ModuleType] = {"kafka": kafka, "elasticsearch": elasticsearch, "prometheus": prometheus}
COMPONENTS: tuple[str, ...] = settings.COMPONENTS

__all__ = ["COMPONENTS", "StackError", "up", "down", "status", "wipe", "pid_listening_on"]


def _select(components: Iterable[str] | str | None) -> list[str]:
    if components is None:
        return list(COMPONENTS)
    if isinstance(components, str):
        components = [components]
    chosen = []
    for name in components:
        if name not in MODULES:
            raise ValueError(f"unknown component {name!r} (choose from {', '.join(COMPONENTS)})")
        if name not in chosen:
            chosen.append(name)
    return chosen


@contextmanager
def _locked() -> Iterator[None]:
    """One up/down/wipe at a time per stack home (across processes)."""
    settings.run_dir().mkdir(parents=True, exist_ok=True)
    with open(settings.run_dir() / "stack.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _parallel(names: list[str], work) -> dict[str, dict]:
    """Run work(name) -> dict for each name in its own thread; exceptions become {'error': ...}."""
    results: dict[str, dict] = {}

    def run(name: str) -> None:
        try:
            results[name] = work(name)
        except Exception as err:  # noqa: BLE001 - reported per component
            results[name] = {"action": "failed", "error": str(err)}

    threads = [threading.Thread(target=run, args=(name,), name=f"stack-{name}") for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {name: results[name] for name in names}


# --- port ownership --------------------------------------------------------------------------------
def pid_listening_on(port: int) -> int | None:
    """The pid of the process with a TCP socket listening on `port` (any address), or None."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    if os.readlink(fd) in wanted:
                        return int(entry.name)
                except OSError:
                    continue
        except OSError:
            continue
    return None


# --- up --------------------------------------------------------------------------------------------
def _up_one(name: str, timeout: float) -> dict:
    mod = MODULES[name]
    started = time.monotonic()
    pid = mod.main_pid()
    if pid is not None:
        if mod.healthy():
            if name == "prometheus":
                mod.reload_if_changed()
            return {"action": "already running", "seconds": round(time.monotonic() - started, 2)}
        say(name, f"pid {pid} is running but not healthy yet: waiting up to {timeout:.0f}s ...")
        if proc.wait_until(mod.healthy, timeout=timeout, interval=0.5, alive=lambda: proc.is_alive(pid)):
            return {"action": "was starting", "seconds": round(time.monotonic() - started, 2)}
        raise StackError(f"{name}: pid {pid} runs but is not healthy after {timeout:.0f}s "
                         f"(see {mod.log_file()}; `python -m stack down {name}` stops it)")
    if name == "elasticsearch":
        mod.stop()  # a stdin holder left behind by a server that died
    for port in mod.ports():
        owner = pid_listening_on(port)
        if owner is not None or proc.port_open("127.0.0.1", port, timeout=0.3):
            if mod.healthy():
                say(name, f"already served on port {port} by a process this stack did not start "
                          f"(pid {owner}): leaving it alone")
                return {"action": "external", "external_pid": owner,
                        "seconds": round(time.monotonic() - started, 2)}
            raise StackError(f"{name}: port {port} is taken by another process (pid {owner}); stop it first")

    mod.ensure_installed()
    mod.prepare()
    say(name, "starting ...")
    pid = mod.start()
    ok = proc.wait_until(mod.healthy, timeout=timeout, interval=0.25, alive=lambda: proc.is_alive(pid))
    seconds = round(time.monotonic() - started, 2)
    if not ok:
        if not proc.is_alive(pid):
            mod.stop(timeout=5)
            raise StackError(f"{name}: exited during start-up; last lines of {mod.log_file()}:\n"
                             + _tail(mod.log_file()))
        raise StackError(f"{name}: not healthy after {timeout:.0f}s (pid {pid} still running; "
                         f"see {mod.log_file()})")
    say(name, f"healthy in {seconds:.1f}s (pid {pid})")
    return {"action": "started", "seconds": seconds}


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def up(components: Iterable[str] | str | None = COMPONENTS, *, timeout: float = settings.HEALTH_TIMEOUT_S,
       verbose: bool = True) -> dict:
    """Install what is missing, start the components in parallel and wait until each is healthy.

    Idempotent: healthy components are left alone; stale pid files are cleaned up. Returns
    ``{component: {"action": "started"|"already running"|"was starting"|"external", "seconds": float,
    **status}}`` and raises StackError (after starting whatever it could) if any component failed.
    """
    names = _select(components)
    t0 = time.monotonic()
    for folder in (settings.logs_dir(), settings.run_dir()):
        folder.mkdir(parents=True, exist_ok=True)
    with _locked():
        results = _parallel(names, lambda name: _up_one(name, timeout))
    current = status(names)
    for name in names:
        results[name] = {**results[name], **current[name]}
    failed = {name: r["error"] for name, r in results.items() if r.get("action") == "failed"}
    if verbose:
        _print_summary(results, time.monotonic() - t0)
    if failed:
        raise StackError("; ".join(f"{name}: {error}" for name, error in failed.items()))
    return results


def _print_summary(results: dict, seconds: float) -> None:
    lines = [f"stack ready in {seconds:.1f}s" if all(r.get("healthy") for r in results.values())
             else f"stack NOT fully healthy after {seconds:.1f}s"]
    for name, r in results.items():
        rss = f"{r['rss_mib']:.0f} MiB" if r.get("rss_mib") else "-"
        lines.append(f"  {name:<13} {r.get('action', ''):<15} healthy={str(r.get('healthy')):<5} "
                     f"pid={r.get('pid')} rss={rss}  {r.get('url')}")
    home = settings.stack_home()
    lines.append(f"  logs: {settings.logs_dir()}/<component>.log   pids: {settings.run_dir()}")
    lines.append(f"  data: {kafka.data_dir()}  {elasticsearch.data_dir()}  {prometheus.data_dir()}")
    lines.append(f"  stop with `python -m stack down`; wipe data with `python -m stack wipe` (home {home})")
    print("\n".join(lines), flush=True)


# --- down ------------------------------------------------------------------------------------------
def down(components: Iterable[str] | str | None = COMPONENTS, *, timeout: float = settings.STOP_TIMEOUT_S,
         verbose: bool = True) -> dict:
    """Stop the components (SIGTERM, wait up to `timeout`, then SIGKILL), in parallel.

    Returns ``{component: "stopped" | "not running"}``."""
    names = _select(components)

    def stop_one(name: str) -> dict:
        mod = MODULES[name]
        pid = mod.main_pid()
        t = time.monotonic()
        stopped = mod.stop(timeout=timeout)
        if stopped and verbose:
            say(name, f"stopped pid {pid} in {time.monotonic() - t:.1f}s")
        return {"action": "stopped" if stopped else "not running"}

    if not settings.stack_home().exists():
        return {name: "not running" for name in names}
    with _locked():
        results = _parallel(names, stop_one)
    failed = {n: r["error"] for n, r in results.items() if r.get("action") == "failed"}
    if failed:
        raise StackError("; ".join(f"{n}: {e}" for n, e in failed.items()))
    return {name: r["action"] for name, r in results.items()}


# --- status ----------------------------------------------------------------------------------------
def status(components: Iterable[str] | str | None = COMPONENTS) -> dict:
    """Per component: ``pid`` (int or None), ``healthy`` (bool), ``url``, ``log`` (path), ``rss_mib``,
    ``data`` (path), ``installed`` (bool) and, for Elasticsearch, ``stdin_holder_pid``."""
    names = _select(components)

    def one(name: str) -> dict:
        mod = MODULES[name]
        pids = mod.pids()
        pid = pids.get("pid")
        info = {
            **pids,
            "running": pid is not None,
            "healthy": bool(mod.healthy()),
            "url": mod.url(),
            "log": str(mod.log_file()),
            "rss_mib": proc.rss_mib(pid),
            "data": str(mod.data_dir()),
            "installed": bool(mod.installed()),
        }
        return info

    return _parallel(names, one)


# --- wipe ------------------------------------------------------------------------------------------
def wipe(components: Iterable[str] | str | None = COMPONENTS, *, verbose: bool = True) -> dict:
    """Stop the components and delete their data (topics, indices, TSDB). Jars and builds stay, so the
    next ``up`` is a fast, clean start. Returns ``{component: "wiped"}``."""
    names = _select(components)
    down(names, verbose=verbose)
    with _locked():
        for name in names:
            MODULES[name].wipe_data()
            if verbose:
                say(name, "data deleted")
    return {name: "wiped" for name in names}
