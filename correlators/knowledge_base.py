"""Evidence from the usage-error knowledge base: which of the customer's failures are its own
mistakes, what they mean and how the customer fixes them.

A failure is customer-side when its error code is in the knowledge base (some are answered with a
5xx, such as a 503 SlowDown for throttling, or with a 3xx, such as a 301 WrongRegion) or when it
is any other 3xx/4xx: HTTP puts the fault with the client there. Everything else (5xx without a
knowledge-base code) is platform-side. No I/O: the knowledge base is a data file read once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from triage.knowledge import KnowledgeBase, knowledge_base
from triage.models import Evidence
from triage.understand import Case

SOURCE = "knowledge_base"
MIN_NEW_FAILURES = 3
# Words for server errors when the customer names no status: "5xx", "server errors", "服务端错误".
SERVER_ERROR_WORDS = re.compile(r"5xx|server errors?|internal error|服务端错误|服务器错误|服务器内部错误", re.IGNORECASE)


class KnowledgeBaseCorrelator:
    name = SOURCE

    def __init__(self, kb: KnowledgeBase | None = None):
        self.kb = kb if kb is not None else knowledge_base()

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        return [self.judge(case) for case in cases]

    def judge(self, case: Case) -> Evidence:
        facts = split_failures(case, self.kb)
        code = usage_code(case, self.kb, facts)
        named = [c for c in case.reading.error_codes if c in self.kb]
        facts["ticket_names_usage_code"] = int(bool(named))
        facts["named_usage_code_in_logs"] = int(bool(quoted_usage_codes(case, self.kb)))
        facts["kb_known"] = int(code is not None)
        if code is None:
            return Evidence(source=SOURCE, query="knowledge_base.yaml", summary="no known usage error code", facts=facts)
        entry = self.kb[code]
        facts.update({"kb_error_code": code, "kb_status": entry.status, "kb_doc_url": entry.doc_url})
        summary = f"{code}: {entry.text('cause', 'en')} Fix: {' '.join(entry.text('fix', 'en'))}"
        return Evidence(source=SOURCE, query="knowledge_base.yaml", summary=summary, facts=facts)


def is_usage_side(code: str, status: int | None, kb: KnowledgeBase) -> bool:
    return code in kb or (status is not None and status < 500)


def failures_in_view(case: Case) -> tuple[dict[str, int], dict[str, int], int | None, int | None, int]:
    """(codes, their statuses, failures, requests, client errors): on the ticket's service/region
    when the customer used it, else over all its traffic. A customer with an expired token on one
    service and an outage on another files about one of them."""
    activity = case.scope_activity
    if activity is not None:
        client = activity["failures"] - activity["server_errors"]
        return activity["error_codes"], activity["error_code_statuses"], activity["failures"], activity["requests"], client
    return (case.fact("error_codes") or {}, case.fact("error_code_statuses") or {}, case.fact("customer_failures"),
            case.fact("customer_requests"), case.fact("customer_client_errors") or 0)


def split_failures(case: Case, kb: KnowledgeBase) -> dict[str, Any]:
    """The customer's failures split into its own mistakes and the platform's errors, by error code."""
    codes, statuses, total, requests, client = failures_in_view(case)
    if total is None:
        return {}
    usage = sum(count for code, count in codes.items() if is_usage_side(code, statuses.get(code), kb))
    # Failures outside the top codes or without a code: judged by their status class alone.
    uncoded_client = max(client - sum(count for code, count in codes.items() if statuses.get(code, 500) < 500), 0)
    usage = min(usage + uncoded_client, total)
    facts: dict[str, Any] = {"usage_failures": usage, "platform_failures": total - usage}
    if total:
        facts["usage_share"] = round(usage / total, 4)
        facts["platform_failure_share"] = round((total - usage) / total, 4)
    new_usage, new_platform = new_failures(case, kb, codes, statuses)
    if new_usage is not None:
        facts["new_usage_failures"], facts["new_platform_failures"] = new_usage, new_platform
        # What changed decides: errors the customer already had at the same rate are its background.
        if new_usage + new_platform >= MIN_NEW_FAILURES:
            facts["usage_share"] = round(new_usage / (new_usage + new_platform), 4)
            facts["platform_failure_share"] = round(1 - facts["usage_share"], 4)
    if requests:
        # Against all the customer's requests: 5 refusals in 500 requests is background, not the problem.
        facts["usage_failure_rate"] = round(usage / requests, 4)
        facts["platform_failure_rate"] = round((total - usage) / requests, 4)
    named = list(zip(case.fact("named_request_codes") or [], case.fact("named_request_statuses") or []))
    facts["named_usage_failures"] = sum(1 for code, status in named if is_usage_side(code, status, kb))
    facts["named_platform_failures"] = len(named) - facts["named_usage_failures"]
    claims_server, claims_client = claims(case, kb)
    facts["ticket_claims_server_errors"], facts["ticket_claims_client_errors"] = int(claims_server), int(claims_client)
    # A customer may fail both ways at once (its own expired token during an outage): the failures
    # the ticket complains of decide, when the logs have them; otherwise the majority does.
    if claims_server and not claims_client and total - usage > 0:
        facts["usage_share"], facts["platform_failure_share"] = 0.0, 1.0
    elif claims_client and not claims_server and usage > 0:
        facts["usage_share"], facts["platform_failure_share"] = 1.0, 0.0
    return facts


def new_failures(case: Case, kb: KnowledgeBase, codes: dict[str, int], statuses: dict[str, int]) -> tuple[float | None, float]:
    """(usage, platform) failures above what the baseline hour predicts for the window, by code."""
    activity = case.scope_activity
    if activity is None or "expected_error_codes" not in activity:
        return None, 0.0
    expected = activity["expected_error_codes"]
    usage = platform = 0.0
    for code, count in codes.items():
        excess = max(count - expected.get(code, 0.0), 0.0)
        if is_usage_side(code, statuses.get(code), kb):
            usage += excess
        else:
            platform += excess
    return round(usage, 1), round(platform, 1)


def claims(case: Case, kb: KnowledgeBase) -> tuple[bool, bool]:
    """(the ticket names server errors, the ticket names client errors): statuses, codes, or words.

    A status that the customer's logs show mostly with its own usage errors is a claim about them:
    "503" from a customer throttled with SlowDown (503) names its throttling, not a server error."""
    reading = case.reading
    codes, statuses = failures_in_view(case)[:2]
    own_usage = {status for status in reading.statuses if mostly_usage(status, codes, statuses, kb)}
    server = (any(status >= 500 and status not in own_usage for status in reading.statuses)
              or any(code not in kb for code in reading.error_codes)
              or bool(SERVER_ERROR_WORDS.search(case.ticket.subject + " " + case.ticket.body)))
    client = (any(status < 500 for status in reading.statuses) or any(code in kb for code in reading.error_codes)
              or bool(own_usage))
    return server, client


def mostly_usage(status: int, codes: dict[str, int], statuses: dict[str, int], kb: KnowledgeBase) -> bool:
    """Four in five of the customer's failures with this status carry a knowledge-base (usage) code."""
    usage = sum(count for code, count in codes.items() if statuses.get(code) == status and code in kb)
    other = sum(count for code, count in codes.items() if statuses.get(code) == status and code not in kb)
    return usage > 0 and usage >= 4 * other


def quoted_usage_codes(case: Case, kb: KnowledgeBase) -> list[str]:
    """Usage codes in the customer's logs that the ticket quotes, by name or by their status
    ("401" for ExpiredToken), most frequent first."""
    codes, statuses = failures_in_view(case)[:2]
    named, named_statuses = set(case.reading.error_codes), set(case.reading.statuses)
    return [code for code in codes if is_usage_side(code, statuses.get(code), kb)
            and (code in named or statuses.get(code) in named_statuses)]


def usage_code(case: Case, kb: KnowledgeBase, facts: dict[str, Any]) -> str | None:
    """The usage error the ticket is about: one it quotes that the logs show; else the knowledge-base
    code that rose most above the customer's baseline (what changed); else the most frequent one
    (on the ticket's scope when known); else one the ticket names."""
    quoted = [code for code in quoted_usage_codes(case, kb) if code in kb]
    if quoted:
        return quoted[0]
    codes = failures_in_view(case)[0]
    expected = (case.scope_activity or {}).get("expected_error_codes", {})
    known = [code for code in codes if code in kb]
    if known:
        return max(known, key=lambda code: (codes[code] - expected.get(code, 0.0), codes[code]))
    if not facts.get("platform_failures"):
        return next((code for code in case.reading.error_codes if code in kb), None)
    return None
