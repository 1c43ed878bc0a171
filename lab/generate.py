"""From a scenario spec to traffic: every request of every customer, as log lines and as metrics.

One request stream feeds both outputs, so the logs and the metrics always agree. `Traffic.logs()`
yields the access-log lines lazily (a million lines never sit in memory at once) and, as it goes,
counts them into the metric series and records each customer's exposure to each event (how many
of its requests the event hit, when, which request ids): lab/tickets.py writes the tickets from
those exposures, so only customers who really saw a fault can complain about it.

Per request, first match wins: a customer-side event of that customer (a request refused with its
own 4xx, or lost before reaching us), then a platform fault on its service/region/node, then the
background noise. Deterministic: the same spec and seed give the same requests.

The log schema, the metric names and the answers the services give are the world's
(lab/worlds/: `native` writes the lab's original flat logs; others nested ECS documents, free-text
messages, OpenTelemetry metric names); they are documented in docs/scenarios.md.
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
from lab.customers import Route, SimCustomer, arrivals, expand_customers, select_customers
from lab.spec import PLATFORM_ERRORS, CustomerSelector, Event, Scenario
from lab.worlds import Answer, World, parse_offset, world

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OPERATIONS = {  # operation -> (method, path template)
    "upload": ("PUT", "/{resource}/uploads/{n}.bin"),
    "download": ("GET", "/{resource}/files/{n}.jpg"),
    "list": ("GET", "/{resource}?list-type=2&marker={n}"),
    "delete": ("DELETE", "/{resource}/tmp/{n}"),
    "get": ("GET", "/{resource}/static/{n}.js"),
    "process": ("POST", "/{resource}/jobs/{n}/resize"),
}
RESERVOIR = 5  # failing request ids kept per (event, customer), for tickets to quote
NO_ANSWER = Answer(status=200)


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
    messages: dict[str, str] = field(default_factory=dict)  # code (or message template) -> one message as logged

    def record(self, at: float, route_service: str, route_region: str, request_id: str | None,
               status: int | None, code: str | None, rng: random.Random, message: str | None = None) -> None:
        self.affected += 1
        self.first = min(self.first, at)
        self.last = max(self.last, at)
        self.services.add(route_service)
        self.regions.add(route_region)
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1
        if code:
            self.codes[code] = self.codes.get(code, 0) + 1
            if message:
                self.messages.setdefault(code, message)
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
        self.world: World = world(spec.world)
        self.clock_offset_s = parse_offset(self.world.traffic_clock).utcoffset(None).total_seconds()
        start, end = spec.window(now)
        self.start, self.end = start.timestamp(), end.timestamp()
        self.step_s = spec.scrape_interval.total_seconds()
        self.steps = int((self.end - self.start) // self.step_s)
        self.services = {service.name: service for service in spec.services}
        self.customers = expand_customers(spec, self.world)
        self.events = [timed_event(spec, event, end, self.customers) for event in spec.events]
        self.exposures: dict[tuple[str, str], Exposure] = defaultdict(Exposure)
        self.counts: dict[tuple[str, str, int, int], list[int]] = defaultdict(lambda: [0] * self.steps)
        self.latency: dict[tuple[str, str], list[list[int]]] = defaultdict(
            lambda: [[0] * (len(LATENCY_BUCKETS) + 1) for _ in range(self.steps)])
        self.latency_by_status: dict[tuple[str, str, int, int], list[list[int]]] = defaultdict(
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
            for at in arrivals(customer, self.start, self.end, rng, self.clock_offset_s):
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
        request_id = self._request_id(rng)
        region, node = route.region, route.node
        answer, cause = self._customer_side(customer, route, at, rng, mine)
        if cause is not None and cause.event.kind == "client_network":
            self.exposures[(cause.event.id, customer.id)].record(at, route.service, route.region, None, None, None, rng)
            return None  # lost between the customer and us: no log line, no metric
        if cause is not None and cause.event.kind == "client_bug":  # our answer is fine: the customer's app fails
            self.exposures[(cause.event.id, customer.id)].record(at, route.service, route.region, request_id, None, None, rng)
            answer, cause = NO_ANSWER, None
        elif cause is not None:
            if cause.event.kind == "wrong_region":  # the request lands in the wrong region's gateway
                region, node = cause.event.region, 0
            latency_ms /= 3
        else:
            answer, latency_ms, cause = self._platform_side(route, at, latency_ms, rng, platform)
        if cause is None and answer is NO_ANSWER:
            answer, latency_ms = self._noise(customer, latency_ms, rng)
        status = answer.status
        if customer.timeout_s is not None and latency_ms > customer.timeout_s * 1000:
            # The client gave up: the gateway logs that it closed the request, with no answer of ours.
            answer, latency_ms = Answer(status=self.world.client_timeouts.status), customer.timeout_s * 1000
            status = answer.status
        message = fill(answer.message, customer, route, at, rng) if answer.message else None
        if cause is not None:
            self.exposures[(cause.event.id, customer.id)].record(at, route.service, region, request_id, status,
                                                                 answer.code or answer.message, rng, message)
        self._count(route.service, region, node, status, latency_ms, at)
        method, template = OPERATIONS[operation]
        line = {
            "service": route.service, "region": region, "node": f"{route.service}-{region}-{node}",
            "customer_id": customer.id, "request_id": request_id, "method": method,
            "path": template.format(resource=customer.resource, n=rng.randrange(100_000)),
            "status": status, "latency_ms": round(latency_ms, 1),
        }
        code = answer.code
        if code is None and self.world.name != "native":
            code = self.world.success_error_code if status < 400 else (
                rng.choice(self.world.failure_error_code) if self.world.failure_error_code else None)
        if code is not None:
            line["error_code"] = code
        if message:
            line["error_message"] = message
        return line

    def _request_id(self, rng: random.Random) -> str:
        if self.world.request_ids == "uuid":
            bits = f"{rng.getrandbits(128):032x}"
            return f"{bits[:8]}-{bits[8:12]}-4{bits[13:16]}-{bits[16:20]}-{bits[20:]}"
        return f"req-{rng.getrandbits(64):016x}"

    def _customer_side(self, customer: SimCustomer, route: Route, at: float, rng: random.Random,
                       mine: list[TimedEvent]) -> tuple[Answer, TimedEvent | None]:
        for timed in mine:
            event = timed.event
            if not timed.active(at) or (event.service and event.service != route.service):
                continue
            if rng.random() < event.rate:
                if event.kind in ("client_network", "client_bug"):
                    return NO_ANSWER, timed
                return self.world.answer(event.kind, event.status, event.error_code), timed
        return NO_ANSWER, None

    def _platform_side(self, route: Route, at: float, latency_ms: float, rng: random.Random,
                       platform: list[TimedEvent]) -> tuple[Answer, float, TimedEvent | None]:
        for timed in platform:
            event = timed.event
            if not timed.active(at) or route.region != event.region or route.service not in event.affected_services:
                continue
            if event.kind == "node_failure" and route.node != event.node:
                continue
            if rng.random() >= event.rate:
                continue
            if event.kind == "latency_degradation":
                return NO_ANSWER, latency_ms * event.latency_factor, timed
            status = weighted(PLATFORM_ERRORS[event.kind], rng)
            slow = event.latency_factor * (20 if status == 504 else 1)
            return self.world.platform_answer(status, rng), latency_ms * slow, timed
        return NO_ANSWER, latency_ms, None

    def _noise(self, customer: SimCustomer, latency_ms: float, rng: random.Random) -> tuple[Answer, float]:
        roll = rng.random()
        client, server = self.world.noise_client, self.world.noise_server
        if roll < customer.client_error_rate:
            # The roll itself picks among the background refusals by weight (no second draw).
            position = roll / customer.client_error_rate * sum(answer.weight for answer in client)
            for answer in client:
                position -= answer.weight
                if position < 0:
                    return answer, latency_ms / 2
            return client[-1], latency_ms / 2
        if roll < customer.client_error_rate + self.spec.noise.server_error_rate:
            return server[0], latency_ms * 2
        return NO_ANSWER, latency_ms

    def _count(self, service: str, region: str, node: int, status: int, latency_ms: float, at: float) -> None:
        step = min(int((at - self.start) // self.step_s), self.steps - 1)
        bucket = bucket_of(latency_ms / 1000)
        self.counts[(service, region, node, status)][step] += 1
        self.latency[(service, region)][step][bucket] += 1
        if not self.world.metrics.counter:
            self.latency_by_status[(service, region, node, status)][step][bucket] += 1

    def series(self) -> list[Series]:
        """Cumulative counters sampled every scrape interval, as a scrape of the gateways would see them,
        named as the world names them (a world without a request counter has the histogram only).

        `instance` is unique per load: Prometheus keeps deleted samples in its head block and refuses
        new values at their timestamps, so a reload writes fresh series instead of the same ones.
        """
        names = self.world.metrics
        label = names.labels
        constant = {**names.constant_labels, names.instance_label: f"gateway-{self.run_id}"}
        stamps = [int((self.start + (step + 1) * self.step_s) * 1000) for step in range(self.steps)]
        out: list[Series] = []
        if names.counter:
            for (service, region, node, status), per_step in sorted(self.counts.items()):
                labels = {"__name__": names.counter, **constant, label["service"]: service, label["region"]: region,
                          label["node"]: f"{service}-{region}-{node}", label["status"]: str(status)}
                out.append((labels, list(zip(stamps, cumulative(per_step)))))
            histograms = {(service, region, None, None): rows for (service, region), rows in self.latency.items()}
        else:  # OpenTelemetry: one histogram per instance and status (its _count counts the requests)
            histograms = dict(self.latency_by_status)
        for (service, region, node, status), per_step in sorted(histograms.items(), key=lambda item: tuple(map(str, item[0]))):
            base = {**constant, label["service"]: service, label["region"]: region}
            if status is not None:
                base[label["status"]] = str(status)
                base[label["node"]] = f"{service}-{region}-{node}"
            for index, bound in enumerate((*LATENCY_BUCKETS, math.inf)):
                labels = {**base, "__name__": f"{names.histogram}_bucket", "le": "+Inf" if bound == math.inf else repr(bound)}
                out.append((labels, list(zip(stamps, cumulative([sum(row[: index + 1]) for row in per_step])))))
            out.append(({**base, "__name__": f"{names.histogram}_count"},
                        list(zip(stamps, cumulative([sum(row) for row in per_step])))))
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


def fill(template: str, customer: SimCustomer, route: Route, at: float, rng: random.Random) -> str:
    """A world's message with its slots filled for one request: {bucket}, {key}, {region}, {time}
    (a moment before the request), {hex} (a reference), {keyid}, {limit}, {size}."""
    slots = {
        "bucket": customer.resource, "region": route.region, "service": route.service,
        "key": f"media/{rng.randrange(100_000)}.mp4", "hex": f"{rng.getrandbits(48):012x}",
        "keyid": f"HK{zlib.crc32(customer.id.encode()):08X}", "limit": 600 * (1 + zlib.crc32(customer.id.encode()) % 4),
        "size": 5_368_709_120 + rng.randrange(1, 10**9),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(at) - 60 * rng.randrange(1, 120))),
    }
    return template.format_map(slots)


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
