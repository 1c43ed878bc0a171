"""The one interface every evidence source implements, and the check of their order.

A correlator takes a batch of cases and returns one Evidence per case, in the same order. Taking
a batch (not one ticket) lets a source answer many tickets with one round trip: `_msearch` in
Elasticsearch, one grouped PromQL query shared by every ticket of the same window.

Correlators run in order. What one hands the next is a typed field of the Case (triage/case.py:
`activity`, `metrics`, `alert`, `blast`): each correlator declares the fields it sets
(`provides`) and the ones it reads (`requires`, directly or through the case's scope and fault
window), and `check_order` refuses an order in which a field is read before it is set, or set
twice. Correlators never import each other's code. A backend that stays down after retries raises
backends.retry.BackendUnavailable: the batch is then retried, not guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Protocol

from triage.case import HANDOFFS, Case
from triage.models import Evidence


class Correlator(Protocol):
    name: str
    requires: frozenset[str]
    provides: frozenset[str]

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]: ...


# A batch's range queries cover its tickets' fault windows together; tickets this far apart (a
# backlog replayed, a week-old ticket beside today's) are asked separately, so that no range
# outgrows Prometheus's 11,000 points per series at a one-minute step.
TIME_GROUP_SPAN = timedelta(days=1)


def by_time(cases: Sequence[Case], correlate: Callable[[Sequence[Case]], list[Evidence]],
            span: timedelta = TIME_GROUP_SPAN) -> list[Evidence]:
    """`correlate` on groups of the cases whose fault windows lie within `span` of the group's
    first start, the evidence back in the cases' order. One group in the usual batch."""
    order = sorted(range(len(cases)), key=lambda i: cases[i].fault_window.start)
    groups: list[list[int]] = []
    for i in order:
        if groups and cases[i].fault_window.end - cases[groups[-1][0]].fault_window.start <= span:
            groups[-1].append(i)
        else:
            groups.append([i])
    out: list[Evidence | None] = [None] * len(cases)
    for group in groups:
        for i, evidence in zip(group, correlate([cases[i] for i in group])):
            out[i] = evidence
    return out  # type: ignore[return-value]  # every position is in one group


class OrderError(ValueError):
    """Correlators in an order that cannot work: the message names the correlator and the field."""


def check_order(correlators: Sequence[Correlator]) -> None:
    provided: dict[str, str] = {}
    for correlator in correlators:
        for name in sorted(correlator.requires | correlator.provides):
            if name not in HANDOFFS:
                raise OrderError(f"{correlator.name}: {name!r} is not a field of the case (known: {', '.join(HANDOFFS)})")
        for name in sorted(correlator.requires):
            if name not in provided:
                raise OrderError(f"{correlator.name} requires {name!r}, which no correlator before it provides")
        for name in sorted(correlator.provides):
            if name in provided:
                raise OrderError(f"{correlator.name} provides {name!r}, which {provided[name]} already provides")
            provided[name] = correlator.name


def handed_on(cases: Sequence[Case]) -> list[tuple[int, ...]]:
    """The identity of every case's handoff fields, to tell afterwards which ones a correlator set."""
    return [tuple(id(getattr(case, name)) for name in HANDOFFS) for case in cases]


def check_provided(correlator: Correlator, before: list[tuple[int, ...]], cases: Sequence[Case]) -> None:
    """A correlator set only what it declared it provides."""
    for was, now in zip(before, handed_on(cases)):
        for name, old, new in zip(HANDOFFS, was, now):
            if old != new and name not in correlator.provides:
                raise OrderError(f"{correlator.name} set case.{name} without declaring it in provides")
