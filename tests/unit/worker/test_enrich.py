"""enrich_batch end to end with fake correlators: each answers the evidence the real correlator found on
answers recorded from the real stack (tests/unit/correlators/recorded/), so the verdicts, notes and
incidents are those of real tickets of the lab scenario 16-large."""

from datetime import datetime, timezone

import pytest

from correlators.base import OrderError
from tests.unit.fakes import ORDER, FakeCorrelator, Recording, recorded_correlators
from triage.findings import AlertFinding, MetricsFinding
from triage.knowledge import load_knowledge
from triage.models import Evidence, Ticket
from triage.reading import CJK_PATTERN
from worker.enrich import LinkSettings, enrich_batch


NOW = datetime(2026, 11, 25, 17, 20, tzinfo=timezone.utc)  # after the last recorded ticket (17:09:02)
NAMES = ("outage_5xx", "expired_token_in_outage", "dependency_batch", "latency", "traffic_vanished", "no_traffic")
NOTE_LABELS = {"en": {"platform_incident": "**Platform incident**", "usage_error": "**Usage error**", "inconclusive": "**Inconclusive**"},
               "zh": {"platform_incident": "**平台故障**", "usage_error": "**使用错误**", "inconclusive": "**无法判断**"}}


def ids(name: str) -> list[str]:
    return [ticket.ticket_id for ticket in Recording(name).tickets()]


OUTAGE, TOKEN, (AUTH, IMAGES), LATENCY = ids("outage_5xx")[0], ids("expired_token_in_outage")[0], ids("dependency_batch"), ids("latency")[0]


def batch():
    tickets = [ticket for name in NAMES for ticket in Recording(name).tickets()]
    truth = {case["ticket"]["ticket_id"]: case["truth"] for name in NAMES for case in Recording(name).data["cases"]}
    return tickets, truth


def test_a_batch_of_real_tickets_gets_verdicts_notes_and_incidents():
    tickets, truth = batch()
    correlators = recorded_correlators(*NAMES)
    enrichment = enrich_batch(tickets, correlators, NOW, "w1")
    assert [item.ticket_id for item in enrichment.tickets] == [ticket.ticket_id for ticket in tickets]
    assert all(c.batches == [[t.ticket_id for t in tickets]] for c in correlators)  # one call per correlator per batch
    for item in enrichment.tickets:
        assert item.verdict.label == truth[item.ticket_id]["label"], (item.ticket_id, item.verdict.reasons)
        assert (item.enriched_at, item.worker) == (NOW, "w1")
        assert [e.source for e in item.evidence] == ["ticket", "request_logs", "metrics_anomaly", "alerts", "blast_radius", "knowledge_base"]
        # the note: markdown, in the ticket's language, opening with the verdict
        assert item.note.startswith(NOTE_LABELS[item.reading.language][item.verdict.label]), item.note
        if item.reading.language == "zh":
            assert CJK_PATTERN.search(item.note.splitlines()[0])
        else:
            assert not CJK_PATTERN.search(item.note.splitlines()[0])
        platform = item.verdict.label == "platform_incident"
        assert (item.incident_id is not None) == platform, item.ticket_id
        if item.incident_id:
            assert item.incident_id in item.note


def test_one_sighting_per_platform_ticket_and_one_incident_for_a_shared_dependency():
    tickets, _ = batch()
    enrichment = enrich_batch(tickets, recorded_correlators(*NAMES), NOW, "w1")
    platform = {item.ticket_id: item for item in enrichment.tickets if item.verdict.label == "platform_incident"}
    assert set(platform) == {OUTAGE, AUTH, IMAGES, LATENCY}
    assert sorted(s.ticket_id for s in enrichment.sightings) == sorted(platform)
    for seen in enrichment.sightings:
        assert seen.incident_id == platform[seen.ticket_id].incident_id
        assert seen.customer_id == platform[seen.ticket_id].customer_id
    # the metadata-db failure: one incident for the auth ticket and the image-processing ticket
    assert platform[AUTH].incident_id == platform[IMAGES].incident_id
    assert platform[OUTAGE].incident_id != platform[IMAGES].incident_id
    assert {s.service for s in enrichment.sightings if s.ticket_id in (AUTH, IMAGES)} == {"auth", "image-processing"}


def test_a_usage_error_during_the_outage_names_the_outage_as_related():
    tickets, _ = batch()
    items = {item.ticket_id: item for item in enrich_batch(tickets, recorded_correlators(*NAMES), NOW, "w1").tickets}
    token, outage = items[TOKEN], items[OUTAGE]
    assert token.verdict.label == "usage_error" and token.incident_id is None
    assert token.related_incident_id == outage.incident_id is not None
    assert token.related_incident_id in token.note
    assert token.verdict.error_code == "ExpiredToken" and token.verdict.cause and token.verdict.fix
    assert "ExpiredToken" in token.note
    assert all(item.related_incident_id is None for item in items.values() if item.verdict.label != "usage_error")


def test_scope_windows_and_links_are_on_the_enriched_ticket():
    tickets, _ = batch()
    links = LinkSettings(kibana_url="http://kibana:5601", grafana_url="http://grafana:3000")
    items = {item.ticket_id: item for item in enrich_batch(tickets, recorded_correlators(*NAMES), NOW, "w1", links).tickets}
    outage = items[OUTAGE]
    assert (outage.service, outage.region) == ("object-storage", "cn-east-1")
    assert outage.window.start == datetime(2026, 11, 25, 15, 46, tzinfo=timezone.utc)
    assert set(outage.links) == {"kibana", "grafana"}
    assert all(link in outage.note for link in outage.links.values())
    assert outage.ticket["ticket_id"] == OUTAGE  # the original ticket, as JSON


def test_each_correlator_is_timed():
    tickets, _ = batch()
    timed: list[tuple[str, float]] = []
    enrich_batch(tickets[:2], recorded_correlators(*NAMES), NOW, "w1", timed=lambda name, seconds: timed.append((name, seconds)))
    assert [name for name, _ in timed] == ["request_logs", "metrics_anomaly", "alerts", "blast_radius", "knowledge_base"]
    assert all(seconds >= 0 for _, seconds in timed)


def test_an_empty_batch_and_sources_that_could_not_answer():
    assert enrich_batch([], recorded_correlators(), NOW, "w1").tickets == []
    tickets, _ = batch()
    down = [FakeCorrelator(name, {}, Evidence(source=name, query="", summary="down", available=False))
            for name in ("request_logs", "metrics_anomaly")]
    [item] = enrich_batch(tickets[:1], down, NOW, "w1").tickets
    assert item.verdict.label == "inconclusive" and item.incident_id is None
    assert item.verdict.missing[:2] == ["source:request_logs", "source:metrics_anomaly"]
    assert item.note


# --- hand-made --------------------------------------------------------------------------------------

UTC = timezone.utc


def plain_ticket(ticket_id: str = "T-1", **fields) -> Ticket:
    base = dict(ticket_id=ticket_id, customer_id="c", created_at=datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
                subject="uploads fail", body="uploads to our vault storage fail")
    return Ticket(**{**base, **fields})


def test_each_correlator_is_timed_in_the_order_given():
    timed: list[tuple[str, float]] = []
    correlators = [FakeCorrelator(name, {}) for name in ORDER]
    enrich_batch([plain_ticket()], correlators, NOW, "w1", timed=lambda name, seconds: timed.append((name, seconds)))
    assert [name for name, _ in timed] == list(ORDER)
    assert all(seconds >= 0 for _, seconds in timed)


def test_the_knowledge_given_reads_the_tickets_and_decides(tmp_path):
    """A team's vocabulary names its service; its rules decide; the alert handed on names the incident."""
    (tmp_path / "vocabulary.yaml").write_text("services:\n  vault: [vault storage]\n", encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(
        "signals:\n"
        "  - name: team_says_platform\n    label: platform_incident\n    weight: 9\n"
        "    when: {team_platform_fact: \">= 1\"}\n    reason: {en: the team's own signal held}\n",
        encoding="utf-8")
    knowledge = load_knowledge(vocabulary_file=tmp_path / "vocabulary.yaml", rules_file=tmp_path / "rules.yaml")
    alert = AlertFinding(name="VaultDown", fingerprint='VaultDown{region="fra1"}', symptom="errors",
                         active_at=datetime(2026, 11, 25, 16, 50, tzinfo=UTC), fault_alert="VaultDown",
                         onset=datetime(2026, 11, 25, 16, 50, tzinfo=UTC), last_seen=datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
                         ongoing=True, as_of=datetime(2026, 11, 25, 17, 0, tzinfo=UTC))
    alerts = FakeCorrelator("alerts", {"T-1": Evidence(source="alerts", query="q", summary="s", facts={"team_platform_fact": 1})},
                            handoffs={"T-1": {"alert": alert}})
    enrichment = enrich_batch([plain_ticket(region="fra1")], [alerts], NOW, "w1", knowledge=knowledge)
    [item] = enrichment.tickets
    assert (item.reading.service, item.service, item.region) == ("vault", "vault", "fra1")
    assert (item.verdict.label, item.verdict.rule) == ("platform_incident", "team_says_platform")
    [seen] = enrichment.sightings
    assert seen.incident_id == item.incident_id and seen.alerts == ['VaultDown{region="fra1"}']
    # the built-in knowledge reads no such service, and has no such signal
    [builtin] = enrich_batch([plain_ticket(region="fra1")], [FakeCorrelator("alerts", dict(alerts.by_ticket))], NOW, "w1").tickets
    assert builtin.reading.service is None and builtin.verdict.rule != "team_says_platform"


def test_a_correlator_that_sets_what_it_did_not_declare_is_stopped():
    class Sneaky:
        name = "sneaky"
        requires: frozenset[str] = frozenset()
        provides: frozenset[str] = frozenset()

        def correlate(self, cases):
            for case in cases:
                case.metrics = MetricsFinding(scope=("s", "r"))
            return [Evidence(source=self.name, query="", summary="") for _ in cases]

    with pytest.raises(OrderError, match="sneaky set case.metrics without declaring it in provides"):
        enrich_batch([plain_ticket()], [Sneaky()], NOW, "w1")
