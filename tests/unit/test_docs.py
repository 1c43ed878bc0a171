"""The docs name every setting, rule and rule fact the code has, so they cannot silently fall behind."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from stack.settings import repo_root
from worker.config import Settings

DOCS = repo_root() / "docs"
RULES = yaml.safe_load(resources.files("triage").joinpath("rules.yaml").read_text(encoding="utf-8"))["rules"]


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("field", list(Settings.model_fields))
def test_every_setting_is_in_configuration_md(field):
    text = doc("configuration.md")
    assert f"`{field}`" in text
    assert f"`FC_{field.upper()}`" in text
    assert f"`--{field.replace('_', '-')}`" in text


@pytest.mark.parametrize("rule", [rule["name"] for rule in RULES])
def test_every_rule_is_in_verdict_rules_md(rule):
    assert f"`{rule}`" in doc("verdict-rules.md")


@pytest.mark.parametrize("fact", sorted({fact for rule in RULES for fact in rule["when"]}))
def test_every_fact_a_rule_reads_is_in_data_model_md(fact):
    assert f"`{fact}`" in doc("data-model.md")
