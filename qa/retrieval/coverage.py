"""Whether the corpus covers a question at all, as a classifier trained on how people asked says.

The answered rule's confidence is the best passage's similarity, less the closest out-of-scope question's
(``qa.retrieval.confidence``). A question near the topic ("how much does an HIV test cost at Generations",
"is escorting legal if it's just dinner") scores like one the FAQ answers, since its words are the FAQ's. The
tune halves of the question sets hold some 1,250 questions from two dozen independent writers, each labelled
in scope or not: near-topic and unrelated ones among them, in English and Spanish. A logistic regression over
the vector each question is searched with (the question, and for a Spanish one its English reading) learns
where the two kinds lie; the rule adds ``WEIGHT`` times (its probability less one half) to the confidence.

The threshold is calibrated on tune questions the classifier also learns from, so the build calibrates with
each such question's probability from a model trained without it (``FOLDS``-fold cross-fitting), and ships the
model trained on all of them. The test halves never train it. ``WEIGHT`` and ``REGULARISATION`` were chosen
on tune halves the classifier was not trained on (docs/quality.md, stop 41).

scikit-learn fits it at build time; only its weights go into the manifest, and the server scores with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qa.logistic import Logistic

WEIGHT = 0.3  # of (probability - 0.5), added to the answered rule's confidence
REGULARISATION = 4.0  # scikit-learn's C
FOLDS = 5


class CoverageModel(Logistic):
    """The probability that the corpus covers a question, from the vector it is searched with."""

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Logistic | None:
        """The model a version stores (None: built without labelled questions, or before there was one)."""
        return cls.from_stored(manifest.get("coverage"), "coverage model")


def train(vectors: np.ndarray, covered: Sequence[bool]) -> tuple[dict[str, Any], list[float | None]]:
    """Fit the model on the questions' search ``vectors`` and whether the corpus covers each.

    Returns what the manifest stores (or the reason there is none) and each question's probability from a
    model trained without it (None when there is no model), for calibrating the threshold on them."""
    labels = np.asarray(covered, dtype=bool)
    n = len(labels)
    if n == 0 or labels.all() or not labels.any() or min(labels.sum(), n - labels.sum()) < FOLDS:
        return {"reason": f"fewer than {FOLDS} labelled questions of each kind"}, [None] * n
    from sklearn.linear_model import LogisticRegression  # build-time imports: the server never fits
    from sklearn.model_selection import cross_val_predict

    model = LogisticRegression(C=REGULARISATION, max_iter=3000)
    held_out = cross_val_predict(model, vectors, labels, cv=FOLDS, method="predict_proba")[:, 1]
    model.fit(vectors, labels)
    stored = {"weights": [round(float(w), 6) for w in model.coef_[0]], "bias": round(float(model.intercept_[0]), 6),
              "weight": WEIGHT, "questions": {"in_scope": int(labels.sum()), "out_of_scope": int(n - labels.sum())}}
    return stored, [round(float(p), 6) for p in held_out]
