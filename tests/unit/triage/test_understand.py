from datetime import datetime, timezone

from triage.models import Evidence, Ticket
from triage.understand import detect_language, understand


def ticket(**fields) -> Ticket:
    base = dict(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 17, 42, tzinfo=timezone.utc),
                subject="uploads fail", body="see req-0123456789abcdef and req-0123456789abcdef")
    return Ticket(**{**base, **fields})


def test_window_is_rounded_to_the_minute_and_looks_back():
    case = understand(ticket())
    assert case.window.start == datetime(2026, 11, 25, 9, 47, tzinfo=timezone.utc)
    assert case.window.end == datetime(2026, 11, 25, 10, 19, tzinfo=timezone.utc)
    assert case.baseline.end == case.window.start
    assert case.baseline.duration.total_seconds() == 3600


def test_request_ids_from_field_and_text_without_duplicates():
    case = understand(ticket(request_ids=["req-fromfield1"]))
    assert case.request_ids == ["req-fromfield1", "req-0123456789abcdef"]


def test_language_from_field_else_detected():
    assert understand(ticket(language="zh")).language == "zh"
    assert understand(ticket(body="上传失败 503")).language == "zh"
    assert detect_language("uploads fail") == "en"


def test_explicit_scope_wins_over_logs():
    case = understand(ticket(service="cdn"))
    case.evidence.append(Evidence(source="request_logs", query="", summary="", facts={"top_service": "object-storage", "top_region": "cn-east-1"}))
    assert case.service == "cdn"
    assert case.region == "cn-east-1"


def test_scope_ignores_unavailable_evidence():
    case = understand(ticket())
    case.evidence.append(Evidence(source="request_logs", query="", summary="", facts={"top_region": "x"}, available=False))
    assert case.region is None


def test_request_ids_right_next_to_chinese_text():
    case = understand(ticket(body="请求req-3f9a1c2b7d4e处理失败，另一个是req-aaaaaaaaaaaa。", subject="失败"))
    assert case.request_ids == ["req-3f9a1c2b7d4e", "req-aaaaaaaaaaaa"]
