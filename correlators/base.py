"""The one interface every evidence source implements.

A correlator takes a batch of cases and returns one Evidence per case, in the same order. Taking
a batch (not one ticket) lets a source answer many tickets with one round trip: `_msearch` in
Elasticsearch, one grouped PromQL query shared by every ticket of the same window.

Correlators run in order and may read the evidence earlier ones left on a case (through the
Case's own accessors such as `case.service`), never each other's code. A backend that stays down
after retries raises backends.retry.BackendUnavailable: the batch is then retried, not guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from triage.models import Evidence
from triage.understand import Case


class Correlator(Protocol):
    name: str

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]: ...
