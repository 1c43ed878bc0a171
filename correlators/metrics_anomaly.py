"""Evidence from Prometheus: is the ticket's service/region abnormal, in errors or in latency?

For each ticket, for the service/region it names (else for each place its requests went): the 5xx
ratio and the p99 latency in the customer's fault window, against references, with a score for each:

- error score: how many standard errors the window's 5xx ratio sits above the reference ratio
  (a binomial z-score on the request counts, so 40 failures in 4,000 requests weigh more than
  1 in 10, and a small but long rise over a gray failure still shows);
- latency score: the window's p99 divided by the reference p99.

The references are the preceding hour and the same time of day a day and a week earlier (as
Downdetector compares with the usual level for the hour). Abnormal means abnormal against every
reference there is, so the score is the smallest. But the preceding hour is a reference only when
it was normal itself: a fault already under way when that hour began would make the fault its own
baseline, so when the day or week before shows the hour was already bad, it is left out.

Shared work: per batch, nine range queries (request counts, 5xx counts and latency buckets, each
now, a day and a week earlier) at one-minute steps, filtered to the batch's services and regions;
every window of every ticket is then summed from those series in Python. Metric and label names
come from the metrics schema (triage/schema.py). Provides `case.metrics`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from backends.prometheus import any_of
from backends.range_cache import RangeQueries
from correlators.base import by_time
from correlators.metric_series import ScopeSeries, Stretches, WindowFigures, figures
from triage.case import SLOW, Case, failing_now
from triage.clock import floor_to
from triage.findings import MetricsFinding, Scope
from triage.models import Evidence, TimeWindow
from triage.schema import MetricsSchema

SOURCE = "metrics_anomaly"
STEP_S = 60
STEP = timedelta(seconds=STEP_S)
PRECEDING = timedelta(minutes=60)
OFFSETS = {"day": " offset 1d", "week": " offset 7d"}
# The preceding hour counts as a reference only when it is normal against the day or week before.
TAINTED_ERROR_SCORE = 3.0
TAINTED_LATENCY_SCORE = 1.5
REFERENCE_NAMES = {"en": {"preceding": "the preceding hour", "day": "the same time a day earlier",
                          "week": "the same time a week earlier"},
                   "zh": {"preceding": "前一小时", "day": "前一天同一时段", "week": "上周同一时段"}}
# A ratio of 0 would make any single error infinitely surprising; assume at least this background.
MIN_REFERENCE_RATIO = 0.001
MAX_SCOPES_PER_TICKET = 6
# Windows longer than this (a vague time hint) are judged by their worst stretch, not as a whole.
LONG_WINDOW = timedelta(minutes=60)
# The onset of an anomaly: five-minute slots still this many times the reference.
SLOT = timedelta(minutes=5)
LATENCY_ONSET = 1.5
ERROR_ONSET = 2.0

COUNT_QUERY = 'sum by ({by}) (increase({metric}{{{selector}}}[1m]{offset}))'
ERROR_QUERY = 'sum by ({by}) (increase({metric}{{{status}=~"5..",{selector}}}[1m]{offset}))'
BUCKET_QUERY = 'sum by ({by}, le) (increase({histogram}_bucket{{{selector}}}[1m]{offset}))'


class MetricsAnomalyCorrelator:
    name = SOURCE
    requires = frozenset({"activity"})
    provides = frozenset({"metrics"})

    def __init__(self, backend: RangeQueries, schema: MetricsSchema | None = None):
        self.backend = backend
        self.schema = schema or MetricsSchema()
        # Kept for the worker's life: starting nine threads per batch cost more than the queries' parsing.
        self.pool = ThreadPoolExecutor(max_workers=3 * (1 + len(OFFSETS)), thread_name_prefix="metrics-query")

    def correlate(self, cases: Sequence[Case]) -> list[Evidence]:
        return by_time(cases, self.correlate_together)

    def correlate_together(self, cases: Sequence[Case]) -> list[Evidence]:
        """Cases whose windows lie within a day: one set of range queries for all of them."""
        wanted = {case.ticket.ticket_id: scopes_to_check(case) for case in cases}
        all_scopes = {scope for scopes in wanted.values() for scope in scopes}
        if not all_scopes:
            return [Evidence(source=SOURCE, query="", summary="no service/region known for this ticket") for _ in cases]
        start = min(case.fault_window.start for case in cases) - PRECEDING
        end = max(case.fault_window.end for case in cases)
        selector = self.selector(all_scopes)
        series = self.fetch(selector, start, end)
        query = self.query_text(selector)
        stretches = Stretches(series["now"])
        out = []
        for case in cases:
            evidence, case.metrics = judge(case, wanted[case.ticket.ticket_id], series, query, stretches)
            out.append(evidence)
        return out

    def selector(self, scopes: Iterable[Scope]) -> str:
        scopes = list(scopes)
        return (f'{self.schema.service_label}=~"{any_of(service for service, _ in scopes)}",'
                f'{self.schema.region_label}=~"{any_of(region for _, region in scopes)}"')

    def queries(self, selector: str, offset: str) -> tuple[str, str, str]:
        schema = self.schema
        by = f"{schema.service_label}, {schema.region_label}"
        return (
            COUNT_QUERY.format(by=by, metric=schema.counter, selector=selector, offset=offset),
            ERROR_QUERY.format(by=by, metric=schema.counter, status=schema.status_label, selector=selector, offset=offset),
            BUCKET_QUERY.format(by=by, histogram=schema.latency_histogram, selector=selector, offset=offset),
        )

    def query_text(self, selector: str) -> str:
        offsets = " and ".join(offset.strip() for offset in OFFSETS.values())
        return "\n".join(self.queries(selector, "")) + f"\n(range queries, step {STEP_S}s; the same with {offsets})"

    def fetch(self, selector: str, start: datetime, end: datetime) -> dict[str, dict[Scope, ScopeSeries]]:
        """{"now", "day", "week"}: nine range queries at minute steps aligned to the clock, so every
        batch sees the same minutes, sent together (Prometheus answers them in parallel).

        With `offset 1d`, Prometheus reads a day back but stamps the values with the query's own
        times: the day-before series line up with today's windows as they are.
        """
        start, end = floor_to(start, STEP), floor_to(end, STEP)
        names = ["now", *OFFSETS]
        queries = [query for name in names for query in self.queries(selector, OFFSETS.get(name, ""))]
        answers = list(self.pool.map(lambda query: self.backend.query_range(query, start, end, STEP_S), queries))
        return {name: self.to_series(*answers[3 * i:3 * i + 3]) for i, name in enumerate(names)}

    def to_series(self, counts: list[dict], errors: list[dict], buckets: list[dict]) -> dict[Scope, ScopeSeries]:
        series: dict[Scope, ScopeSeries] = defaultdict(ScopeSeries)
        scope = self._scope
        for row in counts:
            series[scope(row)].requests.update(dict(row["values"]))
        for row in errors:
            series[scope(row)].errors.update(dict(row["values"]))
        for row in buckets:
            le = self.schema.le_seconds(float(row["metric"].get("le", "+Inf")))
            for t, v in row["values"]:
                series[scope(row)].buckets[t][le] = v
        return dict(series)

    def _scope(self, row: dict) -> Scope:
        return row["metric"].get(self.schema.service_label, ""), row["metric"].get(self.schema.region_label, "")


def scopes_to_check(case: Case) -> list[Scope]:
    """Where the customer got the errors it quotes, else the named service/region if the ticket
    gives both, else the customer's scopes that fit what it names."""
    if case.quoted_scope:
        return [case.quoted_scope]
    if case.named_scope:
        return [case.named_scope]
    return case.fitting_scopes[:MAX_SCOPES_PER_TICKET]


def judge(case: Case, scopes: list[Scope], series: dict[str, dict[Scope, ScopeSeries]], query: str,
          stretches: Stretches | None = None) -> tuple[Evidence, MetricsFinding | None]:
    if not scopes:
        return Evidence(source=SOURCE, query=query, summary="no service/region known for this ticket"), None
    window = case.fault_window
    now = series["now"]
    scored = []
    for scope in scopes:
        if scope not in now:
            continue
        if stretches is not None and window.duration > LONG_WINDOW:
            errors = score_window(scope, stretches.worst(scope, window, "errors"), series)
            latency = score_window(scope, stretches.worst(scope, window, "latency"), series)
            facts = {**errors, **{key: value for key, value in latency.items() if "latency" in key}}
        else:
            facts = score_window(scope, window, series)
        scored.append(facts)
    if not scored:
        service, region = scopes[0]
        return (Evidence(source=SOURCE, query=query, summary=f"no request metrics for {service}/{region}",
                         facts={"metrics_service": service, "metrics_region": region}),
                MetricsFinding(scope=scopes[0]))
    chosen = choose(case, scored)
    place = case.activity.on((chosen["metrics_service"], chosen["metrics_region"])) if case.activity else None
    # Against its own baseline hour only when that hour was normal: a slowdown already under way
    # then makes the customer look as fast as usual.
    if place is not None and place.slowdown is not None and not chosen.get("latency_baseline_tainted"):
        # The customer's own requests here against its baseline hour: is the slowness it reports its own?
        chosen["customer_slowdown"] = round(place.slowdown, 2)
    scope = chosen["metrics_service"], chosen["metrics_region"]
    judged = TimeWindow(start=datetime.fromisoformat(chosen["metrics_window_start"]),
                        end=datetime.fromisoformat(chosen["metrics_window_end"]))
    onset = anomaly_onset(now[scope], judged, chosen) if scope in now else None
    if onset is not None:
        chosen["anomaly_onset"] = onset.isoformat()
    finding = MetricsFinding(
        scope=scope, window=judged, error_ratio=chosen.get("platform_error_ratio"),
        baseline_error_ratio=chosen.get("reference_error_ratio"), p99_s=chosen.get("p99_latency_s"), onset=onset)
    return Evidence(source=SOURCE, query=query, summary=sentence(chosen), facts=chosen), finding


def anomaly_onset(series: ScopeSeries, judged: TimeWindow, facts: dict) -> datetime | None:
    """When the abnormality the facts show began: going back from the judged window in five-minute
    slots while each is still abnormal against the same reference (p99 at least LATENCY_ONSET times
    it, or the 5xx ratio at least ERROR_ONSET times it and a point above). The start of a fault
    without an alert, the same for every ticket of it whatever its window (a deterministic key)."""
    latency = (facts.get("latency_score") or 0) >= 2 and facts.get("reference_p99_latency_s")
    errors = (facts.get("error_score") or 0) >= 3 and (facts.get("error_ratio_lift") or 0) >= 2 and facts.get("reference_error_ratio") is not None
    if not latency and not errors:
        return None

    def abnormal(slot: WindowFigures) -> bool:
        if latency and slot.p99_s and slot.p99_s >= LATENCY_ONSET * facts["reference_p99_latency_s"]:
            return True
        reference = facts.get("reference_error_ratio")
        return bool(errors and slot.ratio is not None and slot.ratio >= max(ERROR_ONSET * reference, reference + 0.01))

    start = floor_to(judged.start, SLOT)
    times = series.sums().times
    earliest = times[0] if times else start.timestamp()
    onset = None
    while start.timestamp() > earliest and abnormal(figures(series, TimeWindow(start=start, end=start + SLOT))):
        onset, start = start, start - SLOT
    return onset


def score_window(scope: Scope, window: TimeWindow, series: dict[str, dict[Scope, ScopeSeries]]) -> dict:
    preceding = TimeWindow(start=window.start - PRECEDING, end=window.start)
    references = {"preceding": figures(series["now"][scope], preceding)}
    for name in OFFSETS:
        if scope in series[name]:
            found = figures(series[name][scope], window)
            if found.requests:
                references[name] = found
    facts = scope_facts(scope, figures(series["now"][scope], window), references)
    facts["metrics_window_start"], facts["metrics_window_end"] = window.start.isoformat(), window.end.isoformat()
    return facts


def choose(case: Case, scored: list[dict]) -> dict:
    """The scope the ticket is about: the first (named, or where the customer failed most) unless the
    customer did not fail at all; then, for a complaint of slowness, where its own requests slowed
    down; else the most abnormal one."""
    if case.quoted_scope or case.named_scope or failing_now(case.scope_activity):
        return scored[0]
    if case.complains_latency and case.activity is not None:
        places = [case.activity.on((facts["metrics_service"], facts["metrics_region"])) for facts in scored]
        slowed = [facts for facts, place in zip(scored, places) if place and (place.slowdown or 0) >= SLOW]
        if slowed:
            return slowed[0]
    return max(scored, key=lambda facts: (facts.get("latency_score") or 0) + (facts.get("error_score") or 0) / 3)


def error_score(now: WindowFigures, reference: WindowFigures | None) -> float | None:
    """Standard errors between the window's 5xx ratio and the reference ratio (binomial)."""
    if reference is None or not now.requests or reference.ratio is None:
        return None
    base = max(reference.ratio, MIN_REFERENCE_RATIO)
    return (now.errors / now.requests - base) / math.sqrt(base * (1 - base) / now.requests)


def latency_score(now: WindowFigures, reference: WindowFigures | None) -> float | None:
    if reference is None or not now.p99_s or not reference.p99_s:
        return None
    return now.p99_s / reference.p99_s


def clean_references(now: WindowFigures, references: dict[str, WindowFigures], by: str) -> dict[str, WindowFigures]:
    """The references to judge `now` against (by errors or latency): all of them, except the
    preceding hour when the same time a day or week earlier shows that hour was already abnormal."""
    earlier = [references[name] for name in OFFSETS if name in references]
    preceding = references["preceding"]
    if by == "errors":
        tainted = any((error_score(preceding, ref) or 0) >= TAINTED_ERROR_SCORE for ref in earlier)
    else:
        tainted = any((latency_score(preceding, ref) or 0) >= TAINTED_LATENCY_SCORE for ref in earlier)
    return {name: ref for name, ref in references.items() if not (tainted and name == "preceding")}


def scope_facts(scope: Scope, now: WindowFigures, references: dict[str, WindowFigures]) -> dict:
    """The window's figures against each reference; a score is the smallest over the clean ones."""
    before = references["preceding"]
    facts: dict = {"metrics_service": scope[0], "metrics_region": scope[1], "metrics_requests": round(now.requests)}
    if now.ratio is not None:
        facts["platform_error_ratio"] = round(now.ratio, 5)
    for name, prefix in (("preceding", "baseline"), ("day", "day_before"), ("week", "week_before")):
        ref = references.get(name)
        if ref is not None and ref.ratio is not None:
            facts[f"{prefix}_error_ratio"] = round(ref.ratio, 5)
        if ref is not None and ref.p99_s is not None:
            facts[f"{prefix}_p99_latency_s"] = round(ref.p99_s, 4)
    if now.ratio is not None and before.ratio is not None:
        facts["error_ratio_delta"] = round(now.ratio - before.ratio, 5)
    if now.p99_s is not None:
        facts["p99_latency_s"] = round(now.p99_s, 4)
    for by, score, fact in (("errors", error_score, "error_score"), ("latency", latency_score, "latency_score")):
        clean = clean_references(now, references, by)
        if "preceding" not in clean:
            facts[fact.replace("_score", "_baseline_tainted")] = 1  # error_/latency_baseline_tainted
        scores = {name: value for name, ref in clean.items() if (value := score(now, ref)) is not None}
        if scores:
            weakest = min(scores, key=scores.get)
            facts[fact] = round(scores[weakest], 2)
            reference = references[weakest]
            kind = "error" if by == "errors" else "latency"
            facts[f"{kind}_reference"] = REFERENCE_NAMES["en"][weakest]
            facts[f"{kind}_reference_zh"] = REFERENCE_NAMES["zh"][weakest]
            if by == "errors" and reference.ratio is not None:
                facts["reference_error_ratio"] = round(reference.ratio, 5)
                if now.ratio is not None:  # the size of the rise, besides its significance
                    facts["error_ratio_lift"] = round(now.ratio / max(reference.ratio, MIN_REFERENCE_RATIO), 2)
            if by == "latency" and reference.p99_s is not None:
                facts["reference_p99_latency_s"] = round(reference.p99_s, 4)
    return facts


def sentence(facts: dict) -> str:
    text = f"{facts['metrics_service']}/{facts['metrics_region']}"
    if "platform_error_ratio" in facts:
        text += f": 5xx ratio {facts['platform_error_ratio']:.2%}"
        if "reference_error_ratio" in facts:
            text += (f" ({facts['error_reference']} {facts['reference_error_ratio']:.2%},"
                     f" score {facts.get('error_score', 0):.1f})")
    if "p99_latency_s" in facts:
        text += f"; p99 {facts['p99_latency_s'] * 1000:.0f} ms"
        if "reference_p99_latency_s" in facts:
            text += (f" ({facts['latency_reference']} {facts['reference_p99_latency_s'] * 1000:.0f} ms,"
                     f" x{facts.get('latency_score', 0):.1f})")
    return text
