"""The verdict: weighted signals from triage/rules.yaml, the winner's margin, confidence, the fix.

Most tests use small tables of their own, so that tuning the weights in rules.yaml does not break
them; the tests on the shipped table check what it must always do (load, both languages, the usage
error during an outage) on evidence recorded from the real stack (tests/unit/correlators/recorded/)."""

import math
import random
import string

import pytest
from pydantic import ValidationError

from tests.unit.fakes import Recording
from triage.knowledge import builtin_knowledge
from triage.models import LABELS, Evidence
from triage.verdict import (
    Confidence, Inhibition, RuleTable, SignalRule, decide, fill, holds, merge_facts, missing_facts, winner,
)

KB = builtin_knowledge().kb


def default_rules() -> RuleTable:
    return builtin_knowledge().rules


def evidence(source: str = "request_logs", available: bool = True, **facts) -> Evidence:
    return Evidence(source=source, query="q", summary="s", facts=facts, available=available)


def signal(name: str, label: str, weight: float, when: dict[str, str], en: str | None = None, zh: str | None = None,
           suppress: list[str] | None = None) -> dict:
    reason = {"en": en or f"{name} held"}
    if zh:
        reason["zh"] = zh
    out = {"name": name, "label": label, "weight": weight, "when": when, "reason": reason}
    if suppress is not None:
        out["suppress"] = suppress
    return out


def inhibition(name: str, when: dict[str, str], suppress: list[str]) -> dict:
    return {"name": name, "when": when, "suppress": suppress}


def table(*signals: dict, min_score: float = 2.0, min_margin: float = 1.0, floor: float = 0.5, ceiling: float = 0.99,
          inhibitions: list[dict] = ()) -> RuleTable:
    return RuleTable.model_validate({
        "min_score": min_score, "min_margin": min_margin,
        "confidence": {"slope": 0.8, "intercept": 0.4, "floor": floor, "ceiling": ceiling},
        "inconclusive": {"confidence": 0.5, "reason": {"en": "nothing clear", "zh": "无法判断"}},
        "signals": list(signals),
        "inhibitions": list(inhibitions),
    })


# --- the table ---------------------------------------------------------------------------------------

def test_the_shipped_table_loads_and_every_signal_speaks_both_languages():
    rules = default_rules()
    assert rules.signals and rules.min_score > 0 and rules.min_margin >= 0
    names = [rule.name for rule in rules.signals]
    assert len(names) == len(set(names))
    assert {rule.label for rule in rules.signals} == set(LABELS)  # every label has signals of its own
    for rule in rules.signals:
        assert set(rule.reason) == {"en", "zh"}, rule.name
        assert rule.weight > 0 and rule.when
    assert set(rules.inconclusive.reason) == {"en", "zh"}


def test_the_shipped_inhibitions_are_named_once_and_suppress_real_labels():
    rules = default_rules()
    assert rules.inhibitions
    names = [rule.name for rule in rules.inhibitions] + [rule.name for rule in rules.signals]
    assert len(names) == len(set(names))  # a verdict names them side by side in `inhibitions`
    suppressing = [rule for rule in rules.signals if rule.suppress] + list(rules.inhibitions)
    for rule in suppressing:
        assert rule.suppress and set(rule.suppress) <= set(LABELS), rule.name
    for rule in rules.signals:  # a signal never silences its own label
        assert rule.label not in rule.suppress, rule.name


def test_every_reason_fills_from_the_facts_it_names_in_both_languages():
    rules = default_rules()
    every_fact = {fact: 1 for rule in rules.signals for fact in rule.when}
    for rule in rules.signals:
        for text in rule.reason.values():
            assert fill(text, every_fact)


@pytest.mark.parametrize("condition", ["about 3", ">= x", "=> 3", ">= 1 and <= 3", "", "3"])
def test_a_condition_that_does_not_parse_is_rejected_at_load(condition):
    with pytest.raises(ValidationError, match="must look like"):
        SignalRule.model_validate(signal("x", "usage_error", 1.0, {"a": condition}))
    with pytest.raises(ValidationError):
        table(signal("x", "usage_error", 1.0, {"a": condition}))


def test_a_reason_without_english_is_rejected():
    with pytest.raises(ValidationError, match="'en'"):
        SignalRule.model_validate({"name": "x", "label": "usage_error", "weight": 1.0, "when": {"a": ">= 1"}, "reason": {"zh": "仅中文"}})


@pytest.mark.parametrize("change", [
    {"weight": 0}, {"weight": -1}, {"when": {}}, {"label": "maybe"},
])
def test_other_bad_signals_are_rejected(change):
    with pytest.raises(ValidationError):
        SignalRule.model_validate({**signal("x", "usage_error", 1.0, {"a": ">= 1"}), **change})


def test_the_inconclusive_fallback_needs_english_too():
    raw = table().model_dump()
    raw["inconclusive"]["reason"] = {"zh": "无法判断"}
    with pytest.raises(ValidationError):
        RuleTable.model_validate(raw)


def test_conditions():
    assert holds(">= 0.5", 0.5) and not holds("> 0.5", 0.5)
    assert holds("<= -1", -2) and holds("< 1", 0.99) and holds("== 0", 0)
    assert not holds("== 0", None) and not holds(">= 1", "3") and not holds(">= 1", [3])
    assert not holds(">= 1", True)  # a flag is not a number
    assert holds(" >=  2 ", 2)


@pytest.mark.parametrize("change", [{"suppress": []}, {"suppress": ["maybe"]}, {"when": {}}, {"when": {"a": "about 3"}}])
def test_bad_inhibitions_are_rejected(change):
    with pytest.raises(ValidationError):
        Inhibition.model_validate({**inhibition("x", {"a": ">= 1"}, ["usage_error"]), **change})
    with pytest.raises(ValidationError):
        table(inhibitions=[{**inhibition("x", {"a": ">= 1"}, ["usage_error"]), **change}])


def test_a_signal_may_only_suppress_labels():
    with pytest.raises(ValidationError):
        SignalRule.model_validate(signal("x", "inconclusive", 1.0, {"a": ">= 1"}, suppress=["maybe"]))
    assert SignalRule.model_validate(signal("x", "inconclusive", 1.0, {"a": ">= 1"})).suppress == []


# --- scoring ------------------------------------------------------------------------------------------

A_AND_B = table(signal("a_and_b", "platform_incident", 3.0, {"a": ">= 1", "b": ">= 1"}))


def test_a_signal_adds_its_weight_only_when_all_its_conditions_hold():
    held = decide([evidence(a=1, b=2)], rules=A_AND_B)
    assert (held.label, held.rule, held.scores["platform_incident"]) == ("platform_incident", "a_and_b", 3.0)
    assert [s.name for s in held.signals] == ["a_and_b"]
    for facts in ({"a": 1, "b": 0}, {"a": 0, "b": 1}, {"a": 1}):
        verdict = decide([evidence(**facts)], rules=A_AND_B)
        assert verdict.scores["platform_incident"] == 0 and verdict.signals == []
        assert (verdict.label, verdict.rule) == ("inconclusive", "no_clear_signal")


def test_weights_add_up_per_label():
    rules = table(signal("p1", "platform_incident", 1.5, {"a": ">= 1"}), signal("p2", "platform_incident", 1.0, {"b": ">= 1"}),
                  signal("u1", "usage_error", 0.5, {"c": ">= 1"}))
    verdict = decide([evidence(a=1, b=1, c=1)], rules=rules)
    assert verdict.scores == {"platform_incident": 2.5, "usage_error": 0.5, "inconclusive": 0.0}
    assert verdict.label == "platform_incident"


def test_below_min_score_is_inconclusive_and_names_what_was_missing():
    rules = table(signal("weak", "platform_incident", 1.5, {"a": ">= 1"}), signal("strong", "platform_incident", 2.0, {"b": ">= 1", "c": ">= 1"}))
    verdict = decide([evidence(a=1)], rules=rules)
    assert verdict.scores["platform_incident"] == 1.5
    assert (verdict.label, verdict.rule, verdict.confidence) == ("inconclusive", "no_clear_signal", 0.5)
    assert verdict.missing == ["b", "c"]
    assert verdict.reasons[0] == "nothing clear" and "weak held" in verdict.reasons  # the signal that held is still told


def test_a_lead_below_min_margin_is_inconclusive():
    rules = table(signal("p", "platform_incident", 3.0, {"a": ">= 1"}), signal("u", "usage_error", 2.5, {"b": ">= 1"}),
                  signal("u2", "usage_error", 1.0, {"c": ">= 1"}))
    close = decide([evidence(a=1, b=1)], rules=rules)
    assert (close.label, close.rule) == ("inconclusive", "no_clear_signal")
    assert close.missing == ["c"]
    clear = decide([evidence(a=1, b=0)], rules=rules)
    assert clear.label == "platform_incident" and clear.missing == []
    assert winner({"platform_incident": 3.0, "usage_error": 2.0, "inconclusive": 0.0}, rules) == ("platform_incident", 1.0)
    assert winner({"platform_incident": 3.0, "usage_error": 2.5, "inconclusive": 0.0}, rules) == ("inconclusive", 0.0)


def test_missing_lists_unavailable_sources_first():
    down = evidence("metrics_anomaly", available=False)
    verdict = decide([evidence(a=1), down], rules=A_AND_B)
    assert verdict.missing == ["source:metrics_anomaly", "b"]
    assert missing_facts(A_AND_B, {"a": 1, "b": 1}, [down]) == ["source:metrics_anomaly"]


def test_inconclusive_signals_win_like_the_others():
    rules = table(signal("no_requests", "inconclusive", 3.0, {"customer_requests": "== 0"}, en="nothing reached us"),
                  signal("p", "platform_incident", 1.0, {"a": ">= 1"}))
    verdict = decide([evidence(customer_requests=0, a=1)], rules=rules)
    assert (verdict.label, verdict.rule) == ("inconclusive", "no_requests")
    assert verdict.reasons == ["nothing reached us", "p held"]
    assert verdict.confidence == rules.confidence.of(2.0)
    assert verdict.missing == []  # every fact was there: nothing would have changed it


def test_reasons_are_ordered_by_weight_winning_label_first():
    rules = table(signal("light", "platform_incident", 0.5, {"a": ">= 1"}), signal("heavy", "platform_incident", 2.5, {"a": ">= 1"}),
                  signal("middle", "platform_incident", 1.0, {"a": ">= 1"}), signal("other", "usage_error", 2.0, {"a": ">= 1"}))
    verdict = decide([evidence(a=1)], rules=rules)
    assert verdict.label == "platform_incident"
    assert [s.name for s in verdict.signals] == ["heavy", "middle", "light", "other"]
    assert verdict.reasons == ["heavy held", "middle held", "light held", "other held"]
    assert verdict.rule == "heavy"


# --- inhibitions and suppress ---------------------------------------------------------------------------

SLOW_OR_REFUSED = table(
    signal("refused", "usage_error", 3.0, {"usage_failures": ">= 1"}),
    signal("slow", "platform_incident", 2.0, {"latency_score": ">= 2"}),
    inhibitions=[inhibition("slowness_named", {"complains_latency": ">= 1", "latency_score": ">= 2"}, ["usage_error"])],
)


def test_an_inhibition_that_holds_keeps_its_labels_from_winning():
    plain = decide([evidence(usage_failures=4, latency_score=3)], rules=SLOW_OR_REFUSED)
    assert (plain.label, plain.inhibitions) == ("usage_error", [])  # 3.0 against 2.0: refused wins
    inhibited = decide([evidence(usage_failures=4, latency_score=3, complains_latency=1)], rules=SLOW_OR_REFUSED)
    assert (inhibited.label, inhibited.rule) == ("platform_incident", "slow")
    assert inhibited.inhibitions == ["slowness_named"]
    # the silenced label's signals and score still show: the reader sees what was set aside
    assert inhibited.scores == {"platform_incident": 2.0, "usage_error": 3.0, "inconclusive": 0.0}
    assert [s.name for s in inhibited.signals] == ["slow", "refused"]
    assert inhibited.confidence == SLOW_OR_REFUSED.confidence.of(2.0)  # the lead over nothing: the silenced 3.0 does not count
    assert inhibited.error_code is None  # no fix for a usage error that did not win


def test_an_inhibition_needs_every_condition():
    verdict = decide([evidence(usage_failures=4, latency_score=1.5, complains_latency=1)], rules=SLOW_OR_REFUSED)
    assert (verdict.label, verdict.inhibitions) == ("usage_error", [])


def test_an_inhibition_can_leave_nothing_to_win():
    rules = table(signal("refused", "usage_error", 3.0, {"usage_failures": ">= 1"}),
                  inhibitions=[inhibition("no_traffic", {"customer_requests": "== 0"}, ["usage_error", "platform_incident"])])
    verdict = decide([evidence(usage_failures=4, customer_requests=0)], rules=rules)
    assert (verdict.label, verdict.rule, verdict.inhibitions) == ("inconclusive", "no_clear_signal", ["no_traffic"])
    assert verdict.scores["usage_error"] == 3.0 and "refused held" in verdict.reasons


def test_a_signal_with_suppress_silences_the_other_labels_while_it_holds():
    rules = table(signal("both_ways", "inconclusive", 2.0, {"usage_failures": ">= 1", "platform_failures": ">= 1"},
                         suppress=["platform_incident", "usage_error"]),
                  signal("refused", "usage_error", 4.0, {"usage_failures": ">= 1"}),
                  signal("failing", "platform_incident", 3.0, {"platform_failures": ">= 1"}))
    mixed = decide([evidence(usage_failures=5, platform_failures=5)], rules=rules)
    assert (mixed.label, mixed.rule, mixed.inhibitions) == ("inconclusive", "both_ways", ["both_ways"])
    assert mixed.scores == {"platform_incident": 3.0, "usage_error": 4.0, "inconclusive": 2.0}
    only_usage = decide([evidence(usage_failures=5, platform_failures=0)], rules=rules)
    assert (only_usage.label, only_usage.inhibitions) == ("usage_error", [])


def test_inhibitions_are_recorded_in_the_order_signals_then_table():
    rules = table(signal("s", "inconclusive", 1.0, {"a": ">= 1"}, suppress=["usage_error"]),
                  signal("p", "platform_incident", 3.0, {"a": ">= 1"}),
                  inhibitions=[inhibition("i2", {"a": ">= 1"}, ["usage_error"]), inhibition("i1", {"b": ">= 1"}, ["platform_incident"])])
    assert decide([evidence(a=1)], rules=rules).inhibitions == ["s", "i2"]
    both = decide([evidence(a=1, b=1)], rules=rules)
    assert both.inhibitions == ["s", "i2", "i1"] and both.label == "inconclusive"


def test_the_shipped_inhibition_sets_a_usage_error_aside_for_a_slowness_complaint():
    """A customer that complains of slowness, claiming no error of its own, during a latency alert: its
    refusals in the logs are not what it writes about. (Since rules.yaml keys the inhibition on
    `ticket_claims_client_errors`, the knowledge base's fact, not on `ticket_names_error`.)"""
    facts = dict(complains_latency=1, ticket_claims_client_errors=0, latency_alerts=1, customer_requests=400, usage_failures=40)
    verdict = decide([evidence(**facts)], "en")
    assert "slowness_during_latency_alert" in verdict.inhibitions
    assert verdict.label != "usage_error"
    named = decide([evidence(**{**facts, "ticket_claims_client_errors": 1})], "en")
    assert "slowness_during_latency_alert" not in named.inhibitions


def test_an_earlier_source_wins_a_fact_clash_and_unavailable_ones_are_ignored():
    facts = merge_facts([evidence("ticket", x=1), evidence("request_logs", x=2, y=2), evidence("down", available=False, z=3)])
    assert facts == {"x": 1, "y": 2}


# --- confidence ----------------------------------------------------------------------------------------

def test_confidence_rises_with_the_lead_and_stays_within_floor_and_ceiling():
    confidence = Confidence(slope=0.8, intercept=0.4, floor=0.5, ceiling=0.99)
    values = [confidence.of(lead / 4) for lead in range(-20, 80)]
    assert values == sorted(values)
    assert min(values) == 0.5 and max(values) == 0.99
    assert confidence.of(1.0) == round(1 / (1 + math.exp(-1.2)), 3)


def test_the_verdicts_confidence_follows_its_lead():
    rules = table(signal("p1", "platform_incident", 2.0, {"a": ">= 1"}), signal("p2", "platform_incident", 2.0, {"b": ">= 1"}),
                  signal("u", "usage_error", 1.0, {"c": ">= 1"}), floor=0.0, ceiling=1.0)
    narrow = decide([evidence(a=1, c=1)], rules=rules)  # lead 1
    wide = decide([evidence(a=1, b=1)], rules=rules)  # lead 4
    assert narrow.label == wide.label == "platform_incident"
    assert narrow.confidence == rules.confidence.of(1.0) < wide.confidence == rules.confidence.of(4.0)


# --- the knowledge base's fix -----------------------------------------------------------------------------

USAGE = table(signal("refused", "usage_error", 3.0, {"usage_failures": ">= 1"}),
              signal("failing", "platform_incident", 3.0, {"platform_failures": ">= 1"}))


def test_a_usage_error_carries_the_cause_and_fix_in_the_tickets_language():
    facts = {"usage_failures": 5, "kb_error_code": "ExpiredToken"}
    zh = decide([evidence(**facts)], "zh", rules=USAGE)
    assert zh.label == "usage_error" and zh.error_code == "ExpiredToken"
    assert zh.cause == KB["ExpiredToken"].text("cause", "zh") and zh.fix == KB["ExpiredToken"].text("fix", "zh")
    assert zh.doc_url == KB["ExpiredToken"].doc_url
    en = decide([evidence(**facts)], "en", rules=USAGE)
    assert en.cause == KB["ExpiredToken"].text("cause", "en") != zh.cause
    other = decide([evidence(**facts)], "fr", rules=USAGE)  # any other language: English
    assert other.cause == en.cause


def test_only_usage_errors_get_a_fix():
    platform = decide([evidence(platform_failures=9, kb_error_code="NoSuchKey")], rules=USAGE)
    assert platform.label == "platform_incident"
    assert (platform.error_code, platform.cause, platform.fix, platform.doc_url) == (None, None, [], None)
    undecided = decide([evidence(kb_error_code="NoSuchKey")], rules=USAGE)
    assert undecided.label == "inconclusive" and undecided.cause is None
    unknown = decide([evidence(usage_failures=2, kb_error_code="NotInTheKnowledgeBase")], rules=USAGE)
    assert unknown.label == "usage_error" and unknown.cause is None and unknown.error_code is None


# --- the shipped table on recorded evidence -------------------------------------------------------------------

def test_a_usage_error_during_an_outage_is_a_usage_error():
    """small-2208: its own 401 ExpiredToken on object-storage/cn-east-1 while that place is down for
    everyone; its ticket names 401 and ExpiredToken. The platform signals are all there."""
    chain = Recording("expired_token_in_outage").evidence()
    facts = merge_facts(chain)
    assert facts["error_score"] > 100 and facts["error_alerts"] >= 1 and facts["other_customers_with_5xx"] >= 3  # the outage
    assert facts["platform_failures"] >= 1 and facts["ticket_names_4xx"] == 1 and facts["top_error_code"] == "ExpiredToken"
    verdict = decide(chain, "zh")
    assert verdict.label == "usage_error"
    assert verdict.scores["usage_error"] - verdict.scores["platform_incident"] >= default_rules().min_margin
    assert verdict.error_code == "ExpiredToken" and verdict.cause == KB["ExpiredToken"].text("cause", "zh")
    assert not any(s.label == "platform_incident" for s in verdict.signals)


def test_the_same_usage_error_without_the_outage_is_still_a_usage_error():
    chain = [item for item in Recording("expired_token_in_outage").evidence()
             if item.source not in ("metrics_anomaly", "alerts", "blast_radius")]
    assert decide(chain, "en").label == "usage_error"


@pytest.mark.parametrize(("name", "label"), [
    ("outage_5xx", "platform_incident"),
    ("dependency_batch", "platform_incident"),
    ("latency", "platform_incident"),
    ("traffic_vanished", "inconclusive"),
    ("no_traffic", "inconclusive"),
])
def test_the_recorded_tickets_get_the_labs_ground_truth(name, label):
    recording = Recording(name)
    for case, recorded in zip(recording.run(), recording.data["cases"]):
        assert recorded["truth"]["label"] == label
        verdict = decide(case.evidence, case.language)
        assert verdict.label == label, (case.ticket.ticket_id, verdict.scores, verdict.reasons)
        assert verdict.reasons and all("?" not in reason for reason in verdict.reasons[:3]), verdict.reasons


def test_an_outage_reason_carries_the_figures():
    verdict = decide(Recording("outage_5xx").evidence(), "en")
    assert any("11.47%" in reason and "0.27%" in reason for reason in verdict.reasons)  # 5xx ratio against the hour before
    assert any('HighErrorRatio{region="cn-east-1",service="object-storage"}' in reason for reason in verdict.reasons)
    zh = decide(Recording("outage_5xx").evidence(), "zh")
    assert any("11.47%" in reason and "前一小时" in reason for reason in zh.reasons)


def test_no_requests_at_all_is_inconclusive_and_says_why():
    verdict = decide(Recording("no_traffic").evidence(), "en")
    assert verdict.rule == "no_requests_from_customer"
    assert verdict.reasons[0].startswith("no request from this customer reached the platform")


def test_every_source_down_is_inconclusive_with_the_sources_missing():
    down = [Evidence(source=name, query="q", summary="down", available=False)
            for name in ("request_logs", "metrics_anomaly", "alerts", "blast_radius")]
    verdict = decide(down, "en")
    assert (verdict.label, verdict.rule) == ("inconclusive", "no_clear_signal")
    assert verdict.missing[:4] == ["source:request_logs", "source:metrics_anomaly", "source:alerts", "source:blast_radius"]
    assert "customer_requests" in verdict.missing


# --- fill ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "facts", "expected"), [
    ("{a} and {b:.2%}", {"a": 1}, "1 and ?"),
    ("{x:.2%}", {"x": 0.1234}, "12.34%"),
    ("{x:.2%}", {"x": "n/a"}, "n/a"),  # a text where a number was expected: shown as it is
    ("{x:.0f} ms", {}, "? ms"),
    ("{codes}", {"codes": ["ExpiredToken", "AccessDenied"]}, "ExpiredToken, AccessDenied"),
    ("no placeholders", {}, "no placeholders"),
    ("{", {}, "{"),
    ("}", {}, "}"),
    ("{}", {}, "{}"),
    ("{0}", {}, "?"),
])
def test_fill(template, facts, expected):
    assert fill(template, facts) == expected


def test_fill_never_raises_on_random_templates():
    rng = random.Random(7)
    pieces = ["{a}", "{b:.2%}", "{c:.0f}", "{missing}", "{", "}", "{a!r}", "{:}", "{0}", "{a:{b}}", "%", "text", " ", "{{", "}}",
              "{a:>10}", "{b:d}", "{c:,}", "{x:.2f}"]
    facts = {"a": 1, "b": 0.5, "c": "word", "x": None}
    for _ in range(2000):
        template = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        assert isinstance(fill(template, facts), str), template
    for _ in range(500):
        template = "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 12)))
        assert isinstance(fill(template, facts), str), template


@pytest.mark.parametrize(("template", "facts"), [
    ("{named_request_codes[0]}", {"named_request_codes": []}),
    ("{a.b}", {"a": 1}),
    ("{m[k]}", {"m": {}}),
])
def test_fill_never_raises_on_attribute_or_index_lookups(template, facts):
    assert isinstance(fill(template, facts), str)
