"""The encoder's two backends: the ONNX export gives torch's vectors, serving never imports torch, and a
missing, broken or foreign export is a clear error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa import inflight
from qa.config import ROOT, Settings
from qa.encoder import TorchEncoder
from qa.errors import ModelError
from qa.onnxmodel import OnnxEncoder, export_path

TEXTS = [
    "can I get arrested for selling sex?",
    "where can I get tested for HIV in Willimantic",
    "He took my passport and says I owe him. I can't leave the apartment, he watches my phone.",
    "me quitaron el pasaporte y no me dejan salir",
    "narcan",
    "word " * 400,  # longer than the model's 256 tokens: both truncate it the same way
    "",
]


@pytest.fixture(scope="module")
def on_torch(encoder):
    return TorchEncoder(encoder.path)


def test_the_onnx_encoder_gives_the_vectors_torch_gives(encoder, on_torch):
    assert encoder.backend == "onnx"  # the default
    got = encoder.encode(TEXTS, batch_size=3)  # batches of mixed lengths: padding must not leak into means
    expected = on_torch.encode(TEXTS)
    assert got.shape == expected.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(got * expected, axis=1)) > 0.9999
    one_by_one = np.vstack([encoder.encode([t]) for t in TEXTS])
    assert np.abs(one_by_one - got).max() < 1e-5  # a text's vector does not depend on its batch
    assert encoder.encode([]).shape == (0, 384)


def test_one_thread_per_question_is_a_session_of_its_own(encoder):
    encoder.use_threads(1)
    try:
        vectors = encoder.encode(TEXTS[:2])
    finally:
        encoder.use_threads(0)
    assert np.abs(vectors - encoder.encode(TEXTS[:2])).max() < 1e-5
    assert set(encoder._sessions) >= {0, 1}


def test_a_question_encoded_alone_borrows_the_idle_cores_and_one_among_others_does_not(encoder):
    server = OnnxEncoder(encoder.path, encoder.file.parent.parent, threads=1, idle_threads=2)
    with server.answering():
        server.encode(TEXTS[:1])
        assert server.last_threads == 1  # until the idle cores' session is made (a server warms it at start)
    server.warm()
    with server.answering():
        alone = server.encode(TEXTS[:3])
        assert server.last_threads == 2
        with server.answering():  # another question is being answered meanwhile
            among = server.encode(TEXTS[:3])
            assert server.last_threads == 1
    with server.answering():
        assert server.encode(TEXTS[:1]) is not None and server.last_threads == 2  # the count went back down
    assert np.abs(alone - among).max() < 1e-5  # the same vectors either way
    # a build (threads 0: every core) and a server asked for one thread only never switch
    assert OnnxEncoder(encoder.path, encoder.file.parent.parent, threads=1).encode(TEXTS[:1]) is not None


def test_a_question_is_alone_only_when_no_worker_of_the_server_answers_another(encoder, tmp_path):
    server = OnnxEncoder(encoder.path, encoder.file.parent.parent, threads=1, idle_threads=2)
    server.warm()
    path = inflight.create(tmp_path)
    server.share(inflight.Board(path))
    other = np.frombuffer(bytearray(path.read_bytes()), dtype=inflight.ROW)  # another worker's slot, written by hand
    with server.answering():
        server.encode(TEXTS[:1])
        assert server.last_threads == 2
        assert server.board is not None and np.frombuffer(path.read_bytes(), dtype=inflight.ROW)["busy"].sum() == 1
        other[1] = (os.getppid(), 1)  # a live process, answering a question of its own
        with open(path, "r+b") as f:
            f.seek(inflight.ROW.itemsize)
            f.write(other[1:2].tobytes())
        server.encode(TEXTS[:1])
        assert server.last_threads == 1
    assert np.frombuffer(path.read_bytes(), dtype=inflight.ROW)["busy"][0] == 0  # this one's count went back down
    server.share(None)


@pytest.mark.parametrize(("update", "expected"), [
    ({"encoder_idle_threads": 3}, 3),  # said outright
    ({"workers": 1}, os.cpu_count() or 1),  # one worker: every core
    ({"workers": 64}, 1),  # more workers than cores, and no board: one each, as encoder_threads says
    ({"workers": 64, "inflight_file": "/dev/shm/x"}, os.cpu_count() or 1),  # a board: a question alone in the server
])
def test_the_idle_threads_are_the_cores_shared_among_the_workers(update, expected):
    assert Settings().model_copy(update=update).idle_threads() == expected


def test_a_server_answers_without_importing_torch(index_dir):
    """What makes a server start in about a second: torch and sentence-transformers are never imported."""
    script = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from web.app import create_app\n"
        "with TestClient(create_app()) as c:\n"
        "    r = c.post('/api/ask', json={'question': 'where can I get tested for HIV'})\n"
        "    assert r.status_code == 200 and r.json()['passages'], r.text\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'sklearn') if m in sys.modules))\n"
    )
    env = os.environ | {"QA_INDEX_DIR": str(index_dir), "QA_ENCODER": "onnx"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def _copy_export(encoder, onnx_dir):
    target = export_path(onnx_dir, encoder.fingerprint)
    target.parent.mkdir(parents=True)
    shutil.copy(encoder.file.parent / "export.json", target.parent / "export.json")
    return target


def test_a_broken_export_is_refused_at_start_with_the_fix(encoder, tmp_path):
    target = _copy_export(encoder, tmp_path)
    target.write_bytes(b"not an onnx graph")
    with pytest.raises(ModelError, match=r"cannot load the ONNX export .* run: qa export-model --force"):
        OnnxEncoder(encoder.path, tmp_path)


def test_an_export_of_other_model_files_is_refused(encoder, tmp_path):
    target = _copy_export(encoder, tmp_path)
    shutil.copy(encoder.file, target)
    meta = json.loads((target.parent / "export.json").read_text())
    (target.parent / "export.json").write_text(json.dumps(meta | {"model_files_sha256": "0" * 64}))
    with pytest.raises(ModelError, match=r"exported from other model files .* run: qa export-model --force"):
        OnnxEncoder(encoder.path, tmp_path)


def test_an_export_folder_that_cannot_be_written_names_the_setting(encoder, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with pytest.raises(ModelError, match=r"cannot write the ONNX export .* point QA_ONNX_DIR at a folder"):
        OnnxEncoder(encoder.path, blocked / "onnx")
