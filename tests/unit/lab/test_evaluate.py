"""The evaluator's arithmetic on small hand-made runs; every expected number is worked out by hand."""

import time

import pytest

from lab.evaluate import CONFIDENT, evaluate, latency_quantiles, macro_f1, per_class_scores, wrong_blame
from lab.truth import GroundTruth, Observed

P, U, I = "platform_incident", "usage_error", "inconclusive"


def gt(ticket_id, label, kind, incident=None, services=(), regions=(), error_code=None):
    return GroundTruth(ticket_id=ticket_id, customer_id="c", scenario="s", label=label, kind=kind,
                       event=incident or f"ev-{ticket_id}", incident=incident, services=list(services),
                       regions=list(regions), error_code=error_code)


def obs(ticket_id, label, produced_ms, latency_ms, evidence=(), incident_id=None, incident=None, rule="r", confidence=None):
    document = {"ticket_id": ticket_id, "verdict": {"label": label, "rule": rule}, "evidence": list(evidence)}
    if confidence is not None:
        document["verdict"]["confidence"] = confidence
    if incident_id:
        document["incident_id"] = incident_id
    if incident:
        document["incident"] = incident
    return Observed(ticket_id=ticket_id, document=document, produced_ms=produced_ms,
                    enriched_ms=produced_ms + latency_ms)


def ev(facts, available=True):
    return {"source": "x", "query": "q", "summary": "s", "facts": facts, "samples": [], "available": available}


def run():
    """8 truth tickets, 7 enriched (t4 missing); see each test for the hand computation."""
    truth = [
        gt("t1", P, "regional_outage", "E1", ["api"], ["eu"]),
        gt("t2", P, "regional_outage", "E1", ["api"], ["eu"]),
        gt("t3", P, "regional_outage", "E1", ["api"], ["eu"]),
        gt("t4", P, "latency_spike", "E2", ["db"], ["us"]),
        gt("t5", U, "expired_token", error_code="ExpiredToken"),
        gt("t6", U, "expired_token", error_code="ExpiredToken"),
        gt("t7", U, "bad_request"),
        gt("t8", I, "noise"),
    ]
    observed = [
        # covered: service and region in the same evidence item
        obs("t1", P, 0, 1000, [ev({"top_service": "api", "top_region": "eu"})], incident_id="I1"),
        # not covered: service and region in different items
        obs("t2", P, 1000, 2000, [ev({"top_service": "api"}), ev({"metrics_region": "eu"})], incident_id="I1"),
        # not covered: the matching item is unavailable
        obs("t3", I, 2000, 3000, [ev({"metrics_service": "api", "metrics_region": "eu"}, available=False)],
            incident={"id": "I2"}, rule="no_signal"),
        # covered
        obs("t5", U, 4000, 4000, [ev({"top_error_code": "ExpiredToken"})], incident_id="I3"),
        # not covered: "error_codes" does not end in "error_code"
        obs("t6", I, 5000, 5000, [ev({"error_codes": {"ExpiredToken": 3}})], incident_id="I3", rule="weak"),
        obs("t7", U, 6000, 6000),
        obs("t8", P, 7000, 10000, incident_id="I1", rule="platform_5xx"),
        obs("stray", P, 0, 99000),  # not in the truth: ignored
    ]
    return evaluate(truth, {o.ticket_id: o for o in observed})


def test_counts_and_accuracy():
    report = run()
    assert (report["tickets"], report["enriched"], report["missing"]) == (8, 7, 1)
    assert report["accuracy"] == pytest.approx(4 / 8)  # t1, t2, t5, t7


def test_per_class_and_macro_f1():
    per_class = run()["per_class"]
    # platform: predicted t1 t2 t8, right t1 t2, support 4
    assert per_class[P] == pytest.approx({"precision": 2 / 3, "recall": 1 / 2, "f1": 4 / 7, "support": 4})
    # usage: predicted t5 t7, both right, support 3
    assert per_class[U] == pytest.approx({"precision": 1.0, "recall": 2 / 3, "f1": 4 / 5, "support": 3})
    # inconclusive: predicted t3 t6, none right, support 1
    assert per_class[I] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert run()["macro_f1"] == pytest.approx((4 / 7 + 4 / 5 + 0) / 3)


def test_macro_f1_counts_a_never_predicted_class_as_zero():
    per_class = per_class_scores([P, U], [P, P])
    assert I not in per_class
    assert per_class[U] == {"precision": None, "recall": 0.0, "f1": None, "support": 1}
    assert per_class[P]["f1"] == pytest.approx(2 / 3)  # P = 1/2, R = 1
    assert macro_f1(per_class) == pytest.approx((2 / 3 + 0) / 2)


def test_predicted_class_absent_from_truth_is_reported_but_not_in_macro():
    per_class = per_class_scores([P, P], [P, I])
    assert per_class[I] == {"precision": 0.0, "recall": None, "f1": None, "support": 0}
    assert macro_f1(per_class) == pytest.approx(2 * 1 * 0.5 / 1.5)  # only platform: P = 1, R = 1/2


def test_confusion_and_inconclusive_rate():
    report = run()
    assert report["confusion"] == {
        P: {P: 2, I: 1, "missing": 1},
        U: {U: 2, I: 1},
        I: {P: 1},
    }
    assert report["inconclusive_rate"] == pytest.approx(2 / 7)  # t3, t6 of 7 enriched


def test_coverage():
    # platform: t1 of t1..t4 (t4 missing); usage: t5 of t5, t6 (t7 has no error code: left out)
    assert run()["coverage"] == {"platform": 0.25, "platform_n": 4, "usage": 0.5, "usage_n": 2}


def test_coverage_list_values_and_empty():
    truth = [gt("a", P, "k", "E", ["api"], ["eu"])]
    observed = {"a": obs("a", P, 0, 1, [ev({"services": ["db", "api"], "region": "eu"})])}
    # "services" does not end in "service"; a list under a key that does counts item by item
    assert evaluate(truth, observed)["coverage"]["platform"] == 0.0
    observed = {"a": obs("a", P, 0, 1, [ev({"hit_service": ["db", "api"], "region": "eu"})])}
    assert evaluate(truth, observed)["coverage"]["platform"] == 1.0
    assert evaluate([], {})["coverage"] == {"platform": None, "platform_n": 0, "usage": None, "usage_n": 0}


def test_grouping_pairs():
    # truth: E1 = {t1, t2, t3} -> 3 pairs; E2 = {t4} -> 0
    # predicted: I1 = {t1, t2, t8} -> 3, I2 = {t3} -> 0, I3 = {t5, t6} -> 1: 4 pairs
    # both: (E1, I1) = {t1, t2} -> 1 (t8 has no truth incident)
    assert run()["grouping"] == {
        "precision": 1 / 4, "recall": 1 / 3, "true_pairs": 3, "predicted_pairs": 4, "both_pairs": 1,
        "incidents_true": 2, "incidents_predicted": 3,
    }


def test_grouping_undefined_without_pairs():
    truth = [gt("a", U, "k"), gt("b", U, "k")]
    observed = {"a": obs("a", U, 0, 1), "b": obs("b", U, 0, 1)}
    grouping = evaluate(truth, observed)["grouping"]
    assert grouping["precision"] is None and grouping["recall"] is None
    assert grouping["true_pairs"] == grouping["predicted_pairs"] == 0


def test_grouping_is_fast_for_20000_tickets():
    truth = [gt(f"t{i}", P, "k", f"E{i % 50}", ["api"], ["eu"]) for i in range(20_000)]
    observed = {f"t{i}": obs(f"t{i}", P, 0, 1, incident_id=f"I{i % 100}") for i in range(20_000)}
    started = time.monotonic()
    grouping = evaluate(truth, observed)["grouping"]
    assert time.monotonic() - started < 5
    assert grouping["true_pairs"] == 50 * 400 * 399 // 2
    assert grouping["predicted_pairs"] == 100 * 200 * 199 // 2
    assert grouping["both_pairs"] == grouping["predicted_pairs"]  # I(i%100) always lies inside E(i%50)
    assert grouping["precision"] == 1.0


def test_latency_quantiles_nearest_rank():
    report = run()
    # latencies 1, 2, 3, 4, 5, 6, 10 s: p50 = 4th (ceil 3.5), p95 and p99 = 7th
    assert report["latency_s"] == {"p50": 4.0, "p95": 10.0, "p99": 10.0, "max": 10.0}
    assert sorted(report["latencies_s"]) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 10.0]
    # 1..20: p50 = 10th, p95 = 19th, p99 = 20th (ceil 19.8)
    assert latency_quantiles([float(v) for v in range(20, 0, -1)]) == {"p50": 10.0, "p95": 19.0, "p99": 20.0,
                                                                        "max": 20.0}
    assert latency_quantiles([]) == {"p50": None, "p95": None, "p99": None, "max": None}


def test_throughput():
    # 7 enriched, first produced at 0 ms, last enriched at 7000 + 10000 = 17000 ms
    assert run()["throughput_tps"] == pytest.approx(7 / 17)
    empty = evaluate([gt("a", U, "k")], {})
    assert empty["throughput_tps"] is None and empty["accuracy"] == 0.0 and empty["inconclusive_rate"] is None


def test_by_kind():
    assert run()["by_kind"] == {
        "bad_request": {"tickets": 1, "correct": 1, "accuracy": 1.0, "predicted": {U: 1}},
        "expired_token": {"tickets": 2, "correct": 1, "accuracy": 0.5, "predicted": {U: 1, I: 1}},
        "latency_spike": {"tickets": 1, "correct": 0, "accuracy": 0.0, "predicted": {"missing": 1}},
        "noise": {"tickets": 1, "correct": 0, "accuracy": 0.0, "predicted": {P: 1}},
        "regional_outage": {"tickets": 3, "correct": 2, "accuracy": 2 / 3, "predicted": {P: 2, I: 1}},
    }


def test_misses():
    assert run()["misses"] == [
        {"ticket_id": "t3", "kind": "regional_outage", "truth": P, "predicted": I, "rule": "no_signal"},
        {"ticket_id": "t4", "kind": "latency_spike", "truth": P, "predicted": "missing", "rule": None},
        {"ticket_id": "t6", "kind": "expired_token", "truth": U, "predicted": I, "rule": "weak"},
        {"ticket_id": "t8", "kind": "noise", "truth": I, "predicted": P, "rule": "platform_5xx"},
    ]
    many = evaluate([gt(f"t{i}", U, "k") for i in range(30)], {})
    assert len(many["misses"]) == 20


def test_report_is_json_serialisable():
    import orjson

    assert orjson.loads(orjson.dumps(run()))["tickets"] == 8


# --- wrong blame --------------------------------------------------------------------------------------------

def blame_pairs():
    """4 platform tickets, 3 usage tickets, 2 inconclusive ones; see the test for the hand computation."""
    return [
        (gt("p1", P, "regional_outage"), obs("p1", U, 0, 1, confidence=0.91)),  # platform as usage, confident
        (gt("p2", P, "regional_outage"), obs("p2", U, 0, 1, confidence=0.6)),  # platform as usage
        (gt("p3", P, "gray_failure"), obs("p3", U, 0, 1, confidence=CONFIDENT)),  # 0.8 counts as confident
        (gt("p4", P, "gray_failure"), obs("p4", I, 0, 1, confidence=0.99)),  # inconclusive: no blame
        (gt("u1", U, "expired_token"), obs("u1", P, 0, 1, confidence=0.85)),  # usage as platform, confident
        (gt("u2", U, "expired_token"), obs("u2", U, 0, 1, confidence=0.95)),  # right
        (gt("u3", U, "wrong_region"), None),  # never enriched: no blame either way
        (gt("i1", I, "client_network"), obs("i1", P, 0, 1, confidence=0.99)),  # not a platform or usage ticket
        (gt("i2", I, "client_bug"), obs("i2", U, 0, 1, confidence=0.99)),
    ]


def test_wrong_blame_counts_the_costliest_mistakes_by_kind_and_confidence():
    out = wrong_blame(blame_pairs())
    assert (out["platform_as_usage"], out["platform_as_usage_confident"]) == (3, 2)  # p1, p2, p3; p1 and p3 >= 0.8
    assert (out["usage_as_platform"], out["usage_as_platform_confident"]) == (1, 1)  # u1
    assert out["tickets"] == 7  # p1-p4 and u1-u3: the inconclusive tickets cannot be blamed wrongly
    assert out["rate"] == 4 / 7
    assert out["by_kind"] == {"regional_outage": {"wrong": 2, "confident": 1}, "gray_failure": {"wrong": 1, "confident": 1},
                              "expired_token": {"wrong": 1, "confident": 1}}
    assert CONFIDENT == 0.8


def test_wrong_blame_without_confidence_counts_as_not_confident_and_needs_tickets():
    out = wrong_blame([(gt("p1", P, "regional_outage"), obs("p1", U, 0, 1))])
    assert (out["platform_as_usage"], out["platform_as_usage_confident"], out["rate"]) == (1, 0, 1.0)
    nothing = wrong_blame([(gt("i1", I, "noise"), obs("i1", P, 0, 1))])
    assert (nothing["tickets"], nothing["rate"], nothing["by_kind"]) == (0, None, {})  # a rate of nothing is not 0


def test_the_report_carries_the_wrong_blame():
    report = run()
    assert report["wrong_blame"]["tickets"] == 7 and report["wrong_blame"]["rate"] == 0.0  # no P<->U swap in that run
    truth = [item for item, _ in blame_pairs()]
    observed = {o.ticket_id: o for _, o in blame_pairs() if o is not None}
    assert evaluate(truth, observed)["wrong_blame"] == wrong_blame(blame_pairs())
