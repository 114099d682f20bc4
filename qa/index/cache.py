"""Embedding cache: vectors keyed by (model, sha256 of the text), so a rebuild embeds only what changed.

The model is named by its name and a hash of its files (``Encoder.fingerprint``): another model at
``QA_MODEL``, or an updated one under the same name, never reuses the vectors of the first.

A SQLite file beside the index versions. Each build reads what it can and writes what it embedded
in one transaction, so a build killed at any moment leaves the cache whole (SQLite's journal).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np

from qa.encoder import Encoder


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _model_key(encoder: Encoder) -> str:
    return f"{encoder.name}@{encoder.fingerprint[:16]}@{encoder.backend}"


class EmbeddingCache:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def encode(self, encoder: Encoder, texts: list[str], batch_size: int = 32, progress: bool = False
               ) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` (cached ones read, the rest embedded and stored); returns (vectors, hits)."""
        hashes = [text_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._connect() as db:
            unique = list(dict.fromkeys(hashes))
            for i in range(0, len(unique), 500):
                part = unique[i : i + 500]
                rows = db.execute(
                    f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({','.join('?' * len(part))})",  # noqa: S608 - placeholders only
                    [_model_key(encoder), *part],
                ).fetchall()
                found.update({h: np.frombuffer(v, dtype="float32") for h, v in rows if len(v) == 4 * encoder.dimension})
        missing = [i for i, h in enumerate(hashes) if h not in found]
        todo = list(dict.fromkeys(hashes[i] for i in missing))
        first: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            first.setdefault(h, t)
        if todo:
            fresh = encoder.encode([first[h] for h in todo], batch_size=batch_size, progress=progress)
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                               [(_model_key(encoder), h, fresh[i].tobytes()) for i, h in enumerate(todo)])
            found.update({h: fresh[i] for i, h in enumerate(todo)})
        vectors = np.stack([found[h] for h in hashes]) if texts else np.zeros((0, encoder.dimension), "float32")
        return np.ascontiguousarray(vectors, dtype="float32"), len(texts) - len(missing)
