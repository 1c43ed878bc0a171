"""The knowledge base's content: every usage error the lab injects is covered, in both languages,
with replies that fill and phrases that point at one code only."""

import re

import pytest

from lab.spec import CUSTOMER_ERRORS
from lab.wording import VAGUE_ERRORS
from triage.knowledge import builtin_knowledge

KB = builtin_knowledge().kb
LAB_CODES = {code: status for status, code in CUSTOMER_ERRORS.values()}
PLACEHOLDERS = dict(
    customer_id="cust-1001", error_code="ExpiredToken", status=401, service="object-storage", region="cn-east-1",
    resource="photos", count=42, first_failure="2026-11-25 22:21", last_failure="22:39 UTC+8",
    doc_url="https://docs.example.com/x",
)
# Punctuation a Chinese text writes full-width (outside placeholders, URLs and Latin terms).
HALF_WIDTH_IN_ZH = re.compile(r"[,;:()!?]")


@pytest.mark.parametrize("code", sorted(LAB_CODES) + ["InvalidToken", "SlowDown"])
def test_every_injected_code_has_an_entry(code):
    assert code in KB


@pytest.mark.parametrize(("code", "status"), sorted(LAB_CODES.items()))
def test_statuses_match_what_the_lab_injects(code, status):
    assert KB[code].status == status


@pytest.mark.parametrize("code", sorted(KB))
def test_every_entry_is_complete_in_english_and_chinese(code):
    entry = KB[code]
    for language in ("en", "zh"):
        assert entry.cause.get(language)
        assert entry.fix.get(language)
        assert entry.reply.get(language)
        assert entry.messages.get(language)
    assert entry.doc_url.startswith("https://")


@pytest.mark.parametrize("code", sorted(KB))
def test_every_reply_fills_with_the_documented_placeholders(code):
    for language, template in KB[code].reply.items():
        filled = template.format_map(PLACEHOLDERS)  # KeyError on a placeholder that is not documented
        assert "{" not in filled and "}" not in filled, (code, language)


@pytest.mark.parametrize("code", sorted(KB))
def test_chinese_texts_use_full_width_punctuation(code):
    entry = KB[code]
    for text in [entry.cause["zh"], entry.reply["zh"], *entry.fix["zh"]]:
        bare = re.sub(r"\{\w+\}", "", text)
        assert not HALF_WIDTH_IN_ZH.search(bare), text


def test_each_phrase_points_at_one_code_only():
    phrases = [(phrase.lower(), code) for code, entry in KB.items() for texts in entry.messages.values() for phrase in texts]
    for phrase, code in phrases:
        clashes = [other for text, other in phrases if other != code and phrase in text]
        assert not clashes, f"{phrase!r} of {code} is also part of a phrase of {clashes}"


def test_no_phrase_is_a_vague_complaint():
    # What customers write when they do not name the error ("permission errors", "无权限") must not
    # be read as a specific code.
    vague = [text.lower() for group in VAGUE_ERRORS.values() for texts in group.values() for text in texts]
    for code, entry in KB.items():
        for phrase in (p.lower() for texts in entry.messages.values() for p in texts):
            assert not any(phrase in text for text in vague), (code, phrase)
