"""Where a team's data lives: the field names of its request logs and the names of its metrics.

Nothing in the worker names a log field or a metric directly: every query, sample, link and
document goes through a `LogSchema` and a `MetricsSchema` (settings `log_schema` and
`metrics_schema`). Each is a preset name or a mapping that starts from a preset and renames what
differs:

    log_schema: ecs                                   # Elastic Common Schema, customer in user.id
    log_schema: {preset: ecs, customer: labels.customer_id, request_id: trace.id}
    metrics_schema: {preset: otel, region_label: cloud_region}

Presets: `native` (the fields the lab and the demo write) and `ecs` for logs; `native` and `otel`
(OpenTelemetry's HTTP server metrics as Prometheus receives them) for metrics. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, model_validator

LATENCY_TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1000.0}
LATENCY_TO_S = {"ms": 1e-3, "s": 1.0}


def _from_preset(value: Any, presets: Mapping[str, dict[str, Any]], what: str) -> Any:
    """"ecs" -> the preset; {"preset": "ecs", "customer": ...} -> the preset with those fields
    replaced; a JSON object in a string (an environment variable) is read first."""
    if isinstance(value, str):
        text = value.strip()
        value = orjson.loads(text) if text.startswith("{") else {"preset": text}
    if not isinstance(value, Mapping):
        return value
    value = dict(value)
    preset = value.pop("preset", "native")
    if preset not in presets:
        raise ValueError(f"unknown {what} preset {preset!r} (known: {', '.join(presets)})")
    return {**presets[preset], **value, "preset": preset}


class LogSchema(BaseModel):
    """The request-log fields the worker reads. A dotted name is a nested field (`http.response.status_code`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: str = "native"
    timestamp: str = "@timestamp"
    customer: str = Field("customer_id", description="the customer's id, matched exactly against the ticket's customer_id")
    request_id: str = "request_id"
    service: str = "service"
    region: str = "region"
    node: str | None = "node"
    status: str = Field("status", description="the HTTP status, a number")
    error_code: str | None = Field("error_code", description="a machine code such as ExpiredToken; empty values mean no error")
    error_message: str | None = Field(None, description="a free-text error message (a keyword field); read as the code when there is none")
    latency: str = "latency_ms"
    latency_unit: Literal["ns", "us", "ms", "s"] = "ms"
    method: str | None = "method"
    path: str | None = Field("path", description="the request path (a keyword field); a named resource is matched as its prefix")

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, value: Any) -> Any:
        return _from_preset(value, LOG_PRESETS, "log_schema")

    def sample_fields(self) -> list[str]:
        """The fields a sample log line shows, in the mapping's names."""
        return [name for name in (self.timestamp, self.request_id, self.service, self.region, self.node, self.method,
                                  self.path, self.status, self.error_code, self.error_message, self.latency) if name]

    def latency_ms(self, value: float | None) -> float | None:
        return None if value is None else value * LATENCY_TO_MS[self.latency_unit]

    def line(self, source: Mapping[str, Any]) -> dict[str, Any]:
        """A log line's `_source` with the worker's own names (timestamp, status, latency_ms, ...)."""
        out = {"@timestamp": read(source, self.timestamp), "request_id": read(source, self.request_id),
               "service": read(source, self.service), "region": read(source, self.region)}
        for name, field in (("node", self.node), ("method", self.method), ("path", self.path),
                            ("status", self.status), ("error_code", self.error_code),
                            ("error_message", self.error_message)):
            if field:
                out[name] = read(source, field)
        latency = read(source, self.latency)
        out["latency_ms"] = round(self.latency_ms(latency), 1) if isinstance(latency, (int, float)) else None
        return {key: value for key, value in out.items() if value is not None}


LOG_PRESETS: dict[str, dict[str, Any]] = {
    "native": {},
    # Filebeat / Elastic Agent HTTP access logs. ECS has no customer field: user.id is the usual
    # place, labels.customer_id another; a team names its own.
    "ecs": {
        "timestamp": "@timestamp", "customer": "user.id", "request_id": "http.request.id",
        "service": "service.name", "region": "cloud.region", "node": "host.name",
        "status": "http.response.status_code", "error_code": "error.code", "error_message": "error.message",
        "latency": "event.duration", "latency_unit": "ns", "method": "http.request.method", "path": "url.path",
    },
}


class MetricsSchema(BaseModel):
    """The Prometheus series the worker reads: a request counter (or the histogram's `_count`) and a
    latency histogram, with the label names for service, region, status and node."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: str = "native"
    requests_counter: str | None = Field(
        "http_requests_total", description="counter of requests; None: the latency histogram's _count series")
    latency_histogram: str = "http_request_duration_seconds"
    latency_unit: Literal["ms", "s"] = "s"
    service_label: str = "service"
    region_label: str = "region"
    status_label: str = "code"
    node_label: str | None = "node"

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, value: Any) -> Any:
        return _from_preset(value, METRICS_PRESETS, "metrics_schema")

    @property
    def counter(self) -> str:
        """The series that counts requests."""
        return self.requests_counter or f"{self.latency_histogram}_count"

    def le_seconds(self, le: float) -> float:
        return le * LATENCY_TO_S[self.latency_unit]


METRICS_PRESETS: dict[str, dict[str, Any]] = {
    "native": {},
    # OpenTelemetry HTTP server semantic conventions through Prometheus (OTLP receiver or the
    # collector's exporter): dots become underscores, there is no request counter.
    "otel": {
        "requests_counter": None, "latency_histogram": "http_server_request_duration_seconds", "latency_unit": "s",
        "service_label": "service_name", "region_label": "cloud_region", "status_label": "http_response_status_code",
        "node_label": "service_instance_id",
    },
}


def read(source: Mapping[str, Any], field: str) -> Any:
    """A field of a document: nested objects (`{"http": {"response": ...}}`), a dotted key as
    written (`{"http.response.status_code": 503}`), or a mix of both."""
    if field in source:
        return source[field]
    head, dot, rest = field.partition(".")
    while dot:
        inner = source.get(head)
        if isinstance(inner, Mapping):
            found = read(inner, rest)
            if found is not None:
                return found
        more, dot, rest = rest.partition(".")
        head = f"{head}.{more}"
    return None
