"""Hybrid retrieval over one index version: dense (FAISS) and lexical (BM25), fused by score.

Each chunk has several embedded keys (``qa.index.keys``: the passage under its question heading,
its sentences and windows of sentences, alternate phrasings); a chunk's dense score is the best of
its keys. The lexical side scores the chunk text with its heading. The default ("hybrid") fused
score is the cosine plus a small weight of the BM25 score scaled to the best chunk's; "rrf" fuses
by rank instead (both measured, with each side alone, in docs/quality.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.encoder import Encoder
from qa.index.chunks import Chunk
from qa.index.format import Version
from qa.index.keys import translated
from qa.retrieval import MODES
from qa.retrieval.lexical import Lexical
from qa.retrieval.spelling import Speller, english_words

LEXICAL_WEIGHT = 0.1  # BM25 (scaled to the best chunk's) added to the cosine; tuned in docs/quality.md
MAX_KEYS = 4096  # keys scored per question; chunks with no key among them rank last on the dense side
RRF_K = 60  # the constant of Cormack et al.; measured in docs/quality.md


@dataclass(frozen=True)
class Candidate:
    """One chunk's scores for one question, with what decided its place."""

    chunk: Chunk
    dense: float  # best cosine similarity of the chunk's keys
    dense_key: str  # which kind of key gave it
    lexical: float  # BM25 score
    dense_rank: int  # 1-based
    lexical_rank: int
    fused: float
    rank: int
    sentence: int | None  # the chunk's sentence closest to the question (None when not scored)
    sentence_score: float



@dataclass(frozen=True)
class Ranking:
    """The chunks ranked for one question, and how close it came to a known out-of-scope question."""

    candidates: list[Candidate]
    negative: float  # best similarity to an out_of_scope.yaml question (-1 when there are none)

    @property
    def best_dense(self) -> float:
        return max((c.dense for c in self.candidates), default=-1.0)

    @property
    def best_lexical(self) -> float:
        return max((c.lexical for c in self.candidates), default=0.0)


class Searcher:
    """Ranks the chunks of one loaded ``Version`` for a question."""

    def __init__(self, version: Version, encoder: Encoder):
        self.version = version
        self.encoder = encoder
        self.chunks = version.chunks
        position = {c.id: i for i, c in enumerate(self.chunks)}
        self._key_chunk = np.array([position.get(k.chunk, -1) for k in version.keys], dtype="int64")
        self._key_kind = [k.kind for k in version.keys]
        self._key_sentence = [k.sentence for k in version.keys]
        texts = [f"{c.section}\n{c.text}" for c in self.chunks]
        corpus = version.corpus
        # a passage's Spanish words: its Spanish phrasings and its paragraph in a reviewed Spanish translation
        spanish = [" ".join([*(p.question for p in corpus.phrasings if p.lang == "es" and p.document == c.document
                               and p.section == c.section and p.paragraph in (None, c.paragraph)),
                             *(text for lang, text in translated(c, corpus) if lang == "es")]) for c in self.chunks]
        self.lexical = Lexical(texts, corpus.synonyms, corpus.lexicon, english_words(), spanish)
        self.speller = Speller([*texts, *(t for group in corpus.synonyms for t in group),
                                *(t for es, _ in corpus.lexicon for t in es),
                                *(p.question for p in corpus.phrasings),
                                *(n for s in corpus.directory.services for n in (s.name, *s.aliases))])

    def embed(self, question: str) -> np.ndarray:
        return self.encoder.encode([question])

    def search(self, question: str, mode: str = "hybrid", query_vector: np.ndarray | None = None) -> Ranking:
        """Every chunk, best first, with its dense, lexical and fused scores.

        ``mode``: "hybrid" (dense plus weighted BM25, the default), "rrf" (reciprocal rank fusion),
        "dense" or "lexical" alone (for measuring each side).
        """
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        n = len(self.chunks)
        q = self.embed(question) if query_vector is None else query_vector
        k = min(self.version.vectors.ntotal, MAX_KEYS)
        sims, ids = self.version.vectors.search(q, k)
        dense = np.full(n, -1.0, dtype="float32")
        dense_key = [""] * n
        sentence: list[int | None] = [None] * n
        sentence_score = np.full(n, -1.0, dtype="float32")
        negative = -1.0
        per_sentence: dict[tuple[int, int], float] = {}  # (chunk, sentence) -> with-heading + alone cosines
        for sim, key in zip(sims[0], ids[0], strict=True):
            if key < 0:
                continue
            c = self._key_chunk[key]
            kind = self._key_kind[key]
            if c < 0:
                if kind == "negative":
                    negative = max(negative, float(sim))
                continue
            if kind in ("sentence", "highlight"):
                per_sentence[(c, self._key_sentence[key])] = per_sentence.get((c, self._key_sentence[key]), 0.0) + sim
            if kind != "highlight" and dense[c] < sim:
                dense[c], dense_key[c] = sim, kind
        for (c, i), score in per_sentence.items():
            if sentence_score[c] < score / 2:
                sentence[c], sentence_score[c] = i, score / 2
        lexical = self.lexical.scores(question)
        dense_rank = _ranks(dense)
        lexical_rank = _ranks(lexical)
        if mode == "dense":
            fused = dense.astype("float64")
        elif mode == "lexical":
            fused = lexical + dense * 1e-6  # dense breaks ties between zero BM25 scores
        elif mode == "rrf":
            fused = 1.0 / (RRF_K + dense_rank) + 1.0 / (RRF_K + lexical_rank)
        else:
            top = float(lexical.max()) if n else 0.0
            fused = dense + (LEXICAL_WEIGHT * lexical / top if top > 0 else 0.0)
        order = sorted(range(n), key=lambda i: (-fused[i], self.chunks[i].id))
        candidates = [
            Candidate(self.chunks[i], float(dense[i]), dense_key[i], float(lexical[i]), int(dense_rank[i]),
                      int(lexical_rank[i]), float(fused[i]), r + 1, sentence[i], float(sentence_score[i]))
            for r, i in enumerate(order)
        ]
        return Ranking(candidates, negative)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, best score first; ties share order by position (stable)."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype="int64")
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks
