"""A binary logistic regression as the manifest stores it: weights and a bias, scored with numpy.

scikit-learn fits the models at build time; the server only reads their weights. The coverage model
(``qa.retrieval.coverage``) and the crisis detector's classifiers (``qa.answering.crisis``: danger,
support and message) are all of this kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.errors import IndexCorruptError
from qa.index.format import REBUILD


@dataclass(frozen=True)
class Logistic:
    """Weights of a logistic regression: the probability of its positive class for a vector."""

    weights: np.ndarray  # (dimension,)
    bias: float

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None, what: str) -> Logistic | None:
        """The model ``stored`` holds (None: it holds no weights, as when a build had nothing to learn from).
        A damaged one is refused, naming ``what`` it is and the fix."""
        if not stored or not stored.get("weights"):
            return None
        try:
            weights = np.asarray(stored["weights"], dtype="float32")
            bias = float(stored["bias"])
        except (KeyError, TypeError, ValueError) as e:
            raise IndexCorruptError(f"the manifest's {what} cannot be read ({e}) - {REBUILD}") from e
        if weights.ndim != 1:
            raise IndexCorruptError(f"the manifest's {what} has weights of shape {weights.shape} - {REBUILD}")
        return cls(weights, bias)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """The probability for each row of ``vectors`` (rows, dimension)."""
        logits = np.asarray(vectors, dtype="float32") @ self.weights + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))

    def probability(self, vector: np.ndarray) -> float:
        """The probability for one ``vector`` ((dimension,) or (1, dimension))."""
        return float(self.probabilities(np.asarray(vector).reshape(1, -1))[0])
