"""Prometheus (Debian's package) for the local stack.

Config is rendered from ``deploy/prometheus/prometheus.yml`` into ``<stack home>/prometheus/prometheus.yml``;
alert rules are read straight from ``deploy/prometheus/rules/*.yml``; the TSDB lives in
``<stack home>/prometheus/data``. Flags: ``--web.enable-remote-write-receiver`` (the lab pushes samples to
``/api/v1/write``), ``--web.enable-lifecycle`` (``POST /-/reload``), ``--web.enable-admin-api``
(``delete_series`` for tests and the bench). All on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from . import proc, settings
from .proc import StackError, say

NAME = "prometheus"


def home() -> Path:
    return settings.component_dir(NAME)


def config_file() -> Path:
    return home() / "prometheus.yml"


def data_dir() -> Path:
    return home() / "data"


def log_file() -> Path:
    return settings.log_file(NAME)


def url() -> str:
    return settings.PROMETHEUS_URL


def ports() -> list[int]:
    return [settings.PROMETHEUS_PORT]


def binary() -> str | None:
    return shutil.which("prometheus")


def promtool() -> str | None:
    return shutil.which("promtool")


def installed() -> bool:
    return binary() is not None and promtool() is not None


def ensure_installed() -> None:
    if installed():
        return
    proc.apt_install(["prometheus"], log=settings.logs_dir() / "prometheus-install.log", component=NAME)
    if not installed():
        raise StackError("prometheus: apt-get installed the package but no prometheus/promtool on PATH")


def render_config() -> bool:
    values = {
        "SCRAPE_INTERVAL": settings.PROMETHEUS_SCRAPE_INTERVAL,
        "EVALUATION_INTERVAL": settings.PROMETHEUS_EVALUATION_INTERVAL,
        "OUT_OF_ORDER_WINDOW": settings.PROMETHEUS_OUT_OF_ORDER_WINDOW,
        "RULES_DIR": str(settings.prometheus_rules_dir()),
        "WORKER_METRICS_TARGET": settings.WORKER_METRICS_TARGET,
        "PROMETHEUS_TARGET": f"{settings.PROMETHEUS_HOST}:{settings.PROMETHEUS_PORT}",
    }
    return proc.write_if_changed(config_file(),
                                 proc.render(settings.deploy_dir() / "prometheus" / "prometheus.yml", values))


def check_config() -> None:
    """``promtool check config`` (which also checks every rule file it names)."""
    proc.run_logged([promtool() or "promtool", "check", "config", str(config_file())],
                    log=settings.logs_dir() / "prometheus-install.log", what="promtool check config")


def prepare() -> None:
    data_dir().mkdir(parents=True, exist_ok=True)
    render_config()
    check_config()
    (home() / "rules.sha256").write_text(_rules_stamp() + "\n")


def argv() -> list[str]:
    return [
        binary() or "prometheus",
        f"--config.file={config_file()}",
        f"--storage.tsdb.path={data_dir()}",
        f"--web.listen-address={settings.PROMETHEUS_HOST}:{settings.PROMETHEUS_PORT}",
        "--web.enable-remote-write-receiver",
        "--web.enable-lifecycle",
        "--web.enable-admin-api",
        "--storage.tsdb.retention.time=15d",
    ]


def main_pid() -> int | None:
    return proc.live_pid(NAME, must_contain="prometheus")


def pids() -> dict[str, int | None]:
    return {"pid": main_pid()}


def start() -> int:
    return proc.spawn(NAME, argv(), log=log_file(), cwd=home())


def healthy(timeout: float = 2.0) -> bool:
    try:
        status, _ = proc.http_get(f"{url()}/-/ready", timeout=timeout)
    except OSError:
        return False
    return status == 200


def _rules_stamp() -> str:
    digest = hashlib.sha256()
    for path in sorted(settings.prometheus_rules_dir().glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def reload_if_changed() -> bool:
    """For a running server: render the config; if it or a rule file changed since the server last
    loaded them, check them and ask the server to reload (``POST /-/reload``). True if it reloaded."""
    stamp_file = home() / "rules.sha256"
    changed = render_config()
    stamp = _rules_stamp()
    if not changed and stamp_file.is_file() and stamp_file.read_text().strip() == stamp:
        return False
    check_config()
    status, body = proc.http_post(f"{url()}/-/reload", timeout=10)
    if status != 200:
        raise StackError(f"prometheus: reload answered {status}: {body[:200]!r}")
    stamp_file.write_text(stamp + "\n")
    say(NAME, "config or rules changed: reloaded")
    return True


def stop(timeout: float = settings.STOP_TIMEOUT_S) -> bool:
    pid = main_pid()
    if pid is None:
        return False
    if proc.terminate(pid, timeout=timeout, what="prometheus"):
        say(NAME, f"did not stop within {timeout:.0f}s: killed pid {pid}")
    proc.remove_pid(NAME)
    return True


def wipe_data() -> None:
    shutil.rmtree(data_dir(), ignore_errors=True)
