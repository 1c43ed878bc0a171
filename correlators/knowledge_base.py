"""Evidence from the usage-error knowledge base: which of the customer's failures are its own
mistakes, what they mean and how the customer fixes them.

Each failure (by its key: a code, a message, or "HTTP <status>"; correlators/log_search.py) is on
one side:
- `client`: the knowledge base knows it (some are answered with a 5xx, such as a 503 SlowDown for
  throttling, or with a 3xx, such as a 301 WrongRegion), or its status says so (a 4xx; any status
  the vocabulary's status table gives to the client, and an error answered with a 2xx/3xx);
- `server`: a 5xx the knowledge base does not know;
- `timeout`: a status that says the request ran out of time (499 client closed request, 408):
  whose fault that is depends on the latency, so it counts for neither side and dilutes both.
No I/O: the knowledge base is data, read once (triage/knowledge.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from dataclasses import dataclass
from typing import Any

from triage.case import Case
from triage.knowledge import Knowledge, builtin_knowledge
from triage.models import Evidence

SOURCE = "knowledge_base"
MIN_NEW_FAILURES = 3
# What changed decides only when it is a real part of the failures: a fault already under way in the
# baseline hour leaves only noise as "new", and noise must not outvote the fault.
MIN_NEW_SHARE = 0.5
MIN_NEW_USAGE = 1
CHRONIC_USAGE_RATE = 0.2
TYPICAL_5XX_RATIO = 0.005
MIN_5XX_RATIO = 0.001


@dataclass(frozen=True)
class InView:
    """The customer's failures the ticket is judged on: on its scope when the customer used it,
    else over all its traffic (a customer with an expired token on one service and an outage on
    another files about one of them)."""

    codes: dict[str, int]
    statuses: dict[str, int]
    failures: int
    requests: int
    expected: dict[str, float]


class KnowledgeBaseCorrelator:
    name = SOURCE
    requires = frozenset({"activity"})
    provides: frozenset[str] = frozenset()

    def __init__(self, knowledge: Knowledge | None = None):
        self.knowledge = knowledge or builtin_knowledge()
        self.kb = self.knowledge.kb

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        return [self.judge(case) for case in cases]

    def side(self, code: str, status: int | None) -> str:
        """client | server | timeout."""
        if code in self.kb:
            return "client"
        if status is None:  # no status logged: nobody's fault until something else says whose
            return "timeout"
        side = self.knowledge.vocabulary.status_side(status)
        return "client" if side == "none" else side  # an error answered with a 2xx/3xx is refused by choice

    def is_usage_side(self, code: str, status: int | None) -> bool:
        return self.side(code, status) == "client"

    def judge(self, case: Case) -> Evidence:
        view = in_view(case)
        facts = self.split_failures(case, view) if view is not None else {}
        code = self.usage_code(case, view, facts)
        named = [c for c in case.reading.error_codes if c in self.kb]
        facts["ticket_names_usage_code"] = int(bool(named))
        facts["named_usage_code_in_logs"] = int(bool(self.quoted_usage_codes(case, view)))
        facts["kb_known"] = int(code is not None)
        if code is None:
            return Evidence(source=SOURCE, query="knowledge base", summary="no known usage error code", facts=facts)
        entry = self.kb[code]
        facts.update({"kb_error_code": code, "kb_status": entry.status, "kb_doc_url": entry.doc_url})
        summary = f"{code}: {entry.text('cause', 'en')} Fix: {' '.join(entry.text('fix', 'en'))}"
        return Evidence(source=SOURCE, query="knowledge base", summary=summary, facts=facts)

    def split_failures(self, case: Case, view: InView) -> dict[str, Any]:
        """The customer's failures split into its own mistakes, the platform's errors and timeouts."""
        by_side = {"client": 0.0, "server": 0.0, "timeout": 0.0}
        new = {"client": 0.0, "server": 0.0, "timeout": 0.0}
        for code, count in view.codes.items():
            side = self.side(code, view.statuses.get(code))
            by_side[side] += count
            new[side] += max(count - view.expected.get(code, 0.0), 0.0)
        total = view.failures
        usage, platform, timeouts = (round(by_side[side]) for side in ("client", "server", "timeout"))
        facts: dict[str, Any] = {"usage_failures": usage, "platform_failures": platform, "timeout_failures": timeouts}
        # Timeouts dilute the usage share only: a client that gave up on a slow answer made no
        # mistake, and may be the platform's victim.
        if total:
            facts["usage_share"] = round(usage / total, 4)
        if usage + platform:
            facts["platform_failure_share"] = round(platform / (usage + platform), 4)
        new_total = sum(new.values())
        if view.expected or new_total:
            facts["new_usage_failures"], facts["new_platform_failures"] = round(new["client"], 1), round(new["server"], 1)
            # What changed decides: errors the customer already had at the same rate are its background.
            if new_total >= MIN_NEW_FAILURES and new_total >= MIN_NEW_SHARE * total:
                facts["usage_share"] = round(new["client"] / new_total, 4)
                decided = new["client"] + new["server"]
                facts["platform_failure_share"] = round(new["server"] / decided, 4) if decided else 0.0
        # The customer's own refusals are what the ticket is about only when they stand out from its
        # background: new since its baseline hour, or so many that they are the problem even if old.
        rate = usage / view.requests if view.requests else 0.0
        new_enough = new["client"] >= MIN_NEW_USAGE and new["client"] >= MIN_NEW_SHARE * usage
        facts["usage_stands_out"] = int(new_enough or rate >= CHRONIC_USAGE_RATE)
        if view.requests:
            # Against all the customer's requests: 5 refusals in 500 requests is background, not the problem.
            facts["usage_failure_rate"] = round(usage / view.requests, 4)
            facts["platform_failure_rate"] = round(platform / view.requests, 4)
            facts["platform_failure_z"] = platform_failure_z(platform, view.requests, reference_ratio(case, view))
        named = case.activity.named if case.activity else None
        pairs = list(zip(named.codes, named.statuses)) if named else []
        facts["named_usage_failures"] = sum(1 for code, status in pairs if self.side(code, status) == "client")
        facts["named_platform_failures"] = sum(1 for code, status in pairs if self.side(code, status) == "server")
        claims_server, claims_client = self.claims(case, view)
        facts["ticket_claims_server_errors"], facts["ticket_claims_client_errors"] = int(claims_server), int(claims_client)
        # A customer may fail both ways at once (its own expired token during an outage): the failures
        # the ticket complains of decide, when the logs have them; otherwise the majority does.
        if claims_server and not claims_client and platform > 0:
            facts["usage_share"], facts["platform_failure_share"] = 0.0, 1.0
        elif claims_client and not claims_server and usage > 0:
            facts["usage_share"], facts["platform_failure_share"] = 1.0, 0.0
        return facts

    def claims(self, case: Case, view: InView) -> tuple[bool, bool]:
        """(the ticket names server errors, the ticket names client errors): statuses, codes, words,
        or the failures of the requests it quotes by id.

        A status that the customer's logs show mostly with its own usage errors is a claim about them:
        "503" from a customer throttled with SlowDown (503) names its throttling, not a server error.
        A status that says the request ran out of time (499) is a claim of neither."""
        reading, side = case.reading, self.knowledge.vocabulary.status_side
        # A request the ticket quotes by id that failed is the customer pointing at its problem.
        named = case.activity.named if case.activity else None
        quoted = {self.side(code, status) for code, status in zip(named.codes, named.statuses)} if named else set()
        own_usage = {status for status in reading.statuses if self.mostly_usage(status, view)}
        server = (any(side(status) == "server" and status not in own_usage for status in reading.statuses)
                  or any(code in self.knowledge.vocabulary.platform_codes and code not in self.kb for code in reading.error_codes)
                  or reading.names_server_errors
                  or "server" in quoted)
        # Words for a kind of usage error ("permission errors", "鉴权失败") claim it when the logs show
        # it, unless the ticket quotes errors exactly or names server errors: a pasted code or status,
        # or "5xx", outranks a word ("our bucket ... fails with ServiceUnavailable" is about the 503,
        # not a missing bucket).
        quotes_exactly = bool(reading.error_codes or reading.statuses or reading.names_server_errors)
        hinted = not quotes_exactly and bool(set(reading.hinted_codes) & set(view.codes))
        client = (any(side(status) in ("client", "none") for status in reading.statuses)
                  or any(code in self.kb for code in reading.error_codes) or bool(own_usage) or hinted
                  or "client" in quoted)
        return server, client

    def mostly_usage(self, status: int, view: InView) -> bool:
        """Four in five of the customer's failures with this status carry a knowledge-base (usage) code."""
        usage = sum(count for code, count in view.codes.items() if view.statuses.get(code) == status and code in self.kb)
        other = sum(count for code, count in view.codes.items() if view.statuses.get(code) == status and code not in self.kb)
        return usage > 0 and usage >= 4 * other

    def quoted_usage_codes(self, case: Case, view: InView | None) -> list[str]:
        """Usage codes in the customer's logs that the ticket quotes, by name or by their status
        ("401" for ExpiredToken), most frequent first."""
        if view is None:
            return []
        named, named_statuses = set(case.reading.error_codes), set(case.reading.statuses)
        return [code for code in view.codes if self.side(code, view.statuses.get(code)) == "client"
                and (code in named or view.statuses.get(code) in named_statuses)]

    def usage_code(self, case: Case, view: InView | None, facts: dict[str, Any]) -> str | None:
        """The usage error the ticket is about: one it quotes that the logs show; else, of the
        knowledge-base codes the logs show, one the ticket's words hint at ("not found"), then the
        one that rose most above the customer's baseline (what changed), then the most frequent (on
        the ticket's scope when known); else one the ticket names."""
        quoted = [code for code in self.quoted_usage_codes(case, view) if code in self.kb]
        if quoted:
            return quoted[0]
        if view is not None:
            known = [code for code in view.codes if code in self.kb]
            hinted = set(case.reading.hinted_codes)
            if known:
                return max(known, key=lambda code: (code in hinted, view.codes[code] - view.expected.get(code, 0.0), view.codes[code]))
        if not facts.get("platform_failures"):
            return next((code for code in case.reading.error_codes if code in self.kb), None)
        return None


def reference_ratio(case: Case, view: InView) -> float:
    """The 5xx ratio the customer's requests would have if nothing were wrong: the service's
    reference ratio from the metrics, else the customer's own baseline hour; never more than a
    typical background ratio, because a reference hour can itself be part of the fault."""
    if case.metrics is not None and case.metrics.baseline_error_ratio is not None:
        return min(case.metrics.baseline_error_ratio, TYPICAL_5XX_RATIO)
    expected = sum(count for code, count in view.expected.items() if view.statuses.get(code, 0) >= 500)
    return min(expected / view.requests, TYPICAL_5XX_RATIO) if view.expected and view.requests else TYPICAL_5XX_RATIO


def platform_failure_z(failures: float, requests: int, ratio: float) -> float:
    """How surprising the customer's server errors are if the service failed only at the reference
    ratio: the Poisson upper tail P(X >= failures), as the z of a normal tail of the same size
    (2 is about 1 in 40). One 500 in 200 requests is the background every customer has; two
    where 0.06 were expected are not."""
    expected = requests * min(max(ratio, MIN_5XX_RATIO), 0.5)
    count = int(round(failures))
    if count <= expected:
        return 0.0
    if count <= 60:
        below = sum(math.exp(-expected + i * math.log(expected) - math.lgamma(i + 1)) for i in range(count))
        tail = max(1.0 - below, 1e-12)
    else:  # the normal approximation, with a continuity correction
        tail = max(1.0 - NormalDist().cdf((count - 0.5 - expected) / math.sqrt(expected)), 1e-12)
    return round(min(NormalDist().inv_cdf(1.0 - tail), 7.0), 2)


def in_view(case: Case) -> InView | None:
    activity = case.activity
    if activity is None:
        return None
    place = case.scope_activity
    if place is not None:
        return InView(place.error_codes, place.error_code_statuses, place.failures, place.requests, place.expected_error_codes)
    codes: dict[str, int] = {}
    statuses: dict[str, int] = {}
    expected: dict[str, float] = {}
    for item in activity.scopes:
        for code, count in item.error_codes.items():
            codes[code] = codes.get(code, 0) + count
        for code, count in item.expected_error_codes.items():
            expected[code] = expected.get(code, 0.0) + count
        statuses.update(item.error_code_statuses)
    return InView(codes, statuses, sum(item.failures for item in activity.scopes), activity.requests, expected)
