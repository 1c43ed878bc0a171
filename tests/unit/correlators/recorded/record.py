"""Record real Elasticsearch and Prometheus answers for the correlator unit tests.

    python tests/unit/correlators/recorded/record.py [--elasticsearch URL] [--prometheus URL] [--only NAME...]
                                                     [--tickets .lab/runs/<bench>/16-large-<run>/tickets.jsonl
                                                      | --as-recorded]

READ-ONLY: it sends `_msearch` to Elasticsearch and `/api/v1/query_range` to Prometheus, nothing else
(plus `GET /` and `/api/v1/status/buildinfo` for the versions). It never loads, resets or writes.

What it expects to be loaded: the lab scenario `scenarios/16-large.yaml` (run e78d8d, loaded on
2026-11-25 with its window 13:46-16:46 UTC) in `access-logs-*` and in Prometheus
(`http_requests_total`, `http_request_duration_seconds_bucket`, `ALERTS_FOR_STATE`). The tickets below
are copied verbatim from that run's tickets.jsonl (the lab's ground truth is in `truth`); against
another load of the scenario their customers still exist but the times will not match, so re-record
only against the same data, or pass the new load's tickets.jsonl with `--tickets` (the same customers'
tickets about the same events are taken instead: see `from_run`), then update the asserted figures.
The recordings here were first made that way, from run a24652 (`.lab/runs/bench-20261125T173231/
16-large-a24652/tickets.jsonl`, window 14:32-17:32 UTC): the same customers' tickets as below.

They were last re-taken on 2026-12-03 over a new load of the same data, with `--as-recorded`: run
a24652's tickets as recorded. To load that data again (not this script's job: it resets the stack's
logs indices and Prometheus), call `lab.run.load_scenario(spec, path, settings, run_dir, "a24652",
produce=False, reset=True)` with `spec = load_spec("scenarios/16-large.yaml")` whose `time.end` is
set to 2026-11-25T17:32:00Z (the window 14:32-17:32 UTC). That writes the same logs and metrics as
run a24652 (checked: the same counts and series in every recorded window), but the lab now words and
times the run's tickets differently (the same ids, other customers and texts): so `--tickets` with
that load's tickets.jsonl would not find some of the tickets below, and `--as-recorded` keeps the
recorded ones.

How: for each recording below, the tickets go through `understand()` (with the built-in vocabulary)
and `ticket_evidence()`, then through the worker's correlators in the worker's order (request_logs,
metrics_anomaly, alerts, blast_radius, knowledge_base), each with a recording backend in front of the
real server, and each held to the handoffs it declares (`check_provided`, as the worker does). So the
requests are exactly what the correlators build (`RequestLogsCorrelator.window_search`,
`baseline_search`, `request_id_search`; `MetricsAnomalyCorrelator.queries` with its `selector`, now, a
day and a week earlier; the `ALERTS_FOR_STATE{...}` range query; `BlastRadiusCorrelator.scope_search` /
`baseline_search`) and the responses are the servers' raw JSON (the `_msearch` items as returned, one
per search: never combined, whatever `combine` the correlator asks for; the Prometheus bodies as sent,
`status` and `data` included). Nothing is trimmed (window searches are `size: 0` and sample at most
five lines), except Prometheus series of services that are not the scenario's: other tests write
`service="live-<id>"` series into the same Prometheus, in the same regions and hours.

Each recording is one JSON file next to this script, `<name>.json`:

    {"name", "what", "recorded_at", "servers": {"elasticsearch", "prometheus"}, "scenario",
     "cases": [{"ticket", "truth", "reading", "window", "baseline"}],       # the Case as recorded
     "request_logs":   [{"index", "searches", "responses"}],               # one item per msearch call
     "metrics_anomaly": [{"query", "start", "end", "step", "response"}],   # one item per range query (nine)
     "alerts":          [{"query", "start", "end", "step", "response"}],
     "blast_radius":   [{"index", "searches", "responses"}],
     "histogram_quantile_p99": [{"query", ...}]}   # Prometheus's own p99 of the recorded buckets

Plus `errors.json` (see `record_failures`): the answers when no index matches and when a search fails.

The unit tests rebuild each Case from `reading`, `window` and `baseline` (not by reading the ticket
again, so a change to triage/reading.py does not shift the recorded requests), replay the responses
through tests/unit/fakes.py and check that the correlators ask for exactly the recorded requests.
After a change to a correlator's requests, re-record (same data) and update the asserted figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))  # the repository root, when run as a script

import httpx  # noqa: E402

from backends.elasticsearch import ElasticsearchBackend, connect  # noqa: E402
from backends.prometheus import PrometheusBackend, PrometheusQueryError  # noqa: E402
from correlators.alerts import AlertsCorrelator  # noqa: E402
from correlators.base import check_provided, handed_on  # noqa: E402
from correlators.blast_radius import BlastRadiusCorrelator  # noqa: E402
from correlators.knowledge_base import KnowledgeBaseCorrelator  # noqa: E402
from correlators.metrics_anomaly import OFFSETS, MetricsAnomalyCorrelator, scopes_to_check  # noqa: E402
from correlators.request_logs import RequestLogsCorrelator  # noqa: E402
from triage.case import Case  # noqa: E402
from triage.knowledge import builtin_knowledge  # noqa: E402
from triage.models import Ticket  # noqa: E402
from triage.understand import ticket_evidence, understand  # noqa: E402

SCENARIO = "16-large (run e78d8d)"
IO_SOURCES = ("request_logs", "metrics_anomaly", "alerts", "blast_radius")
SERVICES = ("object-storage", "cdn", "image-processing", "auth")  # the scenario's
VOCABULARY = builtin_knowledge().vocabulary  # what the worker reads tickets with when no team file is set

# Tickets of run e78d8d, verbatim from its tickets.jsonl, with the lab's ground truth (truth.jsonl).
T_OUTAGE = {"ticket_id": "T-e78d8d-00064", "customer_id": "big-video", "created_at": "2026-11-25T23:30:09+08:00",
            "subject": "请求一直失败，返回ServiceUnavailable（503）",
            "body": "访问big-video-data这个bucket的请求从23:26开始一直报ServiceUnavailable（503），影响线上业务。请求ID：req-899e6f697dcda3d2。",
            "service": "object-storage"}
T_TOKEN = {"ticket_id": "T-e78d8d-00407", "customer_id": "small-2208", "created_at": "2026-11-25T23:36:37+08:00",
           "subject": "存储服务突然没权限了",
           "body": "1分钟前开始，往cn-east-1的bucket small-2208-data上传文件全部返回401（ExpiredToken），我们没有改过任何配置，是不是你们鉴权服务出问题了？",
           "service": "object-storage", "language": "zh", "request_ids": ["req-1a939c7baa8a68ab"]}
T_VANISHED = {"ticket_id": "T-e78d8d-08858", "customer_id": "small-1942", "created_at": "2026-11-26T00:23:02+08:00",
              "subject": "问题还没解决", "body": "这是第二次反馈了，cn-east-1的域名small-1942-data的图片加载仍然超时，到底什么时候能修好？", "service": "cdn",
              "region": "cn-east-1", "language": "zh", "resource": "small-1942-data"}
# The scenario has no ticket whose customer sent nothing at all in its window (its client-network
# customers lose 80% of their requests, not all): this is T_VANISHED filed under a customer id that
# has no log line in the data, for the real shape of an empty answer.
T_NO_TRAFFIC = {**T_VANISHED, "ticket_id": T_VANISHED["ticket_id"] + "-unknown", "customer_id": "no-such-customer"}
T_LATENCY = {"ticket_id": "T-e78d8d-06315", "customer_id": "small-2273", "created_at": "2026-11-26T00:13:14+08:00",
             "subject": "High latency on the CDN API",
             "body": "For 9 minutes now, requests to the CDN API take much longer than usual and a few time out on our side.",
             "region": "ap-southeast-1"}
T_DEPENDENCY_AUTH = {"ticket_id": "T-e78d8d-02609", "customer_id": "small-0467",
                     "created_at": "2026-11-25T23:55:54+08:00", "subject": "认证接口是不是挂了？",
                     "body": "4 分钟前开始从认证接口获取 token 大量失败，报 503（ServiceUnavailable），重试也不行。我们这边没有任何改动。", "language": "zh",
                     "resource": "small-0467-data"}
T_DEPENDENCY_IMAGES = {"ticket_id": "T-e78d8d-02999", "customer_id": "mid-0204",
                       "created_at": "2026-11-25T23:58:08+08:00", "subject": "紧急：图片处理报504错误",
                       "body": "调用cn-east-1处理图片大概从23:50起一直报504错误，影响线上业务。请求ID req-711501d26f663153。",
                       "resource": "mid-0204-data"}
T_TIED_STATUSES = {"ticket_id": "T-e78d8d-00086", "customer_id": "small-1029",
                   "created_at": "2026-11-25T23:30:37+08:00", "subject": "Requests failing with 5xx",
                   "body": "We see a lot of failed requests to our bucket small-1029-data since 23:28, mostly 5xx. See request req-5a503f4c890d863c.",
                   "resource": "small-1029-data"}

# The lab's ground truth; `nth`: the ticket's place among its customer's tickets about that event.
TRUTH = {
    T_OUTAGE["ticket_id"]: {"label": "platform_incident", "kind": "regional_outage", "event": "os-east-outage", "nth": 1},
    T_TOKEN["ticket_id"]: {"label": "usage_error", "kind": "expired_token", "event": "tokens-east-in-outage",
                           "error_code": "ExpiredToken", "nth": 1},
    T_VANISHED["ticket_id"]: {"label": "inconclusive", "kind": "client_network", "event": "isp-loss", "nth": 2},
    T_NO_TRAFFIC["ticket_id"]: {"label": "inconclusive", "kind": "client_network", "event": None},
    T_LATENCY["ticket_id"]: {"label": "platform_incident", "kind": "latency_degradation", "event": "cdn-apse-slow", "nth": 1},
    T_DEPENDENCY_AUTH["ticket_id"]: {"label": "platform_incident", "kind": "dependency_failure", "event": "metadata-db-east", "nth": 1},
    T_DEPENDENCY_IMAGES["ticket_id"]: {"label": "platform_incident", "kind": "dependency_failure", "event": "metadata-db-east", "nth": 1},
    T_TIED_STATUSES["ticket_id"]: {"label": "platform_incident", "kind": "regional_outage", "event": "os-east-outage", "nth": 1},
}

RECORDINGS: dict[str, dict[str, Any]] = {
    "outage_5xx": {
        "what": "big-video during the object-storage/cn-east-1 outage: 5xx on one of its three scopes, a quoted request id",
        "tickets": [T_OUTAGE], "sources": IO_SOURCES},
    "expired_token_in_outage": {
        "what": "small-2208: its own 401 ExpiredToken on object-storage/cn-east-1 while the outage's alerts fire there",
        "tickets": [T_TOKEN], "sources": IO_SOURCES},
    "traffic_vanished": {
        "what": "small-1942 (client network loss): its requests reaching us fell to a few percent of the hour before",
        "tickets": [T_VANISHED], "sources": IO_SOURCES},
    "no_traffic": {
        "what": "a customer with no request at all: the empty answers",
        "tickets": [T_NO_TRAFFIC], "sources": IO_SOURCES},
    "latency": {
        "what": "small-2273 during the cdn/ap-southeast-1 latency degradation: p99 up, one stray 5xx elsewhere, a latency alert",
        "tickets": [T_LATENCY], "sources": IO_SOURCES},
    "dependency_batch": {
        "what": "one batch of two tickets of the metadata-db failure in cn-east-1: one on auth, one on image-processing",
        "tickets": [T_DEPENDENCY_AUTH, T_DEPENDENCY_IMAGES], "sources": IO_SOURCES},
    "tied_statuses": {
        "what": "small-1029 in the outage: one 500 InternalError and one 404 NoSuchKey, a tie between two statuses (request logs only)",
        "tickets": [T_TIED_STATUSES], "sources": ("request_logs",)},
}


class RecordingElasticsearch:
    """Forwards `msearch` to the real backend and keeps each request with its raw answers."""

    def __init__(self, backend: ElasticsearchBackend):
        self.backend = backend
        self.calls: list[dict[str, Any]] = []

    def msearch(self, index: str, searches: list[dict[str, Any]], combine: bool = False,
                cache: bool = True) -> list[dict[str, Any]]:
        # Each search's own answer, never combined: the recordings are what Elasticsearch answers a search.
        responses = [dict(item) for item in self.backend.msearch(index, searches)]
        self.calls.append({"index": index, "searches": json_safe(searches), "responses": responses})
        return responses


class RecordingPrometheus(PrometheusBackend):
    """The real backend, keeping each range query with the raw body Prometheus sent.

    Thread-safe: metrics_anomaly sends its nine range queries from a thread pool, so each query keeps
    its own pending record (thread-local) and `calls` is in completion order; `record` puts them back
    in the order the correlator builds them (see `in_query_order`)."""

    def __init__(self, url: str):
        super().__init__(url, timeout_s=60)
        self.calls: list[dict[str, Any]] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    def query_range(self, promql: str, start: datetime, end: datetime, step_s: int) -> list[dict[str, Any]]:
        call = {"query": promql, "start": iso(start), "end": iso(end), "step": step_s}
        self._local.pending = call
        try:
            rows = super().query_range(promql, start, end, step_s)
        finally:
            self._local.pending = None
        with self._lock:
            self.calls.append(call)
        return rows

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.client.get(path, params=params)
        if response.status_code in (400, 422):  # as PrometheusBackend: a bad query is no server failure
            raise PrometheusQueryError(response.text[:500])
        response.raise_for_status()
        body = response.json()
        if body.get("status") != "success":
            raise PrometheusQueryError(str(body)[:500])
        # Other tests write their own series into the shared Prometheus (service "live-<id>", in the
        # scenario's regions and times): not the scenario's, so left out of the recording.
        result = body["data"]["result"]
        result[:] = [row for row in result if row["metric"].get("service", SERVICES[0]) in SERVICES]
        pending = getattr(self._local, "pending", None)
        if pending is not None:
            pending["response"] = body
        return body["data"]


def from_run(tickets_file: Path) -> None:
    """Swap the tickets above for their counterparts in another load of 16-large (its tickets.jsonl and
    truth.jsonl): the same customer's ticket about the same event, the same in order among them (`nth`).

    A new load is seeded alike but not identical (the hour of day shapes some traffic): counterparts
    may be worded differently, so re-check the recordings' figures after recording."""
    truth = {}
    for line in tickets_file.with_name("truth.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        truth[item["ticket_id"]] = item["event"]
    by_customer_event: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for line in tickets_file.read_text(encoding="utf-8").splitlines():
        ticket = json.loads(line)
        by_customer_event.setdefault((ticket["customer_id"], truth[ticket["ticket_id"]]), []).append(ticket)
    swapped: dict[str, dict[str, Any]] = {}
    for spec in RECORDINGS.values():
        for old in spec["tickets"]:
            if old["ticket_id"] in TRUTH and "nth" in TRUTH[old["ticket_id"]] and old["ticket_id"] not in swapped:
                found = by_customer_event.get((old["customer_id"], TRUTH[old["ticket_id"]]["event"]), [])
                nth = TRUTH[old["ticket_id"]]["nth"]
                if len(found) < nth:
                    raise SystemExit(f"{tickets_file}: no ticket {nth} of {old['customer_id']} about "
                                     f"{TRUTH[old['ticket_id']]['event']}: pick another in RECORDINGS")
                swapped[old["ticket_id"]] = found[nth - 1]
    for spec in RECORDINGS.values():
        for position, old in enumerate(spec["tickets"]):
            original = old["ticket_id"].removesuffix("-unknown")
            new = dict(swapped[original])
            if old["ticket_id"].endswith("-unknown"):
                new.update(ticket_id=new["ticket_id"] + "-unknown", customer_id=old["customer_id"])
            TRUTH[new["ticket_id"]] = TRUTH[old["ticket_id"]]
            spec["tickets"][position] = new
    outage = swapped[T_OUTAGE["ticket_id"]]
    T_OUTAGE.clear()
    T_OUTAGE.update(outage)
    global SCENARIO
    SCENARIO = f"16-large (run {outage['ticket_id'].split('-')[1]})"


def as_recorded() -> None:
    """Take the tickets (with their truth) of the recordings next to this script instead of the ones
    above, read before anything is written: to re-take the recordings over a new load of the same data
    (same run id and window: the same logs and metrics) when the lab now words and times that run's
    tickets differently, so that the recorded tickets, readings and windows stay as they were."""
    global SCENARIO
    for name, spec in RECORDINGS.items():
        recorded = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
        spec["tickets"] = [item["ticket"] for item in recorded["cases"]]
        for item in recorded["cases"]:
            TRUTH[item["ticket"]["ticket_id"]] = item["truth"]
        if name == "outage_5xx":
            SCENARIO = recorded["scenario"]
    T_OUTAGE.clear()
    T_OUTAGE.update(RECORDINGS["outage_5xx"]["tickets"][0])


def record(name: str, spec: dict[str, Any], es_url: str, prometheus_url: str, versions: dict[str, str]) -> Path:
    es = RecordingElasticsearch(ElasticsearchBackend(connect(es_url, 60)))
    prometheus = RecordingPrometheus(prometheus_url)
    correlators = {
        "request_logs": RequestLogsCorrelator(es),
        "metrics_anomaly": MetricsAnomalyCorrelator(prometheus),
        "alerts": AlertsCorrelator(prometheus),
        "blast_radius": BlastRadiusCorrelator(es),
    }
    cases = [read(ticket) for ticket in spec["tickets"]]
    out: dict[str, Any] = {
        "name": name, "what": spec["what"], "recorded_at": iso(datetime.now(timezone.utc)), "servers": versions,
        "scenario": SCENARIO,
        "cases": [{
            "ticket": ticket, "truth": TRUTH[ticket["ticket_id"]],
            "reading": case.reading.model_dump(mode="json"),
            "window": case.window.model_dump(mode="json"), "baseline": case.baseline.model_dump(mode="json"),
        } for ticket, case in zip(spec["tickets"], cases)],
    }
    for case in cases:
        case.evidence.append(ticket_evidence(case))
    for source in spec["sources"]:
        es.calls, prometheus.calls = [], []
        order = query_order(correlators[source], cases) if source == "metrics_anomaly" else None
        run(correlators[source], cases)
        out[source] = es.calls if source in ("request_logs", "blast_radius") else prometheus.calls
        if order is not None:
            out[source] = in_query_order(order, prometheus.calls)
    if "metrics_anomaly" in spec["sources"]:
        # Prometheus's own p99 of the latency buckets just recorded (same query, range and step), to
        # check metrics_anomaly.quantile against histogram_quantile minute by minute.
        bucket_call = out["metrics_anomaly"][2]
        prometheus.calls = []
        prometheus.query_range(f"histogram_quantile(0.99, {bucket_call['query']})", parse_iso(bucket_call["start"]),
                               parse_iso(bucket_call["end"]), bucket_call["step"])
        out["histogram_quantile_p99"] = prometheus.calls
    if "blast_radius" in spec["sources"]:  # no I/O, but run it so the summary below is the full picture
        run(KnowledgeBaseCorrelator(), cases)
    path = HERE / f"{name}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    for case in cases:
        print(f"{name}: {case.ticket.ticket_id} {case.ticket.customer_id} scope={case.scope} "
              f"fault_window={iso(case.fault_window.start)}..{iso(case.fault_window.end)}")
        for item in case.evidence[1:]:
            print(f"    {item.source}: {item.summary[:160]}")
    print(f"{name}: wrote {path.name} ({path.stat().st_size:,} bytes)")
    return path


def read(ticket: dict[str, Any]) -> Case:
    """A ticket of the lab as the worker reads it (the built-in vocabulary)."""
    return understand(Ticket.model_validate_json(json.dumps(ticket)), VOCABULARY)


def run(correlator: Any, cases: list[Case]) -> None:
    """One correlator over the batch, as worker/enrich.py runs it: its evidence appended to each case,
    the handoffs it sets on the cases checked against what it declares it provides."""
    before = handed_on(cases)
    for case, evidence in zip(cases, correlator.correlate(cases), strict=True):
        case.evidence.append(evidence)
    check_provided(correlator, before, cases)


def query_order(correlator: MetricsAnomalyCorrelator, cases: list[Case]) -> list[str]:
    """The metrics correlator's range queries in the order it builds them (now: counts, 5xx, buckets;
    then the same with `offset 1d`, then with `offset 7d`), which is the order the unit tests' fake
    answers them in. Needs the cases after request_logs (their scopes come from case.activity)."""
    selector = correlator.selector({scope for case in cases for scope in scopes_to_check(case)})
    return [query for offset in ("", *OFFSETS.values()) for query in correlator.queries(selector, offset)]


def in_query_order(order: list[str], calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The calls (recorded in completion order: they run in parallel) sorted back into `order`."""
    if sorted(call["query"] for call in calls) != sorted(order):
        raise SystemExit(f"metrics_anomaly sent {[call['query'] for call in calls]}, expected {order}")
    return sorted(calls, key=lambda call: order.index(call["query"]))


def record_failures(es_url: str, versions: dict[str, str]) -> Path:
    """`errors.json`: the real answers when the logs cannot answer, for the outage ticket.

    - `*_no_index`: the correlators' own searches against an index pattern that matches no index
      (`access-logs-none-*`): `_msearch` answers an empty result with `_shards.total` 0;
    - `request_logs_failed`: its window search with the time range's `gte` replaced by "not-a-date"
      (the only request here that is not the correlator's own): a per-search error inside `_msearch`.
    """
    backend = ElasticsearchBackend(connect(es_url, 60))
    case = read(T_OUTAGE)
    out: dict[str, Any] = {
        "name": "errors", "what": "answers when the logs cannot answer: no index matches, a search fails",
        "recorded_at": iso(datetime.now(timezone.utc)), "servers": versions, "scenario": SCENARIO,
        "cases": [{"ticket": T_OUTAGE, "truth": TRUTH[T_OUTAGE["ticket_id"]], "reading": case.reading.model_dump(mode="json"),
                   "window": case.window.model_dump(mode="json"), "baseline": case.baseline.model_dump(mode="json")}],
    }
    case.evidence.append(ticket_evidence(case))
    es = RecordingElasticsearch(backend)
    print(f"errors: request_logs against no index: {RequestLogsCorrelator(es, 'access-logs-none-*').correlate([case])[0].summary}")
    out["request_logs_no_index"] = es.calls
    # The blast radius needs the ticket's scope: from the real request logs (as in outage_5xx.json), which
    # hand case.activity on.
    run(RequestLogsCorrelator(backend), [case])
    es = RecordingElasticsearch(backend)
    print(f"errors: blast_radius against no index: {BlastRadiusCorrelator(es, 'access-logs-none-*').correlate([case])[0].summary}")
    out["blast_radius_no_index"] = es.calls
    es = RecordingElasticsearch(backend)
    broken = RequestLogsCorrelator(es, samples=5).window_search(case)
    broken["query"]["bool"]["filter"][1]["range"]["@timestamp"]["gte"] = "not-a-date"
    es.msearch("access-logs-*", [broken])
    out["request_logs_failed"] = es.calls
    path = HERE / "errors.json"
    path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"errors: wrote {path.name} ({path.stat().st_size:,} bytes)")
    return path


def server_versions(es_url: str, prometheus_url: str) -> dict[str, str]:
    es = httpx.get(es_url.rstrip("/") + "/", timeout=10).json()["version"]["number"]
    prometheus = httpx.get(prometheus_url.rstrip("/") + "/api/v1/status/buildinfo", timeout=10).json()["data"]["version"]
    return {"elasticsearch": es, "prometheus": prometheus}


def json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elasticsearch", default="http://127.0.0.1:9200")
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090")
    parser.add_argument("--only", nargs="*", choices=sorted([*RECORDINGS, "errors"]), help="record only these (default: all)")
    tickets = parser.add_mutually_exclusive_group()
    tickets.add_argument("--tickets", type=Path, help="tickets.jsonl of another load of 16-large: record its tickets instead")
    tickets.add_argument("--as-recorded", action="store_true",
                         help="record the tickets of the recordings here again (see as_recorded)")
    args = parser.parse_args(argv)
    if args.tickets:
        from_run(args.tickets)
    if args.as_recorded:
        as_recorded()
    versions = server_versions(args.elasticsearch, args.prometheus)
    for name in args.only or [*RECORDINGS, "errors"]:
        if name == "errors":
            record_failures(args.elasticsearch, versions)
        else:
            record(name, RECORDINGS[name], args.elasticsearch, args.prometheus, versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
