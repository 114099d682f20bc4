"""The lexical side of retrieval: BM25 over chunk text, with curated synonyms applied to queries, and
for Spanish, the English words a Spanish term searches for (``corpus/lexicon.yaml``)."""

from __future__ import annotations

import bm25s
import numpy as np

from qa.text import PhraseMatcher, fold, language, normalise, tokenise

Lexicon = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]


class Lexical:
    """BM25 over ``texts``; ``scores(query)`` expands the query with synonym groups first.

    ``lexicon``: (Spanish terms, English words) pairs. In a Spanish question every term counts; in
    any other, only terms that are not also English words ("vih", "prueba"; not "legal", "doctor"),
    so a Spanish fragment ("VIH prueba") is read as Spanish and an English question is left alone.
    """

    def __init__(self, texts: list[str], synonyms: tuple[tuple[str, ...], ...] = (), lexicon: Lexicon = (),
                 english: frozenset[str] = frozenset()):
        self._synonyms = tuple((PhraseMatcher(group), group) for group in synonyms)
        self._lexicon = tuple((PhraseMatcher(es, prefix=True), en) for es, en in lexicon)
        self._lexicon_always = tuple((PhraseMatcher(tuple(t for t in es if t not in english), prefix=True), en)
                                     for es, en in lexicon)
        self._bm25 = bm25s.BM25()
        corpus = [tokenise(t) or ["_empty_"] for t in texts]
        self._bm25.index(corpus, show_progress=False)
        self._vocab = {t for doc in corpus for t in doc}
        self._size = len(texts)

    def expand(self, query: str) -> str:
        """The query plus every synonym of a word or phrase it contains."""
        text = normalise(query)
        extra = [term for found, group in self._synonyms if found.first(text) is not None for term in group]
        folded = fold(query)
        lexicon = self._lexicon if language(query) == "es" else self._lexicon_always
        extra += [term for found, words in lexicon if found and found.first(folded) is not None for term in words]
        return " ".join([text, *extra])

    def gloss(self, query: str) -> str:
        """For a Spanish question, the English words its lexicon terms search for, in lexicon order
        ("dónde me hago la prueba del vih" -> "testing test hiv"); "" for any other question."""
        if language(query) != "es":
            return ""
        folded = fold(query)
        words = [term for found, terms in self._lexicon if found and found.first(folded) is not None for term in terms]
        return " ".join(dict.fromkeys(words))

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenise(self.expand(query)) if t in self._vocab]
        if not tokens:
            return np.zeros(self._size, dtype="float32")
        return np.asarray(self._bm25.get_scores(tokens), dtype="float32")
