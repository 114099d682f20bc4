"""Which passage a question is about, as a classifier trained on the corpus's own keys says.

A chunk's dense score is its single closest key. A question worded unlike any one key ("wat happens if
i get cought selling") can land a little closer to a key of the paragraph beside the right one, while the
right paragraph's keys, taken together, lie around it. A multinomial logistic regression, trained at build
time on every key that points to a chunk (its passage, sentences, windows and alternate phrasings),
gives each chunk a probability from all its keys at once; the ranking adds a small weight of it to the
fused score. The labels are the keys' own chunks and, since stop 40, the passages that answer the tune
halves of the question sets (``Settings.training_files``): questions as two dozen independent writers
typed them, about a friend, with typos, in slang, which no key written by a maintainer reads like. Their
test halves never train it. The weight was measured on tune halves the classifier was not trained on
(docs/quality.md, stops 37 and 40).

scikit-learn fits it (``train``); only its weights go into the manifest, and the server scores with numpy.
A corpus of more than ``MAX_CHUNKS`` chunks gets none (its weights would outgrow the manifest, and a
passage among thousands is not told apart by a linear model over a few keys each).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.errors import IndexCorruptError
from qa.index.format import REBUILD

if TYPE_CHECKING:
    from qa.index.keys import Key

TRAINED_ON = ("passage", "sentence", "window", "phrasing", "translation")  # the keys that stand for a chunk
REGULARISATION = 16.0  # scikit-learn's C; measured on the tune halves (docs/quality.md, stop 37)
MAX_CHUNKS = 500


@dataclass(frozen=True)
class PassageClassifier:
    """Weights of a multinomial logistic regression over the chunks ``chunks`` (ids, in class order)."""

    chunks: tuple[str, ...]
    weights: np.ndarray  # (classes, dimension)
    bias: np.ndarray  # (classes,)

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> PassageClassifier | None:
        """The classifier a version stores (None: built without one, or before there was one)."""
        stored = manifest.get("passages") or {}
        if not stored.get("chunks"):
            return None
        try:
            chunks = tuple(str(c) for c in stored["chunks"])
            weights = np.asarray(stored["weights"], dtype="float32")
            bias = np.asarray(stored["bias"], dtype="float32")
        except (KeyError, TypeError, ValueError) as e:
            raise IndexCorruptError(f"the manifest's passage classifier cannot be read ({e}) - {REBUILD}") from e
        if weights.ndim != 2 or weights.shape[0] != len(chunks) or bias.shape != (len(chunks),):
            raise IndexCorruptError(f"the manifest's passage classifier has {len(chunks)} passages, weights of shape "
                                    f"{weights.shape} and {bias.size} biases - {REBUILD}")
        return cls(chunks, weights, bias)

    def probabilities(self, vector: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
        """Each of ``n`` chunks' probability for the unit ``vector`` (1, dimension); ``positions``: each
        class's chunk position (-1: no longer a chunk). A chunk the classifier does not know gets 0."""
        logits = (vector @ self.weights.T)[0] + self.bias
        p = np.exp(logits - logits.max())
        p /= p.sum()
        out = np.zeros(n, dtype="float32")
        known = positions >= 0
        out[positions[known]] = p[known]
        return out


def train(keys: Sequence[Key], vectors: np.ndarray, labelled: Sequence[tuple[str, np.ndarray]] = ()) -> dict[str, Any]:
    """Fit the classifier on the embedded ``keys`` (rows of ``vectors``) and the ``labelled`` questions (the
    chunk id that answers each, and its embedding); what the manifest stores, or the reason there is none."""
    rows = [i for i, k in enumerate(keys) if k.chunk and k.kind in TRAINED_ON]
    known = {keys[i].chunk for i in rows}
    asked = [(chunk, v) for chunk, v in labelled if chunk in known]
    labels = [keys[i].chunk for i in rows] + [chunk for chunk, _ in asked]
    x = np.vstack([vectors[rows], *(v[None, :] for _, v in asked)]) if asked else vectors[rows]
    classes = sorted(set(labels))
    if len(classes) < 2:
        return {"reason": "fewer than two passages"}
    if len(classes) > MAX_CHUNKS:
        return {"reason": f"more than {MAX_CHUNKS} passages"}
    from sklearn.linear_model import LogisticRegression  # a build-time import: the server never fits

    model = LogisticRegression(C=REGULARISATION, max_iter=5000).fit(x, labels)
    weights, bias = model.coef_, model.intercept_
    if len(classes) == 2:  # one row for two classes: p(second) = sigmoid(w.x + b), a softmax over (0, w.x + b)
        weights, bias = np.vstack([np.zeros_like(weights[0]), weights[0]]), np.r_[0.0, bias[0]]
    return {"chunks": [str(c) for c in model.classes_],
            "weights": [[round(float(w), 6) for w in row] for row in weights],
            "bias": [round(float(b), 6) for b in bias],
            "trained_on": len(rows), "questions": len(asked)}
