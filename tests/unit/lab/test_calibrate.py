import math
import random

import pytest

from lab.calibrate import fit_logistic, lead_of, samples
from lab.evaluate import calibration
from lab.truth import GroundTruth, Observed


def test_fit_recovers_a_known_curve():
    rng = random.Random(7)
    slope, intercept = 1.2, -0.8
    points = []
    for _ in range(4000):
        lead = rng.uniform(0, 6)
        points.append((lead, rng.random() < 1 / (1 + math.exp(-(slope * lead + intercept)))))
    fitted = fit_logistic(points)
    assert fitted[0] == pytest.approx(slope, abs=0.15) and fitted[1] == pytest.approx(intercept, abs=0.2)


def test_perfect_separation_stays_finite():
    slope, intercept = fit_logistic([(lead, True) for lead in (1.0, 2.0, 3.0)] * 10)
    assert math.isfinite(slope) and math.isfinite(intercept)


def test_nothing_to_fit_is_an_error():
    with pytest.raises(ValueError):
        fit_logistic([])


def doc(label, scores, rule="x", confidence=0.9):
    return {"verdict": {"label": label, "scores": scores, "rule": rule, "confidence": confidence}}


def test_lead_is_the_winner_minus_the_runner_up_and_none_for_the_fallback():
    assert lead_of(doc("usage_error", {"platform_incident": 1.0, "usage_error": 4.5, "inconclusive": 0.0})) == 3.5
    assert lead_of(doc("inconclusive", {"platform_incident": 1.0, "usage_error": 0.0, "inconclusive": 0.0}, rule="no_clear_signal")) is None


def truth(ticket_id, label):
    return GroundTruth(ticket_id=ticket_id, customer_id="c", scenario="s", label=label, kind="k", event="e",
                       incident=None, services=[], regions=[])


def observed(ticket_id, document):
    return Observed(ticket_id=ticket_id, document=document, produced_ms=0, enriched_ms=1)


def test_samples_pair_the_lead_with_being_right():
    items = [truth("a", "usage_error"), truth("b", "platform_incident")]
    seen = {"a": observed("a", doc("usage_error", {"usage_error": 3.0, "platform_incident": 0.0, "inconclusive": 0.0})),
            "b": observed("b", doc("usage_error", {"usage_error": 2.0, "platform_incident": 1.0, "inconclusive": 0.0}))}
    assert samples(items, seen) == [(3.0, True), (1.0, False)]


def test_calibration_buckets_ece_and_brier():
    items = [truth(str(n), "usage_error") for n in range(4)]
    seen = {"0": observed("0", doc("usage_error", {}, confidence=0.95)), "1": observed("1", doc("usage_error", {}, confidence=0.95)),
            "2": observed("2", doc("platform_incident", {}, confidence=0.55)), "3": observed("3", doc("usage_error", {}, confidence=0.55))}
    result = calibration([(item, seen[item.ticket_id]) for item in items])
    assert [(b["from"], b["n"], b["accuracy"]) for b in result["buckets"]] == [(0.5, 2, 0.5), (0.9, 2, 1.0)]
    assert result["ece"] == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)
    assert result["brier"] == pytest.approx((0.05 ** 2 * 2 + 0.55 ** 2 + 0.45 ** 2) / 4)
