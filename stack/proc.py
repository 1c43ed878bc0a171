"""Small process and install helpers shared by the three server modules (stdlib only)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Mapping, Sequence

from . import settings

_print_lock = threading.Lock()


def say(component: str, message: str) -> None:
    """Progress line on stderr, prefixed with the component name (thread safe)."""
    with _print_lock:
        print(f"[{component:>13}] {message}", file=sys.stderr, flush=True)


class StackError(RuntimeError):
    """A step of bringing the stack up or down failed; the message says what and where to look."""


# --- pids ------------------------------------------------------------------------------------------
def pid_file(name: str) -> Path:
    return settings.run_dir() / f"{name}.pid"


def read_pid(name: str) -> int | None:
    try:
        text = pid_file(name).read_text().strip()
        return int(text) if text else None
    except (FileNotFoundError, ValueError):
        return None


def write_pid(name: str, pid: int) -> None:
    path = pid_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(path)


def remove_pid(name: str) -> None:
    try:
        pid_file(name).unlink()
    except FileNotFoundError:
        pass


def _reap(pid: int) -> None:
    """If pid is our own exited child, collect it so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    except OSError:
        pass


def process_state(pid: int) -> str | None:
    """The one-letter state from /proc/PID/status ('R', 'S', 'Z', ...) or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("State:"):
                    return line.split()[1]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    except OSError:
        return None
    return None


def is_alive(pid: int | None) -> bool:
    """True when pid exists and is not a zombie (``kill -0`` alone succeeds on zombies)."""
    if not pid or pid <= 0:
        return False
    _reap(pid)
    state = process_state(pid)
    return state is not None and state not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def live_pid(name: str, must_contain: str | None = None) -> int | None:
    """The pid recorded under `name` if that process is alive (and its command line contains
    `must_contain`, to survive pid reuse); otherwise None, and a stale pid file is removed."""
    pid = read_pid(name)
    if pid is None:
        return None
    if is_alive(pid) and (must_contain is None or any(must_contain in part for part in cmdline(pid))):
        return pid
    remove_pid(name)
    return None


def rss_mib(pid: int | None) -> float | None:
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        return None
    return None


def rotate(log: Path, max_bytes: int = 64 * 1024 * 1024) -> None:
    """Keep one previous generation (``<name>.log.1``) once a server log passes `max_bytes`."""
    try:
        if log.stat().st_size > max_bytes:
            log.replace(log.with_name(log.name + ".1"))
    except FileNotFoundError:
        pass


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: int | None = subprocess.DEVNULL,
) -> int:
    """Start a detached server (own session, stdout+stderr appended to `log`), record its pid file."""
    log.parent.mkdir(parents=True, exist_ok=True)
    rotate(log)
    with open(log, "ab", buffering=0) as out:
        out.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}: {' '.join(argv)}\n".encode())
        proc = subprocess.Popen(  # noqa: S603 - argv is built by this package
            list(argv),
            stdin=stdin,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(cwd) if cwd else None,
            env=dict(env) if env is not None else None,
            start_new_session=True,
            close_fds=True,
        )
    write_pid(name, proc.pid)
    # The Popen object is dropped on purpose: the server outlives this process. If it dies while we
    # still run, is_alive() reaps it.
    return proc.pid


def terminate(pid: int, *, timeout: float = settings.STOP_TIMEOUT_S, what: str = "process") -> bool:
    """SIGTERM, wait up to `timeout`, then SIGKILL. Returns True if it had to be killed."""
    if not is_alive(pid):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return False
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and is_alive(pid):
        time.sleep(0.05)
    return True


def wait_until(check: Callable[[], bool], *, timeout: float, interval: float = 0.25,
               alive: Callable[[], bool] | None = None) -> bool:
    """Poll `check` until it returns True or `timeout` passes; stop early if `alive()` turns False."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return True
        except Exception:  # noqa: BLE001 - a probe failing just means "not yet"
            pass
        if alive is not None and not alive():
            return False
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


# --- network probes --------------------------------------------------------------------------------
def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - local URL
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read() if err.fp else b""


def http_post(url: str, body: bytes = b"", timeout: float = 5.0,
              headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method="POST", headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - local URL
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read() if err.fp else b""


# --- running install commands ----------------------------------------------------------------------
def run_logged(argv: Sequence[str], *, log: Path, what: str, env: Mapping[str, str] | None = None,
               cwd: Path | None = None, timeout: float = 900) -> str:
    """Run a short command to completion, appending its output to `log`; raise StackError on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        result = subprocess.run(  # noqa: S603
            list(argv), capture_output=True, text=True, env=dict(env) if env is not None else None,
            cwd=str(cwd) if cwd else None, timeout=timeout, stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as err:
        raise StackError(f"{what}: {argv[0]} not found") from err
    except subprocess.TimeoutExpired as err:
        raise StackError(f"{what}: timed out after {timeout:.0f}s (see {log})") from err
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} {what}: {' '.join(argv)} "
                 f"-> rc={result.returncode} in {time.monotonic() - started:.1f}s\n")
        fh.write(result.stdout)
        fh.write(result.stderr)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise StackError(f"{what} failed (rc={result.returncode}, full output in {log}):\n{tail}")
    return result.stdout


_apt_lock = threading.Lock()
_apt_updated = False


def apt_install(packages: Sequence[str], *, log: Path, component: str) -> None:
    """``apt-get install --no-install-recommends``; runs ``apt-get update`` once and retries on failure."""
    global _apt_updated
    if os.geteuid() != 0:
        raise StackError(f"need {' '.join(packages)} installed (apt-get needs root): "
                         f"sudo apt-get install --no-install-recommends {' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    argv = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    with _apt_lock:
        say(component, f"installing {' '.join(packages)} with apt-get ...")
        try:
            run_logged(argv, log=log, what=f"apt-get install {' '.join(packages)}", env=env)
            return
        except StackError:
            if _apt_updated:
                raise
        say(component, "apt-get install failed; running apt-get update and retrying ...")
        run_logged(["apt-get", "update", "-q"], log=log, what="apt-get update", env=env)
        _apt_updated = True
        run_logged(argv, log=log, what=f"apt-get install {' '.join(packages)}", env=env)


# --- Java and Maven --------------------------------------------------------------------------------
_java_lock = threading.Lock()
_java_home: Path | None = None


def _jdk_feature(home: Path) -> int | None:
    try:
        text = (home / "release").read_text()
    except OSError:
        return None
    match = re.search(r'^JAVA_VERSION="(\d+)', text, re.M)
    return int(match.group(1)) if match else None


def _is_jdk(home: Path) -> bool:
    return (home / "bin" / "java").is_file() and (home / "bin" / "javac").is_file() \
        and (home / "bin" / "jar").is_file()


def java_home(component: str = "java") -> Path:
    """A JDK 17 home (java, javac, jar): $FC_STACK_JAVA_HOME, then /usr/lib/jvm, then the PATH's
    java; installs Debian's openjdk-17-jdk-headless if none is found."""
    global _java_home
    with _java_lock:
        if _java_home is not None:
            return _java_home
        want = settings.JAVA_FEATURE_VERSION
        candidates: list[Path] = []
        if os.environ.get("FC_STACK_JAVA_HOME"):
            candidates.append(Path(os.environ["FC_STACK_JAVA_HOME"]))
        jvm = Path("/usr/lib/jvm")
        if jvm.is_dir():
            candidates += sorted(p for p in jvm.iterdir() if p.is_dir() and not p.is_symlink())
        for exe in ("javac", "java"):
            found = shutil.which(exe)
            if found:
                candidates.append(Path(os.path.realpath(found)).parent.parent)
        if os.environ.get("JAVA_HOME"):
            candidates.append(Path(os.environ["JAVA_HOME"]))
        for home in candidates:
            if _is_jdk(home) and _jdk_feature(home) == want:
                _java_home = home
                return home
        apt_install([f"openjdk-{want}-jdk-headless"], log=settings.logs_dir() / "install.log",
                    component=component)
        for home in sorted(jvm.glob(f"java-{want}-openjdk-*")):
            if _is_jdk(home):
                _java_home = home
                return home
        raise StackError(f"no JDK {want} found (set FC_STACK_JAVA_HOME)")


def java(component: str = "java") -> str:
    return str(java_home(component) / "bin" / "java")


_mvn_lock = threading.Lock()  # one Maven at a time on the shared ~/.m2


def mvn_copy_dependencies(pom: Path, out_dir: Path, *, log: Path, component: str) -> None:
    """Resolve the runtime dependencies of `pom` into `out_dir` (a fresh folder) with Maven.

    ~/.m2 (or $FC_STACK_MAVEN_REPO) is the download cache."""
    if shutil.which("mvn") is None:
        apt_install(["maven"], log=log, component=component)
    argv = ["mvn", "-B", "-q", "-f", str(pom), "dependency:copy-dependencies",
            "-DincludeScope=runtime", f"-DoutputDirectory={out_dir}"]
    if os.environ.get("FC_STACK_MAVEN_REPO"):
        argv.append(f"-Dmaven.repo.local={os.environ['FC_STACK_MAVEN_REPO']}")
    env = dict(os.environ, JAVA_HOME=str(java_home(component)))
    with _mvn_lock:
        say(component, f"resolving jars with Maven ({pom.relative_to(settings.repo_root())}) ...")
        started = time.monotonic()
        run_logged(argv, log=log, what=f"mvn dependency:copy-dependencies ({pom.parent.name})", env=env,
                   cwd=pom.parent)
        say(component, f"resolved {len(list(out_dir.glob('*.jar')))} jars in {time.monotonic() - started:.1f}s")


def render(template: Path, values: Mapping[str, str]) -> str:
    """Replace ``@NAME@`` placeholders of a deploy/ template; fail on any left over."""
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    left = sorted(set(re.findall(r"@([A-Z][A-Z0-9_]*)@", text)))
    if left:
        raise StackError(f"{template}: no value for placeholder(s) {', '.join(left)}")
    return text


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it already holds exactly that; True if it wrote."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True
