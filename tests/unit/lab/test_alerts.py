import math
import struct
from pathlib import Path

import pytest

from lab.alerts import (STALE_NAN, AlertRule, alert_labels, alert_rule_files, alert_series, evaluation_steps,
                        load_alert_rules, parse_duration, replay_alert)
from lab.promwrite import encode_write_request

T0 = 1_764_000_000_000
STEP = 15_000
RULE = AlertRule(name="HighErrorRatio", expr="x > 1", for_ms=60_000, labels={"severity": "page"}, interval_ms=STEP)


def bits(value: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def is_stale(value: float) -> bool:
    return bits(value) == 0x7FF0000000000002


def steps(n: int) -> list[int]:
    return [T0 + k * STEP for k in range(n)]


def by_name(series):
    return {(labels["__name__"], labels.get("alertstate")): samples for labels, samples in series}


def test_parse_duration():
    assert parse_duration("15s") == 15_000 and parse_duration("1h30m") == 5_400_000
    assert parse_duration("500ms") == 500 and parse_duration("2d") == 172_800_000
    with pytest.raises(ValueError):
        parse_duration("1 minute")


def test_steps_start_at_the_offset():
    assert evaluation_steps(T0, T0 + 45_000, STEP, offset_ms=1_234) == [T0 + 1_234, T0 + 16_234, T0 + 31_234]


def test_pending_then_firing_then_stale():
    s = steps(10)
    out = by_name(replay_alert(RULE, {"alertname": "HighErrorRatio"}, set(s[2:8]), s))
    pending, firing, for_state = out["ALERTS", "pending"], out["ALERTS", "firing"], out["ALERTS_FOR_STATE", None]
    # active from step 2; for=1m=4 steps: pending at steps 2..5, firing from step 6 (6-2 = 4 steps >= 1m)
    assert [(ts, v) for ts, v in pending[:-1]] == [(t, 1.0) for t in s[2:6]]
    assert pending[-1][0] == s[6] and is_stale(pending[-1][1])
    assert firing[:-1] == [(t, 1.0) for t in s[6:8]]
    assert firing[-1][0] == s[8] and is_stale(firing[-1][1])
    assert for_state[:-1] == [(t, float(s[2] // 1000)) for t in s[2:8]]
    assert for_state[-1][0] == s[8] and is_stale(for_state[-1][1])


def test_an_inactive_step_resets_the_for_clock():
    s = steps(12)
    active = set(s[0:3]) | set(s[4:12])  # gap at step 3
    out = by_name(replay_alert(RULE, {}, active, s))
    firing = [(ts, v) for ts, v in out["ALERTS", "firing"] if not math.isnan(v)]
    assert firing == [(t, 1.0) for t in s[8:12]]  # first firing 4 steps after the restart, not after step 0
    pending = out["ALERTS", "pending"]
    assert [ts for ts, v in pending if is_stale(v)] == [s[3], s[8]]
    for_state = out["ALERTS_FOR_STATE", None]
    assert {v for ts, v in for_state if not math.isnan(v)} == {s[0] // 1000, s[4] // 1000}
    assert [ts for ts, v in for_state if is_stale(v)] == [s[3]]  # still active at the last step: no marker


def test_zero_for_fires_at_once_and_never_pends():
    s = steps(3)
    out = by_name(replay_alert(AlertRule("A", "x", 0, {}, STEP), {}, {s[1]}, s))
    assert set(out) == {("ALERTS", "firing"), ("ALERTS_FOR_STATE", None)}
    assert out["ALERTS", "firing"][0] == (s[1], 1.0) and is_stale(out["ALERTS", "firing"][1][1])


def test_for_state_value_is_whole_unix_seconds_of_activation():
    s = [T0 + 1_234 + k * STEP for k in range(3)]
    out = by_name(replay_alert(RULE, {}, set(s), s))
    assert out["ALERTS_FOR_STATE", None] == [(t, float((T0 + 1_234) // 1000)) for t in s]


def test_labels_merge_result_then_rule_labels_then_alertname():
    metric = {"__name__": "ratio", "service": "cdn", "region": "eu", "severity": "low", "empty": ""}
    assert alert_labels(RULE, metric) == {"service": "cdn", "region": "eu", "severity": "page", "alertname": "HighErrorRatio"}


def test_alert_series_from_a_query_range_matrix():
    s = steps(8)
    matrix = [{"metric": {"service": "cdn", "region": "eu"}, "values": [[t / 1000, "0.5"] for t in s[1:7]]},
              {"metric": {"service": "db", "region": "eu"}, "values": [[s[0] / 1000, "0.9"]]}]
    series = alert_series(RULE, matrix, s)
    names = sorted((labels["service"], labels["__name__"], labels.get("alertstate", "")) for labels, _ in series)
    assert names == [("cdn", "ALERTS", "firing"), ("cdn", "ALERTS", "pending"), ("cdn", "ALERTS_FOR_STATE", ""),
                     ("db", "ALERTS", "pending"), ("db", "ALERTS_FOR_STATE", "")]
    cdn_firing = next(samples for labels, samples in series if labels["service"] == "cdn" and labels.get("alertstate") == "firing")
    assert cdn_firing[:-1] == [(s[5], 1.0), (s[6], 1.0)] and cdn_firing[-1][0] == s[7]
    labels = next(labels for labels, _ in series if labels["service"] == "cdn" and labels["__name__"] == "ALERTS")
    assert labels["severity"] == "page" and labels["alertname"] == "HighErrorRatio" and labels["region"] == "eu"


def test_stale_marker_bits_survive_the_remote_write_encoding():
    payload = encode_write_request([({"__name__": "ALERTS"}, [(T0, STALE_NAN)])])
    assert struct.pack("<Q", 0x7FF0000000000002) in payload


def test_rule_files_of_the_repository(tmp_path: Path):
    files = alert_rule_files()
    assert files and all(f.suffix == ".yml" and f.parent.name == "rules" for f in files)
    names = {rule.name for rule in load_alert_rules(files)}
    assert {"HighErrorRatio", "NodeErrorRatio", "HighLatencyP99", "SlowBurnErrorRatio"} <= names
    extra = tmp_path / "r.yml"
    extra.write_text("groups:\n- name: g\n  interval: 30s\n  rules:\n  - record: r\n    expr: up\n"
                     "  - alert: A\n    expr: up == 0\n    for: 2m\n    labels: {severity: page}\n")
    assert load_alert_rules([extra]) == [AlertRule("A", "up == 0", 120_000, {"severity": "page"}, 30_000)]
