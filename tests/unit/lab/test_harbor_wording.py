"""Harbor Cloud ticket wording: deterministic, complete, honest about time, and careful with quoted facts."""

from __future__ import annotations

import random
import re
import string
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from lab.worlds.harbor import wording_data as D
from lab.worlds.harbor.wording import KINDS, LANGUAGES, HarborTicketFacts, ticket_text
from tests.unit.lab.wording_checks import assert_clean_ticket, outputs_under_hash_seeds


# What the platform would log for each kind: (status, message).
KIND_FACTS = {
    "regional_outage": (503, "no healthy upstream"),
    "node_failure": (502, "upstream connect error or disconnect/reset before headers"),
    "dependency_failure": (504, "upstream request timeout"),
    "gray_failure": (500, "internal error while reading object metadata"),
    "latency_degradation": (None, None),
    "expired_token": (401, "The access token expired at 2026-12-03T08:00:00Z"),
    "signature_mismatch": (403, "The request signature does not match the signature computed by the server"),
    "access_denied": (403, "Key 'ci-deploy' is not allowed to perform PutObject on bucket 'acme-media'"),
    "wrong_region": (421, "This bucket is homed in fra1; send requests to fra1.vault.harbor.example"),
    "bucket_not_found": (404, "Bucket 'acme-media' does not exist"),
    "object_not_found": (404, "Object 'img/hero.jpg' does not exist in bucket 'acme-media'"),
    "quota_exceeded": (429, "Rate limit exceeded (1200 requests per minute)"),
    "malformed_request": (400, "Invalid Content-MD5 header: not valid base64"),
    "payload_too_large": (413, "Request entity too large: limit is 5 GiB"),
    "client_network": (None, None),
    "client_bug": (None, None),          # the customer's own app fails; every request to Harbor got a 2xx
}
OFFSETS = {"en": (-5, 1), "zh": (8,)}
ELAPSED_MINUTES = [0, 3, 9, 14, 27, 33, 44, 52, 58, 64, 90, 125, 179, 300, 700, 1500, 3000, 9000, 12000]
RESOURCES = ["acme-media", None, "cdn.shop.example", "vod-main", "brightline-assets"]
SEEDS = range(30)


def make_facts(kind: str, lang: str, seed: int, follow_up: int = 0) -> HarborTicketFacts:
    r = random.Random(f"{kind}/{lang}/{seed}/{follow_up}")
    status, message = KIND_FACTS[kind]
    if kind == "latency_degradation" and r.random() < 0.4:
        status, message = 499, "client closed the request"
    started = datetime(2026, 12, 1, tzinfo=timezone.utc) + timedelta(
        minutes=r.randrange(14 * 24 * 60), seconds=r.randrange(60))
    customer_clock = timezone(timedelta(hours=r.choice(OFFSETS[lang])))
    created = (started + timedelta(minutes=r.choice(ELAPSED_MINUTES), seconds=r.randrange(60))).astimezone(
        customer_clock)
    request_id = str(uuid.UUID(int=r.getrandbits(128), version=4)) if r.random() < 0.8 else None
    return HarborTicketFacts(
        kind=kind, service=r.choice(["vault", "relay", "transcode", "keyring"]),
        region=r.choice(["nyc3", "fra1", "sgp1"]), status=status, message=message, request_id=request_id,
        resource=r.choice(RESOURCES), started=started, created=created, follow_up=follow_up)


def all_cases():
    for kind in KINDS:
        for lang in LANGUAGES:
            for follow_up in (0, 1, 2):
                for seed in SEEDS:
                    yield make_facts(kind, lang, seed, follow_up), lang, seed


def write(facts, lang, seed, typos=False):
    return ticket_text(facts, lang, random.Random(seed), typos=typos)


# ---- determinism ----------------------------------------------------------------------------------

def test_same_inputs_give_same_ticket():
    for kind in KINDS:
        for lang in LANGUAGES:
            facts = make_facts(kind, lang, 7, follow_up=1)
            for typos in (False, True):
                assert write(facts, lang, 3, typos) == write(facts, lang, 3, typos)


def test_output_does_not_depend_on_hash_seed():
    code = (
        "import random\n"
        "from tests.unit.lab.test_harbor_wording import make_facts\n"
        "from lab.worlds.harbor.wording import ticket_text, KINDS\n"
        "for kind in KINDS:\n"
        "    for lang in ('en', 'zh'):\n"
        "        print(repr(ticket_text(make_facts(kind, lang, 5, 1), lang, random.Random(11), typos=True)))\n"
    )
    outputs = outputs_under_hash_seeds(code, ("0", "4242"))
    assert outputs[0] == outputs[1] and outputs[0]


# ---- completeness ---------------------------------------------------------------------------------

@pytest.mark.parametrize("follow_up", [0, 1, 2])
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_language_and_follow_up_gives_a_full_ticket(kind, lang, follow_up):
    for seed in SEEDS:
        facts = make_facts(kind, lang, seed, follow_up)
        for typos in (False, True):
            subject, body = write(facts, lang, seed, typos)
            assert_clean_ticket(subject, body)


def test_template_inventory():
    minimum = {"en": (5, 6), "zh": (4, 5)}
    for lang, (subjects, bodies) in minimum.items():
        for kind in KINDS:
            assert len(D.SUBJECTS[lang][kind]) >= subjects, (lang, kind)
            assert len(D.BODIES[lang][kind]) >= bodies, (lang, kind)
        assert len(D.FOLLOW_UP_SUBJECTS[lang]) >= subjects
        assert len(D.FOLLOW_UP_BODIES[lang]) >= bodies


def test_templates_use_at_most_one_time_slot():
    templates = [t for lang in LANGUAGES for kind in KINDS
                 for t in D.SUBJECTS[lang][kind] + D.BODIES[lang][kind]]
    templates += [t for lang in LANGUAGES for t in D.FOLLOW_UP_SUBJECTS[lang] + D.FOLLOW_UP_BODIES[lang]]
    for template in templates:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        assert len(fields & {"since", "since_w", "time_sent"}) <= 1, template
        # Times are written by the time slots only.
        assert not re.search(r"\d{1,2}:\d{2}|\d\s?[ap]m\b", template), template


def test_chinese_tickets_contain_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for facts, lang, seed in all_cases():
        if lang == "zh":
            subject, body = write(facts, lang, seed)
            assert cjk.search(body), body


def test_every_kind_has_facts_so_per_kind_tests_cover_it():
    assert set(KIND_FACTS) == set(KINDS) and "client_bug" in KINDS


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        ticket_text(make_facts("gray_failure", "en", 1), "de", random.Random(1))


# ---- quoting --------------------------------------------------------------------------------------

def test_request_id_appears_verbatim():
    quoted = 0
    for facts, lang, seed in all_cases():
        for typos in (False, True):
            _, body = write(facts, lang, seed, typos)
            if facts.request_id:
                assert facts.request_id in body
                quoted += 1
    assert quoted > 1000


# A status as people write it: "HTTP 503", "returns 503", "a 503", "503s", "503 Service Unavailable", "报503",
# "(503)", or a class: "5xx", "HTTP 4XX".  Not part of a longer number, a word, an id or a clock time.
STATUS_WRITTEN = re.compile(r"(?<![0-9A-Za-z_:.\-])[3-5](?:\d\d|xx|XX)(?:e?s)?(?![0-9A-Za-z_:\-])")


def test_client_bug_tickets_never_write_an_http_status():
    forms = [f for lang in LANGUAGES for mode in ("status", "both") for f in D.ERROR_FORMS[lang][mode]]
    shapes = [f.format(s=503, reason=D.REASONS[503], m="x") for f in forms]
    templates = [t for lang in LANGUAGES for table in (D.SUBJECTS, D.BODIES, D.RECAPS, D.FOLLOW_UP_BODIES)
                 for t in (table[lang] if isinstance(table[lang], list) else sum(table[lang].values(), []))]
    fill = {"status": "503", "reason": D.REASONS[503]}
    shapes += [re.sub(r"\{(\w+)\}", lambda m: fill.get(m.group(1).lower(), " "), t) for t in templates
               if "{status}" in t]
    shapes += ["HTTP 5xx", "returns 503", "returning 503.", "lots of 502s", "4XX errors", "报503错误", "返回 5xx"]
    assert all(STATUS_WRITTEN.search(shape) for shape in shapes), shapes
    assert not STATUS_WRITTEN.search("since 5:03 pm, id 1503e2a4-0421, fra1, p95")
    reasons = [reason for status, reason in D.REASONS.items() if status >= 300]
    tickets = 0
    for facts, lang, seed in all_cases():
        if facts.kind != "client_bug":
            continue
        assert facts.status is None and facts.message is None
        for typos in (False, True):
            for text in write(facts, lang, seed, typos):
                text = without_quoted_facts(text, facts)
                assert not STATUS_WRITTEN.search(text), text
                assert not any(reason in text for reason in reasons), text
                tickets += 1
    assert tickets == 2 * len(LANGUAGES) * 3 * len(SEEDS) * 2


def test_error_is_mentioned_in_several_ways():
    exact = status_only = 0
    for seed in range(200):
        facts = make_facts("wrong_region", "en", seed)
        _, body = write(facts, "en", seed)
        if facts.message in body:
            exact += 1
        elif "421" in body:
            status_only += 1
    assert exact > 20 and status_only > 20


def test_typos_never_touch_ids_messages_resources_regions_or_numbers():
    changed = 0
    for facts, lang, seed in all_cases():
        base = write(facts, lang, seed)
        typo = write(facts, lang, seed, typos=True)
        for clean, dirty in zip(base, typo):
            for fact in (facts.request_id, facts.message, facts.resource, facts.region):
                if fact and fact in clean:
                    assert fact in dirty, (fact, dirty)
            assert re.findall(r"\d+", clean) == re.findall(r"\d+", dirty)
            if clean != dirty:
                changed += 1
                assert_only_typos(clean, dirty, lang)
    assert changed > 500


def assert_only_typos(clean: str, dirty: str, lang: str) -> None:
    if lang == "zh":
        undone = dirty
        for right, wrong in D.ZH_SLIPS:
            undone = undone.replace(wrong, right)
        assert len(undone) == len(clean)
        return
    before, after = re.split(r"(\W+)", clean), re.split(r"(\W+)", dirty)
    assert len(before) == len(after)
    for word, misspelt in zip(before, after):
        if word != misspelt:
            assert word.isalpha() and word.islower() and len(word) >= 4, (word, misspelt)
            assert misspelt[0] == word[0] and abs(len(misspelt) - len(word)) <= 1


# ---- time hints -----------------------------------------------------------------------------------

EN_CLOCK = re.compile(r"(?<![\w:.\-])(\d{1,2})(?::(\d{2}))?(?:\s?(am|pm|AM|PM)\b)?(?!\w)(?!:\d)")
ZH_PERIOD = "(凌晨|早上|上午|中午|下午|晚上|昨晚)"
ZH_COLON = re.compile(ZH_PERIOD + r"?(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
ZH_DIGITS = re.compile(ZH_PERIOD + r"(\d{1,2})点(半|\d{2}分)?")
ZH_WORDS = re.compile(ZH_PERIOD + "([零一二两三四五六七八九十]{1,3})点(半|[零一二三四五六七八九十]{1,3})?")


def chinese_number(text: str) -> int:
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
    if "十" not in text:
        return int("".join(str(digits[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)


def zh_hour(period: str | None, hour: int) -> int:
    return hour + 12 if period in ("下午", "晚上", "昨晚") and hour < 12 else hour


def clock_times(body: str, lang: str) -> list[int]:
    """Minutes after midnight of every clock time written in the body."""
    found = []
    if lang == "en":
        for hour, minute, suffix in EN_CLOCK.findall(body):
            if minute or suffix:
                h = int(hour) % 12 + (12 if suffix.lower() == "pm" else 0) if suffix else int(hour)
                found.append(h * 60 + int(minute or 0))
        return found
    for period, hour, minute in ZH_COLON.findall(body):
        found.append(zh_hour(period, int(hour)) * 60 + int(minute))
    for period, hour, minute in ZH_DIGITS.findall(body):
        found.append(zh_hour(period, int(hour)) * 60 + (30 if minute == "半" else int(minute[:2] or 0)))
    for period, hour, minute in ZH_WORDS.findall(body):
        m = 30 if minute == "半" else chinese_number(minute) if minute else 0
        found.append(zh_hour(period, chinese_number(hour)) * 60 + m)
    return found


def without_quoted_facts(body: str, facts: HarborTicketFacts) -> str:
    for fact in (facts.message, facts.request_id, facts.resource):
        if fact:
            body = body.replace(fact, " ")
    return body


def test_clock_times_are_true_in_the_customers_clock():
    seen = {"en": 0, "zh": 0}
    for facts, lang, seed in all_cases():
        _, body = write(facts, lang, seed)
        start = facts.started.astimezone(facts.created.tzinfo)
        start_minute = start.hour * 60 + start.minute
        for claimed in clock_times(without_quoted_facts(body, facts), lang):
            seen[lang] += 1
            diff = (claimed - start_minute) % 1440
            diff = diff - 1440 if diff > 720 else diff
            assert -75 <= diff <= 15, (start.isoformat(), facts.created.isoformat(), body)
    assert seen["en"] > 100 and seen["zh"] > 100, seen


def test_relative_and_day_part_hints_are_true():
    for facts, lang, seed in all_cases():
        _, body = write(facts, lang, seed)
        body = without_quoted_facts(body, facts)
        minutes = (facts.created - facts.started).total_seconds() / 60
        start = facts.started.astimezone(facts.created.tzinfo)
        days = (facts.created.date() - start.date()).days
        context = (start.isoformat(), facts.created.isoformat(), body)
        for n in re.findall(r"(?:past|about) (\d+) minutes", body):
            assert int(n) <= minutes < int(n) + 5, context
        for n in re.findall(r"(?:over|more than) (\d+) hours", body):
            assert minutes >= int(n) * 60, context
        if re.search(r"(?:over|more than) an hour", body):
            assert minutes >= 60, context
        if "this morning" in body and "early this morning" not in body:
            assert days == 0 and 5 <= start.hour < 12, context
        if "this afternoon" in body:
            assert days == 0 and 12 <= start.hour < 18, context
        if "last night" in body:
            assert (days == 1 and start.hour >= 18) or (days == 0 and start.hour < 5), context
        if "yesterday" in body or "昨天" in body or "昨晚" in body:
            assert days == 1, context
        if "半个多小时" in body:
            assert 30 <= minutes < 60, context
        if re.search("(?<![一二两三四五六七八九十])一个多小时", body):
            assert 60 <= minutes < 120, context
        if "今天上午" in body:
            assert days == 0 and 9 <= start.hour < 12, context
        if "刚才开始" in body or "刚刚开始" in body:
            assert minutes < 10, context
