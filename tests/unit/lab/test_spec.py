"""The scenario spec validator: every library file is valid; mistakes are named by field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from lab.spec import SpecError, load_spec, parse_duration

LIBRARY = sorted((Path(__file__).resolve().parents[3] / "scenarios").glob("*.yaml"))

MINIMAL = {
    "services": [{"name": "object-storage", "regions": ["cn-east-1", "cn-north-1"]}],
    "customers": [{"id": "cust-1", "rate": 1.0, "uses": ["object-storage/cn-east-1"]}],
    "events": [{"id": "outage", "kind": "regional_outage", "service": "object-storage", "region": "cn-east-1",
                "start": "-40m", "end": "-10m"}],
}


def write(tmp_path: Path, document: object, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", LIBRARY, ids=[path.name for path in LIBRARY])
def test_every_library_scenario_is_valid(path):
    spec = load_spec(path)
    assert spec.description, "each library scenario says what happens"


def test_library_covers_every_event_kind():
    from lab.spec import CUSTOMER_KINDS, PLATFORM_KINDS

    kinds = {event.kind for path in LIBRARY for event in load_spec(path).events}
    assert set(PLATFORM_KINDS + CUSTOMER_KINDS) <= kinds


def test_minimal_spec_gets_defaults(tmp_path):
    spec = load_spec(write(tmp_path, MINIMAL, "small-outage.yaml"))
    assert spec.name == "small-outage"
    assert spec.time.duration == timedelta(hours=2)
    assert spec.events[0].start == timedelta(minutes=-40)
    assert spec.events[0].rate == 0.6 and spec.events[0].truth == "platform_incident"


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("15m", 900), ("-2h", -7200), ("1d", 86400), ("1.5m", 90)])
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["events"][0].update(error_rate=2), "events.0.error_rate: Input should be less than or equal to 1"),
    (lambda d: d["events"][0].update(kind="meteor"), "events.0.kind: Input should be"),
    (lambda d: d["events"][0].pop("service"), "events.0: Value error, regional_outage needs service"),
    (lambda d: d["events"][0].update(start="soon"), "events.0.start"),
    (lambda d: d["customers"][0].update(uses=["object-storage/mars-1"]), "customers.0.uses: unknown service/region 'object-storage/mars-1'"),
    (lambda d: d["customers"].append({"group": "g", "count": 2, "rate": [2, 1]}), "customers.1: Value error, rate must be [min, max]"),
    (lambda d: d["customers"][0].update(colour="red"), "customers.0.colour: Extra inputs are not permitted"),
    (lambda d: d["events"].append({"id": "t", "kind": "expired_token", "start": "-5m", "end": "0m"}), "events.1: Value error, expired_token needs customers"),
    (lambda d: d["events"].append({"id": "t", "kind": "expired_token", "start": "-5m", "end": "0m", "customers": ["nobody"]}), "events.1.customers: unknown customer 'nobody'"),
    (lambda d: d["events"].append(dict(d["events"][0])), "events.1.id: duplicate event id 'outage'"),
    (lambda d: d["events"][0].update(region="eu-west-1"), "service 'object-storage' has no region 'eu-west-1'"),
])
def test_bad_specs_name_the_field(tmp_path, change, message):
    document = yaml.safe_load(yaml.safe_dump(MINIMAL))
    change(document)
    with pytest.raises(SpecError) as error:
        load_spec(write(tmp_path, document))
    assert message in str(error.value)
    assert str(tmp_path / "spec.yaml") in str(error.value)


def test_not_a_mapping_or_not_yaml(tmp_path):
    for text in ("- just\n- a list\n", "services: [unclosed\n"):
        path = tmp_path / "broken.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SpecError):
            load_spec(path)
