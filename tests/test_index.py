"""Building, publishing and loading index versions: determinism and clear refusals."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa.config import crisis_sets, training_sets
from qa.corpus.documents import load_documents
from qa.errors import IndexCorruptError, IndexNotBuiltError
from qa.index.chunks import chunk_document
from qa.index.format import load_version
from qa.lifecycle.build import build
from qa.lifecycle.registry import current_version_id, list_versions
from qa.retrieval.search import Searcher
from tests.conftest import CORPUS, CRISIS, QUESTIONS, SPANISH, WORDING

ROOT = CORPUS.parent


def test_built_chunks_are_verbatim_slices_of_the_corpus(version):
    docs = {d.id: d.path.read_text(encoding="utf-8") for d in load_documents(CORPUS)}
    assert len(version.chunks) == version.manifest["chunks"] > 0
    for c in version.chunks:
        assert docs[c.document][c.start : c.end] == c.text


def test_manifest_records_model_checksum_counts_and_libraries(version):
    m = version.manifest
    assert m["model"] == {"name": "sentence-transformers/all-MiniLM-L6-v2", "dimension": 384, "backend": "onnx",
                          "fingerprint": m["model"]["fingerprint"]}
    assert len(m["model"]["fingerprint"]) == 64
    assert len(m["corpus_checksum"]) == 64
    assert m["chunks"] == len(version.chunks) and m["keys"] == version.vectors.ntotal
    assert {"faiss-cpu", "sentence-transformers", "torch", "onnxruntime"} <= set(m["libraries"])
    assert m["built_at"] and m["calibration"]["threshold"] > 0


def test_two_builds_give_the_same_ids_checksum_and_results(tmp_path, encoder, version):
    build(CORPUS, tmp_path, encoder, questions=QUESTIONS, crisis_questions=CRISIS, wording_questions=WORDING,
          spanish_questions=SPANISH, training=training_sets(ROOT / "eval"),
          crisis_training=crisis_sets(ROOT / "eval"), progress=False)  # as the session's was
    again = load_version(tmp_path / "versions" / current_version_id(tmp_path), encoder.identity)
    assert [c.id for c in again.chunks] == [c.id for c in version.chunks]
    assert again.manifest["corpus_checksum"] == version.manifest["corpus_checksum"]
    assert again.manifest["calibration"]["threshold"] == version.manifest["calibration"]["threshold"]
    a, b = Searcher(version, encoder), Searcher(again, encoder)
    for q in ("where can I get tested", "is it legal", "who helps trafficking victims"):
        assert [c.chunk.id for c in a.search(q).candidates[:5]] == [c.chunk.id for c in b.search(q).candidates[:5]]


def test_chunk_ids_survive_an_edit_elsewhere(corpus_copy):
    before = {c.id for c in chunk_document(load_documents(corpus_copy)[0])}
    path = corpus_copy / "windham-faq.md"
    path.write_text(path.read_text().replace("Law enforcement actively investigates", "Police actively investigate"))
    after = {c.id for c in chunk_document(load_documents(corpus_copy)[0])}
    assert len(before - after) == 1 and len(after - before) == 1


@pytest.fixture
def broken(tmp_path, index_dir):
    """A copy of the session's index, to damage."""
    dst = tmp_path / "index"
    shutil.copytree(index_dir, dst)
    return dst / "versions" / current_version_id(dst)


def test_truncated_vectors_file_is_refused_with_the_fix(broken, encoder):
    f = broken / "vectors.faiss"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(IndexCorruptError, match=r"vectors.faiss is truncated .* run: python scripts/build_index.py"):
        load_version(broken, encoder.identity)


def test_missing_chunks_file_is_refused(broken, encoder):
    (broken / "chunks.jsonl").unlink()
    with pytest.raises(IndexCorruptError, match="chunks.jsonl is missing"):
        load_version(broken, encoder.identity)


def test_corrupt_manifest_is_refused(broken, encoder):
    (broken / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="manifest.json is not valid JSON"):
        load_version(broken, encoder.identity)


def test_manifest_from_another_model_is_refused(broken, encoder):
    m = json.loads((broken / "manifest.json").read_text())
    m["model"] = {"name": "some/other-model", "dimension": 768}
    (broken / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorruptError, match="built with model 'some/other-model'"):
        load_version(broken, encoder.identity)
    m["model"] = {"name": encoder.name, "dimension": 768}
    (broken / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorruptError, match="dimension 768"):
        load_version(broken, encoder.identity)


def test_keys_from_another_encoder_backend_or_other_model_files_are_refused(broken, encoder):
    """Keys and questions come from one encoder: the backend and the model files' hash are checked."""
    m = json.loads((broken / "manifest.json").read_text())
    assert m["model"] == encoder.identity and encoder.backend == "onnx"
    m["model"] = encoder.identity | {"backend": "torch"}
    (broken / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorruptError, match=r"embedded by the torch encoder, this server runs onnx - "
                                                r"set QA_ENCODER=torch, or run: python scripts/build_index.py"):
        load_version(broken, encoder.identity)
    m["model"] = {"name": encoder.name, "dimension": encoder.dimension}  # a version from before
    (broken / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorruptError, match="built before index versions recorded their encoder"):
        load_version(broken, encoder.identity)
    m["model"] = encoder.identity | {"fingerprint": "0" * 64}
    (broken / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorruptError, match="built from other model files"):
        load_version(broken, encoder.identity)


def test_the_labelled_messages_are_stored_and_refused_when_changed(version, broken, encoder):
    """The crisis detector's neighbours (``messages.npz``): unit vectors of the crisis sets' danger and everyday tune
    messages, counted in the manifest, and checked like every other file."""
    vectors, everyday = version.messages
    assert vectors.shape == (len(everyday), encoder.dimension) and everyday.any() and not everyday.all()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert version.manifest["crisis"]["neighbours"] == {"danger": int((~everyday).sum()), "everyday": int(everyday.sum())}
    f = broken / "messages.npz"
    f.write_bytes(f.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match="messages.npz is truncated or changed"):
        load_version(broken, encoder.identity)


def test_no_index_names_the_command(tmp_path):
    with pytest.raises(IndexNotBuiltError, match="run: python scripts/build_index.py"):
        current_version_id(tmp_path)


def test_build_of_a_broken_corpus_writes_nothing(tmp_path, encoder, corpus_copy):
    (corpus_copy / "services.yaml").write_text("services: [")
    from qa.errors import CorpusError

    with pytest.raises(CorpusError):
        build(corpus_copy, tmp_path / "index", encoder, progress=False)
    assert not (tmp_path / "index").exists() or list_versions(tmp_path / "index") == []


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)


def test_cli_reports_corpus_problems_without_a_traceback(corpus_copy, tmp_path):
    (corpus_copy / "services.yaml").write_text("services:\n  - id: x\n    name: [oops\n")
    r = run_cli("build", "--corpus", str(corpus_copy), "--out", str(tmp_path / "idx"))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert f"{corpus_copy / 'services.yaml'}:" in r.stderr and "nothing was written" in r.stderr
    assert not (tmp_path / "idx").exists()


def test_cli_check_only_validates(corpus_copy):
    r = run_cli("build", "--check", "--corpus", str(corpus_copy))
    assert r.returncode == 0 and "ok" in r.stdout


def test_cli_on_a_corrupt_index_says_what_and_how_to_fix(broken):
    import os

    (broken / "keys.jsonl").write_text("")
    env = os.environ | {"QA_INDEX_DIR": str(broken.parent.parent)}
    r = run_cli("ask", "hello", env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "keys.jsonl is truncated or changed" in r.stderr and "build_index.py" in r.stderr


def test_the_version_corpus_copy_is_hashed_so_a_changed_rule_is_refused(broken, encoder):
    rules = broken / "corpus" / "safety.yaml"
    rules.write_text("rules: []\n")  # would silently switch off every crisis banner
    with pytest.raises(IndexCorruptError, match="corpus/safety.yaml is truncated or changed"):
        load_version(broken, encoder.identity)


def test_a_file_slipped_into_the_version_corpus_copy_is_refused(broken, encoder):
    (broken / "corpus" / "extra.md").write_text("---\ntitle: x\n---\n")
    with pytest.raises(IndexCorruptError, match="corpus/extra.md was added"):
        load_version(broken, encoder.identity)


def test_corpus_problems_name_the_maintainers_files_not_a_snapshot(tmp_path, encoder, corpus_copy):
    from qa.errors import CorpusError

    (corpus_copy / "services.yaml").write_text("services: [")
    with pytest.raises(CorpusError) as e:
        build(corpus_copy, tmp_path / "index", encoder, progress=False)
    assert all(p.startswith(str(corpus_copy / "services.yaml")) for p in e.value.problems), e.value.problems


def test_the_embedding_cache_is_keyed_by_the_models_files_not_its_name(tmp_path, encoder):
    from qa.encoder import TorchEncoder
    from qa.index.cache import EmbeddingCache

    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    texts = ["where can I get tested", "is prostitution legal"]
    assert cache.encode(encoder, texts)[1] == 0
    assert cache.encode(encoder, texts)[1] == 2
    other = tmp_path / "model"
    shutil.copytree(encoder.path, other)
    (other / "data_config.json").write_text("[]")  # another model under the same name
    on_torch = TorchEncoder(encoder.path)
    assert on_torch.fingerprint == encoder.fingerprint
    assert cache.encode(on_torch, texts)[1] == 0  # nothing reused from the other backend
    changed = TorchEncoder(other)
    assert changed.name == encoder.name and changed.fingerprint != encoder.fingerprint
    assert cache.encode(changed, texts)[1] == 0  # nothing reused from the first model
