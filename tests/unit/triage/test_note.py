from datetime import datetime, timedelta, timezone

import pytest

from triage.knowledge import builtin_knowledge
from triage.models import Evidence, Signal, Ticket, TicketReading, Verdict
from triage.note import failure_times, fill_reply, missing_words, render_note

UTC8 = timezone(timedelta(hours=8))
TICKET = Ticket(ticket_id="T-1", customer_id="cust-2004", created_at=datetime(2026, 11, 25, 22, 38, tzinfo=UTC8),
                subject="uploads fail", body="all uploads fail")
READING = TicketReading(service="object-storage", region="cn-east-1")
TOKEN_LOGS = Evidence(source="request_logs", query="q", summary="1761 requests from the customer, 589 4xx", facts=dict(
    customer_requests=1761, customer_4xx=589, customer_5xx=6, error_codes={"ExpiredToken": 576, "NoSuchKey": 13},
    top_error_code="ExpiredToken", top_status=401, top_service="object-storage", top_region="cn-east-1",
    first_failure="2026-11-25T14:21:14.337Z", last_failure="2026-11-25T14:39:58.871Z",
    client_error_share=0.99, server_error_share=0.01))
OUTAGE_LOGS = Evidence(source="request_logs", query="q", summary="500 requests from the customer, 200 5xx", facts=dict(
    customer_requests=500, customer_4xx=3, customer_5xx=200, top_error_code="ServiceUnavailable", top_status=503))
METRICS = Evidence(source="metrics_anomaly", query="q", summary="object-storage/cn-east-1 5xx ratio 21.00% against 0.30%",
                   facts=dict(metrics_service="object-storage", metrics_region="cn-east-1", platform_error_ratio=0.21))
LOGS_DOWN = Evidence(source="request_logs", query="q", summary="log search failed: timeout", available=False)
LINKS = {"kibana": "http://kibana/app/discover#/?_a=(x)", "grafana": "http://grafana/explore?panes=%7B%7D"}


def signals(label, *reasons):
    return [Signal(name=f"s{n}", label=label, weight=1.0 / (n + 1), reason=reason) for n, reason in enumerate(reasons)]


PLATFORM = Verdict(label="platform_incident", confidence=0.92, rule="s0", reasons=[], signals=signals(
    "platform_incident", "200 of 500 requests failed with 5xx", "5xx ratio 21.00%, baseline 0.30%",
    "the 5xx rose at 22:15", "HighErrorRatio is firing"))
USAGE = Verdict(label="usage_error", confidence=0.88, rule="s0", reasons=[], error_code="ExpiredToken",
                signals=signals("usage_error", "589 of 1761 requests refused with 4xx, top ExpiredToken (401)"))
UNSURE = Verdict(label="inconclusive", confidence=0.4, rule="no_clear_signal", reasons=[],
                 missing=["customer_5xx", "server_error_share", "platform_error_ratio", "odd_fact"])
KB = builtin_knowledge().kb


def note(verdict, evidence, language, incident=None, related=None, entry=None, links=LINKS):
    return render_note(TICKET, READING, verdict, evidence, links, incident, related, entry, language)


def section(text: str, title: str) -> list[str]:
    """The bullet lines under a bold title."""
    lines = text.split("\n\n")
    block = next(b for b in lines if b.startswith(f"**{title}**"))
    return [line for line in block.splitlines()[1:] if line.startswith("- ")]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_platform_note_names_the_incident_and_the_three_strongest_signals(language):
    text = note(PLATFORM, [OUTAGE_LOGS, METRICS], language, incident="inc-3f2a91")
    first = text.splitlines()[0]
    assert first.startswith({"en": "**Platform incident** (confidence 92%): ", "zh": "**平台故障**（置信度 92%）："}[language])
    assert "inc-3f2a91" in first and "object-storage/cn-east-1" in first
    bullets = section(text, {"en": "Evidence", "zh": "证据"}[language])
    assert bullets == ["- 200 of 500 requests failed with 5xx", "- 5xx ratio 21.00%, baseline 0.30%", "- the 5xx rose at 22:15"]
    assert "[Kibana](http://kibana/" in text and "[Grafana](http://grafana/" in text
    assert "{" not in text
    assert {"en": "Suggested reply", "zh": "建议回复"}[language] not in text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_usage_note_gives_the_cause_and_a_filled_reply(language):
    text = note(USAGE, [TOKEN_LOGS, METRICS], language, entry=KB["ExpiredToken"])
    first = text.splitlines()[0]
    assert "ExpiredToken" in first and "401" in first
    assert KB["ExpiredToken"].cause[language].rstrip("。.").lower() in first.lower()
    assert {"en": "Incident", "zh": "故障"}[language] not in first
    reply = text.split({"en": "**Suggested reply**", "zh": "**建议回复**"}[language])[1]
    assert "576" in reply  # the ExpiredToken failures, not all 4xx
    assert "2026-11-25 22:21" in reply and "22:39 UTC+8" in reply  # the customer's clock
    assert KB["ExpiredToken"].doc_url in reply
    assert all(f"> {n}. {step}" in reply for n, step in enumerate(KB["ExpiredToken"].fix[language], start=1))
    assert "{" not in text and "}" not in text
    # fewer than three signals: the available evidence's summaries fill up
    assert len(section(text, {"en": "Evidence", "zh": "证据"}[language])) == 3


@pytest.mark.parametrize("language", ["en", "zh"])
def test_usage_note_during_an_incident_says_the_failures_are_still_the_customers(language):
    first = note(USAGE, [TOKEN_LOGS, METRICS], language, related="inc-3f2a91", entry=KB["ExpiredToken"]).splitlines()[0]
    assert "inc-3f2a91" in first and "object-storage/cn-east-1" in first
    assert {"en": "client errors", "zh": "客户端错误"}[language] in first


@pytest.mark.parametrize("language", ["en", "zh"])
def test_usage_note_without_a_knowledge_base_entry_has_no_reply(language):
    verdict = USAGE.model_copy(update={"error_code": "WeirdError"})
    text = note(verdict, [TOKEN_LOGS], language)
    assert "WeirdError" in text.splitlines()[0]
    assert {"en": "Suggested reply", "zh": "建议回复"}[language] not in text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_inconclusive_note_says_what_is_missing_in_words(language):
    text = note(UNSURE, [LOGS_DOWN, METRICS], language, links={})
    first = text.splitlines()[0]
    assert first.startswith({"en": "**Inconclusive** (confidence 40%): ", "zh": "**无法判断**（置信度 40%）："}[language])
    assert {"en": "Missing: the customer's request logs, the platform metrics (5xx ratio, latency), odd_fact.",
            "zh": "缺少：该客户的请求日志、平台监控指标（5xx 比例、延迟）、odd_fact。"}[language] in first
    # no signal: the available evidence only (the failed log search is not evidence)
    assert section(text, {"en": "Evidence", "zh": "证据"}[language]) == [f"- {METRICS.summary}"]
    assert "Kibana" not in text
    assert {"en": "Suggested reply", "zh": "建议回复"}[language] not in text


def test_other_languages_fall_back_to_english():
    assert note(PLATFORM, [OUTAGE_LOGS], "fr").startswith("**Platform incident**")


@pytest.mark.parametrize("code", sorted(KB))
@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_reply_renders_even_with_no_figures_at_all(code, language):
    text = render_note(TICKET, TicketReading(), USAGE.model_copy(update={"error_code": code}), [LOGS_DOWN], {}, None,
                       None, KB[code], language)
    assert "{" not in text and "}" not in text


def test_fill_reply_never_raises_and_leaves_no_gap():
    assert fill_reply("refused with {status} {error_code}, {nonsense} ok", {"status": "401"}, "en") == "refused with 401, ok"
    assert fill_reply("有 {count} 个请求", {}, "zh") == "有若干个请求"


def test_failure_times_in_the_customers_clock():
    same_day = failure_times("2026-11-25T14:21:14Z", "2026-11-25T14:39:58Z", UTC8)
    assert same_day == {"first_failure": "2026-11-25 22:21", "last_failure": "22:39 UTC+8"}
    two_days = failure_times("2026-11-25T15:50:00Z", "2026-11-25T16:10:00Z", UTC8)
    assert two_days == {"first_failure": "2026-11-25 23:50 UTC+8", "last_failure": "2026-11-26 00:10 UTC+8"}
    assert failure_times(None, "not a time", UTC8) == {"first_failure": None, "last_failure": "not a time"}


def test_missing_words_name_each_source_once():
    assert missing_words(["customer_4xx", "client_error_share", "error_score", "error_alerts"], "en") == [
        "the customer's request logs", "the platform metrics (5xx ratio, latency)", "the platform alerts"]


def test_the_customers_own_code_is_named_not_the_top_platform_error():
    logs = TOKEN_LOGS.model_copy(update={"facts": {
        **TOKEN_LOGS.facts, "top_error_code": "ServiceUnavailable", "top_status": 503,
        "error_codes": {"ServiceUnavailable": 700, "ExpiredToken": 576},
        "error_code_statuses": {"ServiceUnavailable": 503, "ExpiredToken": 401}, "top_client_error_code": "ExpiredToken"}})
    verdict = USAGE.model_copy(update={"error_code": None})
    text = note(verdict, [logs], "en", entry=KB["ExpiredToken"])
    assert "refused with ExpiredToken (401)" in text.splitlines()[0]
    assert "576 of your requests" in text and "401 ExpiredToken" in text
