"""Every configuration key, once: its default (the local stack), its env var (FC_<KEY>), its meaning.

Precedence, highest first: command-line flags, environment variables, the optional config file
(YAML, `--config`), these defaults.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

from triage.schema import LogSchema, MetricsSchema


def _default_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FC_", extra="forbid")

    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    # Security (docs/configuration.md, "Security"): a secret comes from its setting or from the file
    # its *_file setting names (as containers mount them); never both.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="how to talk to the brokers: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "PLAIN", description="SASL mechanism (with SASL_*): PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
    kafka_username: str | None = Field(None, description="SASL user name")
    kafka_password: SecretStr | None = Field(None, description="SASL password (or kafka_password_file)")
    kafka_password_file: Path | None = Field(None, description="file holding the SASL password")
    kafka_ca_file: Path | None = Field(None, description="CA certificate(s) to verify the brokers (PEM; with SSL/SASL_SSL)")
    kafka_cert_file: Path | None = Field(None, description="client certificate (PEM) for mutual TLS")
    kafka_key_file: Path | None = Field(None, description="the client certificate's private key (PEM)")
    kafka_key_password: SecretStr | None = Field(None, description="password of the private key (or kafka_key_password_file)")
    kafka_key_password_file: Path | None = Field(None, description="file holding the private key's password")
    group_id: str = Field("fault-correlator", description="Kafka consumer group shared by all worker instances")
    input_topic: str = Field("tickets", description="topic the tickets arrive on")
    output_topic: str = Field("tickets.enriched", description="topic for enriched tickets (key = ticket_id)")
    dlq_topic: str = Field("tickets.dlq", description="dead-letter topic for malformed tickets")
    topic_partitions: int = Field(4, ge=1, description="partitions for topics the worker creates")
    elasticsearch_url: str = Field("http://127.0.0.1:9200", description="Elasticsearch URL")
    elasticsearch_api_key: SecretStr | None = Field(None, description="Elasticsearch API key, base64 id:key (or elasticsearch_api_key_file)")
    elasticsearch_api_key_file: Path | None = Field(None, description="file holding the API key")
    elasticsearch_username: str | None = Field(None, description="basic-auth user (when no API key)")
    elasticsearch_password: SecretStr | None = Field(None, description="basic-auth password (or elasticsearch_password_file)")
    elasticsearch_password_file: Path | None = Field(None, description="file holding the password")
    elasticsearch_ca_file: Path | None = Field(None, description="CA certificate(s) to verify Elasticsearch (PEM)")
    elasticsearch_fingerprint: str | None = Field(None, description="SHA-256 fingerprint of Elasticsearch's certificate, instead of a CA file")
    logs_index: str = Field("access-logs-*", description="index pattern of the service's request logs")
    # A preset name, or a mapping from a preset with fields renamed (triage/schema.py; env: the name or JSON).
    log_schema: Annotated[LogSchema, NoDecode] = Field(
        default_factory=LogSchema, description="field names of the request logs: native, ecs, or {preset: ecs, customer: labels.customer_id, ...}")
    enriched_index: str = Field("tickets-enriched", description="index for enriched tickets (_id = ticket_id)")
    index_replicas: int = Field(0, ge=0, description="replicas of the enriched and incidents indices when the worker creates them (1+ on a multi-node cluster)")
    prometheus_url: str = Field("http://127.0.0.1:9090", description="Prometheus URL")
    prometheus_bearer_token: SecretStr | None = Field(None, description="bearer token for Prometheus (or prometheus_bearer_token_file)")
    prometheus_bearer_token_file: Path | None = Field(None, description="file holding the bearer token")
    prometheus_username: str | None = Field(None, description="basic-auth user for Prometheus (when no token)")
    prometheus_password: SecretStr | None = Field(None, description="basic-auth password (or prometheus_password_file)")
    prometheus_password_file: Path | None = Field(None, description="file holding the password")
    prometheus_ca_file: Path | None = Field(None, description="CA certificate(s) to verify Prometheus (PEM)")
    metrics_schema: Annotated[MetricsSchema, NoDecode] = Field(
        default_factory=MetricsSchema, description="metric and label names: native, otel, or {preset: otel, region_label: cloud_region, ...}")
    alertmanager_url: str | None = Field(None, description="Alertmanager URL: adds the alerts active now to Prometheus's ALERTS history (off when unset)")
    alertmanager_bearer_token: SecretStr | None = Field(None, description="bearer token for Alertmanager (or alertmanager_bearer_token_file)")
    alertmanager_bearer_token_file: Path | None = Field(None, description="file holding the bearer token")
    alertmanager_username: str | None = Field(None, description="basic-auth user for Alertmanager (when no token)")
    alertmanager_password: SecretStr | None = Field(None, description="basic-auth password (or alertmanager_password_file)")
    alertmanager_password_file: Path | None = Field(None, description="file holding the password")
    alertmanager_ca_file: Path | None = Field(None, description="CA certificate(s) to verify Alertmanager (PEM)")
    incidents_index: str = Field("incidents", description="index of correlated incidents (_id = incident_id)")
    kibana_url: str | None = Field(None, description="Kibana base URL for the links in the agent's note (no link when unset)")
    grafana_url: str | None = Field(None, description="Grafana base URL for the links in the agent's note (no link when unset)")
    grafana_datasource: str = Field("prometheus", description="uid of the Prometheus data source in Grafana, for the Explore link")
    # A team's own knowledge (triage/knowledge.py): each extends the built-in file, or replaces it (`replace: all`).
    vocabulary_file: Path | None = Field(None, description="YAML: service and region names, phrases, status meanings, no-error values")
    patterns_file: Path | None = Field(None, description="YAML: regular expressions for request ids and regions in ticket text")
    knowledge_base_file: Path | None = Field(None, description="YAML: usage errors by code or message: cause, fix, reply (en, zh)")
    rules_file: Path | None = Field(None, description="YAML: verdict signals, inhibitions, thresholds")
    alerts_file: Path | None = Field(None, description="YAML: alert names strongest first, with their symptom")
    batch_size: int = Field(200, ge=1, le=5000, description="most tickets processed (and committed) together")
    processes: int = Field(1, ge=1, le=64, description="worker processes in this instance, each a whole worker in the group "
                                                     "(one process uses one core at most); process i serves metrics on metrics_port + i")
    batches_in_flight: int = Field(
        2, ge=1, le=8, description="batches enriched at once, each in a thread: one computes while another waits for the backends; "
                                   "committed in order (naive mode: always 1)")
    mode: Literal["batched", "naive"] = Field(
        "batched", description="naive = one ticket per batch, so one query per backend per ticket (a baseline for benchmarks)")
    poll_timeout_ms: int = Field(500, ge=10, description="how long one poll waits for tickets")
    stuck_partition_s: float = Field(
        300.0, gt=0, description="a partition with records waiting and no commit for this long is stuck: /readyz fails")
    max_ticket_bytes: int = Field(64 * 1024, ge=256, description="larger messages go to the DLQ")
    dlq_max_consecutive: int = Field(
        1000, ge=0, description="stop the worker when more records than this in a row go to the DLQ: a systemic fault, not bad tickets (0 = no limit)")
    dlq_max_ratio: float = Field(
        0.0, ge=0, le=1, description="stop the worker when more than this share of the last dlq_window records went to the DLQ, e.g. 0.5 (0 = no limit)")
    dlq_window: int = Field(1000, ge=1, description="how many recent records dlq_max_ratio is judged on")
    backend_timeout_s: float = Field(10.0, gt=0, description="timeout of one backend request")
    retry_attempts: int = Field(5, ge=1, description="attempts per backend call before the batch is retried later")
    retry_max_wait_s: float = Field(5.0, gt=0, description="longest wait between two attempts")
    metrics_host: str = Field("127.0.0.1", description="address of the /metrics and /healthz endpoint")
    metrics_port: int = Field(9108, ge=0, le=65535, description="port of /metrics and /healthz (0 = off)")
    worker_name: str = Field(default_factory=_default_worker_name, description="this instance's name in logs and output")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="log level")
    log_format: Literal["json", "text"] = Field("json", description="structured JSON lines or plain text")

    @model_validator(mode="after")
    def _one_source_per_secret(self) -> Settings:
        for name in SECRETS:
            path = getattr(self, f"{name}_file")
            if path is not None and getattr(self, name) is not None:
                raise ValueError(f"give {name} or {name}_file, not both")
            if path is not None and not Path(path).is_file():
                raise ValueError(f"{name}_file: no such file: {path}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, YamlConfigSettingsSource(settings_cls)


SECRETS = ("kafka_password", "kafka_key_password", "elasticsearch_api_key", "elasticsearch_password",
           "prometheus_bearer_token", "prometheus_password", "alertmanager_bearer_token", "alertmanager_password")


def secret(settings: Settings, name: str) -> str | None:
    """A secret's value: the setting's, else the content of its *_file (one trailing newline dropped)."""
    value = getattr(settings, name)
    if value is not None:
        return value.get_secret_value()
    path = getattr(settings, f"{name}_file")
    return Path(path).read_text(encoding="utf-8").removesuffix("\n") if path is not None else None


def _text(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def kafka_access(settings: Settings):
    from backends.access import KafkaAccess

    return KafkaAccess(settings.kafka_bootstrap, settings.kafka_security_protocol, settings.kafka_sasl_mechanism,
                       settings.kafka_username, secret(settings, "kafka_password"), _text(settings.kafka_ca_file),
                       _text(settings.kafka_cert_file), _text(settings.kafka_key_file), secret(settings, "kafka_key_password"))


def elasticsearch_access(settings: Settings):
    from backends.access import ElasticsearchAccess

    return ElasticsearchAccess(settings.elasticsearch_url, secret(settings, "elasticsearch_api_key"),
                               settings.elasticsearch_username, secret(settings, "elasticsearch_password"),
                               _text(settings.elasticsearch_ca_file), settings.elasticsearch_fingerprint)


def http_access(settings: Settings, backend: Literal["prometheus", "alertmanager"]):
    from backends.access import HttpAccess

    return HttpAccess(getattr(settings, f"{backend}_url"), secret(settings, f"{backend}_bearer_token"),
                      getattr(settings, f"{backend}_username"), secret(settings, f"{backend}_password"),
                      _text(getattr(settings, f"{backend}_ca_file")))


def knowledge_of(settings: Settings):
    """The built-in knowledge with the team's files of these settings (raises KnowledgeError)."""
    from triage.knowledge import builtin_knowledge, load_knowledge

    files = [getattr(settings, key) for key in KNOWLEDGE_FILES]
    return load_knowledge(*files) if any(files) else builtin_knowledge()


def load_settings(config_file: Path | None = None, **flags: Any) -> Settings:
    """Build the settings; flags left as None do not override the other sources."""

    class FileBackedSettings(Settings):
        model_config = SettingsConfigDict(**{**Settings.model_config, "yaml_file": config_file})

    if config_file is not None and not Path(config_file).is_file():
        raise FileNotFoundError(f"config file not found: {config_file}")
    settings = FileBackedSettings(**{key: value for key, value in flags.items() if value is not None})
    return with_files_beside(settings, config_file) if config_file is not None else settings


KNOWLEDGE_FILES = ("vocabulary_file", "patterns_file", "knowledge_base_file", "rules_file", "alerts_file")


def with_files_beside(settings: Settings, config_file: Path) -> Settings:
    """A relative file path written in the config file is relative to that file (as in a compose
    file): `knowledge_base_file: team/kb.yaml` next to `fc.yaml` works from any directory."""
    import yaml

    raw = yaml.safe_load(Path(config_file).read_text(encoding="utf-8")) or {}
    update = {}
    for key in KNOWLEDGE_FILES:
        value = getattr(settings, key)
        if value is not None and key in raw and Path(str(raw[key])) == value and not value.is_absolute():
            update[key] = Path(config_file).resolve().parent / value
    return settings.model_copy(update=update) if update else settings


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """One flag per configuration key, generated from the settings schema so help and code agree."""
    parser.add_argument("--config", type=Path, help="YAML file with settings (keys as below, with underscores)")
    for name, field in Settings.model_fields.items():
        default = "hostname-pid" if name == "worker_name" else field.default
        if field.default_factory is not None and name != "worker_name":
            default = getattr(field.default_factory(), "preset", default)  # log_schema, metrics_schema
        parser.add_argument(
            "--" + name.replace("_", "-"), dest=name, default=None, metavar=name.split("_")[-1].upper(),
            help=f"{field.description} (env FC_{name.upper()}, default {default})",
        )


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings, or exit 2 with the reason: a bad setting is the operator's to fix, not a crash."""
    flags = {name: getattr(args, name, None) for name in Settings.model_fields}
    try:
        return load_settings(args.config, **flags)
    except (ValidationError, FileNotFoundError) as exc:
        print(f"fault-correlator: bad configuration:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None
