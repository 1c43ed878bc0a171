"""From exposures to tickets: who files, when, in what words, and the ground truth of each ticket.

For each event, the customers it really hit (at least `min_affected` requests) are the candidate
filers; a seeded share of them write, after a log-normal reporting delay from their first failure,
in Chinese or English, sometimes quoting a failing request id, sometimes filling the optional
fields. Platform faults give every ticket the event's id as its incident; customer-side problems
give none. The words are the world's (lab/wording.py for `native`, the world's own module for the
others), and so are the customers' clocks: a ticket's created_at carries its customer's offset.
"""

from __future__ import annotations

import importlib
import math
import random
from dataclasses import dataclass
from datetime import datetime, timezone

from lab.generate import Exposure, SimCustomer, TimedEvent, Traffic
from lab.spec import Event, TicketPolicy
from lab.truth import GroundTruth
from lab.wording import TicketFacts, ticket_text
from lab.worlds import World

FOLLOW_UP_GAP_S = (600, 2400)  # a follow-up comes 10 to 40 minutes after the previous ticket


@dataclass(frozen=True)
class GeneratedTicket:
    ticket: dict
    truth: GroundTruth
    created: float  # unix seconds, for ordering


def write_tickets(traffic: Traffic) -> list[GeneratedTicket]:
    """Every event's tickets, in the order they were written, numbered T-<run>-00001, ..."""
    customers = {customer.id: customer for customer in traffic.customers}
    drafts: list[tuple[float, dict, dict]] = []
    for timed in traffic.events:
        drafts.extend(event_tickets(traffic, timed, customers))
    drafts.sort(key=lambda draft: (draft[0], draft[1]["customer_id"]))
    out = []
    for number, (created, ticket, truth) in enumerate(drafts, start=1):
        ticket_id = f"T-{traffic.run_id}-{number:05d}"
        out.append(GeneratedTicket({"ticket_id": ticket_id, **ticket}, GroundTruth(ticket_id=ticket_id, **truth), created))
    return out


def event_tickets(traffic: Traffic, timed: TimedEvent, customers: dict[str, SimCustomer]) -> list[tuple[float, dict, dict]]:
    event, policy = timed.event, timed.event.tickets
    rng = random.Random(f"{traffic.spec.seed}/tickets/{event.id}")
    exposed = sorted(
        (customer_id, exposure) for (event_id, customer_id), exposure in traffic.exposures.items()
        if event_id == event.id and exposure.affected >= policy.min_affected
    )
    drafts = []
    for customer_id, exposure in exposed:
        if rng.random() >= policy.share:
            continue
        created = exposure.first + reporting_delay(policy, rng)
        for follow_up in range(policy.per_customer):
            if follow_up:
                created += rng.uniform(*FOLLOW_UP_GAP_S)
            at = min(max(created, exposure.first + 1), traffic.end - 1)  # nobody writes about the future
            drafts.append(draft(traffic, event, exposure, customers[customer_id], at, follow_up, rng))
    if policy.max_tickets is not None and len(drafts) > policy.max_tickets:
        drafts = rng.sample(drafts, policy.max_tickets)
    return drafts


def reporting_delay(policy: TicketPolicy, rng: random.Random) -> float:
    median = policy.delay.median.total_seconds()
    delay = rng.lognormvariate(math.log(median), 0.6) if median > 0 else 0.0
    return min(max(delay, policy.delay.min.total_seconds()), policy.delay.max.total_seconds())


def draft(traffic: Traffic, event: Event, exposure: Exposure, customer: SimCustomer, at: float, follow_up: int,
          rng: random.Random) -> tuple[float, dict, dict]:
    policy = event.tickets
    service, region = where_the_customer_looks(event, exposure, customer)
    status, code = most_common(exposure.statuses), most_common(exposure.codes)
    seen = exposure.request_ids_before(int(at))  # nobody quotes a request made after writing (created_at is whole seconds)
    quoted = rng.choice(seen) if seen and rng.random() < policy.quote_request_id else None
    in_field = quoted is not None and rng.random() < 0.5
    language = weighted_language(policy, rng)
    clock = traffic.world.clock(language, customer.id)
    resource = customer.resource if rng.random() < 0.5 else None
    started, created = datetime.fromtimestamp(exposure.first, timezone.utc), datetime.fromtimestamp(at, timezone.utc)
    subject, body = words(traffic.world, event, exposure, status, code, quoted if not in_field else None, resource,
                          service, region, started, created.astimezone(clock), follow_up, language, rng,
                          typos=rng.random() < policy.typos)
    ticket: dict = {
        "customer_id": customer.id,
        "created_at": datetime.fromtimestamp(int(at), clock).isoformat(),
        "subject": subject,
        "body": body,
    }
    for name, value in (("service", service), ("region", region), ("language", language), ("resource", customer.resource)):
        if rng.random() < policy.with_fields:
            ticket[name] = value
    if in_field:
        ticket["request_ids"] = [quoted]
    truth = {
        "customer_id": customer.id,
        "scenario": traffic.spec.name,
        "label": event.truth,
        "kind": event.kind,
        "event": event.id,
        "incident": event.id if event.truth == "platform_incident" else None,
        "services": event.affected_services if event.platform else sorted(exposure.services),
        "regions": [event.region] if event.platform else sorted(exposure.regions),
        "error_code": None if event.platform else truth_code(traffic.world, event, code),
        "status": None if event.platform else status,
    }
    return at, ticket, truth


def words(world: World, event: Event, exposure: Exposure, status: int | None, code: str | None, request_id: str | None,
          resource: str | None, service: str, region: str, started: datetime, created: datetime, follow_up: int,
          language: str, rng: random.Random, typos: bool) -> tuple[str, str]:
    """(subject, body) in the world's own wording."""
    if world.wording != "native":  # the world's own module: lab/worlds/<name>/wording.py
        module = importlib.import_module(f"lab.worlds.{world.wording}.wording")
        facts = module.Facts(
            kind=event.kind, service=service, region=region, status=status,
            message=exposure.messages.get(code) if code else None, request_id=request_id, resource=resource,
            started=started.astimezone(created.tzinfo), created=created, follow_up=follow_up)
        return module.ticket_text(facts, language, rng, typos=typos)
    facts = TicketFacts(kind=event.kind, service=service, region=region, status=status, error_code=code,
                        request_id=request_id, resource=resource, started=started, created=created, follow_up=follow_up)
    return ticket_text(facts, language, rng, typos=typos)


def truth_code(world: World, event: Event, code: str | None) -> str | None:
    """The usage error as the ground truth names it: the world's name for the kind's answer (the
    team's knowledge-base key), else the code the customer saw."""
    answer = world.answers.get(event.kind)
    if answer is not None and answer.truth and event.error_code is None:
        return answer.truth
    return code


def where_the_customer_looks(event: Event, exposure: Exposure, customer: SimCustomer) -> tuple[str, str]:
    """The service/region the customer names: where it was hit, except that a customer sending to
    the wrong region still believes it uses its own."""
    service = sorted(exposure.services)[0]
    if event.kind == "wrong_region":
        home = next((route.region for route in customer.routes if route.service == service), customer.routes[0].region)
        return service, home
    return service, sorted(exposure.regions)[0]


def most_common(counts: dict) -> object:
    return max(counts, key=counts.get) if counts else None


def weighted_language(policy: TicketPolicy, rng: random.Random) -> str:
    languages = sorted(policy.languages.items())
    roll = rng.random() * sum(weight for _, weight in languages)
    for language, weight in languages:
        roll -= weight
        if roll < 0:
            return language
    return languages[-1][0]
