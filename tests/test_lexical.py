"""The BM25 indexes stored with a version score exactly as freshly built ones, and a damaged or missing
one is refused with the fix (a version from before they were stored still loads)."""

import dataclasses
import json
import shutil

import numpy as np
import pytest

from qa.errors import IndexCorruptError
from qa.files import sha256_file
from qa.index.bm25 import LexicalIndex, lexical_texts, spanish_texts
from qa.index.format import load_version
from qa.lifecycle.registry import current_version_id
from qa.retrieval.lexical import Lexical
from qa.retrieval.search import Searcher
from qa.retrieval.spelling import english_words

QUESTIONS = ("where can I get tested for HIV", "is selling sex legal", "who helps trafficking victims",
             "¿dónde me hago la prueba del vih?", "¿arrestan a las que venden?", "zzz nothing matches this")


@pytest.fixture
def copied(tmp_path, index_dir):
    """A copy of the session's version, to damage."""
    dst = tmp_path / "index"
    shutil.copytree(index_dir, dst)
    return dst / "versions" / current_version_id(dst)


def _rehash(path, name):
    """Record ``name``'s new contents in the manifest, as if it had been built so."""
    m = json.loads((path / "manifest.json").read_text())
    m["files"][name] = {"bytes": (path / name).stat().st_size, "sha256": sha256_file(path / name)}
    (path / "manifest.json").write_text(json.dumps(m))


def test_a_version_stores_its_lexical_index(version):
    assert version.lexical is not None and version.lexical.spanish is not None
    assert version.lexical.size == len(version.chunks)
    assert version.manifest["lexical"] == {"folder": "lexical", "spanish": True}
    assert {"lexical/english/params.index.json", "lexical/spanish/vocab.index.json"} <= set(version.manifest["files"])


def test_the_stored_lexical_index_scores_as_a_freshly_built_one(version):
    texts, corpus = lexical_texts(version.chunks), version.corpus
    fresh = Lexical(texts, corpus.synonyms, corpus.lexicon, english_words(), spanish_texts(version.chunks, corpus))
    stored = Lexical(texts, corpus.synonyms, corpus.lexicon, english_words(), index=version.lexical)
    for q in QUESTIONS:
        assert np.array_equal(stored.scores(q), fresh.scores(q)), q
    assert any(stored.scores(q).any() for q in QUESTIONS[3:5])  # the Spanish side counts too


def test_a_version_built_before_lexical_indexes_were_stored_loads_and_ranks_the_same(copied, version, encoder):
    m = json.loads((copied / "manifest.json").read_text())
    del m["lexical"]
    m["files"] = {n: f for n, f in m["files"].items() if not n.startswith("lexical/")}
    (copied / "manifest.json").write_text(json.dumps(m))
    shutil.rmtree(copied / "lexical")
    old = load_version(copied, encoder.identity)
    assert old.lexical is None
    a, b = Searcher(version, encoder), Searcher(old, encoder)
    for q in QUESTIONS:
        assert a.search(q).candidates == b.search(q).candidates


def test_a_missing_lexical_file_is_refused_with_the_fix(copied, encoder):
    (copied / "lexical" / "english" / "vocab.index.json").unlink()
    with pytest.raises(IndexCorruptError, match=r"lexical/english/vocab.index.json is missing - run: python "
                                                r"scripts/build_index.py"):
        load_version(copied, encoder.identity)
    shutil.rmtree(copied / "lexical")
    with pytest.raises(IndexCorruptError, match=r"lexical/english/\S+ is missing"):
        load_version(copied, encoder.identity)


def test_a_changed_lexical_file_is_refused_with_the_fix(copied, encoder):
    f = copied / "lexical" / "english" / "data.csc.index.npy"
    f.write_bytes(f.read_bytes()[:-8])
    with pytest.raises(IndexCorruptError, match=r"lexical/english/data.csc.index.npy is truncated or changed"):
        load_version(copied, encoder.identity)


@pytest.mark.parametrize(("name", "content"), [("lexical/english/vocab.index.json", b"{not json"),
                                               ("lexical/english/params.index.json", b"{}"),
                                               ("lexical/spanish/data.csc.index.npy", b"not numpy")])
def test_an_unreadable_lexical_file_is_refused_with_the_fix_not_a_traceback(copied, encoder, name, content):
    """Files that match their hashes but cannot be read (a bug in the writer, another bm25s)."""
    (copied / name).write_bytes(content)
    _rehash(copied, name)
    with pytest.raises(IndexCorruptError, match=r"its lexical index cannot be read \(.*\) - run: python "
                                                r"scripts/build_index.py"):
        load_version(copied, encoder.identity)


def test_a_lexical_index_of_other_chunks_is_refused(copied, encoder, version):
    other = LexicalIndex.build(lexical_texts(version.chunks[:3]))
    shutil.rmtree(copied / "lexical")
    for name, data in other.files().items():
        (copied / name).parent.mkdir(parents=True, exist_ok=True)
        (copied / name).write_bytes(data)
        _rehash(copied, name)
    m = json.loads((copied / "manifest.json").read_text())
    m["files"] = {n: f for n, f in m["files"].items() if (copied / n).is_file()}
    (copied / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorruptError, match="its lexical index disagrees with its chunks"):
        load_version(copied, encoder.identity)


def test_a_searcher_refuses_a_stored_index_of_other_chunks(version, encoder):
    fewer = dataclasses.replace(version, chunks=version.chunks[:3])
    with pytest.raises(ValueError, match=f"scores {len(version.chunks)} texts, not these 3"):
        Searcher(fewer, encoder)
