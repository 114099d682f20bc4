"""The lexical side of retrieval: BM25 over chunk text, with curated synonyms applied to queries, and
for Spanish, the English words a Spanish term searches for (``corpus/lexicon.yaml``)."""

from __future__ import annotations

import numpy as np

from qa.index.bm25 import LexicalIndex
from qa.text import PhraseMatcher, fold, language, normalise, tokenise

# weight of the Spanish BM25 (over Spanish phrasings) in a Spanish question's lexical score; tune
# split, docs/quality.md: 0.5 and 1.0 tied on hit@3, 0.5 answered more in-scope questions
SPANISH_WEIGHT = 0.5

Lexicon = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]


class Lexical:
    """BM25 over ``texts``; ``scores(query)`` expands the query with synonym groups first.

    ``lexicon``: (Spanish terms, English words) pairs. In a Spanish question every term counts; in
    any other, only terms that are not also English words ("vih", "prueba"; not "legal", "doctor"),
    so a Spanish fragment ("VIH prueba") is read as Spanish and an English question is left alone.
    ``index``: the BM25 indexes of ``texts`` and ``spanish`` stored with the version (built here when None).
    """

    def __init__(self, texts: list[str], synonyms: tuple[tuple[str, ...], ...] = (), lexicon: Lexicon = (),
                 english: frozenset[str] = frozenset(), spanish: list[str] | None = None,
                 index: LexicalIndex | None = None):
        self._synonyms = tuple((PhraseMatcher(group), group) for group in synonyms)
        self._lexicon = tuple((PhraseMatcher(es, prefix=True), en) for es, en in lexicon)
        self._lexicon_always = tuple((PhraseMatcher(tuple(t for t in es if t not in english), prefix=True), en)
                                     for es, en in lexicon)
        if index is None:
            index = LexicalIndex.build(texts, spanish)
        elif index.size != len(texts):  # a version whose chunks were replaced, but not its stored index
            raise ValueError(f"the lexical index scores {index.size} texts, not these {len(texts)}")
        self._bm25 = index.english
        # bm25s adds "" to the vocabulary, for documents with no token; ours always have one ("_empty_")
        self._vocab = set(index.english.vocab_dict) - {""}
        self._size = len(texts)
        # Spanish words for each text (its Spanish phrasings), stemmed as Spanish, for Spanish questions
        self._es = index.spanish
        self._es_vocab = set(index.spanish.vocab_dict) - {""} if index.spanish is not None else set()

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

    def scores(self, query: str, english: str = "") -> np.ndarray:
        """BM25 scores of every text for ``query`` (expanded) and the words of ``english``, its translation
        (a Spanish question's, ``qa.translation``)."""
        out = np.zeros(self._size, dtype="float32")
        tokens = [t for t in tokenise(f"{self.expand(query)} {english}") if t in self._vocab]
        if tokens:
            out += np.asarray(self._bm25.get_scores(tokens), dtype="float32")
        if self._es is not None and SPANISH_WEIGHT and language(query) == "es":
            es_tokens = [t for t in tokenise(query, "es") if t in self._es_vocab]
            if es_tokens:
                out += SPANISH_WEIGHT * np.asarray(self._es.get_scores(es_tokens), dtype="float32")
        return out
