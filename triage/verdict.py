"""The verdict: a pure function of the evidence, driven by the signal table in rules.yaml.

facts = every available evidence item's facts, merged. Each signal whose conditions all hold adds
its weight to its label. An inhibition whose conditions hold takes labels out of the running (as
Alertmanager's inhibit rules silence alerts): "no request reached us" can never be called a
platform incident, whatever else holds. The label with the highest score wins if it reaches
`min_score` and leads the runner-up by `min_margin`; otherwise the ticket is inconclusive, and
the verdict names the facts that no evidence supplied (what would have decided it). Confidence is
a logistic function of the lead, with parameters fitted on the scenario lab (`lab calibrate`).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from triage.models import LABELS, Evidence, Label, Signal, Verdict

if TYPE_CHECKING:
    from triage.knowledge_base import KnowledgeBase

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}
CONDITION = re.compile(r"^\s*(>=|<=|==|>|<)\s*(-?[0-9.]+)\s*$")


def needs_english(texts: dict[str, str]) -> dict[str, str]:
    if "en" not in texts:
        raise ValueError("reason needs an 'en' text: English is the fallback for other languages")
    return texts


def conditions_parse(when: dict[str, str]) -> dict[str, str]:
    for fact, condition in when.items():
        if not CONDITION.match(condition):
            raise ValueError(f"condition on {fact!r} must look like '>= 0.5', got {condition!r}")
    return when


class SignalRule(BaseModel):
    name: str
    label: Label
    weight: float = Field(gt=0)
    when: dict[str, str] = Field(min_length=1)
    reason: dict[str, str]
    suppress: list[Label] = Field(default_factory=list)  # while it holds, these labels cannot win

    @field_validator("reason")
    @classmethod
    def english_is_there(cls, reason: dict[str, str]) -> dict[str, str]:
        return needs_english(reason)

    @field_validator("when")
    @classmethod
    def conditions_are_comparisons(cls, when: dict[str, str]) -> dict[str, str]:
        return conditions_parse(when)


class Inhibition(BaseModel):
    """While every condition holds, the `suppress` labels cannot win (their signals still show)."""

    name: str
    when: dict[str, str] = Field(min_length=1)
    suppress: list[Label] = Field(min_length=1)

    @field_validator("when")
    @classmethod
    def conditions_are_comparisons(cls, when: dict[str, str]) -> dict[str, str]:
        return conditions_parse(when)


class Confidence(BaseModel):
    """confidence = floor..ceiling of 1 / (1 + exp(-(slope * lead + intercept)))."""

    slope: float
    intercept: float
    floor: float = Field(ge=0, le=1)
    ceiling: float = Field(ge=0, le=1)

    def of(self, lead: float) -> float:
        value = 1 / (1 + math.exp(-(self.slope * lead + self.intercept)))
        return round(min(max(value, self.floor), self.ceiling), 3)


class Inconclusive(BaseModel):
    """What an inconclusive verdict says when no signal of its own held (the fallback)."""

    confidence: float = Field(ge=0, le=1)
    reason: dict[str, str]

    @field_validator("reason")
    @classmethod
    def english_is_there(cls, reason: dict[str, str]) -> dict[str, str]:
        return needs_english(reason)


class RuleTable(BaseModel):
    min_score: float
    min_margin: float
    confidence: Confidence
    inconclusive: Inconclusive
    signals: list[SignalRule]
    inhibitions: list[Inhibition] = Field(default_factory=list)


def merge_facts(evidence: Sequence[Evidence]) -> dict[str, Any]:
    """Every available evidence's facts; an earlier source wins a name clash (its view is first-hand)."""
    facts: dict[str, Any] = {}
    for item in evidence:
        if item.available:
            for key, value in item.facts.items():
                facts.setdefault(key, value)
    return facts


def all_hold(when: Mapping[str, str], facts: Mapping[str, Any]) -> bool:
    return all(holds(condition, facts.get(fact)) for fact, condition in when.items())


def holds(condition: str, value: Any) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    compare, threshold = parsed(condition)
    return compare(value, threshold)


@cache
def parsed(condition: str) -> tuple[Callable[[Any, Any], bool], float]:
    """">= 0.5" -> (operator.ge, 0.5); parsed once per condition, not once per ticket."""
    match = CONDITION.match(condition)
    assert match, condition  # validated when the rules were loaded
    return OPERATORS[match.group(1)], float(match.group(2))


def decide(
    evidence: Sequence[Evidence],
    language: str = "en",
    rules: RuleTable | None = None,
    kb: KnowledgeBase | None = None,
) -> Verdict:
    if rules is None or kb is None:  # tests and tools; the worker passes its own (triage/knowledge.py)
        from triage.knowledge import builtin_knowledge  # imported here: knowledge.py imports this module

        rules = builtin_knowledge().rules if rules is None else rules
        kb = builtin_knowledge().kb if kb is None else kb
    facts = merge_facts(evidence)
    held = [rule for rule in rules.signals if all_hold(rule.when, facts)]
    signals = sorted(
        (Signal(name=rule.name, label=rule.label, weight=rule.weight, reason=fill(rule.reason.get(language, rule.reason["en"]), facts))
         for rule in held),
        key=lambda signal: -signal.weight,
    )
    inhibitions = [*(rule for rule in held if rule.suppress),
                   *(inhibition for inhibition in rules.inhibitions if all_hold(inhibition.when, facts))]
    suppressed = {label for inhibition in inhibitions for label in inhibition.suppress}
    scores = {label: round(sum(s.weight for s in signals if s.label == label), 3) for label in LABELS}
    label, lead = winner({label: 0.0 if label in suppressed else score for label, score in scores.items()}, rules)
    if label == "inconclusive" and scores["inconclusive"] == 0:
        verdict = Verdict(
            label="inconclusive", confidence=rules.inconclusive.confidence, rule="no_clear_signal",
            reasons=[fill(rules.inconclusive.reason.get(language, rules.inconclusive.reason["en"]), facts)]
            + [s.reason for s in signals],
            signals=signals, scores=scores, missing=missing_facts(rules, facts, evidence),
            inhibitions=[inhibition.name for inhibition in inhibitions],
        )
    else:
        ordered = [s for s in signals if s.label == label] + [s for s in signals if s.label != label]
        verdict = Verdict(
            label=label, confidence=rules.confidence.of(lead), rule=ordered[0].name,
            reasons=[s.reason for s in ordered], signals=ordered, scores=scores,
            missing=missing_facts(rules, facts, evidence) if label == "inconclusive" else [],
            inhibitions=[inhibition.name for inhibition in inhibitions],
        )
    return with_fix(verdict, facts, language, kb)


def winner(scores: Mapping[str, float], rules: RuleTable) -> tuple[Label, float]:
    """(label, its lead over the runner-up); inconclusive when nothing is strong or clear enough."""
    ranked = sorted(LABELS, key=lambda label: -scores[label])
    best, runner_up = ranked[0], scores[ranked[1]]
    lead = scores[best] - runner_up
    if best == "inconclusive":
        return ("inconclusive", lead) if lead > 0 else ("inconclusive", 0.0)
    if scores[best] < rules.min_score or lead < rules.min_margin:
        return "inconclusive", 0.0
    return best, lead


def missing_facts(rules: RuleTable, facts: Mapping[str, Any], evidence: Sequence[Evidence]) -> list[str]:
    """Sources that could not answer, then facts the signals ask for that no evidence supplied."""
    missing = [f"source:{item.source}" for item in evidence if not item.available]
    for rule in rules.signals:
        missing += [fact for fact in rule.when if fact not in facts and fact not in missing]
    return missing


def with_fix(verdict: Verdict, facts: Mapping[str, Any], language: str, kb: KnowledgeBase) -> Verdict:
    code = facts.get("kb_error_code")
    if verdict.label != "usage_error" or code not in kb:
        return verdict
    entry = kb[code]
    return verdict.model_copy(update={
        "error_code": code, "cause": entry.text("cause", language), "fix": entry.text("fix", language), "doc_url": entry.doc_url,
    })


class _Shown(Mapping[str, Any]):
    """Facts as a reason shows them, each only when the template asks for it (a ticket has a
    hundred facts, a reason names three): a list as its items joined by commas, an absent fact '?'."""

    def __init__(self, facts: Mapping[str, Any]):
        self.facts = facts

    def __getitem__(self, key: str) -> Any:
        value = self.facts.get(key, "?")
        return ", ".join(map(str, value)) if isinstance(value, list) else value

    def __iter__(self):
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)


def fill(template: str, facts: Mapping[str, Any]) -> str:
    """Fill a reason template; a fact that is absent shows as '?', never as an exception.
    A list shows as its items joined by commas."""
    shown = _Shown(facts)
    try:
        return template.format_map(shown)
    except (ValueError, TypeError, LookupError, AttributeError):  # '{x:.2%}' with x missing ('?'), '{x[0]}' of []
        return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: str(shown[m.group(1)]), template)
