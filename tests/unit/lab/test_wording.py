import random
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from lab.spec import CUSTOMER_ERRORS, CUSTOMER_KINDS, ERROR_CODES, PLATFORM_ERRORS, PLATFORM_KINDS
from lab.wording import (
    BODIES, FOLLOW_BODIES, KIND_GROUPS, SUBJECTS, TicketFacts, add_typos, ticket_text, time_hint,
)
from triage.knowledge import builtin_knowledge
from triage.reading import detect_language

REQUEST_ID_PATTERN = builtin_knowledge().vocabulary.request_id_pattern

KINDS = PLATFORM_KINDS + CUSTOMER_KINDS
LANGUAGES = ("zh", "en")
LOCAL = timezone(timedelta(hours=8))
CREATED = datetime(2026, 11, 25, 2, 30, tzinfo=timezone.utc)  # 10:30 in UTC+8
RID = "req-3f9a1c2b00d4e5f6"
SERVICES = {"object-storage": "photos-1001", "cdn": "static.example.com", "image-processing": "thumbs", "auth": None}


def facts(kind: str, **changes) -> TicketFacts:
    if kind in CUSTOMER_ERRORS:
        status, code = CUSTOMER_ERRORS[kind]
    elif PLATFORM_ERRORS.get(kind):
        status = max(PLATFORM_ERRORS[kind], key=PLATFORM_ERRORS[kind].get)
        code = ERROR_CODES[status]
    else:  # latency_degradation, client_network
        status = code = None
    base = TicketFacts(kind=kind, service="object-storage", region="cn-east-1", status=status, error_code=code,
                       request_id=RID, resource="photos-1001", started=CREATED - timedelta(minutes=20), created=CREATED)
    return replace(base, **changes)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A UTC time given as the customer's wall clock (UTC+8)."""
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL).astimezone(timezone.utc)


def hints(started: datetime, created: datetime, language: str, seeds: int = 300) -> list[str]:
    return [time_hint(started, created, language, random.Random(seed)) for seed in range(seeds)]


# --- ticket_text ------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_deterministic_for_a_seed(kind, language):
    for seed in range(10):
        one, two = random.Random(seed), random.Random(seed)
        assert ticket_text(facts(kind), language, one, typos=True) == ticket_text(facts(kind), language, two, typos=True)
        assert one.random() == two.random()  # the same draws were consumed


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_varies_between_seeds(kind, language):
    texts = {ticket_text(facts(kind), language, random.Random(seed)) for seed in range(40)}
    assert len({body for _, body in texts}) >= 10
    assert len({subject for subject, _ in texts}) >= 3


@pytest.mark.parametrize("follow_up", [0, 1, 3])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_and_language_writes_a_ticket(kind, language, follow_up):
    for seed in range(30):
        rng = random.Random(seed)
        service = rng.choice(list(SERVICES))
        case = facts(kind, service=service, resource=SERVICES[service] if seed % 2 else None,
                     request_id=RID if seed % 3 else None, follow_up=follow_up)
        subject, body = ticket_text(case, language, rng, typos=seed % 5 == 0)
        assert subject.strip() and body.strip()
        assert "{" not in subject + body and "}" not in subject + body
        assert detect_language(subject + " " + body) == language
        assert "  " not in body and body == body.strip()
        if language == "zh":
            assert body[-1] in "。！？", body
        else:
            assert body[-1] in ".!?", body


def test_templates_are_data_with_enough_variants():
    assert set(KINDS) == set(KIND_GROUPS)
    for group in set(KIND_GROUPS.values()):
        for language in LANGUAGES:
            assert len(SUBJECTS[group][language]) >= 3, (group, language)
            assert len(BODIES[group][language]) >= 3, (group, language)
    for language in LANGUAGES:
        assert len(FOLLOW_BODIES[language]) >= 3


def test_unknown_kind_is_worded_by_its_status():
    subject, body = ticket_text(facts("something_new", status=503, error_code="ServiceUnavailable"), "en", random.Random(1))
    assert subject and body
    subject, body = ticket_text(facts("something_new", status=None, error_code=None), "zh", random.Random(1))
    assert subject and body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_request_id_quoted_verbatim(kind, language):
    phrasings = set()
    for seed in range(40):
        for follow_up in (0, 2):
            _, body = ticket_text(facts(kind, follow_up=follow_up), language, random.Random(seed), typos=seed % 2 == 0)
            assert RID in body
            assert REQUEST_ID_PATTERN.findall(body) == [RID]
            phrasings.add(body[max(0, body.index(RID) - 8):body.index(RID)])
    assert len(phrasings) >= 3


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_request_id_when_none(language):
    for kind in KINDS:
        for seed in range(10):
            subject, body = ticket_text(facts(kind, request_id=None), language, random.Random(seed))
            assert "req-" not in subject + body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_resource_named_when_given(kind, language):
    for service, resource in SERVICES.items():
        for seed in range(15):
            case = facts(kind, service=service, resource=resource or "my-thing", follow_up=seed % 2)
            _, body = ticket_text(case, language, random.Random(seed), typos=True)
            assert (resource or "my-thing") in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_status_and_code_sometimes_named(language):
    bodies = [ticket_text(facts("expired_token"), language, random.Random(seed))[1] for seed in range(120)]
    assert any("401" in body and "ExpiredToken" in body for body in bodies)
    assert any("401" in body and "ExpiredToken" not in body for body in bodies)
    assert any("ExpiredToken" in body and "401" not in body for body in bodies)
    assert any("ExpiredToken" not in body and "401" not in body for body in bodies)


@pytest.mark.parametrize("language", LANGUAGES)
def test_service_and_region_sometimes_named(language):
    words = ("object storage", "OSS", "storage") if language == "en" else ("对象存储", "OSS", "存储服务")
    bodies = [ticket_text(facts("regional_outage", resource=None), language, random.Random(seed))[1] for seed in range(120)]
    assert any(any(word in body for word in words) for body in bodies)
    assert any(not any(word in body for word in words) for body in bodies)
    assert any("cn-east-1" in body for body in bodies)
    assert any("cn-east-1" not in body for body in bodies)


def test_latency_and_network_tickets_name_no_status():
    for kind in ("latency_degradation", "client_network"):
        for language in LANGUAGES:
            for seed in range(40):
                subject, body = ticket_text(facts(kind, request_id=None), language, random.Random(seed))
                assert not re.search(r"\b[1-5]\d\d\b", subject + body.replace("cn-east-1", "")), body


def test_a_successful_status_is_never_complained_about():
    for kind in ("latency_degradation", "regional_outage", "something_new"):
        for language in LANGUAGES:
            for seed in range(40):
                case = facts(kind, status=200, error_code=None, request_id=None, resource=None, follow_up=seed % 2)
                subject, body = ticket_text(case, language, random.Random(seed))
                assert "200" not in subject + body and "OK" not in subject + body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_follow_ups_say_it_is_still_happening(kind, language):
    markers = ("still", "any update") if language == "en" else ("仍然", "还是", "还在", "进展")
    for seed in range(30):
        subject, body = ticket_text(facts(kind, follow_up=1 + seed % 3), language, random.Random(seed))
        assert any(marker in body.lower() for marker in markers), body
    for seed in range(30):  # first tickets never do
        subject, body = ticket_text(facts(kind), language, random.Random(seed))
        assert not any(marker in body.lower() for marker in markers if marker != "还是"), body


def test_chinese_uses_chinese_punctuation():
    for kind in KINDS:
        for seed in range(20):
            subject, body = ticket_text(facts(kind), "zh", random.Random(seed))
            assert not re.search(r"[\u4e00-\u9fff][,.!?;:]", subject + body), body
            assert "，" in body or "。" in body


def test_tickets_are_short():
    for kind in KINDS:
        for language in LANGUAGES:
            for seed in range(30):
                subject, body = ticket_text(facts(kind, follow_up=seed % 2), language, random.Random(seed))
                ends = re.findall(r"[.!?](?:\s|$)" if language == "en" else r"[。！？]", body.replace("E.g.", "Eg"))
                assert 1 <= len(ends) <= 3, body
                assert len(subject) <= 80 and len(body) <= 300


def test_typos_keep_request_id_and_error_code():
    changed = 0
    for seed in range(40):
        case = facts("expired_token")
        _, clean = ticket_text(case, "en", random.Random(seed))
        _, typoed = ticket_text(case, "en", random.Random(seed), typos=True)
        changed += clean != typoed
        assert RID in typoed
        assert ("ExpiredToken" in clean) == ("ExpiredToken" in typoed)
        assert re.findall(r"\d+", clean) == re.findall(r"\d+", typoed)
    assert changed == 40


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        ticket_text(facts("expired_token"), "fr", random.Random(1))
    with pytest.raises(ValueError):
        time_hint(CREATED, CREATED, "de", random.Random(1))


# --- time_hint --------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_hint_forms_are_all_used(language):
    started, created = local(2026, 11, 25, 10, 5), local(2026, 11, 25, 10, 15)
    got = hints(started, created, language)
    just_now = "just now" if language == "en" else "刚"
    relative = "10 minutes" if language == "en" else "10分钟"
    assert any("10:05" in hint for hint in got)
    assert any(relative in hint for hint in got)
    assert any(just_now in hint for hint in got)
    assert any(("morning" if language == "en" else "上午") in hint for hint in got)
    assert all("02:05" not in hint for hint in got)  # local time, not UTC


def test_precise_is_local_time_and_names_an_earlier_day():
    started, created = local(2026, 11, 24, 23, 40), local(2026, 11, 25, 1, 10)
    en = [hint for hint in hints(started, created, "en") if "23:40" in hint]
    zh = [hint for hint in hints(started, created, "zh") if "23:40" in hint]
    assert en and all("yesterday" in hint for hint in en)
    assert zh and all("昨天" in hint for hint in zh)


def test_relative_hints_round_the_elapsed_time():
    created = local(2026, 11, 25, 15, 0)
    assert any("20 minutes" in hint for hint in hints(created - timedelta(minutes=21), created, "en"))
    assert any("半小时" in hint for hint in hints(created - timedelta(minutes=31), created, "zh"))
    assert any("2 hours" in hint for hint in hints(created - timedelta(minutes=130), created, "en"))
    assert not any("minutes" in hint for hint in hints(created - timedelta(minutes=130), created, "en"))


MORNING = {"en": "morning", "zh": "上午"}
LAST_NIGHT = {"en": "last night", "zh": "昨晚"}
JUST_NOW = {"en": ("just now", "few minutes"), "zh": ("刚才", "刚刚", "几分钟")}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("started, created, said", [
    ((2026, 11, 25, 9, 10), (2026, 11, 25, 11, 0), True),
    ((2026, 11, 25, 6, 0), (2026, 11, 25, 6, 40), True),
    ((2026, 11, 25, 7, 30), (2026, 11, 25, 8, 30), True),  # 23:30 UTC the day before: local day counts
    ((2026, 11, 25, 11, 50), (2026, 11, 25, 16, 0), True),
    ((2026, 11, 25, 12, 10), (2026, 11, 25, 13, 0), False),
    ((2026, 11, 25, 5, 50), (2026, 11, 25, 7, 0), False),
    ((2026, 11, 24, 9, 0), (2026, 11, 25, 10, 0), False),  # yesterday morning
    ((2026, 11, 24, 23, 0), (2026, 11, 25, 9, 0), False),
])
def test_this_morning_only_when_true(started, created, said, language):
    got = hints(local(*started), local(*created), language)
    assert any(MORNING[language] in hint for hint in got) == said


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("started, created, said", [
    ((2026, 11, 24, 21, 0), (2026, 11, 25, 9, 0), True),
    ((2026, 11, 24, 18, 0), (2026, 11, 25, 0, 30), True),
    ((2026, 11, 24, 23, 59), (2026, 11, 25, 10, 0), True),
    ((2026, 11, 24, 17, 30), (2026, 11, 25, 9, 0), False),
    ((2026, 11, 25, 19, 0), (2026, 11, 25, 21, 0), False),  # tonight, not last night
    ((2026, 11, 25, 1, 0), (2026, 11, 25, 9, 0), False),  # after midnight
    ((2026, 11, 23, 21, 0), (2026, 11, 25, 9, 0), False),  # two nights ago
])
def test_last_night_only_when_true(started, created, said, language):
    got = hints(local(*started), local(*created), language)
    assert any(LAST_NIGHT[language] in hint for hint in got) == said


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("minutes, said", [(0, True), (3, True), (10, True), (15, True), (16, False), (45, False), (600, False)])
def test_just_now_only_within_15_minutes(minutes, said, language):
    created = local(2026, 11, 25, 14, 0)
    got = hints(created - timedelta(minutes=minutes), created, language)
    assert any(any(word in hint for word in JUST_NOW[language]) for hint in got) == said


@pytest.mark.parametrize("language", LANGUAGES)
def test_tickets_obey_the_same_rules(language):
    afternoon = facts("regional_outage", started=local(2026, 11, 25, 13, 0), created=local(2026, 11, 25, 14, 0))
    bodies = [ticket_text(afternoon, language, random.Random(seed))[1] for seed in range(200)]
    assert not any(MORNING[language] in body or LAST_NIGHT[language] in body for body in bodies)
    assert not any(any(word in body for word in JUST_NOW[language]) for body in bodies)
    morning = replace(afternoon, started=local(2026, 11, 25, 8, 0))
    assert any(MORNING[language] in ticket_text(morning, language, random.Random(seed))[1] for seed in range(200))


# --- add_typos --------------------------------------------------------------------------------

PROTECTED = ("req-3f9a1c2b", "503", "ExpiredToken")


def test_add_typos_never_touches_ids_numbers_or_codes():
    text = ("Uploads keep failing with 503 ExpiredToken since yesterday evening, request req-3f9a1c2b. "
            "Example (req-3f9a1c2b), status 503/ExpiredToken; everything else works, ExpiredToken, 503!")
    changed = 0
    for seed in range(100):
        out = add_typos(text, random.Random(seed), rate=1.0)
        changed += out != text
        for token in PROTECTED:
            assert out.count(token) == text.count(token), out
        assert REQUEST_ID_PATTERN.findall(out) == ["req-3f9a1c2b", "req-3f9a1c2b"]
        assert re.findall(r"\d+", out) == re.findall(r"\d+", text)
        assert len(out.split()) == len(text.split())
    assert changed == 100


def test_add_typos_is_deterministic_and_mild():
    text = "Our uploads to object storage keep failing since this morning, please check your service urgently."
    assert add_typos(text, random.Random(3)) == add_typos(text, random.Random(3))
    assert add_typos(text, random.Random(3), rate=0.0) == text
    out = add_typos(text, random.Random(3), rate=0.05)
    assert sum(a != b for a, b in zip(text.split(), out.split())) <= 6
    assert out.split()[0] == "Our"


def test_add_typos_leaves_chinese_alone():
    text = "从 10:05 开始上传一直返回 503 ExpiredToken，请求ID：req-3f9a1c2b。"
    assert add_typos(text, random.Random(1), rate=1.0) == text
