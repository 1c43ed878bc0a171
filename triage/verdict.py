"""The verdict: a pure function of the evidence, driven by the rule table in rules.yaml.

facts = every available evidence item's facts, merged; the first rule whose conditions all hold
decides the label and confidence; its reason templates are filled from the facts in the ticket's
language; a usage error gets cause and fix from the knowledge base by its error code.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, field_validator

from triage.models import Evidence, Label, Verdict

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}
CONDITION = re.compile(r"^\s*(>=|<=|==|>|<)\s*(-?[0-9.]+)\s*$")


class Rule(BaseModel):
    name: str
    label: Label
    confidence: float
    when: dict[str, str]
    reasons: dict[str, list[str]]

    @field_validator("reasons")
    @classmethod
    def english_is_there(cls, reasons: dict[str, list[str]]) -> dict[str, list[str]]:
        if "en" not in reasons:
            raise ValueError("reasons need an 'en' list: English is the fallback for other languages")
        return reasons

    @field_validator("when")
    @classmethod
    def conditions_parse(cls, when: dict[str, str]) -> dict[str, str]:
        for fact, condition in when.items():
            if not CONDITION.match(condition):
                raise ValueError(f"condition on {fact!r} must look like '>= 0.5', got {condition!r}")
        return when


class KnowledgeEntry(BaseModel):
    status: int
    doc_url: str
    cause: dict[str, str]
    fix: dict[str, list[str]]

    @field_validator("cause", "fix")
    @classmethod
    def english_is_there(cls, texts: dict) -> dict:
        if "en" not in texts:
            raise ValueError("needs an 'en' text: English is the fallback for other languages")
        return texts


@cache
def default_rules() -> tuple[Rule, ...]:
    raw = yaml.safe_load(resources.files("triage").joinpath("rules.yaml").read_text(encoding="utf-8"))
    return tuple(Rule.model_validate(rule) for rule in raw["rules"])


@cache
def default_knowledge_base() -> dict[str, KnowledgeEntry]:
    raw = yaml.safe_load(resources.files("triage").joinpath("knowledge_base.yaml").read_text(encoding="utf-8"))
    return {code: KnowledgeEntry.model_validate(entry) for code, entry in raw.items()}


def merge_facts(evidence: Sequence[Evidence]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for item in evidence:
        if item.available:
            facts.update(item.facts)
    return facts


def holds(condition: str, value: Any) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    match = CONDITION.match(condition)
    assert match, condition  # validated when the rules were loaded
    return OPERATORS[match.group(1)](value, float(match.group(2)))


def decide(
    evidence: Sequence[Evidence],
    language: str = "en",
    rules: Sequence[Rule] | None = None,
    knowledge_base: Mapping[str, KnowledgeEntry] | None = None,
) -> Verdict:
    rules = rules if rules is not None else default_rules()
    knowledge_base = knowledge_base if knowledge_base is not None else default_knowledge_base()
    facts = merge_facts(evidence)
    missing: list[str] = []
    for rule in rules:
        if all(holds(condition, facts.get(fact)) for fact, condition in rule.when.items()):
            verdict = Verdict(
                label=rule.label,
                confidence=rule.confidence,
                rule=rule.name,
                reasons=[fill(template, facts) for template in rule.reasons.get(language, rule.reasons["en"])],
                missing=missing if rule.label == "inconclusive" else [],
            )
            return with_fix(verdict, facts, language, knowledge_base)
        missing += [fact for fact in rule.when if fact not in facts and fact not in missing]
    raise ValueError("the rule table has no catch-all rule (a last rule with `when: {}`)")


def with_fix(verdict: Verdict, facts: Mapping[str, Any], language: str, kb: Mapping[str, KnowledgeEntry]) -> Verdict:
    entry = kb.get(str(facts.get("top_error_code")))
    if verdict.label != "usage_error" or entry is None:
        return verdict
    return verdict.model_copy(update={
        "cause": entry.cause.get(language, entry.cause["en"]),
        "fix": entry.fix.get(language, entry.fix["en"]),
        "doc_url": entry.doc_url,
    })


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def fill(template: str, facts: Mapping[str, Any]) -> str:
    """Fill a reason template; a fact that is absent shows as '?', never as an exception."""
    try:
        return template.format_map(_Blank(facts))
    except (ValueError, TypeError):  # e.g. '{x:.2%}' with x missing ('?')
        safe = {key: value for key, value in facts.items() if isinstance(value, (int, float))}
        return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: str(safe.get(m.group(1), facts.get(m.group(1), "?"))), template)
