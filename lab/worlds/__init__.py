"""World families: how a platform's logs, metrics, errors and tickets look.

The scenario lab generates the same kinds of events in different worlds, so that the worker is
measured on data it was not shaped around. A world says:

- its request-log documents: field paths (flat `status` or nested `http.response.status_code`), the
  latency unit, what a success carries in its error field (`""`), the index prefix;
- its metrics: the request counter (or none: the latency histogram's `_count`), the histogram, the
  label names, and its Prometheus alert rules (with its own alert names);
- the answers its services give: per customer-side kind a status, an error code and/or a free-text
  message (`{bucket}`-style slots filled per request), per platform status the messages logged;
- its customers' clocks per ticket language, whose clients give up on slow requests (status 499);
- how its customers write (`wording`: a module of its own) and the adopting team's worker config
  (`team/fc.yaml`): the worker reads a world only through such settings, as a team would.

`native` is the lab's first world (lab/generate.py's original shape); the others are folders of
`lab/worlds/` with a `world.yaml`. The worker never imports this package.
"""

from __future__ import annotations

import random
from datetime import timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from lab.spec import CUSTOMER_CLOCK, CUSTOMER_ERRORS, ERROR_CODES, PLATFORM_ERRORS

WORLDS_DIR = Path(__file__).resolve().parent
CANONICAL_FIELDS = ("@timestamp", "customer_id", "request_id", "service", "region", "node", "method", "path",
                    "status", "error_code", "error_message", "latency_ms")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answer(Strict):
    """What a service logs for one failure: its status, error code and/or message (slots filled per request)."""

    status: int = Field(ge=100, le=599)
    code: str | None = None
    message: str | None = None
    weight: float = Field(1.0, gt=0)
    truth: str | None = Field(None, description="the error as the ground truth names it (usage kinds): the team's knowledge-base key")


class Metrics(Strict):
    counter: str | None = "http_requests_total"
    histogram: str = "http_request_duration_seconds"
    labels: dict[str, str] = Field(default_factory=lambda: {"service": "service", "region": "region", "status": "code", "node": "node"})
    constant_labels: dict[str, str] = Field(default_factory=lambda: {"job": "gateway"})
    instance_label: str = "instance"


class ClientTimeouts(Strict):
    """A share of the customers whose clients give up after `seconds`: slower requests are logged 499."""

    share: float = Field(0.0, ge=0, le=1)
    seconds: float = Field(5.0, gt=0)
    status: int = 499


class World(Strict):
    name: str
    logs_prefix: str = "access-logs-"
    fields: dict[str, str] = Field(default_factory=lambda: {name: name for name in CANONICAL_FIELDS})
    field_types: dict[str, str] = Field(default_factory=dict)  # document field -> Elasticsearch type (keyword otherwise)
    latency_unit: Literal["ms", "ns"] = "ms"
    success_error_code: str | None = None  # what a success carries in the error-code field (None: nothing)
    failure_error_code: list[str] = Field(default_factory=list)  # what a failure without a code carries there, drawn at random
    request_ids: Literal["req", "uuid"] = "req"
    metrics: Metrics = Field(default_factory=Metrics)
    rules: list[str] = Field(default_factory=list)  # alert rule files, relative to the world's folder (native: deploy/)
    clocks: dict[Literal["zh", "en"], list[str]] = Field(default_factory=lambda: {"zh": ["+08:00"], "en": ["+08:00"]})
    traffic_clock: str = "+08:00"  # the clock of the daily traffic peak (14:00)
    answers: dict[str, Answer] = Field(default_factory=dict)  # customer kind -> answer
    platform: dict[int, list[Answer]] = Field(default_factory=dict)  # platform status -> what is logged with it
    noise_client: list[Answer] = Field(default_factory=list)
    noise_server: list[Answer] = Field(default_factory=list)
    client_timeouts: ClientTimeouts = Field(default_factory=ClientTimeouts)
    # "native" (lab/wording.py), or a world folder whose wording.py defines `Facts` (the fields of
    # lab/worlds/harbor/wording.py's) and `ticket_text(facts, language, rng, typos)`.
    wording: str = "native"
    team_config: str | None = None  # the adopting team's worker settings, relative to the world's folder
    folder: str = ""

    # --- lookups ----------------------------------------------------------------------------------

    def answer(self, kind: str, status: int | None = None, code: str | None = None) -> Answer:
        """A customer-side kind's answer (an event's own status/code override it)."""
        found = self.answers[kind]
        return found.model_copy(update={k: v for k, v in (("status", status), ("code", code)) if v is not None})

    def platform_answer(self, status: int, rng: random.Random) -> Answer:
        options = self.platform[status]
        return options[0] if len(options) == 1 else rng.choices(options, weights=[a.weight for a in options])[0]

    def clock(self, language: str, customer_id: str) -> timezone:
        """The customer's clock: one of the language's, the same for a customer every time."""
        offsets = self.clocks.get(language) or ["+00:00"]
        return parse_offset(offsets[sum(map(ord, customer_id)) % len(offsets)])

    def rule_files(self) -> list[Path]:
        if not self.rules:
            from lab.alerts import alert_rule_files

            return alert_rule_files()
        return [Path(self.folder) / name for name in self.rules]

    def team_config_file(self) -> Path | None:
        return Path(self.folder) / self.team_config if self.team_config else None

    def field(self, name: str) -> str | None:
        return self.fields.get(name)

    # --- documents --------------------------------------------------------------------------------

    def document(self, line: dict[str, Any]) -> dict[str, Any]:
        """A log line in the world's own shape (nested where a field path has dots)."""
        if self.name == "native":
            return line
        doc: dict[str, Any] = {}
        for name, value in line.items():
            if name == "latency_ms" and self.latency_unit == "ns":
                value = int(value * 1_000_000)
            target = self.fields.get(name)
            if target:
                put(doc, target, value)
        return doc

    def mapping(self) -> dict[str, Any]:
        """The index mapping of the world's log documents (nested objects for dotted paths)."""
        types = {"@timestamp": "date", "status": "short", "latency_ms": "float"}
        properties: dict[str, Any] = {}
        for name, target in self.fields.items():
            kind = self.field_types.get(target) or types.get(name, "keyword")
            put(properties, target, {"type": kind}, nested_key="properties")
        return {"dynamic": False, "properties": properties}


def put(doc: dict[str, Any], path: str, value: Any, nested_key: str | None = None) -> None:
    """doc["a"]["b"]["c"] = value for "a.b.c" ("@timestamp" stays one key)."""
    parts = path.split(".")
    for part in parts[:-1]:
        doc = doc.setdefault(part, {})
        if nested_key:
            doc = doc.setdefault(nested_key, {})
    doc[parts[-1]] = value


def parse_offset(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def native() -> World:
    """The lab's first world, as lab/generate.py has always written it."""
    answers = {kind: Answer(status=status, code=code, truth=code) for kind, (status, code) in CUSTOMER_ERRORS.items()}
    platform = {status: [Answer(status=status, code=code)] for status, code in ERROR_CODES.items()}
    offset = CUSTOMER_CLOCK.utcoffset(None)
    assert offset == timedelta(hours=8)
    return World(
        name="native", answers=answers, platform=platform,
        noise_client=[Answer(status=404, code="NoSuchKey", weight=0.7), Answer(status=403, code="AccessDenied", weight=0.3)],
        noise_server=[Answer(status=500, code="InternalError")],
    )


@cache
def world(name: str) -> World:
    """A world by name: `native`, or the folder lab/worlds/<name> with its world.yaml."""
    if name == "native":
        return native()
    path = WORLDS_DIR / name / "world.yaml"
    if not path.is_file():
        known = sorted(p.parent.name for p in WORLDS_DIR.glob("*/world.yaml"))
        raise ValueError(f"unknown world {name!r} (known: native, {', '.join(known)})")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return World.model_validate({**raw, "name": name, "folder": str(path.parent)})


__all__ = ["Answer", "World", "world", "PLATFORM_ERRORS"]
