"""The crisis detector's semantic layer at build time: train it on the corpus, calibrate its threshold.

Training needs no labelled questions: the positives are the danger signs' example sentences of
``corpus/safety.yaml``; the negatives are what the corpus holds that is not danger (its calm
examples, the FAQ's own sentences, the alternate phrasings and the out-of-scope questions). The
model is scikit-learn's logistic regression; only its weights go into the manifest, and the
server scores with numpy.

Two thresholds are calibrated on the tune split of ``eval/crisis.yaml`` and the ordinary (non-crisis)
tune questions of ``eval/questions.yaml``, recall first, each the lowest probability that stays
within its false-alarm budget:

- ``threshold``: a sentence at or above it raises its sign's rule at the rule's level (after the
  cues), so at most ``MAX_FALSE_EMERGENCIES`` of the calm questions may get an emergency;
- ``urgent_threshold``: a sentence at or above it (and below ``threshold``) raises an urgent banner
  at most, the gentle one that offers the hotline; at most ``MAX_FALSE_BANNERS`` of the calm and
  ordinary questions may get any banner.

A missed crisis is the worst failure, a gentle banner on an ordinary question a small one: the
budgets say how much of the second is paid for the first. Measured against a nearest-example rule
in docs/safety.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from qa.answering.crisis import Detector, Layer
from qa.answering.engine import Engine
from qa.index.keys import Key
from qa.lifecycle.crisis_eval import CrisisQuestion
from qa.lifecycle.evaluate import Question
from qa.text import language, passages_of

NEGATIVE_KINDS = ("calm", "highlight", "phrasing", "negative")
REGULARISATION = 2.0  # scikit-learn's C; measured on the tune split (docs/safety.md)
DEFAULT_THRESHOLD = 0.8  # used only by an index built without labelled crisis questions
MAX_FALSE_EMERGENCIES = 0.02
MAX_FALSE_BANNERS = 0.05


def train(keys: list[Key], vectors: np.ndarray) -> dict[str, Any]:
    """Fit the classifier on the embedded keys; returns what the manifest stores (weights, bias, counts)."""
    positive = [i for i, k in enumerate(keys) if k.kind == "danger"]
    # Spanish phrasings and out-of-scope questions stay out: with the English model, what they share
    # is mostly the language, and as negatives they taught the classifier that Spanish is calm and
    # moved its boundary for English too (docs/safety.md: false emergencies on long English messages
    # rose from 2 to 4 of 18 on the tune split). Spanish danger and calm examples stay in.
    negative = [i for i, k in enumerate(keys) if k.kind in NEGATIVE_KINDS
                and not (k.kind in ("phrasing", "negative") and language(k.text) == "es")]
    if not positive or not negative:
        return {"reason": "no danger examples or nothing to tell them from"}
    x = vectors[positive + negative]
    y = np.r_[np.ones(len(positive)), np.zeros(len(negative))]
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000).fit(x, y)
    return {"weights": [round(float(w), 6) for w in model.coef_[0]], "bias": round(float(model.intercept_[0]), 6),
            "trained_on": {"danger": len(positive), "not_danger": len(negative)}, "threshold": DEFAULT_THRESHOLD}


@dataclass(frozen=True)
class _Case:
    question: str
    parts: list[str]
    vectors: np.ndarray
    expected: str  # "emergency", "urgent" or "none" ("none" for every ordinary question)
    ordinary: bool  # from eval/questions.yaml, not from the crisis set


def calibrate(engine: Engine, model: dict[str, Any], crisis: list[CrisisQuestion], ordinary: list[Question],
              spanish: Sequence[Question] = ()) -> dict[str, Any]:
    """``model`` with its thresholds calibrated on the tune questions (``engine``'s own are ignored),
    and what they reached on tune; Spanish questions get thresholds of their own (``languages.es``).

    The main thresholds: the crisis questions (in any language) and ``ordinary`` (questions that are
    not crises). Spanish: with the English model every Spanish sentence sits closer to the Spanish
    danger examples than an English one does, so the main emergency threshold raised an emergency for
    one Spanish question in eight (docs/safety.md). A Spanish question's emergency threshold is set on
    the crisis questions in Spanish and ``spanish`` (the Spanish question set, whose ``level`` says
    which are danger) within the same budget; its urgent threshold stays the main one, so a Spanish
    crisis is never missed for it and only its level needs the Spanish evidence.
    """
    cases = [_case(engine, q.q, q.level, False) for q in crisis]
    cases += [_case(engine, q.q, "none", True) for q in ordinary if q.crisis is None]
    out = model | _thresholds(engine.detector, cases)
    spanish_cases = [c for c in cases if language(c.question) == "es"]
    spanish_cases += [_case(engine, q.q, q.level or "none", q.level in (None, "none")) for q in spanish]
    if any(c.expected != "none" for c in spanish_cases) and any(c.expected == "none" for c in spanish_cases):
        high = _thresholds(engine.detector, spanish_cases)["threshold"]
        low = min(out["urgent_threshold"], high)
        out["languages"] = {"es": {"threshold": high, "urgent_threshold": low,
                                   "tune": _figures(engine.detector, spanish_cases, high, low)}}
    return out


def _thresholds(detector: Detector, cases: list[_Case]) -> dict[str, Any]:
    """The two thresholds, recall first, each the lowest within its budget."""
    cuts = [*sorted({round(p, 6) for c in cases for p, _ in detector.scores(c.vectors)}), 1.01]
    # the lowest cut within budget keeps the most crises; false alarms only fall as a cut rises
    high = _lowest(cuts, lambda cut: _figures(detector, cases, cut, cut)["false_emergencies"]
                   <= MAX_FALSE_EMERGENCIES)
    low = _lowest([c for c in cuts if c <= high], lambda cut: _figures(detector, cases, high, cut)
                  ["false_banners"] <= MAX_FALSE_BANNERS)
    return {"threshold": high, "urgent_threshold": min(low, high), "tune": _figures(detector, cases, high, low),
            "budget": {"false_emergencies": MAX_FALSE_EMERGENCIES, "false_banners": MAX_FALSE_BANNERS}}


def _lowest(cuts: list[float], ok: Callable[[float], bool]) -> float:
    """The lowest of the sorted ``cuts`` for which ``ok`` holds (``ok`` holds for every higher cut too)."""
    lo, hi = 0, len(cuts) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(cuts[mid]):
            hi = mid
        else:
            lo = mid + 1
    return cuts[lo]


def _case(engine: Engine, question: str, expected: str, ordinary: bool) -> _Case:
    parts = passages_of(question)
    return _Case(question, parts, engine.encoder.encode(parts), expected, ordinary)


def _figures(detector: Detector, cases: list[_Case], threshold: float, urgent_threshold: float) -> dict[str, float]:
    """On the tune cases: recall (any banner for danger), false emergencies (calm and ordinary
    questions alike), and false banners of any level (calm and ordinary questions together)."""
    layer = detector.layer()
    assert layer is not None  # calibrate is only called with a trained classifier
    # the same thresholds for every language: the cases are of one language
    trial = Detector(detector.safety, detector.examples, {"en": Layer(layer.classifier, threshold, urgent_threshold)})
    got = [(c, trial.detect(c.question, c.parts, c.vectors)) for c in cases]
    danger = [m for c, m in got if c.expected != "none"]
    calm = [m for c, m in got if c.expected == "none"]

    def share(ms: list[Any], pred: Any) -> float:
        return round(sum(1 for m in ms if pred(m)) / max(len(ms), 1), 4)

    return {"recall": share(danger, lambda m: m is not None),
            "false_emergencies": share(calm, lambda m: m is not None and m.level == "emergency"),
            "false_banners": share(calm, lambda m: m is not None)}
