"""From a scenario spec to traffic: every request of every customer, as log lines and as metrics.

One request stream feeds both outputs, so the logs and the metrics always agree. `Traffic.logs()`
yields the access-log lines lazily (a million lines never sit in memory at once) and, as it goes,
counts them into the metric series and records each customer's exposure to each event (how many
of its requests the event hit, when, which request ids): lab/tickets.py writes the tickets from
those exposures, so only customers who really saw a fault can complain about it.

Per request, first match wins: a customer-side event of that customer (a request refused with its
own 4xx, or lost before reaching us), then a platform fault on its service/region/node, then the
background noise. Deterministic: the same spec and seed give the same requests.

The log schema and metric names are documented in docs/scenarios.md.
"""

from __future__ import annotations

import math
import random
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from lab.promwrite import Series
from lab.spec import CUSTOMER_CLOCK, ERROR_CODES, PLATFORM_ERRORS, Customer, CustomerGroup, CustomerSelector, Event, Scenario

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OPERATIONS = {  # operation -> (method, path template)
    "upload": ("PUT", "/{resource}/uploads/{n}.bin"),
    "download": ("GET", "/{resource}/files/{n}.jpg"),
    "list": ("GET", "/{resource}?list-type=2&marker={n}"),
    "delete": ("DELETE", "/{resource}/tmp/{n}"),
    "get": ("GET", "/{resource}/static/{n}.js"),
    "process": ("POST", "/{resource}/jobs/{n}/resize"),
}
CLOCK_OFFSET_S = CUSTOMER_CLOCK.utcoffset(None).total_seconds()
RESERVOIR = 5  # failing request ids kept per (event, customer), for tickets to quote


@dataclass(frozen=True)
class Route:
    service: str
    region: str
    node: int


@dataclass
class SimCustomer:
    id: str
    rate: float
    diurnal: float
    routes: list[Route]
    client_error_rate: float
    resource: str


@dataclass
class Exposure:
    """What one event did to one customer: the raw material of its tickets and their ground truth."""

    affected: int = 0
    first: float = math.inf  # unix seconds
    last: float = 0.0
    requests: list[tuple[float, str]] = field(default_factory=list)  # a sample of (unix seconds, request id)
    services: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    statuses: dict[int, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)

    def record(self, at: float, route_service: str, route_region: str, request_id: str | None,
               status: int | None, code: str | None, rng: random.Random) -> None:
        self.affected += 1
        self.first = min(self.first, at)
        self.last = max(self.last, at)
        self.services.add(route_service)
        self.regions.add(route_region)
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1
        if code:
            self.codes[code] = self.codes.get(code, 0) + 1
        if request_id:  # reservoir sampling: a fair handful of ids whatever the count
            if len(self.requests) < RESERVOIR:
                self.requests.append((at, request_id))
            elif rng.random() < RESERVOIR / self.affected:
                self.requests[rng.randrange(RESERVOIR)] = (at, request_id)

    def request_ids_before(self, moment: float) -> list[str]:
        """The sampled failing requests a customer writing at `moment` can have seen."""
        return [request_id for at, request_id in self.requests if at <= moment]


@dataclass
class TimedEvent:
    event: Event
    start: float
    end: float
    customers: frozenset[str] = frozenset()  # customer-side events: who it hits

    def active(self, at: float) -> bool:
        return self.start <= at < self.end


class Traffic:
    def __init__(self, spec: Scenario, now: datetime, run_id: str):
        self.spec = spec
        self.run_id = run_id
        start, end = spec.window(now)
        self.start, self.end = start.timestamp(), end.timestamp()
        self.step_s = spec.scrape_interval.total_seconds()
        self.steps = int((self.end - self.start) // self.step_s)
        self.services = {service.name: service for service in spec.services}
        self.customers = expand_customers(spec)
        self.events = [timed_event(spec, event, end, self.customers) for event in spec.events]
        self.exposures: dict[tuple[str, str], Exposure] = defaultdict(Exposure)
        self.counts: dict[tuple[str, str, int, int], list[int]] = defaultdict(lambda: [0] * self.steps)
        self.latency: dict[tuple[str, str], list[list[int]]] = defaultdict(
            lambda: [[0] * (len(LATENCY_BUCKETS) + 1) for _ in range(self.steps)])
        self.lines = 0

    @property
    def window(self) -> tuple[datetime, datetime]:
        return datetime.fromtimestamp(self.start, timezone.utc), datetime.fromtimestamp(self.end, timezone.utc)

    def logs(self) -> Iterator[dict]:
        """Every logged request, customer by customer (not in time order: Elasticsearch does not care)."""
        stamp = Timestamps()
        for customer in self.customers:
            rng = random.Random(f"{self.spec.seed}/traffic/{customer.id}")
            mine = [timed for timed in self.events if not timed.event.platform and customer.id in timed.customers]
            platform = [timed for timed in self.events if timed.event.platform]
            for at in arrivals(customer, self.start, self.end, rng):
                line = self._request(customer, at, rng, mine, platform)
                if line is not None:
                    line["@timestamp"] = stamp(at)
                    self.lines += 1
                    yield line

    def _request(self, customer: SimCustomer, at: float, rng: random.Random,
                 mine: list[TimedEvent], platform: list[TimedEvent]) -> dict | None:
        route = customer.routes[rng.randrange(len(customer.routes))] if len(customer.routes) > 1 else customer.routes[0]
        service = self.services[route.service]
        operation = service.operations[rng.randrange(len(service.operations))]
        latency_ms = rng.lognormvariate(math.log(service.latency_ms), self.spec.noise.latency_sigma)
        request_id = f"req-{rng.getrandbits(64):016x}"
        region, node = route.region, route.node
        status, code, cause = self._customer_side(customer, route, at, rng, mine)
        if cause is not None and cause.event.kind == "client_network":
            self.exposures[(cause.event.id, customer.id)].record(at, route.service, route.region, None, None, None, rng)
            return None  # lost between the customer and us: no log line, no metric
        if cause is not None:
            if cause.event.kind == "wrong_region":  # the request lands in the wrong region's gateway
                region, node = cause.event.region, 0
            latency_ms /= 3
        else:
            status, code, latency_ms, cause = self._platform_side(route, at, latency_ms, rng, platform)
        if cause is None:
            status, code, latency_ms = self._noise(customer, latency_ms, rng)
        else:
            self.exposures[(cause.event.id, customer.id)].record(at, route.service, region, request_id, status, code, rng)
        self._count(route.service, region, node, status, latency_ms, at)
        method, template = OPERATIONS[operation]
        line = {
            "service": route.service, "region": region, "node": f"{route.service}-{region}-{node}",
            "customer_id": customer.id, "request_id": request_id, "method": method,
            "path": template.format(resource=customer.resource, n=rng.randrange(100_000)),
            "status": status, "latency_ms": round(latency_ms, 1),
        }
        if code:
            line["error_code"] = code
        return line

    def _customer_side(self, customer: SimCustomer, route: Route, at: float, rng: random.Random,
                       mine: list[TimedEvent]) -> tuple[int, str, TimedEvent | None]:
        for timed in mine:
            event = timed.event
            if not timed.active(at) or (event.service and event.service != route.service):
                continue
            if rng.random() < event.rate:
                status, code = event.answer or (0, "")
                return status, code, timed
        return 200, "", None

    def _platform_side(self, route: Route, at: float, latency_ms: float, rng: random.Random,
                       platform: list[TimedEvent]) -> tuple[int, str, float, TimedEvent | None]:
        for timed in platform:
            event = timed.event
            if not timed.active(at) or route.region != event.region or route.service not in event.affected_services:
                continue
            if event.kind == "node_failure" and route.node != event.node:
                continue
            if rng.random() >= event.rate:
                continue
            if event.kind == "latency_degradation":
                return 200, "", latency_ms * event.latency_factor, timed
            status = weighted(PLATFORM_ERRORS[event.kind], rng)
            slow = event.latency_factor * (20 if status == 504 else 1)
            return status, ERROR_CODES[status], latency_ms * slow, timed
        return 200, "", latency_ms, None

    def _noise(self, customer: SimCustomer, latency_ms: float, rng: random.Random) -> tuple[int, str, float]:
        roll = rng.random()
        if roll < customer.client_error_rate:
            return (404, "NoSuchKey", latency_ms / 2) if roll < customer.client_error_rate * 0.7 else (403, "AccessDenied", latency_ms / 2)
        if roll < customer.client_error_rate + self.spec.noise.server_error_rate:
            return 500, "InternalError", latency_ms * 2
        return 200, "", latency_ms

    def _count(self, service: str, region: str, node: int, status: int, latency_ms: float, at: float) -> None:
        step = min(int((at - self.start) // self.step_s), self.steps - 1)
        self.counts[(service, region, node, status)][step] += 1
        self.latency[(service, region)][step][bucket_of(latency_ms / 1000)] += 1

    def series(self) -> list[Series]:
        """Cumulative counters sampled every scrape interval, as a scrape of the gateways would see them.

        `instance` is unique per load: Prometheus keeps deleted samples in its head block and refuses
        new values at their timestamps, so a reload writes fresh series instead of the same ones.
        """
        instance = f"gateway-{self.run_id}"
        stamps = [int((self.start + (step + 1) * self.step_s) * 1000) for step in range(self.steps)]
        out: list[Series] = []
        for (service, region, node, status), per_step in sorted(self.counts.items()):
            labels = {"__name__": "http_requests_total", "job": "gateway", "instance": instance,
                      "service": service, "region": region, "node": f"{service}-{region}-{node}", "code": str(status)}
            out.append((labels, list(zip(stamps, cumulative(per_step)))))
        for (service, region), per_step in sorted(self.latency.items()):
            base = {"job": "gateway", "instance": instance, "service": service, "region": region}
            for index, bound in enumerate((*LATENCY_BUCKETS, math.inf)):
                labels = {**base, "__name__": "http_request_duration_seconds_bucket", "le": "+Inf" if bound == math.inf else repr(bound)}
                out.append((labels, list(zip(stamps, cumulative([sum(row[: index + 1]) for row in per_step])))))
            out.append(({**base, "__name__": "http_request_duration_seconds_count"},
                        list(zip(stamps, cumulative([sum(row) for row in per_step])))))
        return out


def expand_customers(spec: Scenario) -> list[SimCustomer]:
    """Explicit customers as written; groups drawn with a seeded rng (rate, routes)."""
    rng = random.Random(f"{spec.seed}/customers")
    pairs = [f"{service.name}/{region}" for service in spec.services for region in service.regions]
    nodes = {service.name: service.nodes for service in spec.services}
    default_errors = spec.noise.client_error_rate
    out: list[SimCustomer] = []

    def make(customer_id: str, rate: float, diurnal: float, uses: list[str], errors: float | None) -> SimCustomer:
        routes = []
        for pair in uses:
            service, region = pair.split("/", 1)
            node = zlib.crc32(f"{customer_id}/{pair}".encode()) % nodes[service]  # sticky routing: one node each
            routes.append(Route(service, region, node))
        resource = f"{customer_id}-data"
        return SimCustomer(customer_id, rate, diurnal, routes, default_errors if errors is None else errors, resource)

    for entry in spec.customers:
        if isinstance(entry, Customer):
            out.append(make(entry.id, entry.rate, entry.diurnal, entry.uses, entry.client_error_rate))
            continue
        assert isinstance(entry, CustomerGroup)
        for number in range(1, entry.count + 1):
            uses = entry.uses if isinstance(entry.uses, list) else rng.sample(pairs, entry.uses)
            rate = rng.uniform(*entry.rate)
            out.append(make(f"{entry.group}-{number:04d}", rate, entry.diurnal, uses, entry.client_error_rate))
    return out


def timed_event(spec: Scenario, event: Event, end: datetime, customers: list[SimCustomer]) -> TimedEvent:
    start_at = spec.moment(event.start, end).timestamp()
    end_at = spec.moment(event.end, end).timestamp()
    if end_at <= start_at:
        raise ValueError(f"event {event.id}: ends before it starts")
    chosen: frozenset[str] = frozenset()
    if isinstance(event.customers, list):
        chosen = frozenset(event.customers)
    elif isinstance(event.customers, CustomerSelector):
        chosen = frozenset(select_customers(spec.seed, event.id, event.customers, customers))
    return TimedEvent(event, start_at, end_at, chosen)


def select_customers(seed: int, event_id: str, selector: CustomerSelector, customers: list[SimCustomer]) -> list[str]:
    candidates = [
        customer.id for customer in customers
        if any((selector.service in (None, route.service)) and (selector.region in (None, route.region)) for route in customer.routes)
    ]
    if len(candidates) < selector.count:
        raise ValueError(f"event {event_id}: {selector.count} customers asked, {len(candidates)} match")
    return random.Random(f"{seed}/select/{event_id}").sample(candidates, selector.count)


def arrivals(customer: SimCustomer, start: float, end: float, rng: random.Random) -> Iterator[float]:
    """Poisson arrivals at the peak rate, thinned by the daily shape."""
    at = start
    while True:
        at += rng.expovariate(customer.rate)
        if at >= end:
            return
        if customer.diurnal and rng.random() > daily_shape(at, customer.diurnal):
            continue
        yield at


def daily_shape(at: float, amplitude: float) -> float:
    """1 at 14:00 on the customers' clock, 1 - amplitude at 02:00."""
    hour = (at + CLOCK_OFFSET_S) / 3600 % 24
    return 1 - amplitude * (1 - math.cos(2 * math.pi * (hour - 14) / 24)) / 2


def weighted(weights: dict[int, float], rng: random.Random) -> int:
    roll = rng.random() * sum(weights.values())
    for value, weight in weights.items():
        roll -= weight
        if roll < 0:
            return value
    return next(reversed(weights))


def bucket_of(seconds: float) -> int:
    for index, bound in enumerate(LATENCY_BUCKETS):
        if seconds <= bound:
            return index
    return len(LATENCY_BUCKETS)


def cumulative(values: list[int]) -> list[float]:
    """Per-step counts -> the running total a counter would show at each scrape."""
    total, out = 0, []
    for value in values:
        total += value
        out.append(float(total))
    return out


class Timestamps:
    """ISO-8601 UTC with milliseconds, fast: the second's prefix is formatted once and reused."""

    def __init__(self) -> None:
        self.second = -1
        self.prefix = ""

    def __call__(self, at: float) -> str:
        second = int(at)
        if second != self.second:
            self.second, self.prefix = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self.prefix}.{int((at - second) * 1000):03d}Z"
