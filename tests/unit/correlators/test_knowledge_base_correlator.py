"""The knowledge-base correlator: the customer's failures split into its own mistakes and the platform's
errors, what the ticket claims, and which known code explains them. On the recorded chains of
tests/unit/correlators/recorded/ and on hand-made cases for each rule.

(Named test_knowledge_base_correlator.py: tests/unit/triage/test_knowledge_base.py tests the data file.)"""

from datetime import datetime, timezone

import pytest

from correlators.knowledge_base import KnowledgeBaseCorrelator, claims, is_usage_side, split_failures, usage_code
from tests.unit.fakes import Recording
from triage.knowledge import knowledge_base
from triage.models import Evidence, Ticket, TicketReading, TimeWindow
from triage.understand import Case

KB = knowledge_base()
UTC = timezone.utc


def kb_facts(name: str, ticket_id: str | None = None) -> dict:
    cases = Recording(name).run("blast_radius")
    case = cases[0] if ticket_id is None else next(c for c in cases if c.ticket.ticket_id == ticket_id)
    return KnowledgeBaseCorrelator().judge(case).facts


# --- on the recorded chains ---------------------------------------------------------------------------

def test_expired_token_during_the_outage_the_complaint_decides():
    # small-2208 on object-storage/cn-east-1: 2 ExpiredToken (its own) and 2 5xx (the outage's); it writes "401 ExpiredToken"
    facts = kb_facts("expired_token_in_outage")
    assert (facts["usage_failures"], facts["platform_failures"]) == (2, 2)
    assert (facts["ticket_claims_client_errors"], facts["ticket_claims_server_errors"]) == (1, 0)
    assert (facts["usage_share"], facts["platform_failure_share"]) == (1.0, 0.0)
    assert (facts["named_usage_failures"], facts["named_platform_failures"]) == (1, 0)  # the quoted request: 401
    assert (facts["ticket_names_usage_code"], facts["named_usage_code_in_logs"]) == (1, 1)
    assert (facts["kb_known"], facts["kb_error_code"], facts["kb_status"]) == (1, "ExpiredToken", 401)
    assert facts["kb_doc_url"] == KB["ExpiredToken"].doc_url
    assert facts["usage_failure_rate"] == round(2 / 19, 4)  # against its 19 requests there


def test_outage_the_customers_own_4xx_do_not_make_it_a_usage_error():
    # big-video on object-storage/cn-east-1: 187 5xx, 14 NoSuchKey, 3 AccessDenied; it writes "503"
    facts = kb_facts("outage_5xx")
    assert (facts["usage_failures"], facts["platform_failures"]) == (17, 187)
    # against what its hour before predicts (9.6 NoSuchKey, 6.93 AccessDenied, 3.2 InternalError): the 5xx are new
    assert (facts["new_usage_failures"], facts["new_platform_failures"]) == (4.4, 183.8)
    assert (facts["ticket_claims_server_errors"], facts["ticket_claims_client_errors"]) == (1, 0)
    assert (facts["usage_share"], facts["platform_failure_share"]) == (0.0, 1.0)
    assert (facts["named_platform_failures"], facts["named_usage_failures"]) == (1, 0)
    assert facts["kb_error_code"] == "NoSuchKey"  # its most frequent known code, for the note: not the verdict


def test_a_batch_judges_each_ticket_on_its_own_scope():
    auth, images = (KnowledgeBaseCorrelator().judge(case).facts for case in Recording("dependency_batch").run("blast_radius"))
    assert (auth["usage_failures"], auth["platform_failures"], auth["kb_known"]) == (0, 5, 0)  # 5 on auth, not its 10 overall
    assert (images["usage_failures"], images["platform_failures"], images["named_platform_failures"]) == (0, 7, 1)


def test_no_failures_no_code():
    facts = kb_facts("latency")
    assert (facts["usage_failures"], facts["platform_failures"], facts["kb_known"]) == (0, 0, 0)
    assert "usage_share" not in facts and "kb_error_code" not in facts
    facts = kb_facts("no_traffic")
    assert (facts["usage_failures"], facts["platform_failures"]) == (0, 0) and "usage_failure_rate" not in facts


# --- hand-made cases --------------------------------------------------------------------------------------

def case_of(codes: dict[str, int], statuses: dict[str, int], *, requests: int = 100, client: int | None = None,
            reading: TicketReading | None = None, body: str = "b", named: list[tuple[str, int]] = ()) -> Case:
    """A case whose request logs found these failures (over all its traffic: no scope is named)."""
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=UTC), subject="s", body=body)
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=UTC), end=datetime(2026, 11, 25, 10, 22, tzinfo=UTC))
    case = Case(ticket=ticket, reading=reading or TicketReading(), window=window, baseline=window)
    total = sum(codes.values())
    server = sum(n for code, n in codes.items() if statuses.get(code, 500) >= 500)
    case.evidence.append(Evidence(source="request_logs", query="", summary="", facts={
        "customer_requests": requests, "customer_failures": total,
        "customer_client_errors": total - server if client is None else client,
        "error_codes": codes, "error_code_statuses": statuses,
        "named_request_codes": [code for code, _ in named], "named_request_statuses": [status for _, status in named],
    }))
    return case


@pytest.mark.parametrize(("code", "status", "usage"), [
    ("ExpiredToken", 401, True),
    ("SlowDown", 503, True),  # a 5xx, but the knowledge base knows it: throttling of the customer's own traffic
    ("WrongRegion", 301, True),  # a 3xx, but the customer asked the wrong region
    ("SomeNew4xx", 409, True),  # unknown code: the status class decides
    ("InternalError", 500, False),
    ("ServiceUnavailable", 503, False),
    ("NoStatusKnown", None, False),
])
def test_usage_side_by_code_then_by_status(code, status, usage):
    assert is_usage_side(code, status, KB) is usage


def test_split_counts_codes_and_uncoded_client_errors():
    # 5 ExpiredToken, 3 SlowDown (503, known), 2 InternalError; plus 4 4xx whose code was outside the top codes
    case = case_of({"ExpiredToken": 5, "SlowDown": 3, "InternalError": 2}, {"ExpiredToken": 401, "SlowDown": 503, "InternalError": 500},
                   requests=200, client=9)
    case.evidence[0].facts["customer_failures"] = 14
    facts = split_failures(case, KB)
    assert (facts["usage_failures"], facts["platform_failures"]) == (12, 2)
    assert (facts["usage_share"], facts["platform_failure_share"]) == (round(12 / 14, 4), round(2 / 14, 4))
    assert (facts["usage_failure_rate"], facts["platform_failure_rate"]) == (0.06, 0.01)


def test_no_request_log_evidence_no_split():
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=UTC), subject="s", body="b")
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=UTC), end=datetime(2026, 11, 25, 10, 22, tzinfo=UTC))
    case = Case(ticket=ticket, reading=TicketReading(), window=window, baseline=window)
    assert split_failures(case, KB) == {}
    assert KnowledgeBaseCorrelator().judge(case).facts["kb_known"] == 0


MIXED = ({"ExpiredToken": 6, "ServiceUnavailable": 4}, {"ExpiredToken": 401, "ServiceUnavailable": 503})


@pytest.mark.parametrize(("reading", "body", "usage_share"), [
    (TicketReading(statuses=[503]), "b", 0.0),  # it complains of the 503s: they decide
    (TicketReading(error_codes=["ServiceUnavailable"]), "b", 0.0),  # a code the knowledge base does not know: server side
    (TicketReading(), "we get 5xx since noon", 0.0),  # words for server errors
    (TicketReading(), "上传一直报服务端错误", 0.0),
    (TicketReading(statuses=[401]), "b", 1.0),  # it complains of the 401s
    (TicketReading(error_codes=["ExpiredToken"]), "b", 1.0),
    (TicketReading(statuses=[401, 503]), "b", 0.6),  # both: the majority
    (TicketReading(), "it fails", 0.6),  # neither: the majority
])
def test_when_the_customer_fails_both_ways_the_tickets_complaint_decides(reading, body, usage_share):
    facts = split_failures(case_of(*MIXED, reading=reading, body=body), KB)
    assert (facts["usage_failures"], facts["platform_failures"]) == (6, 4)  # the counts never change
    assert facts["usage_share"] == usage_share
    assert facts["platform_failure_share"] == pytest.approx(1 - usage_share)


def test_a_complaint_the_logs_do_not_have_changes_nothing():
    only_usage = ({"ExpiredToken": 6}, {"ExpiredToken": 401})
    facts = split_failures(case_of(*only_usage, reading=TicketReading(statuses=[503])), KB)
    assert facts["usage_share"] == 1.0  # it says 503, but has none: its 401s are what it sees
    only_platform = ({"InternalError": 6}, {"InternalError": 500})
    facts = split_failures(case_of(*only_platform, reading=TicketReading(statuses=[403])), KB)
    assert facts["platform_failure_share"] == 1.0


@pytest.mark.parametrize(("reading", "text", "expected"), [
    (TicketReading(statuses=[503]), "", (True, False)),
    (TicketReading(statuses=[404]), "", (False, True)),
    (TicketReading(statuses=[301]), "", (False, True)),
    (TicketReading(error_codes=["ExpiredToken"]), "", (False, True)),
    (TicketReading(error_codes=["SlowDown"]), "", (False, True)),  # known code: the customer's side, even if 503
    (TicketReading(error_codes=["InternalError"]), "", (True, False)),
    (TicketReading(), "lots of Server Errors", (True, False)),
    (TicketReading(), "服务器内部错误", (True, False)),
    (TicketReading(statuses=[500, 403]), "", (True, True)),
    (TicketReading(), "it is slow", (False, False)),
])
def test_claims(reading, text, expected):
    case = case_of({}, {}, reading=reading, body=text)
    assert claims(case, KB) == expected


def test_named_requests_are_split_by_their_own_code_and_status():
    case = case_of(*MIXED, named=[("ExpiredToken", 401), ("ServiceUnavailable", 503), ("SlowDown", 503)])
    facts = split_failures(case, KB)
    assert (facts["named_usage_failures"], facts["named_platform_failures"]) == (2, 1)


def test_usage_code_is_the_most_frequent_known_code_in_the_logs():
    case = case_of({"InternalError": 9, "NoSuchKey": 3, "ExpiredToken": 2}, {"InternalError": 500, "NoSuchKey": 404, "ExpiredToken": 401})
    assert usage_code(case, KB, split_failures(case, KB)) == "NoSuchKey"


def test_usage_code_falls_back_to_the_one_the_ticket_names_only_without_platform_failures():
    quiet = case_of({}, {}, reading=TicketReading(error_codes=["ServiceUnavailable", "ExpiredToken"]))
    assert usage_code(quiet, KB, split_failures(quiet, KB)) == "ExpiredToken"
    failing = case_of({"InternalError": 3}, {"InternalError": 500}, reading=TicketReading(error_codes=["ExpiredToken"]))
    assert usage_code(failing, KB, split_failures(failing, KB)) is None
    evidence = KnowledgeBaseCorrelator().judge(quiet)
    assert evidence.facts["kb_error_code"] == "ExpiredToken" and evidence.summary.startswith("ExpiredToken: ")
    assert (evidence.facts["ticket_names_usage_code"], evidence.facts["named_usage_code_in_logs"]) == (1, 0)


def test_a_case_on_a_named_scope_is_judged_on_that_scope_only():
    # the customer failed with 401 on cdn and with 5xx on auth; the ticket is about auth
    case = case_of({"ExpiredToken": 8, "InternalError": 3}, {"ExpiredToken": 401, "InternalError": 500},
                   reading=TicketReading(service="auth", region="r"))
    case.evidence[0].facts["customer_scopes"] = [
        {"service": "cdn", "region": "r", "requests": 50, "failures": 8, "server_errors": 0,
         "error_codes": {"ExpiredToken": 8}, "error_code_statuses": {"ExpiredToken": 401}},
        {"service": "auth", "region": "r", "requests": 50, "failures": 3, "server_errors": 3,
         "error_codes": {"InternalError": 3}, "error_code_statuses": {"InternalError": 500}},
    ]
    facts = split_failures(case, KB)
    assert (facts["usage_failures"], facts["platform_failures"], facts["platform_failure_share"]) == (0, 3, 1.0)
    assert usage_code(case, KB, facts) is None
