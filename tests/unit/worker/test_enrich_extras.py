"""A producer's extra fields reach the outputs as they can be held: any name, any depth."""

import orjson

from worker.enrich import MAX_EXTRA_DEPTH, depth, kept_extras


def nested(levels: int):
    value = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


def test_depth_counts_objects_and_lists():
    assert depth("x") == 0 and depth({"a": 1}) == 1 and depth({"a": [{"b": 1}]}) == 3
    assert depth(nested(10_000)) == MAX_EXTRA_DEPTH + 1  # counted only up to the limit, no recursion


def test_extras_too_deep_are_kept_as_their_json_text():
    kept = kept_extras({"trace": {"span": {"id": 1}}, "deep": nested(300), "": "empty name", "a..b": 1})
    assert kept["trace"] == {"span": {"id": 1}} and kept[""] == "empty name" and kept["a..b"] == 1
    assert isinstance(kept["deep"], str) and orjson.loads(kept["deep"]) == nested(300)
    orjson.dumps(kept)  # serialisable: the outputs can write it


def test_extras_beyond_any_serialiser_are_named_not_lost_silently():
    assert kept_extras({"deep": nested(5_000)})["deep"] == "<nested too deep to keep>"
