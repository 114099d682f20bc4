"""The dense index: flat (and byte-for-byte as before) for a small corpus, IVF above the threshold, with its
search-time parameter recorded in the manifest and applied at load."""

import json
import shutil

import faiss
import numpy as np
import pytest

from qa.answering.engine import Engine
from qa.errors import IndexCorruptError
from qa.files import sha256_file
from qa.index import vectors
from qa.index.format import load_version
from qa.index.vectors import configure, make_index
from qa.lifecycle.evaluate import load_questions
from qa.lifecycle.registry import current_version_id
from qa.retrieval.search import MAX_KEYS, Searcher
from tests.conftest import QUESTIONS


def _unit(rows: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, 32), dtype="float32")
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_a_small_corpus_gets_the_flat_index_it_always_had():
    x = _unit(500)
    index, record = make_index(x)
    before = faiss.IndexFlatIP(x.shape[1])  # what every build wrote before approximate indexes
    before.add(x)
    assert record == {"kind": "flat"}
    assert faiss.serialize_index(index).tobytes() == faiss.serialize_index(before).tobytes()


def test_above_the_threshold_an_ivf_index_finds_what_flat_finds(monkeypatch):
    monkeypatch.setattr(vectors, "APPROXIMATE_ABOVE", 1000)
    x = _unit(20_000)
    index, record = make_index(x)
    assert isinstance(index, faiss.IndexIVFFlat) and index.ntotal == len(x)
    assert record == {"kind": "ivf", "nlist": 565, "nprobe": vectors.NPROBE, "trained_on": 20_000}
    queries = x[:200] + 0.05 * _unit(200, seed=1)  # questions close to a key, as real ones are
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(x.shape[1])
    flat.add(x)
    _, truth = flat.search(queries, 1)
    _, found = index.search(queries, 1)
    assert (found == truth).mean() == 1.0
    again, _ = make_index(x)  # one corpus, one index
    assert faiss.serialize_index(again).tobytes() == faiss.serialize_index(index).tobytes()
    read = faiss.deserialize_index(faiss.serialize_index(index))
    assert np.array_equal(read.reconstruct(123), x[123])  # the engine reads the crisis keys' vectors back


def test_configure_applies_the_recorded_nprobe_and_refuses_another_kind(monkeypatch):
    monkeypatch.setattr(vectors, "APPROXIMATE_ABOVE", 1000)
    index, record = make_index(_unit(5000))
    read = faiss.deserialize_index(faiss.serialize_index(index))
    configure(read, record | {"nprobe": 3})
    assert read.nprobe == 3
    with pytest.raises(ValueError, match="the manifest records a flat index, vectors.faiss holds IndexIVFFlat"):
        configure(read, {"kind": "flat"})
    flat, _ = make_index(_unit(10))
    configure(flat, {})  # a version from before: flat
    with pytest.raises(ValueError, match="records a ivf index"):
        configure(flat, record)


@pytest.fixture
def ivf_version(tmp_path, index_dir, version):
    """A copy of the session's version whose vectors.faiss is an IVF index over its keys."""
    dst = tmp_path / "index"
    shutil.copytree(index_dir, dst)
    path = dst / "versions" / current_version_id(dst)
    x = version.vectors.reconstruct_n(0, version.vectors.ntotal)
    quantiser = faiss.IndexFlatIP(x.shape[1])
    ivf = faiss.IndexIVFFlat(quantiser, x.shape[1], 8, faiss.METRIC_INNER_PRODUCT)
    ivf.train(x)
    ivf.add(x)  # saved with FAISS's default nprobe (1)
    (path / "vectors.faiss").write_bytes(faiss.serialize_index(ivf).tobytes())
    m = json.loads((path / "manifest.json").read_text())
    m["files"]["vectors.faiss"] = {"bytes": (path / "vectors.faiss").stat().st_size,
                                   "sha256": sha256_file(path / "vectors.faiss")}
    m["vectors"] = {"kind": "ivf", "nlist": 8, "nprobe": 8, "trained_on": len(x)}
    (path / "manifest.json").write_text(json.dumps(m))
    return path


def test_loading_applies_the_manifests_search_time_parameter(ivf_version, encoder, version):
    loaded = load_version(ivf_version, encoder.identity)
    assert isinstance(loaded.vectors, faiss.IndexIVFFlat) and loaded.vectors.nprobe == 8
    assert np.array_equal(loaded.vectors.reconstruct(5), version.vectors.reconstruct(5))
    q = encoder.encode(["where can I get tested for HIV"])
    assert loaded.vectors.search(q, 10)[1].tolist() == version.vectors.search(q, 10)[1].tolist()  # all 8 lists
    question = "where can I get tested for HIV"
    assert Engine(loaded, encoder).answer(question, 3) == Engine(version, encoder).answer(question, 3)


def test_vectors_of_another_kind_than_the_manifest_says_are_refused(ivf_version, encoder):
    m = json.loads((ivf_version / "manifest.json").read_text())
    m["vectors"] = {"kind": "flat"}
    (ivf_version / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorruptError, match=r"the manifest records a flat index, vectors.faiss holds "
                                                r"IndexIVFFlat\) - run: python scripts/build_index.py"):
        load_version(ivf_version, encoder.identity)


def test_an_approximate_index_gives_the_chunks_it_finds_their_flat_dense_scores(ivf_version, encoder, version):
    """``Searcher._refine``: every key of the chunks found is scored, so a chunk whose best key lies in a
    list not scanned still gets its best key's score, and the out-of-scope comparison its flat value."""
    loaded = load_version(ivf_version, encoder.identity)
    loaded.vectors.nprobe = 1  # one list of eight: most of the best keys are never looked at
    approx, flat = Searcher(loaded, encoder), Searcher(version, encoder)
    for q in [q.q for q in load_questions(QUESTIONS)[::15]]:
        vector = encoder.encode([q])
        assert loaded.vectors.search(vector, MAX_KEYS)[1].max(initial=-1) >= 0
        assert (loaded.vectors.search(vector, MAX_KEYS)[1] >= 0).sum() < version.vectors.ntotal  # it misses some
        a, f = approx.search(q, query_vector=vector), flat.search(q, query_vector=vector)
        exact = {c.chunk.id: c.dense for c in f.candidates}
        found = [c for c in a.candidates if c.dense > -1]
        assert found and all(c.dense == pytest.approx(exact[c.chunk.id], abs=1e-5) for c in found)
        assert a.negative == pytest.approx(f.negative, abs=1e-5)
