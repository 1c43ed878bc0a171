"""The worker as users run it: a separate `fault-correlator run` process, the real Kafka,
Elasticsearch and Prometheus, and the default scenario's logs, metrics and tickets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import orjson

from tests.e2e.conftest import committed_total, produce, read_topic, wait_for_count, wait_for_members


def test_every_ticket_is_enriched_with_the_expected_label(default_scenario, names, start_worker, es):
    tickets = [item.ticket for item in default_scenario.tickets]
    produce(names.input_topic, tickets)
    worker = start_worker()
    assert wait_for_count(es, names.enriched_index, len(tickets), while_true=worker.alive) == len(tickets)

    found = {hit["_id"]: hit["_source"] for hit in es.search(index=names.enriched_index, size=100)["hits"]["hits"]}
    for item in default_scenario.tickets:
        doc = found[item.ticket["ticket_id"]]
        assert doc["verdict"]["label"] == item.expected, (item.ticket["ticket_id"], item.why, doc["verdict"])
        assert doc["verdict"]["reasons"]
        assert [evidence["source"] for evidence in doc["evidence"]] == [
            "ticket", "request_logs", "metrics_anomaly", "alerts", "blast_radius", "knowledge_base"]
        assert doc["note"]
        if item.expected == "usage_error":
            assert doc["verdict"]["cause"] and doc["verdict"]["fix"]
        if item.expected == "platform_incident":
            assert doc["incident_id"]

    published = read_topic(names.output_topic, len(tickets))
    assert {record.key.decode() for record in published} == set(found)
    assert all(orjson.loads(record.value)["ticket_id"] == record.key.decode() for record in published)

    assert worker.stop(signal.SIGTERM) == 0  # graceful: finishes, commits, exits 0
    assert committed_total(names) == len(tickets)


def test_malformed_input_goes_to_the_dlq_and_the_worker_keeps_going(default_scenario, names, start_worker, es):
    good = [item.ticket for item in default_scenario.tickets[:3]]
    bad = [b"{not json", b"[1,2,3]", orjson.dumps({"ticket_id": "T-x", "subject": "no customer"}),
           orjson.dumps({**good[0], "ticket_id": "T-bad-time", "created_at": "tomorrow"}), b"x" * 70_000]
    produce(names.input_topic, [good[0], *bad[:3], good[1], *bad[3:], good[2]])
    worker = start_worker()
    assert wait_for_count(es, names.enriched_index, 3, while_true=worker.alive) == 3

    dead = read_topic(names.dlq_topic, len(bad))
    assert sorted(record.value for record in dead) == sorted(bad)  # the original bytes, untouched
    for record in dead:
        headers = {key: value.decode() for key, value in record.headers}
        assert headers["dlq.source.topic"] == names.input_topic
        assert int(headers["dlq.source.offset"]) >= 0 and headers["dlq.reason"]
    kinds = sorted(dict(record.headers)["dlq.kind"].decode() for record in dead)
    assert kinds == ["bad_timestamp", "invalid", "not_json", "not_object", "oversized"]
    assert worker.alive()
    assert worker.stop() == 0
    assert committed_total(names) == len(good) + len(bad)


def test_valid_but_hostile_tickets_are_enriched_and_nothing_stalls(default_scenario, names, start_worker, es):
    """Tickets docs/data-model.md calls valid that once choked a backend: each is enriched now, in one
    batch with ordinary ones, and every offset is committed (no rewind for ever, no DLQ)."""
    good = default_scenario.tickets[0].ticket
    deep: object = "x"
    for _ in range(300):
        deep = {"a": deep}
    hostile = [
        {**good, "ticket_id": "T-deep", "trace": deep},  # pydantic: "Maximum serialization depth exceeded"
        {**good, "ticket_id": "T-empty-name", "": "x", "a..b": 1},  # Elasticsearch: "field name cannot be an empty string"
        {**good, "ticket_id": "T-newline", "region": "cn-east-1\nx"},  # PromQL: "unterminated quoted string"
        {**good, "ticket_id": "T-fffd", "region": "cn-east-\ufffd"},  # PromQL: "invalid UTF-8 rune"
        {**good, "ticket_id": "T-long", "region": "r" * 40_000},  # longer than a keyword can be
        {**good, "ticket_id": "T-2000", "created_at": "2000-01-01T00:00:00Z"},  # beside today's: >11,000 points
    ]
    tickets = [*hostile, *(item.ticket for item in default_scenario.tickets)]
    # json, not orjson: orjson refuses to write more than 254 levels (the worker reads them fine)
    produce(names.input_topic, [json.dumps(ticket).encode() for ticket in tickets])
    worker = start_worker(max_ticket_bytes="200000")
    assert wait_for_count(es, names.enriched_index, len(tickets), while_true=worker.alive) == len(tickets)
    deep_doc = es.get(index=names.enriched_index, id="T-deep")["_source"]
    assert isinstance(deep_doc["ticket_extras"]["trace"], str)  # kept as its JSON text
    assert es.get(index=names.enriched_index, id="T-empty-name")["_source"]["ticket_extras"][""] == "x"
    assert worker.stop() == 0
    assert committed_total(names) == len(tickets)
    assert read_topic(names.dlq_topic, 1, timeout=3) == []


def test_killed_mid_stream_and_restarted_every_ticket_lands_exactly_once_in_the_index(default_scenario, names, start_worker, es):
    tickets = [{**item.ticket, "ticket_id": f"{item.ticket['ticket_id']}-{copy:03d}"}
               for copy in range(30) for item in default_scenario.tickets]
    produce(names.input_topic, tickets)

    first = start_worker(batch_size=5)
    partial = wait_for_count(es, names.enriched_index, len(tickets) // 4, while_true=first.alive)
    assert 0 < partial < len(tickets), "the kill must land mid-stream"
    first.stop(signal.SIGKILL)

    second = start_worker(batch_size=50)
    assert wait_for_count(es, names.enriched_index, len(tickets), while_true=second.alive) == len(tickets)
    assert second.stop() == 0

    es.indices.refresh(index=names.enriched_index)
    assert es.count(index=names.enriched_index)["count"] == len(tickets)  # exactly once: _id = ticket_id
    wanted = {ticket["ticket_id"] for ticket in tickets}
    published = read_topic(names.output_topic, len(tickets), keys=wanted)  # replays may have published some twice
    assert {record.key.decode() for record in published} == wanted  # at least once
    assert committed_total(names) == len(tickets)



def test_two_processes_in_one_instance_share_the_partitions_and_stop_cleanly(default_scenario, names, start_worker, es):
    tickets = [{**item.ticket, "ticket_id": f"{item.ticket['ticket_id']}-{copy:02d}"}
               for copy in range(10) for item in default_scenario.tickets]
    worker = start_worker(processes="2", worker_name="e2e-pair")
    wait_for_members(names.group_id, 2, [worker])  # else the first to join may take it all
    produce(names.input_topic, tickets)
    assert wait_for_count(es, names.enriched_index, len(tickets), while_true=worker.alive) == len(tickets)

    es.indices.refresh(index=names.enriched_index)
    by_worker = es.search(index=names.enriched_index, size=0, aggs={"w": {"terms": {"field": "worker"}}})["aggregations"]["w"]
    assert {bucket["key"] for bucket in by_worker["buckets"]} == {"e2e-pair-0", "e2e-pair-1"}  # each owns partitions
    assert worker.stop(signal.SIGTERM) == 0  # passed on to both: they finish, commit and exit 0
    assert committed_total(names) == len(tickets)



def test_three_workers_joining_and_leaving_under_load_lose_nothing_and_log_no_error(default_scenario, names, start_worker, es):
    """Rebalances under load: a worker joins, another joins, the first leaves, the second leaves. Every
    ticket ends in the index (exactly once: _id = ticket_id), every offset is committed, and an ordinary
    rebalance writes no error-level log line (worker/rebalance.py)."""
    tickets = [{**item.ticket, "ticket_id": f"{item.ticket['ticket_id']}-{copy:03d}"}
               for copy in range(40) for item in default_scenario.tickets]
    produce(names.input_topic, tickets)
    first = start_worker(batch_size=5, worker_name="e2e-a")
    wait_for_count(es, names.enriched_index, len(tickets) // 8, while_true=first.alive)
    second = start_worker(batch_size=5, worker_name="e2e-b")
    wait_for_members(names.group_id, 2, [first, second])
    third = start_worker(batch_size=5, worker_name="e2e-c")
    wait_for_members(names.group_id, 3, [first, second, third])
    assert first.stop(signal.SIGTERM) == 0  # leaves the group: its partitions move, under load
    wait_for_members(names.group_id, 2, [second, third])
    assert second.stop(signal.SIGTERM) == 0
    assert wait_for_count(es, names.enriched_index, len(tickets), while_true=third.alive) == len(tickets)
    assert third.stop(signal.SIGTERM) == 0

    es.indices.refresh(index=names.enriched_index)
    assert es.count(index=names.enriched_index)["count"] == len(tickets)
    assert committed_total(names) == len(tickets)
    for worker in (first, second, third):
        lines = worker.log_path.read_text(errors="replace").splitlines()
        errors = [line for line in lines if line.startswith("{") and json.loads(line).get("level") in ("error", "critical")]
        assert errors == [], errors[:3]
        assert any("partitions revoked" in line or "partitions assigned" in line for line in lines)


SECRETS = {"FC_ELASTICSEARCH_USERNAME": "fc", "FC_ELASTICSEARCH_PASSWORD": "es-secret-3141",
           "FC_PROMETHEUS_BEARER_TOKEN": "prom-secret-2718", "FC_KAFKA_PASSWORD": "kafka-secret-1618",
           "FC_ALERTMANAGER_PASSWORD": "am-secret-1414"}


def test_no_secret_reaches_the_output(default_scenario, names, start_worker, es, tmp_path):
    """The worker reads Kafka over TLS with SCRAM-SHA-512 (the broker's SASL_SSL listener) and is given
    credentials for the other servers (they ignore them); it enriches as usual and writes no secret:
    not in its log, not in --help, not in an error that carries a URL with a password."""
    from stack import kafka as stack_kafka
    from stack.settings import KAFKA_SCRAM_PASSWORD, KAFKA_SCRAM_USER, KAFKA_SECURE_BOOTSTRAP

    stack_kafka.add_scram_user(KAFKA_SCRAM_USER, KAFKA_SCRAM_PASSWORD)
    tickets = [item.ticket for item in default_scenario.tickets[:4]]
    produce(names.input_topic, tickets)
    secure = {"kafka_bootstrap": KAFKA_SECURE_BOOTSTRAP, "kafka_security_protocol": "SASL_SSL",
              "kafka_sasl_mechanism": "SCRAM-SHA-512", "kafka_username": KAFKA_SCRAM_USER,
              "kafka_ca_file": str(stack_kafka.ca_file())}
    password_file = tmp_path / "kafka_password"
    password_file.write_text(KAFKA_SCRAM_PASSWORD + "\n")  # as a container mounts a secret
    given = {key.removeprefix("FC_").lower(): value for key, value in SECRETS.items() if key != "FC_KAFKA_PASSWORD"}
    worker = start_worker(**given, **secure, kafka_password_file=str(password_file), log_level="DEBUG")
    assert wait_for_count(es, names.enriched_index, len(tickets), while_true=worker.alive) == len(tickets)
    assert worker.stop() == 0
    outputs = [worker.log_path.read_text(errors="replace")]
    env = {**os.environ, **SECRETS}
    for args in (["run", "--help"], ["incidents", "list", "--elasticsearch-url", "http://fc:url-secret-1732@127.0.0.1:1",
                                      "--retry-attempts", "1", "--backend-timeout-s", "0.5"]):
        done = subprocess.run([sys.executable, "-m", "worker.cli", *args], env=env, capture_output=True, text=True, timeout=60)
        outputs.append(done.stdout + done.stderr)
    assert "elasticsearch unavailable" in outputs[2]  # the error was printed...
    for secret in [*(value for key, value in SECRETS.items() if "USERNAME" not in key), "url-secret-1732", KAFKA_SCRAM_PASSWORD]:
        assert not any(secret in text for text in outputs), secret  # ...without the password
