"""Fit the verdict's confidence to what the lab measured (`fault-correlator lab calibrate`).

The rule table turns a verdict's lead (its label's score minus the runner-up's) into a confidence
with 1 / (1 + exp(-(slope * lead + intercept))). This fits slope and intercept by maximum
likelihood on (lead, was the label right) pairs from enriched lab tickets, so that "0.9" means
right nine times in ten on the scenario library. Inconclusive fallbacks (no signal) keep their
fixed confidence and are left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from lab.truth import GroundTruth, Observed
from triage.models import LABELS


def lead_of(document: dict) -> float | None:
    """The winner's lead from a stored verdict; None for the no-signal fallback."""
    verdict = document["verdict"]
    scores = verdict.get("scores") or {}
    if verdict.get("rule") == "no_clear_signal" or not scores:
        return None
    mine = scores.get(verdict["label"], 0.0)
    # An inconclusive verdict whose leader fell short has no lead of its own: 0, as the verdict uses.
    return max(mine - max(scores.get(label, 0.0) for label in LABELS if label != verdict["label"]), 0.0)


def samples(truth: Sequence[GroundTruth], observed: dict[str, Observed]) -> list[tuple[float, bool]]:
    out = []
    for item in truth:
        seen = observed.get(item.ticket_id)
        lead = lead_of(seen.document) if seen else None
        if lead is not None:
            out.append((lead, seen.label == item.label))
    return out


def fit_logistic(points: Iterable[tuple[float, bool]], iterations: int = 50) -> tuple[float, float]:
    """(slope, intercept) maximising the likelihood of P(right) = sigmoid(slope * lead + intercept).

    Newton's method on two parameters, with a small ridge term so that a library where every
    verdict is right (perfect separation) still gives finite values."""
    data = list(points)
    if not data:
        raise ValueError("nothing to fit: no verdict with signals")
    slope, intercept, ridge = 0.0, 0.0, 1e-3
    for _ in range(iterations):
        g_s = g_i = h_ss = h_si = h_ii = 0.0
        for lead, right in data:
            p = 1 / (1 + math.exp(-(slope * lead + intercept)))
            error, weight = (1.0 if right else 0.0) - p, p * (1 - p)
            g_s += error * lead
            g_i += error
            h_ss += weight * lead * lead
            h_si += weight * lead
            h_ii += weight
        g_s -= ridge * slope
        g_i -= ridge * intercept
        h_ss += ridge
        h_ii += ridge
        det = h_ss * h_ii - h_si * h_si
        if det <= 0:
            break
        step_s = (h_ii * g_s - h_si * g_i) / det
        step_i = (h_ss * g_i - h_si * g_s) / det
        slope, intercept = slope + step_s, intercept + step_i
        if abs(step_s) + abs(step_i) < 1e-9:
            break
    return round(slope, 3), round(intercept, 3)
