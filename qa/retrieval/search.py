"""Hybrid retrieval over one index version: dense (FAISS) and lexical (BM25), fused by score.

Each chunk has several embedded keys (``qa.index.keys``: the passage under its question heading,
its sentences and windows of sentences, alternate phrasings); a chunk's dense score is the best of
its keys. The lexical side scores the chunk text with its heading. The default ("hybrid") fused
score is the cosine plus a small weight of the BM25 score scaled to the best chunk's, plus a small
weight of the chunk's probability under the passage classifier (``qa.retrieval.classifier``), when
the version has one; "rrf" fuses by rank instead (both measured, with each side alone, in
docs/quality.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import get_args

import faiss
import numpy as np

from qa.encoder import Encoder
from qa.errors import IndexCorruptError
from qa.index.bm25 import LexicalIndex, lexical_texts
from qa.index.chunks import Chunk
from qa.index.format import REBUILD, Version
from qa.index.keys import KeyKind
from qa.retrieval import MODES
from qa.retrieval.classifier import PassageClassifier
from qa.retrieval.lexical import Lexical
from qa.retrieval.spelling import Speller, english_words

LEXICAL_WEIGHT = 0.1  # BM25 (scaled to the best chunk's) added to the cosine; tuned in docs/quality.md
# the passage classifier's probability added too; 0.1 at stop 37, 0.2 since it learns from the tune halves (stop 40:
# measured on tune halves it was not trained on, docs/quality.md)
CLASSIFIER_WEIGHT = 0.2
MAX_KEYS = 4096  # keys scored per question; chunks with no key among them rank last on the dense side
APPROXIMATE_KEYS = 2048  # the same from an approximate index, whose cost grows with k (docs/performance.md)
RRF_K = 60  # the constant of Cormack et al.; measured in docs/quality.md
REFINE_CHUNKS = 64  # with an approximate index: chunks whose every key is scored exactly (>= the 50 staff see)


@dataclass(frozen=True)
class Candidate:
    """One chunk's scores for one question, with what decided its place."""

    chunk: Chunk
    dense: float  # best cosine similarity of the chunk's keys
    dense_key: str  # which kind of key gave it
    lexical: float  # BM25 score
    dense_rank: int | None  # 1-based; None when the search was not asked for ranks (Searcher.search)
    lexical_rank: int | None
    fused: float
    rank: int
    sentence: int | None  # the chunk's sentence closest to the question (None when not scored)
    sentence_score: float
    classified: float = 0.0  # the passage classifier's probability (0: no classifier, or not "hybrid")



@dataclass(frozen=True)
class Ranking:
    """The chunks ranked for one question, and how close it came to a known out-of-scope question."""

    candidates: list[Candidate]  # best first; the best few, or every chunk (Searcher.search's limit)
    negative: float  # best similarity to an out_of_scope.yaml question (-1 when there are none)
    best_dense: float  # the best chunk's dense score, of all chunks (-1 when there are none)
    best_lexical: float  # the best BM25 score, of all chunks (0 when there are none)


class Searcher:
    """Ranks the chunks of one loaded ``Version`` for a question."""

    def __init__(self, version: Version, encoder: Encoder):
        self.version = version
        self.encoder = encoder
        self.chunks = version.chunks
        position = {c.id: i for i, c in enumerate(self.chunks)}
        self._places: dict[tuple[str, str, int], list[int]] = {}  # (document, section, paragraph) -> chunks
        for i, c in enumerate(self.chunks):
            self._places.setdefault((c.document, c.section, c.paragraph), []).append(i)
        self._key_chunk = np.array([position.get(k.chunk, -1) for k in version.keys], dtype="int64")
        # each key's kind as a small code (comparing 4,096 Python strings per question cost more than FAISS)
        self._kinds: tuple[KeyKind, ...] = get_args(KeyKind)
        self._key_kind = np.array([self._kinds.index(k.kind) for k in version.keys], dtype="int8")
        negative, highlight, sentence = (self._kinds.index(k) for k in ("negative", "highlight", "sentence"))
        self._negative, self._highlight, self._sentence = negative, highlight, sentence
        self._key_sentence = np.array([-1 if k.sentence is None else k.sentence for k in version.keys], dtype="int64")
        # ties in the fused score go to the smaller chunk id: each chunk's place in id order
        self._id_order = np.empty(len(self.chunks), dtype="int64")
        self._id_order[np.argsort(np.array([c.id for c in self.chunks], dtype=object), kind="stable")] = (
            np.arange(len(self.chunks)))
        self._approximate = not isinstance(version.vectors, faiss.IndexFlat)
        self.classifier = PassageClassifier.from_manifest(version.manifest)
        if self.classifier is not None and self.classifier.weights.shape[1] != version.vectors.d:
            raise IndexCorruptError(f"index version {version.id}: its passage classifier reads vectors of dimension "
                                    f"{self.classifier.weights.shape[1]}, its keys have {version.vectors.d} - {REBUILD}")
        self._classes = (np.array([position.get(c, -1) for c in self.classifier.chunks], dtype="int64")
                         if self.classifier is not None else np.zeros(0, dtype="int64"))
        if self._approximate:  # each chunk's keys (_chunk_keys[_chunk_start[c]:_chunk_start[c + 1]]), for _refine
            self._chunk_keys = np.argsort(self._key_chunk, kind="stable")
            self._chunk_start = np.searchsorted(self._key_chunk[self._chunk_keys], np.arange(len(self.chunks) + 1))
            self._negative_keys = np.flatnonzero((self._key_chunk < 0) & (self._key_kind == negative))
        texts = lexical_texts(self.chunks)
        corpus = version.corpus
        # a version built before versions stored their BM25 indexes: index the chunks here, as then
        index = version.lexical if version.lexical is not None else LexicalIndex.of(self.chunks, corpus)
        self.lexical = Lexical(texts, corpus.synonyms, corpus.lexicon, english_words(), index=index)
        self.speller = Speller([*texts, *(t for group in corpus.synonyms for t in group),
                                *(t for es, _ in corpus.lexicon for t in es),
                                *(p.question for p in corpus.phrasings),
                                *(n for s in corpus.directory.services for n in (s.name, *s.aliases))], corpus.plain)

    def embed(self, question: str) -> np.ndarray:
        return self.encoder.encode([question])

    def positions(self, document: str, section: str, paragraph: int) -> list[int]:
        """Where the chunks of this paragraph of this section are."""
        return self._places.get((document, section, paragraph), [])

    def search(self, question: str, mode: str = "hybrid", query_vector: np.ndarray | None = None,
               limit: int | None = None, include: Sequence[int] = (), ranks: bool = True, english: str = "") -> Ranking:
        """The chunks, best first, with their dense, lexical and fused scores.

        ``mode``: "hybrid" (dense plus weighted BM25, the default), "rrf" (reciprocal rank fusion),
        "dense" or "lexical" alone (for measuring each side). ``limit``: how many candidates to
        return (None: every chunk); only the best ``limit`` chunks of the two sides' top lists are
        fused and made into records, so the cost follows the answer, not the corpus. ``include``:
        chunk positions returned as well, wherever they rank (the passages a safety rule pins).
        ``ranks``: each candidate's rank on the dense and the lexical side (for staff: "why this
        passage"); the public answer does without, and at a million chunks counting who beats each
        returned chunk on the lexical side costs more than the FAISS search. ``english``: a Spanish
        question's translation, whose words the lexical side searches too.
        """
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        n = len(self.chunks)
        q = self.embed(question) if query_vector is None else query_vector
        k = min(self.version.vectors.ntotal, APPROXIMATE_KEYS if self._approximate else MAX_KEYS)
        # "the best k keys" are the best k only from a flat index; an IVF one (a large corpus,
        # qa.index.vectors) returns the best keys of the lists it scans, and a chunk whose keys all lie
        # elsewhere scores -1 here. _refine scores every key of the chunks it found best, but every
        # exactness below is relative to the keys returned, so the head is the flat ranking's head only
        # as far as the index finds its chunks (scripts/bench_scale.py measures how far: the same top 3).
        sims, ids = self.version.vectors.search(q, k)
        keep = ids[0] >= 0
        sims, ids = sims[0][keep], ids[0][keep]  # best first
        if self._approximate:
            sims, ids = self._refine(q, sims, ids)
        chunk, kind = self._key_chunk[ids], self._key_kind[ids]
        negatives = sims[(chunk < 0) & (kind == self._negative)]
        negative = float(negatives[0]) if len(negatives) else -1.0
        # a chunk's dense score: its best key that ranks chunks (keys come best first)
        ranks_chunks = (chunk >= 0) & (kind != self._highlight)
        dense_at, first = np.unique(chunk[ranks_chunks], return_index=True)
        dense_val = sims[ranks_chunks][first]
        dense_kind = kind[ranks_chunks][first]
        lexical = self.lexical.scores(question, english)
        top = float(lexical.max()) if n else 0.0
        positive = _positive(lexical)
        classified = (self.classifier.probabilities(q, self._classes, n)
                      if self.classifier is not None and mode == "hybrid" else np.zeros(n, dtype="float32"))
        pool, bound = self._pool(mode, limit, include, dense_at, lexical, top, positive)
        if bound is not None:  # a chunk left out may still be the classifier's choice
            bound += CLASSIFIER_WEIGHT * float(classified.max(initial=0.0))

        def scored(pool: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            dense = np.full(len(pool), -1.0, dtype="float32")
            dense[np.searchsorted(pool, dense_at)] = dense_val
            lex = lexical[pool]
            fused = self._fuse(mode, pool, dense, lex, top, dense_at, dense_val, positive)
            return dense, lex, fused + CLASSIFIER_WEIGHT * classified[pool]

        dense, lex, fused = scored(pool)
        if limit is not None and bound is not None and float(-np.partition(-fused, limit - 1)[limit - 1]) <= bound:
            pool = np.arange(n)  # a chunk left out could tie the limit-th: rank every chunk
            dense, lex, fused = scored(pool)
        order = np.lexsort((self._id_order[pool], -fused))
        chosen = order if limit is None else order[:limit]
        if len(include):  # and the included chunks below them, in rank order
            place = np.empty(len(pool), dtype="int64")
            place[order] = np.arange(len(pool))
            extra = np.setdiff1d(np.searchsorted(pool, include), chosen)
            chosen = np.concatenate([chosen, extra[np.argsort(place[extra])]])
        at = pool[chosen]
        dense_rank: list[int | None] = [None] * len(at)
        lexical_rank: list[int | None] = [None] * len(at)
        if ranks:
            dense_rank, lexical_rank = _ranks_among(at, dense_at, dense_val).tolist(), _ranks_among(at, *positive).tolist()
        sentence, sentence_score = self._sentences(sims, ids, at)
        kinds = self._kinds_of(at, dense_at, dense_kind)
        candidates = [
            Candidate(self.chunks[p], float(dense[i]), kind, float(lex[i]), dense_rank[r], lexical_rank[r],
                      float(fused[i]), r + 1, s, score, float(classified[p]))
            for r, (i, p, kind, s, score) in enumerate(zip(chosen.tolist(), at.tolist(), kinds, sentence, sentence_score,
                                                           strict=True))
        ]
        best_dense = float(dense_val.max()) if len(dense_val) else -1.0
        return Ranking(candidates, negative, best_dense, top)

    def _kinds_of(self, at: np.ndarray, dense_at: np.ndarray, dense_kind: np.ndarray) -> list[str]:
        """The kind of key that gave each chunk ``at`` its dense score ("" for a chunk with no key among
        ``dense_at``, sorted, whose kinds are ``dense_kind``): looked up for the few chosen, not mapped
        for the thousands scored."""
        if not len(dense_at):
            return [""] * len(at)
        where = np.minimum(np.searchsorted(dense_at, at), len(dense_at) - 1)
        has = dense_at[where] == at
        return [self._kinds[k] if h else "" for k, h in zip(dense_kind[where].tolist(), has.tolist(), strict=True)]

    def _refine(self, q: np.ndarray, sims: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``sims, ids`` (from an approximate index, best first) with every key of the ``REFINE_CHUNKS``
        chunks they score best, and every negative key, scored exactly and put in their places.

        An IVF index misses a chunk's best key when it lies in a list not scanned, and the chunk then
        ranks by a lesser key; a chunk is rarely missed whole (a corpus chunk has tens of keys), so
        scoring all its keys gives the found ones their flat dense scores, and the out-of-scope
        comparison its flat value.
        """
        chunk = self._key_chunk[ids]
        ranks_chunks = (chunk >= 0) & (self._key_kind[ids] != self._highlight)
        found, first = np.unique(chunk[ranks_chunks], return_index=True)
        best = found[np.argsort(first)][:REFINE_CHUNKS]
        # distinct chunks' keys and the negative keys never overlap: only those already scored go
        wanted = np.concatenate([*(self._chunk_keys[self._chunk_start[c]:self._chunk_start[c + 1]] for c in best),
                                 self._negative_keys])
        scored = np.zeros(len(self._key_chunk), dtype=bool)
        scored[ids] = True
        wanted = wanted[~scored[wanted]]
        if not len(wanted):
            return sims, ids
        extra = (self.version.vectors.reconstruct_batch(wanted) @ q[0]).astype("float32")
        sims, ids = np.concatenate([sims, extra]), np.concatenate([ids, wanted])
        order = np.argsort(-sims, kind="stable")
        return sims[order], ids[order]

    def _pool(self, mode: str, limit: int | None, include: Sequence[int], dense_at: np.ndarray, lexical: np.ndarray,
              top: float, positive: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, float | None]:
        """The chunks (sorted positions) that hold the best ``limit`` and ``include``, and the best fused
        score a chunk left out could reach (None: none is left out).

        A chunk with no key among the dense side's scores -1 there, so the best ``limit`` come from the
        chunks with a key and the lexical side's best ``limit`` (with any tied with the last), unless a
        chunk left out could tie with the ``limit``-th of those (``search`` then ranks every chunk).
        The bound holds for the keys the index returned: exact against a flat index, not against what
        an approximate one missed (see ``search``).
        """
        n = len(self.chunks)
        if limit is None or limit >= n:
            return np.arange(n), None
        hits = positive[0]
        left = 0.0  # the best BM25 score of a chunk left out
        if len(hits) > limit:
            scores = lexical[hits]
            cut = -np.partition(-scores, limit - 1)[limit - 1]
            left = float(scores[scores < cut].max(initial=0.0))
            hits = hits[scores >= cut]
        pool = _union(dense_at, hits, np.asarray(include, dtype="int64"))
        if len(pool) <= limit:
            return np.arange(n), None
        # a chunk left out scores -1 on the dense side, and at most ``left`` on the lexical one
        bound = {"dense": -1.0, "lexical": left, "hybrid": -1.0 + (LEXICAL_WEIGHT * left / top if top else 0.0),
                 "rrf": 1.0 / (RRF_K + len(dense_at) + 1) + 1.0 / (RRF_K + len(hits) + 1)}[mode]
        return pool, bound

    @staticmethod
    def _fuse(mode: str, pool: np.ndarray, dense: np.ndarray, lex: np.ndarray, top: float, dense_at: np.ndarray,
              dense_val: np.ndarray, positive: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """The fused scores of the chunks ``pool`` (``dense`` and ``lex``: their two sides' scores)."""
        if mode == "dense":
            return dense.astype("float64")
        if mode == "lexical":
            return lex + dense * 1e-6  # dense breaks ties between zero BM25 scores
        if mode == "rrf":
            return 1.0 / (RRF_K + _ranks_among(pool, dense_at, dense_val)) + 1.0 / (RRF_K + _ranks_among(pool, *positive))
        return dense + (LEXICAL_WEIGHT * lex / top if top > 0 else 0.0)

    def _sentences(self, sims: np.ndarray, ids: np.ndarray, chosen: np.ndarray) -> tuple[list[int | None], list[float]]:
        """For each chosen chunk, its sentence closest to the question (the mean of the sentence's
        cosines with and without the heading) and that score; (None, -1) when no sentence key came back."""
        kind = self._key_kind[ids]
        scored = np.isin(self._key_chunk[ids], chosen) & ((kind == self._sentence) | (kind == self._highlight))
        chunk, sentence = self._key_chunk[ids][scored].astype("int64"), self._key_sentence[ids][scored].astype("int64")
        # each (chunk, sentence) pair's cosines summed in key order, as float64 (one loop did it per chunk
        # in Python: 0.3 ms of a question, scripts/bench_latency.py)
        pairs, first, inverse = np.unique(chunk * (int(sentence.max(initial=0)) + 1) + sentence,
                                          return_index=True, return_inverse=True)
        totals = np.zeros(len(pairs))
        np.add.at(totals, inverse.ravel(), sims[scored].astype("float64"))
        owner = chunk[first]
        # per chunk, its best sentence: the highest total, the first in key order of equal ones
        best = np.lexsort((first, -totals, owner))
        leads = best[np.concatenate(([True], owner[best][1:] != owner[best][:-1]))] if len(best) else best
        found = dict(zip(owner[leads].tolist(), zip(sentence[first[leads]].tolist(), totals[leads].tolist(), strict=True),
                         strict=True))
        out_sentence: list[int | None] = []
        out_score: list[float] = []
        for position in chosen.tolist():
            hit = found.get(position)
            out_sentence.append(hit[0] if hit else None)
            out_score.append(float(np.float32(hit[1] / 2)) if hit else -1.0)
        return out_sentence, out_score


def _positive(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the scores above zero, and those scores."""
    at = np.flatnonzero(scores > 0)
    return at, scores[at]


def _union(*arrays: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``arrays`` (``np.union1d`` hashes each union: 2 ms a question at
    100,000 chunks, for a few thousand values that one sort puts in order)."""
    joined = np.sort(np.concatenate(arrays))
    if len(joined) < 2:
        return joined
    return joined[np.concatenate(([True], joined[1:] != joined[:-1]))]


def _ranks_among(pool: np.ndarray, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """1-based ranks (best first, ties by position) of the chunks ``pool`` among all chunks, of which
    only those at ``at`` (sorted) score above the rest, with ``values``; every other chunk ties lowest."""
    where = np.searchsorted(at, pool)
    # ``at`` is sorted: a chunk is inside when the place it would take holds it (np.isin sorted both
    # arrays again, 5 ms of a search at 100,000 chunks with a common word)
    inside = where < len(at)
    inside[inside] = at[where[inside]] == pool[inside]
    ranks = len(at) + pool - where + 1  # below every scored chunk, after the unscored chunks before it
    if inside.any():
        mine = where[inside]
        if len(mine) * 8 < len(at):  # a few chunks among many: count who beats each
            mine_values = values[mine]
            # only a value at least the lowest of theirs can beat or tie one of them: sort those once
            rivals = np.flatnonzero(values >= mine_values.min())
            ordered = np.sort(values[rivals])
            above = len(ordered) - np.searchsorted(ordered, mine_values, side="right")  # strictly better
            ties = np.searchsorted(ordered, mine_values, side="right") - np.searchsorted(ordered, mine_values)
            earlier = np.zeros(len(mine), dtype="int64")
            for j in np.flatnonzero(ties > 1):  # an equal score ranks first when its chunk comes first
                earlier[j] = np.count_nonzero((values[rivals] == mine_values[j]) & (rivals < mine[j]))
            ranks[inside] = above + earlier + 1
        else:
            order = np.argsort(-values, kind="stable")
            among = np.empty(len(at), dtype="int64")
            among[order] = np.arange(1, len(at) + 1)
            ranks[inside] = among[mine]
    return ranks


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, best score first; ties share order by position (stable)."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype="int64")
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks
