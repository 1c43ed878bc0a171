"""The note for the support agent: the verdict, its strongest evidence, links and a suggested reply.

Markdown in the ticket's language (zh or en, English for anything else), short enough to read in
ten seconds. Pure: everything comes from the arguments; the texts are the tables below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from triage.knowledge_base import KnowledgeEntry
from triage.models import Evidence, Ticket, TicketReading, Verdict
from triage.verdict import merge_facts

EVIDENCE_BULLETS = 3

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "platform_incident": "Platform incident",
        "usage_error": "Usage error",
        "inconclusive": "Inconclusive",
        "confidence": "confidence {percent}",
        "incident": "{place} is failing for many customers; this ticket belongs to incident {incident}.",
        "platform": "the customer's requests to {place} fail with server errors; no platform incident is linked.",
        "usage_code": "the customer's requests are refused with {code} ({status})",
        "usage_code_only": "the customer's requests are refused with {code}",
        "usage_plain": "the customer's requests are refused with client errors (4xx)",
        "related": "Incident {incident} is also open on {place}, but this customer's own failures are client errors.",
        "undecided": "the evidence does not decide between a platform incident and a usage error.",
        "missing": "Missing: {facts}.",
        "evidence": "Evidence",
        "links": "Links",
        "reply": "Suggested reply",
        "the_service": "the service",
        "list": ", ",
    },
    "zh": {
        "platform_incident": "平台故障",
        "usage_error": "使用错误",
        "inconclusive": "无法判断",
        "confidence": "置信度 {percent}",
        "incident": "{place} 正在大范围出错，多个客户受影响；本工单归入故障 {incident}。",
        "platform": "该客户访问 {place} 的请求返回服务端错误；暂未关联到平台故障。",
        "usage_code": "该客户的请求被拒绝，返回 {code}（{status}）",
        "usage_code_only": "该客户的请求被拒绝，返回 {code}",
        "usage_plain": "该客户的请求被拒绝，返回客户端错误（4xx）",
        "related": "另外，{place} 上有进行中的故障 {incident}，但该客户自身的失败均为客户端错误。",
        "undecided": "现有证据不足以判断是平台故障还是使用错误。",
        "missing": "缺少：{facts}。",
        "evidence": "证据",
        "links": "链接",
        "reply": "建议回复",
        "the_service": "该服务",
        "list": "、",
    },
}

# `verdict.missing` names facts; the agent needs to know which source was missing, in words.
MISSING_SOURCES: dict[str, dict[str, str]] = {
    "logs": {"en": "the customer's request logs", "zh": "该客户的请求日志"},
    "metrics": {"en": "the platform metrics (5xx ratio, latency)", "zh": "平台监控指标（5xx 比例、延迟）"},
    "alerts": {"en": "the platform alerts", "zh": "平台告警"},
    "others": {"en": "other customers' requests on the same service/region", "zh": "同一服务/地域其他客户的请求"},
    "codes": {"en": "a known error code in the customer's failures", "zh": "客户失败请求中的已知错误码"},
    "text": {"en": "what the ticket complains of", "zh": "工单描述的现象"},
}
FACT_SOURCES: dict[str, str] = {
    **dict.fromkeys(["customer_requests", "customer_4xx", "customer_5xx", "customer_failures", "client_error_share",
                     "server_error_share", "platform_failures", "platform_failure_share", "usage_failures",
                     "usage_share", "named_request_ids_5xx", "customer_p99_ratio", "traffic_ratio",
                     "baseline_requests", "named_platform_failures", "named_usage_failures", "usage_failure_rate",
                     "traffic_drop_z", "recent_expected_requests"], "logs"),
    **dict.fromkeys(["platform_error_ratio", "baseline_error_ratio", "error_ratio_delta", "error_score",
                     "latency_score"], "metrics"),
    **dict.fromkeys(["error_alerts", "latency_alerts"], "alerts"),
    **dict.fromkeys(["other_customers_with_5xx"], "others"),
    **dict.fromkeys(["kb_known", "named_usage_code_in_logs"], "codes"),
    **dict.fromkeys(["complains_latency", "complains_timeout"], "text"),
}

# What a reply placeholder says when the evidence has no figure for it.
REPLY_FALLBACKS: dict[str, dict[str, str]] = {
    "en": {"count": "several", "service": "our service", "region": "your region", "resource": "the requested resource",
           "first_failure": "the first failure", "last_failure": "the latest one", "status": "an error",
           "error_code": "", "customer_id": "your account", "doc_url": "our documentation"},
    "zh": {"count": "若干", "service": "服务", "region": "所在地域", "resource": "所请求的资源",
           "first_failure": "首次失败", "last_failure": "最近一次失败", "status": "错误",
           "error_code": "", "customer_id": "您的账号", "doc_url": "产品文档"},
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
LINK_NAMES = {"kibana": "Kibana", "grafana": "Grafana"}


def render_note(
    ticket: Ticket,
    reading: TicketReading,
    verdict: Verdict,
    evidence: Sequence[Evidence],
    links: Mapping[str, str],
    incident_id: str | None,
    related_incident_id: str | None,
    kb_entry: KnowledgeEntry | None,
    language: str,
) -> str:
    """The agent's note in markdown: verdict line, evidence bullets, links, suggested reply."""
    language = language if language in TEXTS else "en"
    texts = TEXTS[language]
    facts = merge_facts(evidence)
    place = place_of(facts, reading, ticket)
    blocks = [verdict_sentence(verdict, place, incident_id, related_incident_id, kb_entry, facts, language)]
    if lines := evidence_lines(verdict, evidence):
        blocks.append("\n".join([f"**{texts['evidence']}**"] + [f"- {line}" for line in lines]))
    if line := links_line(links, language):
        blocks.append(line)
    if verdict.label == "usage_error" and kb_entry is not None:
        code = usage_code(verdict, facts)
        blocks.append(suggested_reply(kb_entry, code, facts, ticket, reading, language))
    return "\n\n".join(blocks) + "\n"


def verdict_sentence(
    verdict: Verdict,
    place: str | None,
    incident_id: str | None,
    related_incident_id: str | None,
    kb_entry: KnowledgeEntry | None,
    facts: Mapping[str, Any],
    language: str,
) -> str:
    """Line 1: the label in bold, the confidence, and what it means for this ticket."""
    texts = TEXTS[language]
    percent = f"{verdict.confidence:.0%}"
    head = f"**{texts[verdict.label]}** ({texts['confidence'].format(percent=percent)}): "
    if language == "zh":
        head = f"**{texts[verdict.label]}**（{texts['confidence'].format(percent=percent)}）："
    place = place or texts["the_service"]
    if verdict.label == "platform_incident":
        key = "incident" if incident_id else "platform"
        return head + texts[key].format(place=place, incident=incident_id)
    if verdict.label == "usage_error":
        sentence = head + usage_clause(verdict, kb_entry, facts, language)
        if related_incident_id:
            sentence += " " if language == "en" else ""
            sentence += texts["related"].format(place=place, incident=related_incident_id)
        return sentence
    sentence = head + texts["undecided"]
    if verdict.missing:
        sentence += (" " if language == "en" else "") + texts["missing"].format(
            facts=texts["list"].join(missing_words(verdict.missing, language)))
    return sentence


def usage_clause(verdict: Verdict, kb_entry: KnowledgeEntry | None, facts: Mapping[str, Any], language: str) -> str:
    """"refused with ExpiredToken (401) — the access token has expired." and the like."""
    texts = TEXTS[language]
    code = usage_code(verdict, facts)
    status = code_status(code, facts, kb_entry)
    if code and status:
        clause = texts["usage_code"].format(code=code, status=status)
    elif code:
        clause = texts["usage_code_only"].format(code=code)
    else:
        clause = texts["usage_plain"]
    cause = kb_entry.text("cause", language) if kb_entry else verdict.cause
    if not cause:
        return clause + ("." if language == "en" else "。")
    if language == "zh":
        return f"{clause}——{cause.rstrip('。')}。"
    return f"{clause} — {_lower_first(cause.rstrip('.'))}."


def usage_code(verdict: Verdict, facts: Mapping[str, Any]) -> str | None:
    """The customer's own error code: the verdict's, else the knowledge base's pick, else the logs' top
    client error (the top code overall may be a platform 5xx)."""
    return (verdict.error_code or facts.get("kb_error_code") or facts.get("top_client_error_code")
            or facts.get("top_error_code"))


def code_status(code: str | None, facts: Mapping[str, Any], kb_entry: KnowledgeEntry | None) -> int | None:
    """The status that code was answered with in the logs, else the one the knowledge base gives it."""
    logged = (facts.get("error_code_statuses") or {}).get(code) if code else None
    if logged is None and code is not None and code == facts.get("top_error_code"):
        logged = facts.get("top_status")
    return logged or (kb_entry.status if kb_entry else None)


def missing_words(names: Sequence[str], language: str) -> list[str]:
    """Fact names as the sources they come from, in words, each once, in order; an unknown name as it is."""
    words = [MISSING_SOURCES[FACT_SOURCES[name]][language] if name in FACT_SOURCES else name for name in names]
    return list(dict.fromkeys(words))


def evidence_lines(verdict: Verdict, evidence: Sequence[Evidence], limit: int = EVIDENCE_BULLETS) -> list[str]:
    """The strongest signals' reasons; when there are fewer, the available evidence's summaries."""
    lines = [signal.reason for signal in verdict.signals[:limit]]
    for item in evidence:
        if len(lines) >= limit:
            break
        if item.available and item.summary and item.summary not in lines:
            lines.append(item.summary)
    return lines


def links_line(links: Mapping[str, str], language: str) -> str | None:
    """"Links: [Kibana](…) · [Grafana](…)", or None when there is none."""
    if not links:
        return None
    texts = TEXTS[language]
    items = " · ".join(f"[{LINK_NAMES.get(name, name)}]({url})" for name, url in links.items())
    return f"{texts['links']}: {items}" if language == "en" else f"{texts['links']}：{items}"


def suggested_reply(
    kb_entry: KnowledgeEntry, code: str | None, facts: Mapping[str, Any], ticket: Ticket, reading: TicketReading,
    language: str,
) -> str:
    """The entry's reply, filled with this ticket's figures, then its fix steps: one blockquote to copy."""
    template = kb_entry.text("reply", language) or ""
    values = reply_values(kb_entry, code, facts, ticket, reading)
    quote = [fill_reply(template, values, language)] if template else []
    steps = kb_entry.text("fix", language) or []
    if quote and steps:
        quote.append("")
    quote += [f"{number}. {step}" for number, step in enumerate(steps, start=1)]
    return "\n".join([f"**{TEXTS[language]['reply']}**"] + [f"> {line}".rstrip() for line in quote])


def reply_values(
    kb_entry: KnowledgeEntry, code: str | None, facts: Mapping[str, Any], ticket: Ticket, reading: TicketReading,
) -> dict[str, str]:
    """The placeholders' values from the evidence, the reading and the ticket (absent ones left out)."""
    counts = facts.get("error_codes") or {}
    count = counts.get(code) if isinstance(counts, dict) else None
    clock = ticket.created_at.tzinfo or timezone.utc  # the customer's own offset, as they wrote the ticket
    values = {
        "customer_id": ticket.customer_id,
        "error_code": code,
        "status": code_status(code, facts, kb_entry),
        "service": facts.get("top_service") or reading.service or ticket.service,
        "region": facts.get("top_region") or reading.region or ticket.region,
        "resource": ticket.resource or next(iter(reading.resources), None),
        "count": count if count is not None else facts.get("customer_4xx"),  # 4xx: close enough for a reply
        **failure_times(facts.get("first_failure"), facts.get("last_failure"), clock),
        "doc_url": kb_entry.doc_url,
    }
    return {name: str(value) for name, value in values.items() if value not in (None, "")}


def fill_reply(template: str, values: Mapping[str, str], language: str) -> str:
    """Fill `{name}` placeholders; a missing value gets a neutral word, never an exception."""
    fallbacks = REPLY_FALLBACKS.get(language, REPLY_FALLBACKS["en"])
    filled = PLACEHOLDER.sub(lambda m: values.get(m.group(1), fallbacks.get(m.group(1), "")), template)
    filled = re.sub(r" +(?=[ ,.;:，。；：])", "", filled)  # an empty fallback must not leave a gap
    if language == "zh":  # the spaces set around figures are wrong around a Chinese fallback word
        filled = CJK_SPACE.sub("", filled)
    return filled


def failure_times(first: Any, last: Any, clock: tzinfo) -> dict[str, str | None]:
    """First and last failure in the customer's clock: "2026-11-25 22:21" and "22:39 UTC+8" on one
    day (read together as "between … and …"), else both with date and offset."""
    start, end = _local(first, clock), _local(last, clock)
    if isinstance(start, datetime) and isinstance(end, datetime):
        offset = _offset_name(end.utcoffset())
        if start.date() == end.date():
            return {"first_failure": f"{start:%Y-%m-%d %H:%M}", "last_failure": f"{end:%H:%M} {offset}"}
        return {"first_failure": f"{start:%Y-%m-%d %H:%M} {offset}", "last_failure": f"{end:%Y-%m-%d %H:%M} {offset}"}
    return {"first_failure": _shown(start), "last_failure": _shown(end)}


def _local(value: Any, clock: tzinfo) -> datetime | str | None:
    """An ISO timestamp from the logs in the customer's clock; text that is no timestamp as it is."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(clock)


def _shown(value: datetime | str | None) -> str | None:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} {_offset_name(value.utcoffset())}"
    return value


def place_of(facts: Mapping[str, Any], reading: TicketReading, ticket: Ticket) -> str | None:
    """"service/region" the evidence looked at, else what the ticket named; None if no service is known."""
    service = facts.get("metrics_service") or reading.service or facts.get("top_service") or ticket.service
    region = facts.get("metrics_region") or reading.region or facts.get("top_region") or ticket.region
    if not service:
        return None
    return f"{service}/{region}" if region else str(service)


def _offset_name(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _lower_first(text: str) -> str:
    # "The access token…" reads on after a dash as "the access token…"; "AccessKey…" stays as it is.
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text
