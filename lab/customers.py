"""The scenario's customers as the generator uses them: who calls what, how often, and when.

Explicit customers as written; groups drawn with a seeded random generator (rates, routes), so the
same spec gives the same customers. Each customer is pinned to one node per service/region
(sticky routing), and its requests arrive as a Poisson stream thinned by a daily shape.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from lab.spec import Customer, CustomerGroup, CustomerSelector, Scenario
from lab.worlds import World, world


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
    timeout_s: float | None = None  # the client gives up after this long (status 499 in the logs)


def expand_customers(spec: Scenario, of: World | None = None) -> list[SimCustomer]:
    """Explicit customers as written; groups drawn with a seeded rng (rate, routes). The world's
    share of customers with an impatient client get its timeout (drawn from the id, so the
    rates and routes drawn here stay those of a world without timeouts)."""
    timeouts = (of or world("native")).client_timeouts
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
        impatient = zlib.crc32(f"timeout/{customer_id}".encode()) % 1000 < timeouts.share * 1000
        return SimCustomer(customer_id, rate, diurnal, routes, default_errors if errors is None else errors, resource,
                           timeouts.seconds if impatient else None)

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


def select_customers(seed: int, event_id: str, selector: CustomerSelector, customers: list[SimCustomer]) -> list[str]:
    candidates = [
        customer.id for customer in customers
        if any((selector.service in (None, route.service)) and (selector.region in (None, route.region)) for route in customer.routes)
    ]
    if len(candidates) < selector.count:
        raise ValueError(f"event {event_id}: {selector.count} customers asked, {len(candidates)} match")
    return random.Random(f"{seed}/select/{event_id}").sample(candidates, selector.count)


def arrivals(customer: SimCustomer, start: float, end: float, rng: random.Random, offset_s: float = 8 * 3600) -> Iterator[float]:
    """Poisson arrivals at the peak rate, thinned by the daily shape."""
    at = start
    while True:
        at += rng.expovariate(customer.rate)
        if at >= end:
            return
        if customer.diurnal and rng.random() > daily_shape(at, customer.diurnal, offset_s):
            continue
        yield at


def daily_shape(at: float, amplitude: float, offset_s: float = 8 * 3600) -> float:
    """1 at 14:00 on the customers' clock (UTC offset `offset_s`), 1 - amplitude at 02:00."""
    hour = (at + offset_s) / 3600 % 24
    return 1 - amplitude * (1 - math.cos(2 * math.pi * (hour - 14) / 24)) / 2
