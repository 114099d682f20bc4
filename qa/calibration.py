"""The "answered or not" rule: a confidence figure and a threshold calibrated on labelled questions.

The confidence of a question is its best dense similarity to any passage key, plus a small weight of
its lexical evidence (log of 1 + the best BM25 score); a question closer to a known out-of-scope
question than to anything in the corpus has no confidence at all. ``calibrate``
sweeps thresholds over labelled in-scope and out-of-scope questions and picks the one that keeps
the most in-scope questions answered while refusing the target share of out-of-scope ones; the
build stores it, with the figures it reached, in the index manifest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

DEFAULT_THRESHOLD = 0.6
LEXICAL_EVIDENCE = 0.1  # used only by an index built without labelled questions


@dataclass(frozen=True)
class Rule:
    threshold: float = DEFAULT_THRESHOLD
    figures: dict = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, manifest: dict) -> Rule:
        cal = manifest.get("calibration") or {}
        return cls(float(cal.get("threshold", DEFAULT_THRESHOLD)), dict(cal))

    @staticmethod
    def confidence(ranking) -> float:
        """Confidence that the corpus answers the question of ``ranking`` (a ``qa.search.Ranking``)."""
        if not ranking.candidates or ranking.negative >= ranking.best_dense:
            return 0.0
        return round(ranking.best_dense + LEXICAL_EVIDENCE * math.log1p(ranking.best_lexical), 6)

    def accepts(self, confidence: float) -> bool:
        return confidence >= self.threshold


def calibrate(in_scope: list[float], out_of_scope: list[float], min_refused: float = 0.90,
              min_answered: float = 0.95) -> dict:
    """Pick a threshold from the confidences of labelled questions.

    Among thresholds that refuse at least ``min_refused`` of out-of-scope questions, take the one
    that answers the most in-scope ones (the lowest such threshold). If none reaches
    ``min_answered`` too, the result says so (``meets_targets`` false) rather than pretending.
    """
    if not in_scope or not out_of_scope:
        return {"threshold": DEFAULT_THRESHOLD, "meets_targets": False, "reason": "no labelled questions"}
    candidates = sorted(set(in_scope) | set(out_of_scope))
    best = None
    for i, t in enumerate(candidates):
        # put the cut half-way to the next lower score, so a question at a seen score is not on the edge
        cut = (t + candidates[i - 1]) / 2 if i else t - 1e-3
        refused = sum(s < cut for s in out_of_scope) / len(out_of_scope)
        answered = sum(s >= cut for s in in_scope) / len(in_scope)
        if refused >= min_refused and (best is None or answered > best["in_scope_answered"]):
            best = {"threshold": round(cut, 4), "out_of_scope_refused": round(refused, 4),
                    "in_scope_answered": round(answered, 4)}
    if best is None:
        return {"threshold": DEFAULT_THRESHOLD, "meets_targets": False, "reason": "no threshold refuses enough"}
    best["meets_targets"] = best["in_scope_answered"] >= min_answered
    best["labelled"] = {"in_scope": len(in_scope), "out_of_scope": len(out_of_scope)}
    return best
