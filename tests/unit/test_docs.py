"""The docs name every setting, signal, fact, correlator and knowledge-base code the code has, so they
cannot silently fall behind."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import yaml

from stack.settings import repo_root
from triage.knowledge import builtin_knowledge
from worker.config import Settings

DOCS = repo_root() / "docs"
RULES = yaml.safe_load(resources.files("triage").joinpath("rules.yaml").read_text(encoding="utf-8"))
SIGNALS = RULES["signals"]
INHIBITIONS = RULES.get("inhibitions") or []
# The modules that hold a correlator (log_search.py is the searches they share, base.py the interface).
CORRELATORS = sorted(path.stem for path in (repo_root() / "correlators").glob("*.py")
                     if path.name not in ("base.py", "__init__.py") and "def correlate(" in path.read_text(encoding="utf-8"))


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("field", list(Settings.model_fields))
def test_every_setting_is_in_configuration_md(field):
    text = doc("configuration.md")
    assert f"`{field}`" in text
    assert f"`FC_{field.upper()}`" in text
    assert f"`--{field.replace('_', '-')}`" in text


def test_there_are_signals_to_check():
    assert SIGNALS and INHIBITIONS and CORRELATORS  # a renamed key or folder must not make the tests below vacuous
    assert {"request_logs", "metrics_anomaly", "alerts", "blast_radius", "knowledge_base"} <= set(CORRELATORS)
    assert "log_search" not in CORRELATORS


@pytest.mark.parametrize("signal", [signal["name"] for signal in SIGNALS])
def test_every_signal_is_in_verdict_rules_md(signal):
    assert f"`{signal}`" in doc("verdict-rules.md")


@pytest.mark.parametrize("inhibition", [inhibition["name"] for inhibition in INHIBITIONS])
def test_every_inhibition_is_in_verdict_rules_md(inhibition):
    assert f"`{inhibition}`" in doc("verdict-rules.md")


@pytest.mark.parametrize("fact", sorted({fact for rule in SIGNALS + INHIBITIONS for fact in rule["when"]}))
def test_every_fact_a_signal_reads_is_in_data_model_md(fact):
    assert f"`{fact}`" in doc("data-model.md")


@pytest.mark.parametrize("fact", sorted({fact for signal in SIGNALS for text in signal["reason"].values()
                                         for fact in re.findall(r"\{(\w+)", text)}))
def test_every_fact_a_reason_shows_is_in_data_model_md(fact):
    assert f"`{fact}`" in doc("data-model.md")


@pytest.mark.parametrize("module", CORRELATORS)
def test_every_correlator_has_a_section_in_correlators_md(module):
    headings = [line for line in doc("correlators.md").splitlines() if line.startswith("## ")]
    assert f"## `{module}`" in headings, f"correlators/{module}.py has no '## `{module}`' section in docs/correlators.md"


@pytest.mark.parametrize("code", sorted(builtin_knowledge().kb))
def test_every_knowledge_base_code_is_in_verdict_rules_md(code):
    assert f"`{code}`" in doc("verdict-rules.md")
