"""docs/scenarios.md names every field of the scenario format, every event kind, every access-log field,
every answer the generator gives and every alert rule, so it cannot silently fall behind lab/spec.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab import spec
from lab.alerts import alert_rule_files, load_alert_rules
from lab.load import LOGS_TEMPLATE

DOC = Path(__file__).resolve().parents[3] / "docs" / "scenarios.md"
MODELS = (spec.Scenario, spec.TimeRange, spec.Service, spec.Noise, spec.Customer, spec.CustomerGroup, spec.Event,
          spec.TicketPolicy, spec.Delay, spec.CustomerSelector)
FIELDS = [(model.__name__, name) for model in MODELS for name in model.model_fields]
KINDS = list(spec.PLATFORM_KINDS + spec.CUSTOMER_KINDS)
LOG_FIELDS = list(LOGS_TEMPLATE["template"]["mappings"]["properties"])


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize(("model", "field"), FIELDS, ids=[f"{model}.{field}" for model, field in FIELDS])
def test_every_spec_field_is_documented(text, model, field):
    assert f"`{field}`" in text, f"docs/scenarios.md does not name {model}.{field}"


@pytest.mark.parametrize("model", [model.__name__ for model in MODELS])
def test_every_spec_model_is_named(text, model):
    assert f"`{model}`" in text


@pytest.mark.parametrize("kind", KINDS)
def test_every_event_kind_is_documented(text, kind):
    assert f"| `{kind}` |" in text, f"docs/scenarios.md has no table row for the event kind {kind}"


def test_the_kind_lists_agree_with_the_literal():
    assert set(KINDS) == set(spec.EventKind.__args__)


@pytest.mark.parametrize("field", LOG_FIELDS)
def test_every_log_field_is_documented(text, field):
    assert f"| `{field}` |" in text, f"docs/scenarios.md has no table row for the log field {field}"


@pytest.mark.parametrize("kind", sorted(spec.CUSTOMER_ERRORS))
def test_every_customer_answer_is_documented(text, kind):
    status, code = spec.CUSTOMER_ERRORS[kind]
    row = next(line for line in text.splitlines() if line.startswith(f"| `{kind}` |"))
    assert f"{status} `{code}`" in row


@pytest.mark.parametrize("kind", [kind for kind, weights in spec.PLATFORM_ERRORS.items() if weights])
def test_every_platform_status_weight_is_documented(text, kind):
    row = next(line for line in text.splitlines() if line.startswith(f"| `{kind}` |"))
    for status, weight in spec.PLATFORM_ERRORS[kind].items():
        assert f"{status} `{spec.ERROR_CODES[status]}` ({weight:g})" in row


@pytest.mark.parametrize("kind", list(spec.PLATFORM_KINDS))
def test_every_platform_default_error_rate_is_documented(text, kind):
    row = next(line for line in text.splitlines() if line.startswith(f"| `{kind}` |"))
    default = spec.Event.model_construct(kind=kind, error_rate=None).rate
    assert f"| {default} |" in row or f"| {default:g} |" in row


@pytest.mark.parametrize("rule", [rule.name for rule in load_alert_rules(alert_rule_files())])
def test_every_alert_rule_is_documented(text, rule):
    assert f"| `{rule}` |" in text


@pytest.mark.parametrize("metric", ["http_requests_total", "http_request_duration_seconds_bucket",
                                    "http_request_duration_seconds_count", "ALERTS", "ALERTS_FOR_STATE"])
def test_every_written_metric_is_documented(text, metric):
    assert f"`{metric}" in text
