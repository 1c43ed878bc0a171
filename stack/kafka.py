"""Apache Kafka 4.4 (KRaft, one combined broker+controller node) for the local stack.

Jars come from Maven Central through ``deploy/kafka/pom.xml``; config from ``deploy/kafka/*``.
Layout under ``<stack home>/kafka``: ``lib/`` (jars), ``config/`` (rendered server.properties and
log4j2.properties), ``data/`` (log.dirs, also the KRaft metadata log), ``cluster.id``.
"""

from __future__ import annotations

import base64
import logging
import secrets
import shutil
import time
from pathlib import Path

from . import proc, settings
from .proc import StackError, say

NAME = "kafka"
MAIN_CLASS = "kafka.Kafka"
_MARKER = f".installed-kafka-{settings.KAFKA_VERSION}"


def home() -> Path:
    return settings.component_dir(NAME)


def lib_dir() -> Path:
    return home() / "lib"


def config_dir() -> Path:
    return home() / "config"


def data_dir() -> Path:
    return home() / "data"


def log_file() -> Path:
    return settings.log_file(NAME)


def url() -> str:
    return settings.KAFKA_BOOTSTRAP


def ports() -> list[int]:
    return [settings.KAFKA_PORT, settings.KAFKA_CONTROLLER_PORT, settings.KAFKA_SECURE_PORT]


# --- install ---------------------------------------------------------------------------------------
def installed() -> bool:
    return (lib_dir() / _MARKER).is_file()


def ensure_installed() -> None:
    """Resolve the broker's jars into lib/ unless they are already there (~/.m2 is the cache)."""
    if installed():
        return
    staging = home() / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    proc.mvn_copy_dependencies(settings.deploy_dir() / "kafka" / "pom.xml", staging,
                               log=settings.logs_dir() / "kafka-install.log", component=NAME)
    if not list(staging.glob(f"kafka_2.13-{settings.KAFKA_VERSION}.jar")):
        raise StackError(f"kafka: Maven did not deliver kafka_2.13-{settings.KAFKA_VERSION}.jar into {staging}")
    (staging / _MARKER).write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    shutil.rmtree(lib_dir(), ignore_errors=True)
    staging.rename(lib_dir())


# --- configure -------------------------------------------------------------------------------------
def server_properties() -> Path:
    return config_dir() / "server.properties"


def render_config() -> None:
    values = {
        "BROKER_PORT": str(settings.KAFKA_PORT),
        "CONTROLLER_PORT": str(settings.KAFKA_CONTROLLER_PORT),
        "DATA_DIR": str(data_dir()),
        "PARTITIONS": str(settings.KAFKA_DEFAULT_PARTITIONS),
        "SECURE_PORT": str(settings.KAFKA_SECURE_PORT),
        "KEYSTORE": str(keystore()),
        "STORE_PASSWORD": settings.KAFKA_STORE_PASSWORD,
        "SCRAM_USER": settings.KAFKA_SCRAM_USER,
        "SCRAM_PASSWORD": settings.KAFKA_SCRAM_PASSWORD,
    }
    proc.write_if_changed(server_properties(),
                          proc.render(settings.deploy_dir() / "kafka" / "server.properties", values))
    shutil.copyfile(settings.deploy_dir() / "kafka" / "log4j2.properties", config_dir() / "log4j2.properties")


def _java_argv(main_class: str, *args: str, heap: str = settings.KAFKA_HEAP) -> list[str]:
    return [
        proc.java(NAME), f"-Xms{heap}", f"-Xmx{heap}",
        "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
        "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
        # keep logging through the broker's own shutdown hook (log4j's would stop it first)
        "-Dlog4j2.shutdownHookEnabled=false",
        f"-Dkafka.logs.dir={home() / 'logs'}",
        f"-Dlog4j2.configurationFile={config_dir() / 'log4j2.properties'}",
        "-cp", f"{lib_dir()}/*", main_class, *args,
    ]


def formatted() -> bool:
    return (data_dir() / "meta.properties").is_file()


def random_cluster_id() -> str:
    """What ``kafka-storage random-uuid`` prints (Kafka's Uuid.randomUuid): a random version-4 UUID in
    URL-safe base64 without padding, never one that starts with '-'. Saves a JVM start."""
    while True:
        raw = bytearray(secrets.token_bytes(16))
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
        raw[8] = (raw[8] & 0x3F) | 0x80  # IETF variant
        text = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def format_storage() -> None:
    """Format the KRaft storage on first start only (``kafka-storage format --standalone``)."""
    if formatted():
        return
    log = settings.logs_dir() / "kafka-install.log"
    id_file = home() / "cluster.id"
    cluster_id = id_file.read_text().strip() if id_file.is_file() else ""
    if not cluster_id:
        cluster_id = random_cluster_id()
        id_file.write_text(cluster_id + "\n")
    data_dir().mkdir(parents=True, exist_ok=True)
    say(NAME, f"formatting storage (cluster id {cluster_id}) ...")
    proc.run_logged(_java_argv("kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id,
                               "-c", str(server_properties()), heap="128m"),
                    log=log, what="kafka-storage format")


def keystore() -> Path:
    return config_dir() / "broker.p12"


def ca_file() -> Path:
    """The broker's self-signed certificate (PEM): what a client of the SASL_SSL listener trusts."""
    return config_dir() / "broker-ca.pem"


def ensure_certificate() -> None:
    """The SASL_SSL listener's certificate, made once with the JDK's keytool (no download)."""
    if keystore().is_file() and ca_file().is_file():
        return
    keytool = str(Path(proc.java(NAME)).with_name("keytool"))
    log = settings.logs_dir() / "kafka-install.log"
    password = settings.KAFKA_STORE_PASSWORD
    keystore().unlink(missing_ok=True)
    proc.run_logged([keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
                     "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", str(keystore()),
                     "-storetype", "PKCS12", "-storepass", password, "-keypass", password], log=log, what="keytool -genkeypair")
    proc.run_logged([keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", str(keystore()), "-storepass", password,
                     "-file", str(ca_file())], log=log, what="keytool -exportcert")


def add_scram_user(user: str, password: str) -> None:
    """Create (or update) a SCRAM-SHA-256/512 user through the PLAINTEXT listener (idempotent). One
    mechanism a request: the broker refuses two credentials of one user in the same request."""
    for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
        proc.run_logged(_java_argv("org.apache.kafka.tools.ConfigCommand", "--bootstrap-server", settings.KAFKA_BOOTSTRAP,
                                   "--alter", "--add-config", f"{mechanism}=[password={password}]",
                                   "--entity-type", "users", "--entity-name", user, heap="128m"),
                        log=settings.logs_dir() / "kafka-install.log", what=f"kafka-configs --alter ({mechanism} user)")


def prepare() -> None:
    for folder in (config_dir(), data_dir(), home() / "logs"):
        folder.mkdir(parents=True, exist_ok=True)
    ensure_certificate()
    render_config()
    format_storage()


# --- run -------------------------------------------------------------------------------------------
def main_pid() -> int | None:
    return proc.live_pid(NAME, must_contain=MAIN_CLASS)


def pids() -> dict[str, int | None]:
    return {"pid": main_pid()}


def start() -> int:
    return proc.spawn(NAME, _java_argv(MAIN_CLASS, str(server_properties())), log=log_file(), cwd=home())


def healthy(timeout: float = 3.0) -> bool:
    """A real metadata round trip through kafka-python's admin client (not just an open port)."""
    if not proc.port_open(settings.KAFKA_HOST, settings.KAFKA_PORT, timeout=min(timeout, 0.5)):
        return False
    from kafka import KafkaAdminClient  # imported late: stack status stays fast when Kafka is down

    # kafka-python logs every failed connection attempt at ERROR/WARNING; a probe expects failures.
    kafka_logger = logging.getLogger("kafka")
    previous = kafka_logger.level
    kafka_logger.setLevel(logging.CRITICAL)
    admin = None
    try:
        ms = int(timeout * 1000)
        admin = KafkaAdminClient(bootstrap_servers=settings.KAFKA_BOOTSTRAP, client_id="fc-stack-probe",
                                 request_timeout_ms=ms, bootstrap_timeout_ms=ms,
                                 connections_max_idle_ms=max(ms * 3, 10000))
        admin.list_topics()
        cluster = admin.describe_cluster()
        return bool(cluster.get("brokers"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy (yet)"
        return False
    finally:
        if admin is not None:
            try:
                admin.close()
            except Exception:  # noqa: BLE001
                pass
        kafka_logger.setLevel(previous)


def stop(timeout: float = settings.STOP_TIMEOUT_S) -> bool:
    """Graceful SIGTERM (controlled shutdown), SIGKILL after `timeout`. True if something was stopped."""
    pid = main_pid()
    if pid is None:
        return False
    if proc.terminate(pid, timeout=timeout, what="kafka"):
        say(NAME, f"did not stop within {timeout:.0f}s: killed pid {pid}")
    proc.remove_pid(NAME)
    return True


def wipe_data() -> None:
    """Delete topics, offsets and the cluster id (next start formats anew). Keeps the jars."""
    shutil.rmtree(data_dir(), ignore_errors=True)
    (home() / "cluster.id").unlink(missing_ok=True)
