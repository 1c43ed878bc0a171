"""From a ticket to a case: the time window to search, the request ids, the language, the scope.

Pure: no I/O. Explicit ticket fields win over what is read from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from triage.models import Evidence, Ticket, TimeWindow

# Customers notice and report after the fact: look back further than forward.
DEFAULT_LOOKBACK = timedelta(minutes=30)
DEFAULT_LOOKAHEAD = timedelta(minutes=2)
DEFAULT_BASELINE = timedelta(minutes=60)

# Not \b: Chinese characters count as word characters, and "请求req-3f9a1c2b处理" must match.
REQUEST_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z-])req-[0-9a-zA-Z]{6,40}(?![0-9A-Za-z])")
CJK_PATTERN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Case:
    """One ticket on its way through the correlators; evidence accumulates in order."""

    ticket: Ticket
    window: TimeWindow
    baseline: TimeWindow
    request_ids: list[str]
    language: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def service(self) -> str | None:
        return self.ticket.service or self._seen_in_logs("top_service")

    @property
    def region(self) -> str | None:
        return self.ticket.region or self._seen_in_logs("top_region")

    def _seen_in_logs(self, fact: str) -> str | None:
        """Where the ticket names no service/region, take the one its failing requests hit most."""
        for item in self.evidence:
            if item.available and item.facts.get(fact):
                return item.facts[fact]
        return None


def understand(
    ticket: Ticket,
    lookback: timedelta = DEFAULT_LOOKBACK,
    lookahead: timedelta = DEFAULT_LOOKAHEAD,
    baseline: timedelta = DEFAULT_BASELINE,
) -> Case:
    created = ticket.created_at.astimezone(timezone.utc)
    window = TimeWindow(start=_floor_minute(created - lookback), end=_floor_minute(created + lookahead))
    return Case(
        ticket=ticket,
        window=window,
        baseline=TimeWindow(start=window.start - baseline, end=window.start),
        request_ids=_request_ids(ticket),
        language=ticket.language or detect_language(ticket.subject + " " + ticket.body),
    )


def detect_language(text: str) -> str:
    return "zh" if CJK_PATTERN.search(text) else "en"


def _request_ids(ticket: Ticket) -> list[str]:
    found = list(ticket.request_ids)
    for match in REQUEST_ID_PATTERN.findall(ticket.subject + "\n" + ticket.body):
        if match not in found:
            found.append(match)
    return found


def _floor_minute(moment: datetime) -> datetime:
    """Round to the minute: identical windows let Elasticsearch's request cache answer repeats."""
    return moment.replace(second=0, microsecond=0)
