"""The knowledge-base correlator: the customer's failures split into its own mistakes and the platform's
errors, what the ticket claims, and which known code explains them. On the recorded chains of
tests/unit/correlators/recorded/ and on hand-made cases for each rule.

(Named test_knowledge_base_correlator.py: tests/unit/triage/test_knowledge_base.py tests the data file.)"""

from datetime import datetime, timezone

import pytest

from correlators.knowledge_base import KnowledgeBaseCorrelator, in_view
from tests.unit.fakes import Recording
from triage.case import Case
from triage.findings import CustomerActivity, MetricsFinding, NamedRequests, ScopeActivity
from triage.knowledge import builtin_knowledge
from triage.models import Ticket, TicketReading, TimeWindow

KB = builtin_knowledge().kb
KBC = KnowledgeBaseCorrelator()
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

def place(codes: dict[str, int], statuses: dict[str, int], requests: int = 100, service: str = "s", region: str = "r",
          expected: dict[str, float] | None = None) -> ScopeActivity:
    failures = sum(codes.values())
    server = sum(n for code, n in codes.items() if statuses.get(code, 0) >= 500)
    return ScopeActivity(service=service, region=region, requests=requests, failures=failures, server_errors=server,
                         error_codes=codes, error_code_statuses=statuses, expected_error_codes=expected or {})


def case_of(codes: dict[str, int], statuses: dict[str, int], *, requests: int = 100, reading: TicketReading | None = None,
            body: str = "b", named: list[tuple[str, int]] = (), places: list[ScopeActivity] | None = None,
            expected: dict[str, float] | None = None) -> Case:
    """A case whose request logs found these failures, on one place unless `places` are given."""
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=UTC), subject="s", body=body)
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=UTC), end=datetime(2026, 11, 25, 10, 22, tzinfo=UTC))
    case = Case(ticket=ticket, reading=reading or TicketReading(), window=window, baseline=window)
    scopes = places if places is not None else [place(codes, statuses, requests, expected=expected)]
    quoted = NamedRequests(named=len(named), found=len(named), codes=[code for code, _ in named],
                           statuses=[status for _, status in named]) if named else None
    case.activity = CustomerActivity(requests=sum(item.requests for item in scopes), scopes=scopes, named=quoted)
    return case


def split(case: Case) -> dict:
    return KBC.split_failures(case, in_view(case))


@pytest.mark.parametrize(("code", "status", "side"), [
    ("ExpiredToken", 401, "client"),
    ("SlowDown", 503, "client"),  # a 5xx, but the knowledge base knows it: throttling of the customer's own traffic
    ("WrongRegion", 301, "client"),  # a 3xx, but the customer asked the wrong region
    ("SomeNew4xx", 409, "client"),  # unknown code: the status decides
    ("HTTP 404", 404, "client"),  # a failure without code or message: keyed by its status
    ("HTTP 413", 413, "client"),  # the vocabulary's status table: payload too large
    ("SomeError", 200, "client"),  # an error answered with a 2xx: refused by choice
    ("InternalError", 500, "server"),
    ("ServiceUnavailable", 503, "server"),
    ("HTTP 502", 502, "server"),
    ("HTTP 499", 499, "timeout"),  # the client closed the request: whose fault depends on the latency
    ("HTTP 408", 408, "timeout"),
])
def test_side_by_code_then_by_status(code, status, side):
    assert KBC.side(code, status) == side
    assert KBC.is_usage_side(code, status) is (side == "client")


def test_a_knowledge_base_code_found_by_its_alias_or_message_is_a_key_already():
    # keys come from log_search.failure_key: a message naming an entry is counted under that entry's code
    assert KB.code_of("The access token has expired at 10:02") == "ExpiredToken"
    assert KBC.side(KB.code_of("The access token has expired at 10:02"), 401) == "client"


def test_split_counts_codes_and_status_keyed_failures():
    # 5 ExpiredToken, 3 SlowDown (503, known), 2 InternalError; plus 4 404s that carried no code ("HTTP 404")
    case = case_of({"ExpiredToken": 5, "SlowDown": 3, "InternalError": 2, "HTTP 404": 4},
                   {"ExpiredToken": 401, "SlowDown": 503, "InternalError": 500, "HTTP 404": 404}, requests=200)
    facts = split(case)
    assert (facts["usage_failures"], facts["platform_failures"], facts["timeout_failures"]) == (12, 2, 0)
    assert (facts["usage_share"], facts["platform_failure_share"]) == (round(12 / 14, 4), round(2 / 14, 4))
    assert (facts["usage_failure_rate"], facts["platform_failure_rate"]) == (0.06, 0.01)


def test_timeouts_count_for_neither_side_and_dilute_the_usage_share_only():
    # a client that gave up on a slow answer made no mistake, and may be the platform's victim
    case = case_of({"ExpiredToken": 4, "HTTP 499": 4, "InternalError": 2}, {"ExpiredToken": 401, "HTTP 499": 499, "InternalError": 500})
    facts = split(case)
    assert (facts["usage_failures"], facts["platform_failures"], facts["timeout_failures"]) == (4, 2, 4)
    assert facts["usage_share"] == 0.4  # of all 10 failures
    assert facts["platform_failure_share"] == round(2 / 6, 4)  # of the 6 that are either side's
    only_timeouts = split(case_of({"HTTP 499": 5}, {"HTTP 499": 499}))
    assert (only_timeouts["usage_share"], only_timeouts["platform_failure_share"], only_timeouts["timeout_failures"]) == (0.0, 0.0, 5)


def test_what_changed_decides_when_it_is_a_real_part_of_the_failures():
    # 10 NoSuchKey, 9.5 of them expected from the hour before; 10 new InternalError
    rising = case_of({"NoSuchKey": 10, "InternalError": 10}, {"NoSuchKey": 404, "InternalError": 500}, expected={"NoSuchKey": 9.5})
    facts = split(rising)
    assert (facts["new_usage_failures"], facts["new_platform_failures"]) == (0.5, 10.0)
    assert (facts["usage_share"], facts["platform_failure_share"]) == (round(0.5 / 10.5, 4), round(10 / 10.5, 4))
    # an outage already under way in the baseline hour leaves only noise as new: the counts decide
    ongoing = case_of({"InternalError": 20, "NoSuchKey": 4}, {"NoSuchKey": 404, "InternalError": 500}, expected={"InternalError": 19})
    facts = split(ongoing)
    assert (facts["new_usage_failures"], facts["new_platform_failures"]) == (4.0, 1.0)
    assert (facts["usage_share"], facts["platform_failure_share"]) == (round(4 / 24, 4), round(20 / 24, 4))


def test_no_request_log_activity_no_split():
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 20, tzinfo=UTC), subject="s", body="b")
    window = TimeWindow(start=datetime(2026, 11, 25, 9, 50, tzinfo=UTC), end=datetime(2026, 11, 25, 10, 22, tzinfo=UTC))
    case = Case(ticket=ticket, reading=TicketReading(), window=window, baseline=window)
    assert in_view(case) is None
    facts = KBC.judge(case).facts
    assert facts["kb_known"] == 0 and "usage_failures" not in facts


MIXED = ({"ExpiredToken": 6, "ServiceUnavailable": 4}, {"ExpiredToken": 401, "ServiceUnavailable": 503})


@pytest.mark.parametrize(("reading", "body", "usage_share"), [
    (TicketReading(statuses=[503]), "b", 0.0),  # it complains of the 503s: they decide
    (TicketReading(error_codes=["ServiceUnavailable"]), "b", 0.0),  # a code the knowledge base does not know: server side
    (TicketReading(names_server_errors=True), "we get 5xx since noon", 0.0),  # words for server errors
    (TicketReading(names_server_errors=True, hinted_codes=["ExpiredToken"]), "auth calls fail with 5xx", 0.0),  # outrank a hint
    (TicketReading(statuses=[401]), "b", 1.0),  # it complains of the 401s
    (TicketReading(error_codes=["ExpiredToken"]), "b", 1.0),
    (TicketReading(hinted_codes=["ExpiredToken"]), "auth errors", 1.0),  # words hinting at a usage error its logs show
    (TicketReading(statuses=[401, 503]), "b", 0.6),  # both: the majority
    (TicketReading(), "it fails", 0.6),  # neither: the majority
])
def test_when_the_customer_fails_both_ways_the_tickets_complaint_decides(reading, body, usage_share):
    facts = split(case_of(*MIXED, reading=reading, body=body))
    assert (facts["usage_failures"], facts["platform_failures"]) == (6, 4)  # the counts never change
    assert facts["usage_share"] == usage_share
    assert facts["platform_failure_share"] == pytest.approx(1 - usage_share)


@pytest.mark.parametrize(("named", "usage_share"), [
    ([("ServiceUnavailable", 503)], 0.0),  # the request it quotes failed server-side: that is its problem
    ([("ExpiredToken", 401)], 1.0),
    ([("ExpiredToken", 401), ("ServiceUnavailable", 503)], 0.6),  # it quotes both: the majority
])
def test_a_quoted_request_that_failed_says_which_failures_the_ticket_means(named, usage_share):
    facts = split(case_of(*MIXED, named=named))
    assert facts["usage_share"] == usage_share
    assert facts["ticket_claims_server_errors"] == int(any(status >= 500 for _, status in named))


def test_a_complaint_the_logs_do_not_have_changes_nothing():
    only_usage = ({"ExpiredToken": 6}, {"ExpiredToken": 401})
    facts = split(case_of(*only_usage, reading=TicketReading(statuses=[503])))
    assert facts["usage_share"] == 1.0  # it says 503, but has none: its 401s are what it sees
    only_platform = ({"InternalError": 6}, {"InternalError": 500})
    facts = split(case_of(*only_platform, reading=TicketReading(statuses=[403])))
    assert facts["platform_failure_share"] == 1.0
    hint_not_in_logs = split(case_of(*only_platform, reading=TicketReading(hinted_codes=["ExpiredToken"])))
    assert hint_not_in_logs["ticket_claims_client_errors"] == 0  # a hint counts only for failures the logs show


@pytest.mark.parametrize(("reading", "text", "expected"), [
    (TicketReading(statuses=[503]), "", (True, False)),
    (TicketReading(statuses=[404]), "", (False, True)),
    (TicketReading(statuses=[301]), "", (False, True)),
    (TicketReading(statuses=[499]), "", (False, False)),  # ran out of time: a claim of neither
    (TicketReading(error_codes=["ExpiredToken"]), "", (False, True)),
    (TicketReading(error_codes=["SlowDown"]), "", (False, True)),  # known code: the customer's side, even if 503
    (TicketReading(error_codes=["InternalError"]), "", (True, False)),
    (TicketReading(names_server_errors=True), "lots of Server Errors", (True, False)),  # words (read in triage/reading.py)
    (TicketReading(statuses=[500, 403]), "", (True, True)),
    (TicketReading(), "it is slow", (False, False)),
])
def test_claims(reading, text, expected):
    case = case_of({}, {}, reading=reading, body=text)
    assert KBC.claims(case, in_view(case)) == expected


def test_a_status_the_customer_gets_mostly_with_its_own_usage_code_claims_that_code():
    # "503" from a customer throttled with SlowDown (503): its throttling, not a server error
    throttled = case_of({"SlowDown": 8, "ServiceUnavailable": 1}, {"SlowDown": 503, "ServiceUnavailable": 503},
                        reading=TicketReading(statuses=[503]))
    assert KBC.mostly_usage(503, in_view(throttled))
    assert KBC.claims(throttled, in_view(throttled)) == (False, True)
    outage = case_of({"SlowDown": 2, "ServiceUnavailable": 8}, {"SlowDown": 503, "ServiceUnavailable": 503},
                     reading=TicketReading(statuses=[503]))
    assert not KBC.mostly_usage(503, in_view(outage))
    assert KBC.claims(outage, in_view(outage)) == (True, False)


def test_named_requests_are_split_by_their_own_code_and_status():
    case = case_of(*MIXED, named=[("ExpiredToken", 401), ("ServiceUnavailable", 503), ("SlowDown", 503), ("HTTP 499", 499)])
    facts = split(case)
    assert (facts["named_usage_failures"], facts["named_platform_failures"]) == (2, 1)  # the 499 is neither


def test_usage_code_is_the_most_frequent_known_code_in_the_logs():
    case = case_of({"InternalError": 9, "NoSuchKey": 3, "ExpiredToken": 2}, {"InternalError": 500, "NoSuchKey": 404, "ExpiredToken": 401})
    assert KBC.usage_code(case, in_view(case), split(case)) == "NoSuchKey"


def test_usage_code_prefers_the_one_the_tickets_words_hint_at_then_what_changed():
    codes, statuses = {"NoSuchKey": 5, "AccessDenied": 2}, {"NoSuchKey": 404, "AccessDenied": 403}
    hinted = case_of(codes, statuses, reading=TicketReading(hinted_codes=["AccessDenied"]))  # "permission errors"
    assert KBC.usage_code(hinted, in_view(hinted), split(hinted)) == "AccessDenied"
    rose = case_of(codes, statuses, expected={"NoSuchKey": 4.5})  # AccessDenied rose by 2, NoSuchKey by 0.5
    assert KBC.usage_code(rose, in_view(rose), split(rose)) == "AccessDenied"
    assert KBC.usage_code(case_of(codes, statuses), in_view(case_of(codes, statuses)), {}) == "NoSuchKey"


def test_usage_code_quoted_by_the_ticket_and_in_the_logs_wins():
    case = case_of({"NoSuchKey": 9, "ExpiredToken": 1}, {"NoSuchKey": 404, "ExpiredToken": 401},
                   reading=TicketReading(statuses=[401]))
    assert KBC.quoted_usage_codes(case, in_view(case)) == ["ExpiredToken"]
    assert KBC.usage_code(case, in_view(case), split(case)) == "ExpiredToken"
    assert KBC.judge(case).facts["named_usage_code_in_logs"] == 1


def test_usage_code_falls_back_to_the_one_the_ticket_names_only_without_platform_failures():
    quiet = case_of({}, {}, reading=TicketReading(error_codes=["ServiceUnavailable", "ExpiredToken"]))
    assert KBC.usage_code(quiet, in_view(quiet), split(quiet)) == "ExpiredToken"
    failing = case_of({"InternalError": 3}, {"InternalError": 500}, reading=TicketReading(error_codes=["ExpiredToken"]))
    assert KBC.usage_code(failing, in_view(failing), split(failing)) is None
    evidence = KBC.judge(quiet)
    assert evidence.facts["kb_error_code"] == "ExpiredToken" and evidence.summary.startswith("ExpiredToken: ")
    assert (evidence.facts["kb_status"], evidence.facts["kb_doc_url"]) == (KB["ExpiredToken"].status, KB["ExpiredToken"].doc_url)
    assert (evidence.facts["ticket_names_usage_code"], evidence.facts["named_usage_code_in_logs"]) == (1, 0)


def test_a_case_on_a_named_scope_is_judged_on_that_scope_only():
    # the customer failed with 401 on cdn and with 5xx on auth; the ticket is about auth
    places = [place({"ExpiredToken": 8}, {"ExpiredToken": 401}, 50, service="cdn"),
              place({"InternalError": 3}, {"InternalError": 500}, 50, service="auth")]
    case = case_of({}, {}, reading=TicketReading(service="auth", region="r"), places=places)
    view = in_view(case)
    assert (view.codes, view.failures, view.requests) == ({"InternalError": 3}, 3, 50)
    facts = split(case)
    assert (facts["usage_failures"], facts["platform_failures"], facts["platform_failure_share"]) == (0, 3, 1.0)
    assert KBC.usage_code(case, view, facts) is None


def test_off_the_customers_places_the_view_is_all_its_traffic():
    # the metrics judged a place the customer never called: its failures everywhere are in view
    places = [place({"ExpiredToken": 8}, {"ExpiredToken": 401}, 50, service="cdn", expected={"ExpiredToken": 1.5}),
              place({"InternalError": 3, "ExpiredToken": 1}, {"InternalError": 500, "ExpiredToken": 401}, 30, service="auth")]
    case = case_of({}, {}, places=places)
    case.metrics = MetricsFinding(scope=("image-processing", "r"))
    assert case.scope == ("image-processing", "r") and case.scope_activity is None
    view = in_view(case)
    assert (view.codes, view.failures, view.requests) == ({"ExpiredToken": 9, "InternalError": 3}, 12, 80)
    assert view.statuses == {"ExpiredToken": 401, "InternalError": 500} and view.expected == {"ExpiredToken": 1.5}
