"""The lexical side of retrieval: BM25 over chunk text, with curated synonyms applied to queries."""

from __future__ import annotations

import re

import bm25s
import numpy as np

from qa.safety import normalise

STOPWORDS = frozenset("""
a about an and are as at be been being but by can could do does doing for from get got had has have how
i if in into is it its me my of on or our so some than that the their them then there these they this
to u us was we were what when where which who whom why will with would you your im i'm
""".split())


def stem(word: str) -> str:
    """A deliberately small suffix stripper: tests/testing/tested -> test, services -> servic."""
    for suffix in ("ing", "edly", "ed", "ies", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            return word + ("y" if suffix == "ies" else "")
    return word


def tokenize(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", normalise(text))
    return [stem(w) for w in words if w not in STOPWORDS and len(w) > 1]


class Lexical:
    """BM25 over ``texts``; ``scores(query)`` expands the query with synonym groups first."""

    def __init__(self, texts: list[str], synonyms: tuple[tuple[str, ...], ...] = ()):
        self._synonyms = synonyms
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(t) or ["_empty_"] for t in texts]
        self._bm25.index(corpus, show_progress=False)
        self._vocab = {t for doc in corpus for t in doc}

    def expand(self, query: str) -> str:
        """The query plus every synonym of a word or phrase it contains."""
        text = normalise(query)
        extra = [
            term for group in self._synonyms if any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text) for t in group)
            for term in group
        ]
        return " ".join([text, *extra])

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(self.expand(query)) if t in self._vocab]
        if not tokens:
            return np.zeros(self._bm25.scores["num_docs"], dtype="float32")
        return np.asarray(self._bm25.get_scores(tokens), dtype="float32")
