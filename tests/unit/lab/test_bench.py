"""The bench's pure parts: per-run settings, and pooling runs into one library-wide evaluation."""

from __future__ import annotations

from lab.bench import pooled, run_settings
from lab.truth import GroundTruth, Observed
from worker.config import load_settings


def truth(ticket_id: str, incident: str | None) -> GroundTruth:
    return GroundTruth(ticket_id=ticket_id, customer_id="c", scenario="s", label="platform_incident", kind="regional_outage",
                       event="outage", incident=incident, services=["object-storage"], regions=["cn-east-1"])


def seen(ticket_id: str, incident_id: str | None) -> Observed:
    document = {"ticket_id": ticket_id, "verdict": {"label": "platform_incident", "rule": "r"}, "evidence": [], "incident_id": incident_id}
    return Observed(ticket_id=ticket_id, document=document, produced_ms=0, enriched_ms=1000)


def test_run_settings_isolate_topics_index_and_group():
    settings = run_settings(load_settings(), "ab12cd", mode="naive")
    assert (settings.input_topic, settings.output_topic, settings.dlq_topic) == (
        "lab.ab12cd.naive.tickets", "lab.ab12cd.naive.enriched", "lab.ab12cd.naive.dlq")
    assert settings.enriched_index == "lab-ab12cd-naive-enriched" and settings.group_id == "lab.ab12cd.naive"
    assert settings.mode == "naive" and settings.metrics_port == 0


def test_pooling_keeps_same_named_incidents_of_two_runs_apart():
    run_a = ("a", [truth("A1", "outage"), truth("A2", "outage")], {"A1": seen("A1", "inc-1"), "A2": seen("A2", "inc-1")})
    run_b = ("b", [truth("B1", "outage"), truth("B2", "outage")], {"B1": seen("B1", "inc-1"), "B2": seen("B2", "inc-1")})
    result = pooled([run_a, run_b])
    assert result["tickets"] == 4 and result["accuracy"] == 1.0
    # Two true pairs (A1-A2, B1-B2), two predicted pairs, all matching: not six pairs across runs.
    assert (result["grouping"]["true_pairs"], result["grouping"]["predicted_pairs"], result["grouping"]["both_pairs"]) == (2, 2, 2)
    assert result["throughput_tps"] is None and result["latency_s"]["p50"] is None
