"""The worker's log lines: the same fields in JSON and in text, client noise folded."""

import logging

import orjson

from worker.logs import FoldClientNoise, JsonFormatter, TextFormatter


def record(name: str = "fault_correlator.worker", level: int = logging.WARNING, msg: str = "records dead-lettered", **extra):
    item = logging.LogRecord(name, level, __file__, 1, msg, None, None)
    for key, value in extra.items():
        setattr(item, key, value)
    return item


def test_text_lines_carry_the_same_fields_as_json():
    line = record(dead_lettered=2, by_kind={"not_json": 2}, topic="tickets")
    text = TextFormatter().format(line)
    assert text.endswith('records dead-lettered dead_lettered=2 by_kind={"not_json":2} topic=tickets')
    assert orjson.loads(JsonFormatter().format(line))["by_kind"] == {"not_json": 2}


def test_client_noise_is_folded_to_one_warning_a_minute():
    fold = FoldClientNoise()
    burst = [record("kafka.conn", logging.ERROR, "Connect attempt returned error 111") for _ in range(57)]
    passed = [item for item in burst if fold.filter(item)]
    assert len(passed) == 1 and passed[0].levelname == "WARNING"
    assert all(fold.filter(record(level=logging.ERROR, msg="backend unavailable")) for _ in range(3))  # ours: never folded
    assert fold.folded == {"kafka": 56}
    fold.last["kafka"] -= 61  # a minute later: the next one says how many were folded
    later = record("kafka.client", logging.ERROR)
    assert fold.filter(later) and later.folded == 56
