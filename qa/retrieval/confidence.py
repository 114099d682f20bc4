"""The "answered or not" rule: a confidence figure and a threshold calibrated on labelled questions.

The confidence of a question is its best dense similarity to any passage key, plus a small weight of
its lexical evidence (log of 1 + the best BM25 score), less a weight of its similarity to the
closest known out-of-scope question (``corpus/out_of_scope.yaml``); a question closer to one of those
than to anything in the corpus, and sharing no words with it, has no confidence at all. Since stop 41 a
classifier trained on labelled questions (``qa.retrieval.coverage``) adds its say: ``WEIGHT`` times its
probability that the corpus covers the question, less one half. The weights were chosen on the tune split
(docs/quality.md).

``calibrate`` sweeps thresholds over labelled in-scope and out-of-scope questions (the tune split)
and picks one that refuses the target share of out-of-scope questions while keeping the most
in-scope ones answered; the build stores it, with the figures it reached, in the index manifest.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qa.retrieval.coverage import WEIGHT as COVERAGE_WEIGHT

if TYPE_CHECKING:
    from qa.retrieval.search import Ranking

DEFAULT_THRESHOLD = 0.45  # used only by an index built without labelled questions
LEXICAL_EVIDENCE = 0.05  # weight of log(1 + best BM25 score)
NEGATIVE_PENALTY = 0.5  # weight of the similarity to the closest out-of-scope question
# A question closer to an out-of-scope question than to any passage has no confidence, unless some
# passage shares words with it (a BM25 score of at least this): with the English model, a Spanish
# question is close to every Spanish out-of-scope question, and only the words (through the
# lexicon) say it is about HIV testing rather than flu shots.
SHARED_WORDS = 1.0
# Cuts whose answered-plus-refused sums lie this close to the best are equally good: on a few dozen
# labelled questions one question moves a share by 0.02-0.08, so a smaller lead is noise. Of those,
# the cut that answers the most in-scope questions wins (docs/quality.md, stop 26: without it, taking
# two Spanish near-topic questions out of the calibration, as the subjects rule refuses them anyway,
# flipped the Spanish threshold to refusing four in-scope questions to refuse one more out of scope).
NEAR_TIE = 0.01


@dataclass(frozen=True)
class AnsweredRule:
    """Whether a ranking answers its question: a confidence figure and the threshold it must reach."""

    threshold: float = DEFAULT_THRESHOLD
    figures: dict[str, Any] = field(default_factory=dict)
    # A question in another language is compared with its own threshold: with the English model a
    # Spanish question is close to every Spanish key (phrasings and out-of-scope questions alike),
    # so its confidences sit on their own scale (docs/quality.md).
    languages: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> AnsweredRule:
        cal = manifest.get("calibration") or {}
        languages = {lang: float(c["threshold"]) for lang, c in (cal.get("languages") or {}).items()}
        return cls(float(cal.get("threshold", DEFAULT_THRESHOLD)), dict(cal), languages)

    def threshold_for(self, lang: str = "en") -> float:
        return self.languages.get(lang, self.threshold)

    @staticmethod
    def confidence(ranking: Ranking, question: str = "", covered: float | None = None) -> float:
        """Confidence that the corpus answers ``question``, ranked as ``ranking`` (a ``qa.retrieval.search.Ranking``);
        ``covered``: the coverage model's probability for it (None: the index has no such model).

        A question without a single letter (a pasted phone number, punctuation, emoji) is answered
        only when its digits or symbols literally occur in the corpus (some lexical evidence).
        """
        if not ranking.candidates:
            return 0.0
        if ranking.negative >= ranking.best_dense and ranking.best_lexical < SHARED_WORDS:
            return 0.0
        if question and not re.search(r"[^\W\d_]", question) and ranking.best_lexical <= 0:
            return 0.0
        near_miss = NEGATIVE_PENALTY * max(ranking.negative, 0.0)
        learnt = COVERAGE_WEIGHT * (covered - 0.5) if covered is not None else 0.0
        return round(float(ranking.best_dense + LEXICAL_EVIDENCE * math.log1p(ranking.best_lexical) - near_miss
                           + learnt), 6)

    def accepts(self, confidence: float, lang: str = "en") -> bool:
        return confidence >= self.threshold_for(lang)


def calibrate(in_scope: list[float], out_of_scope: list[float], min_refused: float = 0.90,
              min_answered: float = 0.95) -> dict[str, Any]:
    """Pick a threshold from the confidences of labelled questions.

    Among cuts that refuse at least ``min_refused`` of out-of-scope questions, keep those with the
    best sum of in-scope answered and out-of-scope refused (within ``NEAR_TIE``, then the most
    answered); of those, take the middle of their range, so the threshold sits in the widest gap
    rather than on the edge of one question's score. If the
    best cut does not reach ``min_answered`` too, the result says so rather than pretending.
    """
    if not in_scope or not out_of_scope:
        return {"threshold": DEFAULT_THRESHOLD, "meets_targets": False, "reason": "no labelled questions"}
    scores = sorted(set(in_scope) | set(out_of_scope))
    cuts = [scores[0] - 1e-3] + [(a + b) / 2 for a, b in zip(scores, scores[1:], strict=False)] + [scores[-1] + 1e-3]
    rows = []
    for cut in cuts:
        refused = sum(s < cut for s in out_of_scope) / len(out_of_scope)
        answered = sum(s >= cut for s in in_scope) / len(in_scope)
        if refused >= min_refused:
            rows.append((answered + refused, cut, refused, answered))
    if not rows:
        return {"threshold": DEFAULT_THRESHOLD, "meets_targets": False, "reason": "no threshold refuses enough"}
    best = max(r[0] for r in rows)
    near = [r for r in rows if r[0] >= best - NEAR_TIE]
    most = max(r[3] for r in near)
    best = max(r[0] for r in near if r[3] == most)
    tied = [r for r in near if r[3] == most and r[0] == best]
    low, high = min(r[1] for r in tied), max(r[1] for r in tied)
    # the tied cuts form one interval of scores that no labelled question falls in: take its middle
    cut = (low + high) / 2
    refused = sum(s < cut for s in out_of_scope) / len(out_of_scope)
    answered = sum(s >= cut for s in in_scope) / len(in_scope)
    return {"threshold": round(cut, 4), "out_of_scope_refused": round(refused, 4),
            "in_scope_answered": round(answered, 4), "meets_targets": answered >= min_answered and refused >= min_refused,
            "labelled": {"in_scope": len(in_scope), "out_of_scope": len(out_of_scope)}}
