"""The single source of the local stack's defaults (addresses, ports, versions, folders).

Everything else (the worker's config defaults, tests, the lab) should import these rather than repeat
the literals. Paths are resolved at call time so ``FC_STACK_HOME`` can be changed by tests.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# --- addresses -------------------------------------------------------------------------------------
KAFKA_HOST = "127.0.0.1"
KAFKA_PORT = 9092
KAFKA_BOOTSTRAP = f"{KAFKA_HOST}:{KAFKA_PORT}"
KAFKA_CONTROLLER_PORT = 9093
# A second listener, SASL_SSL (SCRAM-SHA-256/512 and PLAIN over TLS), to test the worker's secure
# path against the real broker. Its certificate is made with the JDK's keytool on first start; the
# user is created by the tests that need it. Local test credentials, not a secret.
KAFKA_SECURE_PORT = 9094
KAFKA_SECURE_BOOTSTRAP = f"{KAFKA_HOST}:{KAFKA_SECURE_PORT}"
KAFKA_SCRAM_USER, KAFKA_SCRAM_PASSWORD = "fc-lab", "fc-lab-password"
KAFKA_STORE_PASSWORD = "fc-local-store"

ELASTICSEARCH_HOST = "127.0.0.1"
ELASTICSEARCH_PORT = 9200
ELASTICSEARCH_TRANSPORT_PORT = 9300
ELASTICSEARCH_URL = f"http://{ELASTICSEARCH_HOST}:{ELASTICSEARCH_PORT}"

PROMETHEUS_HOST = "127.0.0.1"
PROMETHEUS_PORT = 9090
PROMETHEUS_URL = f"http://{PROMETHEUS_HOST}:{PROMETHEUS_PORT}"
PROMETHEUS_REMOTE_WRITE_URL = f"{PROMETHEUS_URL}/api/v1/write"

WORKER_METRICS_PORT = 9108
WORKER_METRICS_TARGET = f"127.0.0.1:{WORKER_METRICS_PORT}"

# --- versions --------------------------------------------------------------------------------------
KAFKA_VERSION = "4.4.0"
ELASTICSEARCH_VERSION = "8.19.21"
JAVA_FEATURE_VERSION = 17  # Elasticsearch 8.19 and Kafka 4.x both run on it

# --- sizes and timings -----------------------------------------------------------------------------
KAFKA_HEAP = "512m"
ELASTICSEARCH_HEAP = "512m"
KAFKA_DEFAULT_PARTITIONS = 4
PROMETHEUS_SCRAPE_INTERVAL = "15s"
PROMETHEUS_EVALUATION_INTERVAL = "15s"
PROMETHEUS_OUT_OF_ORDER_WINDOW = "9d"  # the lab writes samples up to 7 days + a scenario back (history)
HEALTH_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0

# Elasticsearch refuses to run as root: it runs as this uid/gid (nobody/nogroup on Debian).
ELASTICSEARCH_UID = 65534
ELASTICSEARCH_GID = 65534

COMPONENTS: tuple[str, ...] = ("kafka", "elasticsearch", "prometheus")


# --- folders ---------------------------------------------------------------------------------------
def repo_root() -> Path:
    """The repository root: the parent of the ``stack/`` package folder."""
    return Path(__file__).resolve().parent.parent


def deploy_dir() -> Path:
    """``<repo root>/deploy``: poms, config templates, Java sources, alert rules."""
    return repo_root() / "deploy"


def stack_home() -> Path:
    """Where the stack keeps jars, configs, data, logs and pid files.

    ``$FC_STACK_HOME`` if set, else ``<repo root>/.stack``; but when we are root and the repository
    sits below a folder other users cannot enter (a clone under /root, say), Elasticsearch's
    unprivileged uid could not reach it, so the default moves to /var/tmp/fault-correlator-<hash>.
    """
    env = os.environ.get("FC_STACK_HOME")
    if env:
        return Path(env).expanduser().resolve()
    root = repo_root()
    if os.geteuid() == 0 and not _enterable_by_others(root):
        return Path("/var/tmp") / f"fault-correlator-{hashlib.sha1(str(root).encode()).hexdigest()[:8]}"
    return root / ".stack"


def _enterable_by_others(path: Path) -> bool:
    return all(folder.stat().st_mode & 0o001 for folder in (path, *path.parents))


def logs_dir() -> Path:
    return stack_home() / "logs"


def run_dir() -> Path:
    return stack_home() / "run"


def component_dir(component: str) -> Path:
    return stack_home() / component


def log_file(component: str) -> Path:
    return logs_dir() / f"{component}.log"


def prometheus_rules_dir() -> Path:
    return deploy_dir() / "prometheus" / "rules"
