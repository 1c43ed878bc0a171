import pytest
from pydantic import ValidationError

from worker.cli import build_parser, main
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
