"""A search that makes records only for the chunks it returns ranks them exactly as ranking every chunk does."""

import dataclasses

import faiss
import numpy as np
import pytest

from qa.lifecycle.evaluate import load_questions
from qa.retrieval import MODES
from qa.retrieval.search import MAX_KEYS, Searcher
from tests.conftest import QUESTIONS


def _same(limited, full, limit):
    assert limited.candidates == full.candidates[:limit]
    assert (limited.negative, limited.best_dense, limited.best_lexical) == (full.negative, full.best_dense,
                                                                          full.best_lexical)


@pytest.fixture(scope="module")
def crowded(version, encoder):
    """The session's version with 80 near-copies of every chunk (its keys' vectors, slightly moved): the
    copies compete for every place, and their keys are far more than one search looks at."""
    rng = np.random.default_rng(7)
    chunks, keys = list(version.chunks), list(version.keys)
    base = version.vectors.reconstruct_n(0, version.vectors.ntotal)
    rows = [base]
    for copy in range(80):
        ids = {c.id: f"{c.id}-copy{copy}" for c in version.chunks}
        chunks += [dataclasses.replace(c, id=ids[c.id], paragraph=c.paragraph + 1000 * (copy + 1))
                   for c in version.chunks]
        mine = [i for i, k in enumerate(version.keys) if k.chunk]
        keys += [dataclasses.replace(version.keys[i], chunk=ids[version.keys[i].chunk]) for i in mine]
        moved = base[mine] + rng.normal(0, 0.02, (len(mine), base.shape[1])).astype("float32")
        rows.append(moved / np.linalg.norm(moved, axis=1, keepdims=True))
    index = faiss.IndexFlatIP(version.vectors.d)
    index.add(np.concatenate(rows))
    assert index.ntotal > 10 * MAX_KEYS
    return Searcher(dataclasses.replace(version, chunks=tuple(chunks), keys=tuple(keys), vectors=index, lexical=None),
                    encoder)


@pytest.mark.parametrize("mode", MODES)
def test_the_best_few_are_the_head_of_the_whole_ranking(engine, mode):
    for q in load_questions(QUESTIONS)[::3]:
        vector = engine.encoder.encode([q.q])
        full = engine.searcher.search(q.q, mode=mode, query_vector=vector)
        assert len(full.candidates) == len(engine.version.chunks)
        for limit in (1, 3, 10):
            _same(engine.searcher.search(q.q, mode=mode, query_vector=vector, limit=limit), full, limit)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_the_best_few_hold_among_thousands_of_close_competitors(crowded, engine, mode):
    for q in load_questions(QUESTIONS)[::10]:
        vector = engine.encoder.encode([q.q])
        full = crowded.search(q.q, mode=mode, query_vector=vector)
        assert len(full.candidates) == len(crowded.chunks)
        for limit in (3, 20):
            _same(crowded.search(q.q, mode=mode, query_vector=vector, limit=limit), full, limit)


def test_included_chunks_come_back_below_the_best_with_their_scores(crowded, engine):
    q = "where can I get tested for HIV"
    vector = engine.encoder.encode([q])
    full = crowded.search(q, query_vector=vector)
    last = full.candidates[-1]
    at = crowded.chunks.index(last.chunk)
    limited = crowded.search(q, query_vector=vector, limit=3, include=[at])
    assert limited.candidates[:3] == full.candidates[:3]
    extra = limited.candidates[3]
    assert extra.chunk == last.chunk and len(limited.candidates) == 4
    assert (extra.dense, extra.lexical, extra.dense_rank, extra.lexical_rank) == (
        last.dense, last.lexical, last.dense_rank, last.lexical_rank)


@pytest.mark.parametrize("seed", range(6))
def test_ranks_among_a_few_chunks_are_their_ranks_in_the_whole_ranking(seed):
    """_ranks_among (the ranks of the chosen chunks, without ranking every chunk) against ranking them all:
    scored chunks with ties, unscored ones tied lowest, pools of a few and of many."""
    from qa.retrieval.search import _ranks, _ranks_among

    rng = np.random.default_rng(seed)
    n = 5000
    scores = np.where(rng.random(n) < 0.6, rng.integers(1, 40, n) / 4.0, 0.0)  # many ties, many zeros
    at = np.flatnonzero(scores > 0)
    whole = _ranks(scores)
    for size in (3, 20, 1500):
        pool = np.sort(rng.choice(n, size, replace=False))
        assert np.array_equal(_ranks_among(pool, at, scores[at]), whole[pool])


@pytest.mark.parametrize("seed", range(4))
def test_the_union_of_chunk_positions_is_numpys(seed):
    """_union (one sort) against np.union1d, with repeats inside and across the arrays, and empty ones."""
    from qa.retrieval.search import _union

    rng = np.random.default_rng(seed)
    arrays = [rng.integers(0, 300, size) for size in (0, 1, 50, 400)]
    for parts in (arrays, arrays[:1], arrays[1:2], arrays[2:]):
        expected = np.array([], dtype="int64")
        for a in parts:
            expected = np.union1d(expected, a)
        assert np.array_equal(_union(*parts), expected)


def test_ranks_are_counted_only_when_asked_and_change_nothing_else(engine):
    """The public answer's search skips each candidate's rank on either side; the staff check asks."""
    question = "where can i get tested for hiv"
    with_ranks = engine.searcher.search(question, limit=5)
    without = engine.searcher.search(question, limit=5, ranks=False)
    assert all(c.dense_rank is None and c.lexical_rank is None for c in without.candidates)
    assert [isinstance(c.dense_rank, int) and isinstance(c.lexical_rank, int) for c in with_ranks.candidates] == [True] * 5
    strip = [dataclasses.replace(c, dense_rank=None, lexical_rank=None) for c in with_ranks.candidates]
    assert strip == without.candidates and with_ranks.negative == without.negative
    assert engine.trace(question).ranking.candidates[0].dense_rank is None
    assert isinstance(engine.trace(question, ranks=True).ranking.candidates[0].dense_rank, int)
