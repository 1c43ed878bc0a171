import pytest
from pydantic import ValidationError

from fault_correlator.cli import main
from worker.cli import build_parser
from worker.config import Settings, load_settings


def test_defaults_point_at_the_local_stack():
    settings = load_settings()
    assert settings.kafka_bootstrap == "127.0.0.1:9092"
    assert settings.elasticsearch_url == "http://127.0.0.1:9200"
    assert settings.prometheus_url == "http://127.0.0.1:9090"
    assert (settings.input_topic, settings.output_topic, settings.dlq_topic) == ("tickets", "tickets.enriched", "tickets.dlq")


def test_flags_beat_env_which_beats_the_file(tmp_path, monkeypatch):
    config = tmp_path / "fc.yaml"
    config.write_text("batch_size: 10\ngroup_id: from-file\ninput_topic: file-topic\n")
    monkeypatch.setenv("FC_BATCH_SIZE", "20")
    monkeypatch.setenv("FC_GROUP_ID", "from-env")
    settings = load_settings(config, group_id="from-flag")
    assert settings.group_id == "from-flag"
    assert settings.batch_size == 20
    assert settings.input_topic == "file-topic"


def test_bad_values_and_unknown_keys_are_refused(tmp_path):
    with pytest.raises(ValidationError):
        load_settings(batch_size="0")
    config = tmp_path / "fc.yaml"
    config.write_text("no_such_key: 1\n")
    with pytest.raises(ValidationError):
        load_settings(config)
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "missing.yaml")


def test_every_setting_has_a_flag_with_its_env_var_in_the_help():
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    help_text = run.format_help()
    for name in Settings.model_fields:
        assert "--" + name.replace("_", "-") in help_text
        assert f"FC_{name.upper()}" in help_text


@pytest.mark.parametrize("command", ["run", "demo"])
def test_bad_configuration_exits_2_with_the_reason(command, capsys):
    with pytest.raises(SystemExit) as leaving:
        main([command, "--batch-size", "-1"])
    assert leaving.value.code == 2
    err = capsys.readouterr().err
    assert "bad configuration" in err and "batch_size" in err


# --- a team's data: schemas and knowledge files --------------------------------------------------------

def test_the_schemas_default_to_the_native_fields_and_take_a_preset_or_a_mapping(tmp_path, monkeypatch):
    settings = load_settings()
    assert (settings.log_schema.preset, settings.log_schema.customer, settings.metrics_schema.counter) == (
        "native", "customer_id", "http_requests_total")
    config = tmp_path / "fc.yaml"
    config.write_text("log_schema: {preset: ecs, customer: labels.customer_id}\nmetrics_schema: otel\n")
    from_file = load_settings(config)
    assert (from_file.log_schema.preset, from_file.log_schema.customer, from_file.log_schema.status) == (
        "ecs", "labels.customer_id", "http.response.status_code")
    assert from_file.metrics_schema.counter == "http_server_request_duration_seconds_count"
    monkeypatch.setenv("FC_LOG_SCHEMA", '{"preset": "ecs", "request_id": "trace.id"}')  # env: a name or JSON
    monkeypatch.setenv("FC_METRICS_SCHEMA", "otel")
    from_env = load_settings()
    assert (from_env.log_schema.request_id, from_env.log_schema.customer) == ("trace.id", "user.id")
    assert from_env.metrics_schema.region_label == "cloud_region"
    assert load_settings(log_schema="native").log_schema.customer == "customer_id"  # a flag beats the env


def test_an_unknown_schema_preset_or_field_is_refused():
    with pytest.raises(ValidationError, match="unknown log_schema preset 'splunk'"):
        load_settings(log_schema="splunk")
    with pytest.raises(ValidationError):
        load_settings(log_schema={"preset": "ecs", "no_such_field": "x"})
    with pytest.raises(ValidationError, match="unknown metrics_schema preset"):
        load_settings(metrics_schema="datadog")


def test_knowledge_files_in_a_config_file_are_relative_to_it(tmp_path, monkeypatch):
    team = tmp_path / "team"
    team.mkdir()
    (team / "kb.yaml").write_text("entries: {}\n")
    (tmp_path / "fc.yaml").write_text("knowledge_base_file: team/kb.yaml\n")
    monkeypatch.chdir(tmp_path.parent)  # another directory: the path is still found beside fc.yaml
    settings = load_settings(tmp_path / "fc.yaml")
    assert settings.knowledge_base_file == team / "kb.yaml"
    assert load_settings(rules_file="elsewhere.yaml").rules_file.name == "elsewhere.yaml"  # a flag: as given


def test_knowledge_of_the_settings_is_the_built_in_one_without_team_files(tmp_path):
    from triage.knowledge import builtin_knowledge
    from worker.config import knowledge_of

    assert knowledge_of(load_settings()) is builtin_knowledge()
    (tmp_path / "alerts.yaml").write_text("alerts: [{name: VaultDown, symptom: errors}]\n")
    team = knowledge_of(load_settings(alerts_file=tmp_path / "alerts.yaml"))
    assert team.alerts.names[0] == "VaultDown" and "HighErrorRatio" in team.alerts.names


def test_knowledge_check_prints_what_was_loaded_from_where(tmp_path, capsys):
    vocab = tmp_path / "team-vocab.yaml"
    vocab.write_text("services:\n  vault: [vault storage]\n")
    assert main(["knowledge", "check", "--vocabulary-file", str(vocab), "--log-schema", "ecs"]) == 0
    out = capsys.readouterr().out
    assert f"from built-in triage/vocabulary.yaml + {vocab}" in out
    assert "knowledge_base: " in out and "rules: " in out and "alerts: " in out
    assert "log schema: {'preset': 'ecs'" in out and "metrics schema: {'preset': 'native'" in out


def test_knowledge_check_names_the_bad_file_and_key(tmp_path, capsys):
    vocab = tmp_path / "team-vocab.yaml"
    vocab.write_text("services:\n  vault: vault storage\n")  # a text where a list belongs
    assert main(["knowledge", "check", "--vocabulary-file", str(vocab)]) == 2
    err = capsys.readouterr().err
    assert "bad knowledge file" in err and f"{vocab}: services.vault: Input should be a valid list" in err


def test_the_help_shows_the_schemas_default_preset():
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    help_text = " ".join(run.format_help().split())
    assert "env FC_LOG_SCHEMA, default native" in help_text and "env FC_METRICS_SCHEMA, default native" in help_text
