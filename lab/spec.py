"""The scenario spec: a platform, its customers, its faults and its tickets, in one YAML file.

`load_spec(path)` reads and validates a file; a mistake raises SpecError naming the field, e.g.
`events.2.error_rate: Input should be less than or equal to 1`. docs/scenarios.md documents every
field; `fault-correlator lab schema` prints the JSON Schema generated from these models.

Times inside a scenario are offsets from `time.end` ("-45m") or ISO-8601 timestamps. Durations are
written "15s", "30m", "2h", "1d".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, ValidationError,
    model_validator,
)

from triage.models import Label

DURATION = re.compile(r"^(-?)(\d+(?:\.\d+)?)(s|m|h|d)$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> object:
    """"90s", "15m", "-2h", "1d" -> timedelta (other types pass through to pydantic)."""
    if isinstance(value, str):
        match = DURATION.match(value.strip())
        if not match:
            raise ValueError(f"not a duration: {value!r} (write e.g. 30s, 15m, 2h, 1d)")
        sign, number, unit = match.groups()
        seconds = float(number) * UNIT_SECONDS[unit]
        return timedelta(seconds=-seconds if sign else seconds)
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
# The customers' clock: tickets are written, time hints worded and traffic peaks in UTC+8.
CUSTOMER_CLOCK = timezone(timedelta(hours=8))


def between(low: str, high: str) -> AfterValidator:
    """A bound on a duration, with the error in the file's own units ("must be between 5s and 60s")."""
    low_value, high_value = parse_duration(low), parse_duration(high)

    def check(value: timedelta) -> timedelta:
        if not low_value <= value <= high_value:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return AfterValidator(check)
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeRange(Strict):
    """What the logs and metrics cover: [end - duration, end]."""

    end: Literal["now"] | AwareDatetime = Field("now", description='"now" (the load time, floored to the minute) or an ISO-8601 time with offset')
    duration: Annotated[Duration, between("10m", "2d")] = Field(
        timedelta(hours=2), description="length of the covered range; leave 90m+ before the first ticket for the baseline")


class Service(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    regions: list[str] = Field(min_length=1)
    nodes: int = Field(3, ge=1, le=50, description="gateway nodes per region; each customer is pinned to one")
    latency_ms: float = Field(60.0, gt=0, description="median latency of a normal request")
    operations: list[Literal["upload", "download", "list", "delete", "get", "process"]] = Field(
        default_factory=lambda: ["download", "upload"], description="what requests do (method and path shape in the logs)")


class Noise(Strict):
    """Background errors every customer has, fault or not."""

    client_error_rate: Share = Field(0.01, description="share of requests answered 404 NoSuchKey / 403 AccessDenied")
    server_error_rate: Share = Field(0.003, description="share of requests answered 500 InternalError")
    latency_sigma: float = Field(0.5, gt=0, le=3, description="spread of the log-normal latency")


class Customer(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    rate: float = Field(gt=0, le=1000, description="requests per second at the daily peak (14:00 UTC+8)")
    diurnal: Share = Field(0.0, description="amplitude of the daily traffic shape (0 flat, 1 silent at night)")
    uses: list[str] = Field(min_length=1, description='"service/region" pairs this customer calls')
    client_error_rate: Share | None = Field(None, description="this customer's own background 4xx share (overrides noise)")


class CustomerGroup(Strict):
    """Many generated customers: ids `<group>-0001`, `<group>-0002`, ..."""

    group: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$")
    count: int = Field(ge=1, le=100_000)
    rate: tuple[float, float] = Field(description="[min, max] requests per second, drawn uniformly per customer")
    diurnal: Share = 0.0
    uses: list[str] | int = Field(1, description='"service/region" pairs, or how many to pick at random per customer')
    client_error_rate: Share | None = None

    @model_validator(mode="after")
    def _rate_order(self) -> CustomerGroup:
        low, high = self.rate
        if not 0 < low <= high:
            raise ValueError("rate must be [min, max] with 0 < min <= max")
        return self


def _customer_kind(value: object) -> str:
    return "group" if isinstance(value, dict) and "group" in value else "customer"


# A customer entry is one customer, or a group when it has `group:` (so errors name one shape, not both).
CustomerEntry = Annotated[
    Annotated[Customer, Tag("customer")] | Annotated[CustomerGroup, Tag("group")], Discriminator(_customer_kind)
]


class Delay(Strict):
    """How long after their first failure customers write: log-normal around `median`, cut at `max`."""

    median: Duration = timedelta(minutes=8)
    max: Duration = timedelta(minutes=40)
    min: Duration = timedelta(minutes=1)

    @model_validator(mode="after")
    def _ordered(self) -> Delay:
        if not timedelta(0) <= self.min <= self.median <= self.max:
            raise ValueError("needs 0 <= min <= median <= max")
        return self


class TicketPolicy(Strict):
    """Who among the affected customers files, when, and how they write."""

    share: Share = Field(0.8, description="share of affected customers who file a ticket")
    per_customer: int = Field(1, ge=1, le=10, description="tickets each filer writes (follow-ups come later)")
    max_tickets: int | None = Field(None, ge=0, description="at most this many tickets for the event")
    min_affected: int = Field(3, ge=1, description="a customer must see this many affected requests to be a filer")
    delay: Delay = Field(default_factory=Delay)
    languages: dict[Literal["zh", "en"], float] = Field(default_factory=lambda: {"zh": 0.5, "en": 0.5})
    quote_request_id: Share = Field(0.3, description="chance the ticket quotes one of the customer's failing request ids")
    with_fields: Share = Field(0.5, description="chance each optional field (service, region, language, resource) is filled")
    typos: Share = Field(0.1, description="chance a ticket has typos")


PLATFORM_KINDS = ("regional_outage", "node_failure", "latency_degradation", "dependency_failure", "gray_failure")
CUSTOMER_KINDS = (
    "expired_token", "signature_mismatch", "access_denied", "wrong_region", "bucket_not_found", "object_not_found",
    "quota_exceeded", "malformed_request", "payload_too_large", "client_network", "client_bug",
)
EventKind = Literal[
    "regional_outage", "node_failure", "latency_degradation", "dependency_failure", "gray_failure",
    "expired_token", "signature_mismatch", "access_denied", "wrong_region", "bucket_not_found", "object_not_found",
    "quota_exceeded", "malformed_request", "payload_too_large", "client_network", "client_bug",
]
# Customer kinds that leave no failure on our side: the honest answer is inconclusive (ask the customer).
INVISIBLE_KINDS = ("client_network", "client_bug")

# The answer a customer-side event gets, unless the event names its own status/error_code.
CUSTOMER_ERRORS: dict[str, tuple[int, str]] = {
    "expired_token": (401, "ExpiredToken"),
    "signature_mismatch": (403, "SignatureDoesNotMatch"),
    "access_denied": (403, "AccessDenied"),
    "wrong_region": (301, "WrongRegion"),
    "bucket_not_found": (404, "NoSuchBucket"),
    "object_not_found": (404, "NoSuchKey"),
    "quota_exceeded": (429, "QuotaExceeded"),
    "malformed_request": (400, "InvalidRequest"),
    "payload_too_large": (400, "EntityTooLarge"),  # as S3 answers it; other worlds use 413
}
# Platform faults answer with these codes, drawn with these weights.
PLATFORM_ERRORS: dict[str, dict[int, float]] = {
    "regional_outage": {503: 0.8, 500: 0.2},
    "node_failure": {502: 0.5, 503: 0.5},
    "dependency_failure": {503: 0.6, 504: 0.4},
    "gray_failure": {500: 0.5, 503: 0.5},
    "latency_degradation": {},
}
ERROR_CODES = {500: "InternalError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


class CustomerSelector(Strict):
    """A seeded random choice among the customers that use `service`/`region` (any, if unset)."""

    count: int = Field(ge=1)
    service: str | None = None
    region: str | None = None


class Event(Strict):
    """One thing that goes wrong. Platform kinds hit everyone on their service/region (or node);
    customer kinds hit only the chosen customers. `error_rate` is the share of the affected
    requests that fail (for client_network: that never reach us)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="names the incident in the ground truth")
    kind: EventKind
    start: Duration | AwareDatetime = Field(description='offset from time.end ("-45m") or ISO time')
    end: Duration | AwareDatetime
    service: str | None = None
    services: list[str] | None = Field(None, description="dependency_failure: every service that depends on the failing one")
    region: str | None = None
    node: int | None = Field(None, ge=0, description="node_failure: which node of the service/region")
    dependency: str | None = Field(None, description="dependency_failure: the failing dependency's name (documentation: customers only see the services that depend on it)")
    error_rate: Share | None = Field(None, description="default: 0.6 outages, 0.9 node, 0.5 dependency, 0.01 gray, 1.0 customer kinds")
    latency_factor: float = Field(1.0, ge=1.0, le=1000, description="affected requests are this many times slower")
    customers: list[str] | CustomerSelector | None = Field(None, description="customer kinds: ids, or a random selection")
    status: int | None = Field(None, ge=100, le=599, description="customer kinds: override the HTTP status")
    error_code: str | None = Field(None, description="customer kinds: override the error code")
    label: Label | None = Field(None, description="override the ground-truth label of this event's tickets")
    tickets: TicketPolicy = Field(default_factory=TicketPolicy)

    @property
    def platform(self) -> bool:
        return self.kind in PLATFORM_KINDS

    @property
    def truth(self) -> Label:
        """The right answer for this event's tickets. A client network problem (requests lost on the
        way) or a client bug (every request succeeded, the customer's own app fails) leaves no trace
        on our side, so the honest answer is inconclusive (ask the customer), not a guess."""
        if self.label:
            return self.label
        if self.kind in INVISIBLE_KINDS:
            return "inconclusive"
        return "platform_incident" if self.platform else "usage_error"

    @property
    def rate(self) -> float:
        if self.error_rate is not None:
            return self.error_rate
        return {"regional_outage": 0.6, "node_failure": 0.9, "dependency_failure": 0.5, "gray_failure": 0.01,
                "latency_degradation": 1.0}.get(self.kind, 1.0)

    @property
    def affected_services(self) -> list[str]:
        return list(self.services or ([self.service] if self.service else []))

    @property
    def answer(self) -> tuple[int, str] | None:
        """Status and error code of a customer-side event's failures (None for the invisible kinds)."""
        if self.kind in INVISIBLE_KINDS:
            return None
        status, code = CUSTOMER_ERRORS.get(self.kind, (400, "InvalidRequest"))
        return self.status or status, self.error_code or code

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Event:
        if isinstance(self.start, timedelta) == isinstance(self.end, timedelta) and self.end <= self.start:
            raise ValueError("end must be after start")
        if self.platform and (self.status is not None or self.error_code is not None):
            raise ValueError(f"{self.kind} is a platform fault: its status codes are fixed (see docs/scenarios.md), drop status/error_code")
        if not self.platform and self.latency_factor != 1.0:
            raise ValueError("latency_factor applies to platform faults only")
        if self.platform:
            if not self.region:
                raise ValueError(f"{self.kind} needs region")
            if self.kind == "dependency_failure":
                if not self.services:
                    raise ValueError("dependency_failure needs services (the services that depend on the failing one)")
            elif not self.service:
                raise ValueError(f"{self.kind} needs service")
            if self.kind == "node_failure" and self.node is None:
                raise ValueError("node_failure needs node")
            if self.kind == "latency_degradation" and self.latency_factor <= 1.0:
                raise ValueError("latency_degradation needs latency_factor > 1")
            if self.customers is not None:
                raise ValueError(f"{self.kind} is a platform fault: it hits every customer of its service/region, drop customers")
        elif self.customers is None:
            raise ValueError(f"{self.kind} needs customers (a list of ids or {{count: N}})")
        return self


class Scenario(Strict):
    name: str = Field("", description="defaults to the file name")
    description: str = ""
    world: str = Field("native", pattern=r"^[a-z][a-z0-9_-]*$",
                       description="the world family: how logs, metrics, errors and tickets look (lab/worlds/)")
    seed: int = 1
    time: TimeRange = Field(default_factory=TimeRange)
    history: list[Annotated[Duration, between("1h", "7d")]] = Field(
        default_factory=list, description="also write the metrics of the same range this long before (1d, 7d): normal traffic, no events")
    scrape_interval: Annotated[Duration, between("5s", "60s")] = Field(timedelta(seconds=15), description="step of the metric samples (5s to 60s: the alert rules use 2m rate windows)")
    services: list[Service] = Field(min_length=1)
    noise: Noise = Field(default_factory=Noise)
    customers: list[CustomerEntry] = Field(min_length=1)
    events: list[Event] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        """Every service/region/customer an event or customer names must exist."""
        known = {f"{s.name}/{r}" for s in self.services for r in s.regions}
        services = {s.name: s for s in self.services}
        ids: set[str] = set()
        for index, customer in enumerate(self.customers):
            uses = customer.uses if isinstance(customer.uses, list) else []
            for pair in uses:
                if pair not in known:
                    raise ValueError(f"customers.{index}.uses: unknown service/region {pair!r} (known: {sorted(known)})")
            if isinstance(customer, CustomerGroup) and isinstance(customer.uses, int) and customer.uses > len(known):
                raise ValueError(f"customers.{index}.uses: {customer.uses} pairs asked, only {len(known)} exist")
            new = {customer.id} if isinstance(customer, Customer) else {f"{customer.group}-{n:04d}" for n in range(1, customer.count + 1)}
            if ids & new:
                raise ValueError(f"customers.{index}: duplicate customer id {sorted(ids & new)[0]!r}")
            ids |= new
        seen_events: set[str] = set()
        for index, event in enumerate(self.events):
            where = f"events.{index}"
            if event.id in seen_events:
                raise ValueError(f"{where}.id: duplicate event id {event.id!r}")
            seen_events.add(event.id)
            for service in event.affected_services:
                if service not in services:
                    raise ValueError(f"{where}: unknown service {service!r}")
                if event.region and event.region not in services[service].regions:
                    raise ValueError(f"{where}: service {service!r} has no region {event.region!r}")
                if event.node is not None and event.node >= services[service].nodes:
                    raise ValueError(f"{where}.node: {service}/{event.region} has nodes 0..{services[service].nodes - 1}")
            if isinstance(event.customers, list):
                for customer_id in event.customers:
                    if customer_id not in ids:
                        raise ValueError(f"{where}.customers: unknown customer {customer_id!r}")
            if event.kind == "wrong_region" and not event.region:
                raise ValueError(f"{where}: wrong_region needs region (the region the requests wrongly go to)")
        return self

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """The covered [start, end) in UTC; "now" is floored to the minute."""
        if self.time.end == "now":
            end = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
        else:
            end = self.time.end.astimezone(timezone.utc)
        return end - self.time.duration, end

    def moment(self, value: timedelta | datetime, end: datetime) -> datetime:
        return end + value if isinstance(value, timedelta) else value.astimezone(timezone.utc)


class SpecError(ValueError):
    """A scenario file that cannot be used; the message names the file and the field."""


def load_spec(path: Path | str) -> Scenario:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: a scenario is a YAML mapping (services, customers, events, ...)")
    raw.setdefault("name", path.stem)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(f"{path}: invalid scenario:\n{describe_errors(exc)}") from None


def describe_errors(exc: ValidationError) -> str:
    """One line per problem, led by its dotted field path (the union branch names dropped)."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if not _is_union_branch(part))
        lines.append(f"  {where or '(top level)'}: {error['msg']}")
    return "\n".join(dict.fromkeys(lines))


def _is_union_branch(part: object) -> bool:
    return isinstance(part, str) and (part in {"customer", "group", "CustomerSelector"} or "[" in part or part.startswith("function-"))
