"""Atlas ticket wording: deterministic, complete, careful with quoted facts, and true about time."""

from __future__ import annotations

import random
import re
import string
from datetime import datetime, timedelta, timezone

import pytest

from lab.spec import CUSTOMER_KINDS, PLATFORM_KINDS
from lab.worlds import world
from lab.worlds.atlas import wording_data as D
from lab.worlds.atlas.wording import KINDS, LANGUAGES, Facts, ticket_text
from tests.unit.lab.wording_checks import assert_clean_ticket, outputs_under_hash_seeds


# What Atlas logs for each kind, as a customer would see it: (statuses, message or None).
KIND_FACTS = {
    "regional_outage": ((503, 500), "payments is temporarily unavailable in vega-2, retry later"),
    "node_failure": ((502, 503), "Ingress got an invalid response from the ledger backend"),
    "dependency_failure": ((503, 504, 499), "Deadline exceeded waiting for the mailer backend"),
    "gray_failure": ((500,), "Unexpected internal fault (trace 5a3c0e91b2d4)"),
    "latency_degradation": ((200, 499), None),
    "expired_token": ((401,), "API credential HK1A2B3C4D expired at 2026-03-04T09:12:00Z; issue a new one in the dashboard"),
    "signature_mismatch": ((401,), "Request signature could not be verified with signing key HK1A2B3C4D"),
    "access_denied": ((403,), "Key HK1A2B3C4D lacks the scope required on workspace 'north-0042-data'"),
    "wrong_region": ((308,), "Workspace 'north-0042-data' is homed in another datacenter; call its home endpoint instead of lyra-1"),
    "bucket_not_found": ((404,), "Workspace 'north-0042-data' does not exist or has been archived"),
    "object_not_found": ((404,), "Document 'media/8812.mp4' not found in workspace 'north-0042-data'"),
    "quota_exceeded": ((429,), "Throttled: key HK1A2B3C4D is limited to 1200 requests per minute"),
    "malformed_request": ((422,), "Validation failed: field 'amount' must be a positive integer in minor units"),
    "payload_too_large": ((413,), "Request body of 5712345678 bytes exceeds the 5 GiB limit"),
    "client_network": ((None,), None),
    "client_bug": ((None,), None),
}
OFFSETS = {"en": (-7 * 60, 0, 5 * 60 + 30), "zh": (8 * 60, 10 * 60)}
ELAPSED_MINUTES = [0, 1, 2, 4, 7, 12, 19, 28, 31, 47, 55, 61, 74, 95, 130, 190, 400, 800, 1500, 2000]
SEEDS = range(25)
QUIET_KINDS = ("latency_degradation", "client_network", "client_bug")


def make_facts(kind: str, lang: str, seed: int, follow_up: int = 0) -> Facts:
    r = random.Random(f"atlas/{kind}/{lang}/{seed}/{follow_up}")
    statuses, message = KIND_FACTS[kind]
    status = r.choice(statuses)
    if status in (499, 200, None):
        message = None
    started = datetime(2026, 3, 1, tzinfo=timezone.utc) + timedelta(minutes=r.randrange(10 * 24 * 60),
                                                                    seconds=r.randrange(60))
    clock = timezone(timedelta(minutes=r.choice(OFFSETS[lang])))
    created = (started + timedelta(minutes=r.choice(ELAPSED_MINUTES), seconds=r.randrange(60))).astimezone(clock)
    request_id = f"req-{r.getrandbits(64):016x}" if kind != "client_network" and r.random() < 0.7 else None
    return Facts(kind=kind, service=r.choice(["payments", "ledger", "mailer", "sms"]),
                 region=r.choice(["lyra-1", "vega-2", "draco-1", "orion-1"]), status=status, message=message,
                 request_id=request_id, resource=r.choice(["north-0042-data", None, "acme-pay-data"]),
                 started=started.astimezone(clock), created=created, follow_up=follow_up)


def all_cases():
    for kind in KINDS:
        for lang in LANGUAGES:
            for follow_up in (0, 1, 2):
                for seed in SEEDS:
                    yield make_facts(kind, lang, seed, follow_up), lang, seed


def write(facts: Facts, lang: str, seed: int, typos: bool = False) -> tuple[str, str]:
    return ticket_text(facts, lang, random.Random(seed), typos=typos)


def without_facts(text: str, facts: Facts) -> str:
    for fact in (facts.message, facts.request_id, facts.resource):
        if fact:
            text = text.replace(fact, " ")
    return text


# ---- the world and the kinds --------------------------------------------------------------------------

def test_every_spec_kind_is_worded():
    assert set(KINDS) == set(PLATFORM_KINDS) | set(CUSTOMER_KINDS) == set(KIND_FACTS)
    for lang in LANGUAGES:
        assert set(D.SUBJECTS[lang]) == set(KINDS) and set(D.SITUATIONS[lang]) == set(KINDS)


def test_the_world_names_this_wording_and_every_visible_kind_has_a_truth_key():
    atlas = world("atlas")
    assert atlas.wording == "atlas"
    for kind in CUSTOMER_KINDS:
        if kind not in ("client_network", "client_bug"):
            assert atlas.answers[kind].truth, kind


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        ticket_text(make_facts("gray_failure", "en", 1), "fr", random.Random(1))


# ---- determinism ----------------------------------------------------------------------------------

def test_same_inputs_give_the_same_ticket():
    for kind in KINDS:
        for lang in LANGUAGES:
            facts = make_facts(kind, lang, 3, follow_up=1)
            for typos in (False, True):
                assert write(facts, lang, 9, typos) == write(facts, lang, 9, typos)


def test_different_generators_give_different_tickets():
    facts = make_facts("regional_outage", "en", 2)
    assert len({write(facts, "en", seed) for seed in range(20)}) >= 15


def test_output_does_not_depend_on_the_hash_seed():
    code = (
        "import random\n"
        "from tests.unit.lab.test_atlas_wording import make_facts\n"
        "from lab.worlds.atlas.wording import ticket_text, KINDS\n"
        "for kind in KINDS:\n"
        "    for lang in ('en', 'zh'):\n"
        "        print(repr(ticket_text(make_facts(kind, lang, 4, 2), lang, random.Random(5), typos=True)))\n"
    )
    outputs = outputs_under_hash_seeds(code, ("1", "777"))
    assert outputs[0] == outputs[1] and outputs[0]


# ---- completeness ---------------------------------------------------------------------------------

@pytest.mark.parametrize("follow_up", [0, 1, 2])
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_language_and_follow_up_gives_a_ticket(kind, lang, follow_up):
    for seed in SEEDS:
        facts = make_facts(kind, lang, seed, follow_up)
        for typos in (False, True):
            subject, body = write(facts, lang, seed, typos)
            assert_clean_ticket(subject, body)


def test_chinese_tickets_are_in_chinese_and_english_ones_are_not():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for facts, lang, seed in all_cases():
        _, body = write(facts, lang, seed)
        assert bool(cjk.search(body)) == (lang == "zh"), body


def test_follow_ups_say_so():
    for facts, lang, seed in all_cases():
        if facts.follow_up:
            subject, _ = write(facts, lang, seed)
            prefixes = [p.split("{")[0] for p in D.FOLLOW_UP_SUBJECT_PREFIXES[lang]]
            assert any(subject.startswith(p) for p in prefixes if p), subject


def test_template_inventory():
    for lang, (subjects, situations) in {"en": (6, 6), "zh": (5, 5)}.items():
        for kind in KINDS:
            assert len(D.SUBJECTS[lang][kind]) >= subjects, (lang, kind)
            assert len(D.SITUATIONS[lang][kind]) >= situations, (lang, kind)
        assert len(D.FOLLOW_UP_LEADS[lang]) >= 5 and len(D.FOLLOW_UP_SUBJECT_PREFIXES[lang]) >= 5


def templates() -> list[str]:
    out = []
    for table in (D.SUBJECTS, D.SITUATIONS):
        out += [t for lang in LANGUAGES for kind in KINDS for t in table[lang][kind]]
    for table in (D.DETAILS, D.IMPACT, D.ASKS, D.GREETINGS, D.SIGN_OFFS):
        out += [t for lang in LANGUAGES for group in table[lang].values() for t in group]
    for table in (D.QUOTE_SENTENCES, D.RESOURCE_SENTENCES, D.REQUEST_ID_SENTENCES, D.REQUEST_ID_SENTENCES_OK,
                  D.FOLLOW_UP_LEADS, D.FOLLOW_UP_SUBJECT_PREFIXES):
        out += [t for lang in LANGUAGES for t in table[lang]]
    return out


def test_templates_write_no_time_of_their_own():
    words = re.compile(r"\d|yesterday|today|morning|afternoon|evening|tonight|last night|ago|minutes|hours|"
                       r"昨|今天|今晚|早上|上午|中午|下午|傍晚|晚上|凌晨|分钟|小时|刚才|刚刚", re.I)
    for template in templates():
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        assert "when" not in fields, template
        assert not words.search(template), template


def test_invisible_and_latency_kinds_have_no_error_slot():
    for lang in LANGUAGES:
        for kind in QUIET_KINDS:
            for template in D.SUBJECTS[lang][kind] + D.SITUATIONS[lang][kind]:
                assert "{err}" not in template, template


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


def test_the_error_is_named_in_several_ways():
    message = status_only = vague = 0
    for seed in range(300):
        facts = make_facts("quota_exceeded", "en", seed)
        subject, body = write(facts, "en", seed)
        if facts.message in body:
            message += 1
        elif "429" in body:
            status_only += 1
        else:
            vague += 1
    assert message > 30 and status_only > 30 and vague > 30, (message, status_only, vague)


STATUS_WRITTEN = re.compile(r"(?<![0-9A-Za-z_:.\-])[1-5](?:\d\d|xx|XX)(?:s)?(?![0-9A-Za-z_:\-])")


def test_quiet_kinds_never_write_an_http_status():
    for form in D.STATUS_FORMS["en"] + D.STATUS_FORMS["zh"]:
        assert STATUS_WRITTEN.search(form.format(s=503, reason="Service Unavailable"))
    reasons = list(D.REASONS.values())
    checked = 0
    for facts, lang, seed in all_cases():
        if facts.kind not in QUIET_KINDS:
            continue
        for typos in (False, True):
            for text in write(facts, lang, seed, typos):
                text = without_facts(text, facts)
                text = re.sub(r"\d{1,2}:\d{2}|UTC[+-]\d{1,2}(?::\d{2})?|\d+\s?(?:minutes|hours|分钟)", " ", text)
                assert not STATUS_WRITTEN.search(text), text
                assert not any(reason in text for reason in reasons), text
                checked += 1
    assert checked == len(QUIET_KINDS) * len(LANGUAGES) * 3 * len(SEEDS) * 2 * 2


def test_typos_never_touch_ids_messages_resources_regions_or_numbers():
    changed = 0
    for facts, lang, seed in all_cases():
        clean = write(facts, lang, seed)
        dirty = write(facts, lang, seed, typos=True)
        for before, after in zip(clean, dirty):
            for fact in (facts.request_id, facts.message, facts.resource, facts.region):
                if fact and fact in before:
                    assert fact in after, (fact, after)
            assert re.findall(r"\d+", before) == re.findall(r"\d+", after)
            if before != after:
                changed += 1
    assert changed > 1000


# ---- time hints -----------------------------------------------------------------------------------

EN_CLOCK = re.compile(r"(?<![\w:.\-+])(\d{1,2})(?::(\d{2}))?\s?(am|pm|AM|PM)?(?![\w:])(\s?UTC(?![+\-]))?")
ZH_NUMBER = "零一二两三四五六七八九十"
ZH_PERIODS = "(凌晨|早上|上午|中午|下午|晚上)"
ZH_COLON = re.compile(r"(UTC )?(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
ZH_CLOCK = re.compile(ZH_PERIODS + r"([0-9]{1,2}|[" + ZH_NUMBER + r"]{1,3})点(\d{2}分|半|多)?")


def zh_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
    if "十" not in text:
        return digits[text]
    tens, _, ones = text.partition("十")
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)


def claimed_times(text: str, lang: str) -> list[tuple[int, bool]]:
    """(minutes after midnight, in UTC?) of every clock time in the text."""
    text = re.sub(r"UTC[+\-]\d{1,2}(?::\d{2})?", " ", text)  # an offset label is not a time
    found = []
    if lang == "en":
        for hour, minute, half, utc in EN_CLOCK.findall(text):
            if not minute and not half:
                continue
            h = int(hour) % 12 + (12 if half.lower() == "pm" else 0) if half else int(hour)
            found.append((h * 60 + int(minute or 0), bool(utc)))
        return found
    for utc, hour, minute in ZH_COLON.findall(text):
        found.append((int(hour) * 60 + int(minute), bool(utc)))
    for period, hour, rest in ZH_CLOCK.findall(text):
        h = zh_int(hour)
        if period in ("下午", "晚上") and h < 12:
            h += 12
        minute = 30 if rest == "半" else int(rest[:2]) if rest.endswith("分") else 0
        found.append((h * 60 + minute, False))
    return found


def test_clock_times_are_true():
    seen = {"en": 0, "zh": 0}
    for facts, lang, seed in all_cases():
        _, body = write(facts, lang, seed)
        own = facts.started.astimezone(facts.created.tzinfo)
        utc = facts.started.astimezone(timezone.utc)
        for claimed, in_utc in claimed_times(without_facts(body, facts), lang):
            start = utc if in_utc else own
            diff = (claimed - (start.hour * 60 + start.minute)) % 1440
            diff = diff - 1440 if diff > 720 else diff
            assert -60 <= diff <= 5, (own.isoformat(), facts.created.isoformat(), body)
            seen[lang] += 1
    assert seen["en"] > 150 and seen["zh"] > 150, seen


NO_HOUR = "(?![0-9" + ZH_NUMBER + "])"


def test_relative_and_period_hints_are_true():
    counted = 0
    for facts, lang, seed in all_cases():
        _, body = write(facts, lang, seed)
        body = without_facts(body, facts)
        minutes = (facts.created - facts.started).total_seconds() / 60
        start = facts.started.astimezone(facts.created.tzinfo)
        day = (facts.created.date() - start.date()).days
        h = start.hour
        context = (start.isoformat(), facts.created.isoformat(), body)
        checks = []
        if lang == "en":
            for n in re.findall(r"(?:for the past|for about|about) (\d+) minutes", body):
                checks.append(int(n) <= minutes < int(n) + (1 if int(n) < 10 else 5))
            for n in re.findall(r"(?:over|more than) (\w+) hours", body):
                number = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}.get(n) or int(n)
                checks.append(minutes >= number * 60)
            if re.search(r"(?:over|more than) an hour", body):
                checks.append(minutes >= 60)
            if "about an hour" in body:
                checks.append(50 <= minutes < 75)
            if "half an hour ago" in body:
                checks.append(27 <= minutes <= 35)
            if "just now" in body or "a couple of minutes ago" in body:
                checks.append(minutes < 3)
            if "more than a day" in body:
                checks.append(minutes >= 1440)
            if "this morning" in body:
                checks.append(day == 0 and 6 <= h < 12)
            if "this afternoon" in body:
                checks.append(day == 0 and 12 <= h < 17)
            if "this evening" in body:
                checks.append(day == 0 and h >= 17)
            if "earlier today" in body or " today" in body:
                checks.append(day == 0)
            if "yesterday" in body:
                checks.append(day == 1)
            if "last night" in body:
                checks.append(day == 1 and h >= 18)
            if "yesterday afternoon" in body:
                checks.append(12 <= h < 17)
        else:
            for n in re.findall(r"(?<![\d:])(\d+)分钟前", body):
                checks.append(int(n) <= minutes < int(n) + (1 if int(n) < 10 else 5))
            for n in re.findall(r"(\d+)多分钟", body):
                checks.append(int(n) <= minutes < int(n) + 10)
            if "半个多小时" in body:
                checks.append(30 <= minutes < 60)
            for n in re.findall("([一两三四五六七八九十]+)个多小时", body):
                number = zh_int(n) if n != "一" else 1
                checks.append(number * 60 <= minutes < (number + 1) * 60)
            if "刚才" in body or "刚刚" in body:
                checks.append(minutes < 10)
            if "一天多" in body:
                checks.append(minutes >= 1440)
            if "今天" in body or "今晚" in body:
                checks.append(day == 0)
            if re.search("今天早上" + NO_HOUR, body):
                checks.append(6 <= h < 8)
            if re.search("今天上午" + NO_HOUR, body):
                checks.append(8 <= h < 12)
            if re.search("中午" + NO_HOUR, body):
                checks.append(day == 0 and 12 <= h < 13)
            if re.search("今天下午" + NO_HOUR, body) or "从下午开始" in body:
                checks.append(day == 0 and 13 <= h < 18)
            if re.search("今天晚上" + NO_HOUR, body) or "今晚" in body:
                checks.append(day == 0 and h >= 18)
            if "傍晚" in body:
                checks.append(day == 0 and 17 <= h < 19)
            if "昨" in body:
                checks.append(day == 1)
            if "昨晚" in body:
                checks.append(h >= 18)
            if re.search("昨天下午" + NO_HOUR, body):
                checks.append(13 <= h < 18)
        assert all(checks), context
        counted += len(checks)
    assert counted > 1000


def test_some_tickets_have_no_time_hint_and_hints_take_several_shapes():
    shapes = {"clock": 0, "relative": 0, "period": 0, "none": 0}
    for facts, lang, seed in all_cases():
        if lang != "en":
            continue
        _, body = write(facts, lang, seed)
        body = without_facts(body, facts)
        if claimed_times(body, lang):
            shapes["clock"] += 1
        elif re.search(r"minutes|hours? |an hour|a day|just now", body):
            shapes["relative"] += 1
        elif re.search(r"morning|afternoon|evening|yesterday|last night|today", body):
            shapes["period"] += 1
        else:
            shapes["none"] += 1
    assert all(count > 50 for count in shapes.values()), shapes
