import pytest

from triage.models import Evidence
from triage.verdict import Rule, decide, default_rules, fill, holds


def logs(**facts) -> Evidence:
    return Evidence(source="request_logs", query="q", summary="s", facts=facts)


def metrics(**facts) -> Evidence:
    return Evidence(source="error_ratio", query="q", summary="s", facts=facts)


OUTAGE_LOGS = logs(customer_requests=500, customer_4xx=3, customer_5xx=200, server_error_share=0.985,
                   client_error_share=0.015, top_error_code="ServiceUnavailable", top_status=503)
OUTAGE_METRICS = metrics(platform_error_ratio=0.21, baseline_error_ratio=0.003, error_ratio_delta=0.207,
                         metrics_service="object-storage", metrics_region="cn-east-1")
TOKEN_LOGS = logs(customer_requests=600, customer_4xx=400, customer_5xx=2, client_error_share=0.995,
                  server_error_share=0.005, top_error_code="ExpiredToken", top_status=401)
QUIET_METRICS = metrics(platform_error_ratio=0.003, baseline_error_ratio=0.003, error_ratio_delta=0.0)

# (evidence, expected label, expected rule)
CASES = [
    ([OUTAGE_LOGS, OUTAGE_METRICS], "platform_incident", "platform_errors_confirmed_by_metrics"),
    ([OUTAGE_LOGS, QUIET_METRICS], "platform_incident", "customer_server_errors_without_metrics"),
    ([OUTAGE_LOGS, Evidence(source="error_ratio", query="q", summary="down", available=False)], "platform_incident",
     "customer_server_errors_without_metrics"),
    ([TOKEN_LOGS, QUIET_METRICS], "usage_error", "customer_client_errors"),
    ([logs(customer_requests=0, customer_4xx=0, customer_5xx=0), QUIET_METRICS], "inconclusive", "no_requests_from_customer"),
    ([logs(customer_requests=300, customer_4xx=1, customer_5xx=1, client_error_share=0.5, server_error_share=0.5)],
     "inconclusive", "no_clear_signal"),
    ([Evidence(source="request_logs", query="q", summary="down", available=False)], "inconclusive", "no_clear_signal"),
]


@pytest.mark.parametrize(("evidence", "label", "rule"), CASES)
def test_rule_table(evidence, label, rule):
    verdict = decide(evidence)
    assert (verdict.label, verdict.rule) == (label, rule)
    assert verdict.reasons and all("?" not in reason for reason in verdict.reasons[:1])


def test_usage_error_gets_cause_and_fix_in_the_ticket_language():
    zh = decide([TOKEN_LOGS], "zh")
    assert zh.cause == "访问令牌（Token）已过期。"
    assert zh.fix and zh.doc_url
    assert "ExpiredToken" in zh.reasons[0]
    assert decide([TOKEN_LOGS], "en").cause == "The access token has expired."


def test_inconclusive_names_what_was_missing():
    verdict = decide([Evidence(source="request_logs", query="q", summary="down", available=False)])
    assert "customer_requests" in verdict.missing
    assert "platform_error_ratio" in verdict.missing


def test_platform_reasons_carry_the_figures():
    verdict = decide([OUTAGE_LOGS, OUTAGE_METRICS])
    assert verdict.reasons[0].startswith("200 of the customer's 500 requests failed with 5xx")
    assert "21.00%" in verdict.reasons[1]


def test_every_rule_has_english_and_chinese_reasons_and_the_table_ends_with_a_catch_all():
    rules = default_rules()
    assert rules[-1].when == {}
    for rule in rules:
        assert set(rule.reasons) == {"en", "zh"}, rule.name


def test_conditions():
    assert holds(">= 0.5", 0.5) and not holds("> 0.5", 0.5)
    assert holds("== 0", 0) and not holds("== 0", None) and not holds(">= 1", "3")
    with pytest.raises(ValueError):
        Rule(name="x", label="usage_error", confidence=1, when={"a": "about 3"}, reasons={"en": []})


def test_fill_shows_missing_facts_as_question_marks():
    assert fill("{a} and {b:.2%}", {"a": 1}) == "1 and ?"
