"""Score one scenario run: what the worker concluded (`Observed`) against why each ticket was filed (`GroundTruth`).

Pure: no I/O, so the arithmetic can be tested on hand-made inputs. Everything is computed over the
truth tickets; observations of tickets that are not in the truth are ignored. A truth ticket without
an observation is "missing": it counts as wrong for accuracy and recall, as not covered, and in the
confusion matrix under the predicted column "missing".

Definitions:

- accuracy: predicted label == truth label, over all truth tickets.
- per_class: precision = right / predicted (None when nothing was predicted for the class),
  recall = right / support (None when the class is not in the truth), f1 = harmonic mean
  (None when precision or recall is None; 0 when both are 0). macro_f1 is the mean F1 over the classes
  present in the truth, an undefined F1 counting as 0 (a class never predicted scores 0, not "skip").
- inconclusive_rate: tickets predicted inconclusive / enriched tickets.
- coverage: did the evidence the worker gathered point at the real cause?
  A platform ticket (truth.label == platform_incident) is covered when ONE available evidence item has,
  in its facts, a value of a key ending in "service" that is in truth.services AND a value of a key
  ending in "region" that is in truth.regions (e.g. top_service/top_region, metrics_service/metrics_region).
  A usage ticket (truth.label == usage_error with truth.error_code set; other usage tickets are left out
  of the denominator) is covered when some available evidence item has a fact whose key ends in
  "error_code" (e.g. top_error_code) equal to truth.error_code. A fact value that is a list counts as
  each of its items. Evidence with available == False is ignored. Missing outputs are not covered.
- grouping: pairwise "same incident" precision and recall. True pairs share a non-null truth.incident,
  predicted pairs share a non-null Observed.incident_id, both = pairs that are both. Counted from
  group sizes (sum of n*(n-1)/2), never by enumerating pairs.
- latency_s: quantiles of Observed.latency_s (enriched minus produced Kafka timestamp) by the
  nearest-rank method: the p-th percentile is the ceil(p/100 * n)-th smallest value, always an
  observed latency. The raw values are returned in `latencies_s` for the histogram.
- throughput_tps: enriched / (last enriched_ms - first produced_ms) in seconds.
- wrong_blame: platform tickets labelled usage_error and usage tickets labelled platform_incident,
  each with how many had confidence >= 0.8, and by fault kind; rate = both over the platform and
  usage tickets (the costliest mistake: telling a customer our outage is theirs, or the reverse).
- calibration: is the verdict's confidence honest? Enriched tickets are put in confidence buckets
  [0, 0.4), [0.4, 0.5), ..., [0.9, 1.0]; each bucket shows n, the mean confidence and the accuracy. ECE
  (expected calibration error) = sum over buckets of n/N * |accuracy - mean confidence|; Brier =
  mean of (confidence - correct)^2.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from lab.truth import GroundTruth, Observed
from triage.models import LABELS

MISSING = "missing"
MAX_MISSES = 20


def evaluate(truth: Sequence[GroundTruth], observed: Mapping[str, Observed]) -> dict[str, Any]:
    """The full report for one run, as a JSON-serialisable dict."""
    pairs = [(item, observed.get(item.ticket_id)) for item in truth]
    enriched = [obs for _, obs in pairs if obs is not None]
    predicted = [obs.label if obs is not None else MISSING for _, obs in pairs]
    correct = sum(1 for (item, _), label in zip(pairs, predicted) if label == item.label)
    latencies = [obs.latency_s for obs in enriched]
    per_class = per_class_scores([item.label for item in truth], predicted)
    return {
        "tickets": len(truth),
        "enriched": len(enriched),
        "missing": len(truth) - len(enriched),
        "accuracy": _ratio(correct, len(truth)),
        "per_class": per_class,
        "macro_f1": macro_f1(per_class),
        "confusion": confusion([item.label for item in truth], predicted),
        "inconclusive_rate": _ratio(predicted.count("inconclusive"), len(enriched)),
        "coverage": coverage(pairs),
        "grouping": grouping(truth, observed),
        "latency_s": latency_quantiles(latencies),
        "latencies_s": latencies,
        "throughput_tps": throughput(enriched),
        "wrong_blame": wrong_blame(pairs),
        "by_kind": by_kind(pairs),
        "misses": misses(pairs),
        "calibration": calibration(pairs),
    }


def _ratio(part: float, whole: float) -> float | None:
    """part / whole, or None when there is nothing to divide by (a rate of nothing is not 0)."""
    return part / whole if whole else None


def per_class_scores(truth_labels: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Precision, recall, F1 and support for each label seen in the truth or the predictions."""
    support = Counter(truth_labels)
    guessed = Counter(predicted)
    right = Counter(t for t, p in zip(truth_labels, predicted) if t == p)
    scores = {}
    for label in LABELS:
        if not support[label] and not guessed[label]:
            continue
        precision = _ratio(right[label], guessed[label])
        recall = _ratio(right[label], support[label])
        scores[label] = {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
                         "support": support[label]}
    return scores


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def macro_f1(per_class: Mapping[str, Mapping[str, Any]]) -> float | None:
    """Mean F1 over the classes in the truth; an undefined F1 is 0 so never predicting a class costs."""
    present = [scores for scores in per_class.values() if scores["support"]]
    if not present:
        return None
    return sum(scores["f1"] or 0.0 for scores in present) / len(present)


def confusion(truth_labels: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    """{truth label: {predicted label or "missing": count}}, only non-zero cells."""
    matrix: dict[str, dict[str, int]] = {}
    for t, p in zip(truth_labels, predicted):
        row = matrix.setdefault(t, {})
        row[p] = row.get(p, 0) + 1
    return matrix


def _fact_values(facts: Mapping[str, Any], suffix: str) -> set[Any]:
    """Every value of a fact whose key ends in `suffix`; a list contributes its items."""
    values: set[Any] = set()
    for key, value in facts.items():
        if not key.endswith(suffix):
            continue
        items = value if isinstance(value, (list, tuple, set)) else [value]
        values.update(item for item in items if isinstance(item, Hashable))
    return values


def _available_facts(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [item.get("facts") or {} for item in document.get("evidence") or [] if item.get("available", True)]


def platform_covered(item: GroundTruth, obs: Observed | None) -> bool:
    """One evidence item names both a hit service and a hit region: the worker looked at the fault."""
    if obs is None:
        return False
    for facts in _available_facts(obs.document):
        if _fact_values(facts, "service") & set(item.services) and _fact_values(facts, "region") & set(item.regions):
            return True
    return False


def usage_covered(item: GroundTruth, obs: Observed | None) -> bool:
    """Some evidence item found the customer's actual error code."""
    if obs is None:
        return False
    return any(item.error_code in _fact_values(facts, "error_code") for facts in _available_facts(obs.document))


def coverage(pairs: Sequence[tuple[GroundTruth, Observed | None]]) -> dict[str, Any]:
    """Share of platform and usage tickets whose evidence points at the real cause (see module docstring)."""
    platform = [platform_covered(item, obs) for item, obs in pairs if item.label == "platform_incident"]
    usage = [usage_covered(item, obs) for item, obs in pairs
             if item.label == "usage_error" and item.error_code is not None]
    return {"platform": _ratio(sum(platform), len(platform)), "platform_n": len(platform),
            "usage": _ratio(sum(usage), len(usage)), "usage_n": len(usage)}


def _pairs(groups: Iterable[Hashable]) -> int:
    """Number of unordered pairs within groups: sum of n*(n-1)/2 over the group sizes."""
    return sum(n * (n - 1) // 2 for n in Counter(groups).values())


def grouping(truth: Sequence[GroundTruth], observed: Mapping[str, Observed]) -> dict[str, Any]:
    """Pairwise precision/recall of "these two tickets are the same incident"."""
    true_ids = [item.incident for item in truth]
    predicted_ids = [observed[item.ticket_id].incident_id if item.ticket_id in observed else None for item in truth]
    true_pairs = _pairs(i for i in true_ids if i is not None)
    predicted_pairs = _pairs(p for p in predicted_ids if p is not None)
    both_pairs = _pairs((i, p) for i, p in zip(true_ids, predicted_ids) if i is not None and p is not None)
    return {
        "precision": _ratio(both_pairs, predicted_pairs),
        "recall": _ratio(both_pairs, true_pairs),
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
        "both_pairs": both_pairs,
        "incidents_true": len({i for i in true_ids if i is not None}),
        "incidents_predicted": len({p for p in predicted_ids if p is not None}),
    }


def nearest_rank(sorted_values: Sequence[float], percent: float) -> float:
    """The ceil(percent/100 * n)-th smallest value (1-based), an actual observation."""
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_quantiles(latencies: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/max by nearest rank; all None when nothing was enriched."""
    if not latencies:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(latencies)
    return {"p50": nearest_rank(ordered, 50), "p95": nearest_rank(ordered, 95),
            "p99": nearest_rank(ordered, 99), "max": ordered[-1]}


def throughput(enriched: Sequence[Observed]) -> float | None:
    """Tickets per second from the first ticket produced to the last one enriched."""
    if not enriched:
        return None
    span_s = (max(obs.enriched_ms for obs in enriched) - min(obs.produced_ms for obs in enriched)) / 1000
    return _ratio(len(enriched), span_s) if span_s > 0 else None


CONFIDENT = 0.8


def wrong_blame(pairs: Sequence[tuple[GroundTruth, Observed | None]]) -> dict[str, Any]:
    """The costliest mistakes: a platform fault labelled a usage error (the customer is told to fix
    what we broke) and a usage error labelled a platform incident, with how many of each were said
    with confidence >= CONFIDENT, by fault kind. `rate` is both over the platform and usage tickets."""
    out: dict[str, Any] = {"platform_as_usage": 0, "platform_as_usage_confident": 0,
                           "usage_as_platform": 0, "usage_as_platform_confident": 0, "by_kind": {}}
    judged = 0
    for item, obs in pairs:
        if item.label not in ("platform_incident", "usage_error"):
            continue
        judged += 1
        wrong = {"platform_incident": "usage_error", "usage_error": "platform_incident"}[item.label]
        if obs is None or obs.label != wrong:
            continue
        name = "platform_as_usage" if item.label == "platform_incident" else "usage_as_platform"
        confident = float(obs.document["verdict"].get("confidence", 0)) >= CONFIDENT
        out[name] += 1
        out[f"{name}_confident"] += int(confident)
        row = out["by_kind"].setdefault(item.kind, {"wrong": 0, "confident": 0})
        row["wrong"] += 1
        row["confident"] += int(confident)
    out["tickets"] = judged
    out["rate"] = _ratio(out["platform_as_usage"] + out["usage_as_platform"], judged)
    return out


def by_kind(pairs: Sequence[tuple[GroundTruth, Observed | None]]) -> dict[str, dict[str, Any]]:
    """Accuracy and predicted labels per fault kind, so a reader sees which kinds the worker gets wrong."""
    rows: dict[str, dict[str, Any]] = {}
    for item, obs in sorted(pairs, key=lambda pair: pair[0].kind):
        row = rows.setdefault(item.kind, {"tickets": 0, "correct": 0, "accuracy": None, "predicted": {}})
        label = obs.label if obs is not None else MISSING
        row["tickets"] += 1
        if label == item.label:
            row["correct"] += 1
        row["predicted"][label] = row["predicted"].get(label, 0) + 1
    for row in rows.values():
        row["accuracy"] = _ratio(row["correct"], row["tickets"])
    return rows


CONFIDENCE_EDGES = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def calibration(pairs: Sequence[tuple[GroundTruth, Observed | None]]) -> dict[str, Any]:
    """Confidence against accuracy, by bucket, with ECE and Brier (see the module docstring)."""
    seen = [(float(obs.document["verdict"]["confidence"]), obs.label == item.label) for item, obs in pairs
            if obs is not None and "confidence" in obs.document["verdict"]]
    buckets = []
    for low, high in zip(CONFIDENCE_EDGES, CONFIDENCE_EDGES[1:]):
        inside = [(c, ok) for c, ok in seen if low <= c < high or (high == 1.0 and c == 1.0)]
        if inside:
            buckets.append({"from": low, "to": high, "n": len(inside),
                            "mean_confidence": round(sum(c for c, _ in inside) / len(inside), 4),
                            "accuracy": round(sum(ok for _, ok in inside) / len(inside), 4)})
    ece = sum(b["n"] / len(seen) * abs(b["accuracy"] - b["mean_confidence"]) for b in buckets) if seen else None
    brier = sum((c - ok) ** 2 for c, ok in seen) / len(seen) if seen else None
    return {"buckets": buckets, "ece": round(ece, 4) if ece is not None else None,
            "brier": round(brier, 4) if brier is not None else None}


def misses(pairs: Sequence[tuple[GroundTruth, Observed | None]], limit: int = MAX_MISSES) -> list[dict[str, Any]]:
    """The first `limit` wrong tickets in truth order, with the rule that decided them."""
    out = []
    for item, obs in pairs:
        label = obs.label if obs is not None else MISSING
        if label == item.label:
            continue
        rule = obs.document.get("verdict", {}).get("rule") if obs is not None else None
        out.append({"ticket_id": item.ticket_id, "kind": item.kind, "truth": item.label,
                    "predicted": label, "rule": rule})
        if len(out) >= limit:
            break
    return out
