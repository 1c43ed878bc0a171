"""docker-compose.yml and the Dockerfile agree with the local stack's defaults (stack/settings.py) and
with the worker's own defaults. No Docker needed: the files are parsed, not run."""

from __future__ import annotations

import json
import re
import tomllib
from urllib.parse import urlsplit

import pytest
import yaml

from stack import settings as stack
from worker.config import Settings

ROOT = stack.repo_root()
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
BACKENDS = ("kafka", "elasticsearch", "prometheus")


def env(service: str) -> dict[str, str]:
    raw = SERVICES[service].get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: str(value) for key, value in raw.items()}


def published(service: str) -> list[tuple[str, int, int]]:
    """(host ip, host port, container port) of each short-syntax port mapping."""
    out = []
    for spec in SERVICES[service].get("ports", []):
        host_ip, host_port, container_port = str(spec).split(":")
        out.append((host_ip, int(host_port), int(container_port.split("/")[0])))
    return out


def image_version(service: str) -> str:
    return SERVICES[service]["image"].rsplit(":", 1)[1].lstrip("v")


def default(field: str):
    return Settings.model_fields[field].default


def test_the_four_services_exist():
    assert set(SERVICES) >= {"kafka", "elasticsearch", "prometheus", "worker"}


@pytest.mark.parametrize(("service", "port"), [
    ("kafka", stack.KAFKA_PORT),
    ("elasticsearch", stack.ELASTICSEARCH_PORT),
    ("prometheus", stack.PROMETHEUS_PORT),
    ("worker", stack.WORKER_METRICS_PORT),
])
def test_published_ports_are_the_local_stack_defaults_on_loopback_only(service, port):
    assert published(service) == [("127.0.0.1", port, port)]


def test_worker_defaults_agree_with_the_local_stack():
    assert default("kafka_bootstrap") == stack.KAFKA_BOOTSTRAP
    assert default("elasticsearch_url") == stack.ELASTICSEARCH_URL
    assert default("prometheus_url") == stack.PROMETHEUS_URL
    assert default("metrics_port") == stack.WORKER_METRICS_PORT
    assert default("topic_partitions") == stack.KAFKA_DEFAULT_PARTITIONS


def test_image_versions_follow_the_local_stack():
    assert image_version("elasticsearch").split(".")[:2] == stack.ELASTICSEARCH_VERSION.split(".")[:2]
    assert image_version("kafka").split(".")[0] == stack.KAFKA_VERSION.split(".")[0]
    assert SERVICES["elasticsearch"]["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:")
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:")


def test_kafka_advertises_one_listener_for_the_host_and_one_for_containers():
    kafka = env("kafka")
    advertised = kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert any(item.endswith(f"://{stack.KAFKA_BOOTSTRAP}") for item in advertised)
    assert any(item.endswith("://" + env("worker")["FC_KAFKA_BOOTSTRAP"]) for item in advertised)
    assert f"@kafka:{stack.KAFKA_CONTROLLER_PORT}" in kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert set(kafka["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert int(kafka["KAFKA_NUM_PARTITIONS"]) == stack.KAFKA_DEFAULT_PARTITIONS
    assert kafka["KAFKA_DEFAULT_REPLICATION_FACTOR"] == kafka["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"


def test_elasticsearch_is_a_single_open_node():
    es = env("elasticsearch")
    assert es["discovery.type"] == "single-node"
    assert es["xpack.security.enabled"] == "false"
    assert "-Xmx512m" in es["ES_JAVA_OPTS"]


def test_prometheus_accepts_remote_write_and_admin_calls():
    flags = SERVICES["prometheus"]["command"]
    for flag in ("--web.enable-remote-write-receiver", "--web.enable-lifecycle", "--web.enable-admin-api"):
        assert flag in flags


def test_prometheus_compose_config_matches_the_local_template():
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in SERVICES["prometheus"]["volumes"]
              if volume.startswith("./")}
    config_path = ROOT / mounts["/etc/prometheus/prometheus.yml"]
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert config["global"]["scrape_interval"] == stack.PROMETHEUS_SCRAPE_INTERVAL
    assert config["global"]["evaluation_interval"] == stack.PROMETHEUS_EVALUATION_INTERVAL
    assert config["storage"]["tsdb"]["out_of_order_time_window"] == stack.PROMETHEUS_OUT_OF_ORDER_WINDOW
    targets = [target for job in config["scrape_configs"] for conf in job["static_configs"] for target in conf["targets"]]
    assert f"worker:{stack.WORKER_METRICS_PORT}" in targets
    rules_dir = next(path for path, source in mounts.items() if source == "./deploy/prometheus/rules")
    assert config["rule_files"] == [f"{rules_dir}/*.yml"]
    assert list((ROOT / "deploy/prometheus/rules").glob("*.yml"))


def test_worker_points_at_the_compose_services():
    worker = env("worker")
    assert worker["FC_KAFKA_BOOTSTRAP"].split(":")[0] == "kafka"
    assert urlsplit(worker["FC_ELASTICSEARCH_URL"]).hostname == "elasticsearch"
    assert urlsplit(worker["FC_PROMETHEUS_URL"]).hostname == "prometheus"
    assert urlsplit(worker["FC_ELASTICSEARCH_URL"]).port == stack.ELASTICSEARCH_PORT
    assert urlsplit(worker["FC_PROMETHEUS_URL"]).port == stack.PROMETHEUS_PORT
    assert worker["FC_METRICS_HOST"] == "0.0.0.0"
    assert int(worker.get("FC_METRICS_PORT", stack.WORKER_METRICS_PORT)) == stack.WORKER_METRICS_PORT
    # Every env var the worker gets is a real setting (FC_<FIELD>).
    assert {key[3:].lower() for key in worker} <= set(Settings.model_fields)


def test_worker_waits_for_healthy_backends():
    depends = SERVICES["worker"]["depends_on"]
    for backend in BACKENDS:
        assert depends[backend]["condition"] == "service_healthy"
        assert SERVICES[backend]["healthcheck"]["test"]


# --- Dockerfile ------------------------------------------------------------------------------------
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instruction(name: str) -> list[str]:
    """Arguments of every `NAME ...` instruction of the final stage (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    final_stage = re.split(r"(?im)^FROM\s", text)[-1]
    return [m.group(1).strip() for m in re.finditer(rf"(?im)^{name}\s+(.*)$", final_stage)]


def test_dockerfile_entrypoint_is_the_cli():
    assert [json.loads(item) for item in instruction("ENTRYPOINT")] == [["fault-correlator"]]
    assert [json.loads(item) for item in instruction("CMD")] == [["run"]]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert "fault-correlator" in scripts


def test_dockerfile_runs_as_non_root_and_checks_healthz():
    assert re.match(r"python:3\.11-slim\b", re.findall(r"(?im)^FROM\s+(\S+)", DOCKERFILE)[-1])
    assert instruction("EXPOSE") == [str(stack.WORKER_METRICS_PORT)]
    users = instruction("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    (healthcheck,) = instruction("HEALTHCHECK")
    assert "/healthz" in healthcheck and "python" in healthcheck
    assert re.search(r"(?m)^RUN pip install \.(\s|$)", DOCKERFILE)
