"""The lexical side of retrieval: BM25 over chunk text, with curated synonyms applied to queries."""

from __future__ import annotations

import bm25s
import numpy as np

from qa.text import PhraseMatcher, normalise, tokenise


class Lexical:
    """BM25 over ``texts``; ``scores(query)`` expands the query with synonym groups first."""

    def __init__(self, texts: list[str], synonyms: tuple[tuple[str, ...], ...] = ()):
        self._synonyms = tuple((PhraseMatcher(group), group) for group in synonyms)
        self._bm25 = bm25s.BM25()
        corpus = [tokenise(t) or ["_empty_"] for t in texts]
        self._bm25.index(corpus, show_progress=False)
        self._vocab = {t for doc in corpus for t in doc}
        self._size = len(texts)

    def expand(self, query: str) -> str:
        """The query plus every synonym of a word or phrase it contains."""
        text = normalise(query)
        extra = [term for found, group in self._synonyms if found.first(text) is not None for term in group]
        return " ".join([text, *extra])

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenise(self.expand(query)) if t in self._vocab]
        if not tokens:
            return np.zeros(self._size, dtype="float32")
        return np.asarray(self._bm25.get_scores(tokens), dtype="float32")
