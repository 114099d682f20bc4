"""Building an index version from ``corpus/``: validate, chunk, embed, calibrate, write, publish."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import faiss

from qa.calibration import DEFAULT_THRESHOLD
from qa.chunking import chunk_document
from qa.encoder import Encoder
from qa.index import Version, library_versions, new_version_id, publish, write_version
from qa.search import make_keys
from qa.sources import checksum, load_corpus

CHUNK_MAX_CHARS = 0  # 0: one chunk per paragraph (measured in docs/quality.md)


@dataclass(frozen=True)
class BuildReport:
    version: str
    path: Path
    documents: int
    sections: int
    chunks: int
    keys: int
    services: int
    seconds: float
    published: bool
    calibration: dict

    def summary(self) -> str:
        cal = self.calibration
        answered = cal.get("in_scope_answered")
        lines = [
            f"version   {self.version}{' (published)' if self.published else ' (not published)'}",
            f"documents {self.documents}   sections {self.sections}   chunks {self.chunks}   keys {self.keys}"
            f"   services {self.services}",
            f"answered rule: confidence >= {cal.get('threshold')}"
            + (f" (tune split: {cal.get('out_of_scope_refused'):.0%} of out-of-scope refused, "
               f"{answered:.0%} of in-scope answered)" if answered is not None else f" ({cal.get('reason')})"),
            f"took {self.seconds:.1f} s",
        ]
        return "\n".join(lines)


def build(corpus_dir: Path, index_dir: Path, encoder: Encoder, *, questions: Path | None = None,
          batch_size: int = 32, progress: bool = True, do_publish: bool = True) -> BuildReport:
    """Build a new version of ``corpus_dir`` under ``index_dir``; publish it unless told not to.

    Raises CorpusError (every problem, ``file:line``) before anything is written.
    """
    t0 = time.perf_counter()
    corpus = load_corpus(corpus_dir)
    chunks = [c for d in corpus.documents for c in chunk_document(d, CHUNK_MAX_CHARS)]
    keys = make_keys(chunks, corpus)
    vectors = encoder.encode([k.text for k in keys], batch_size=batch_size, progress=progress)
    digest = checksum(corpus_dir)
    version_id = new_version_id(digest)
    manifest = {
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": {"name": encoder.name, "dimension": encoder.dimension},
        "corpus_checksum": digest,
        "chunks": len(chunks),
        "keys": len(keys),
        "documents": len(corpus.documents),
        "sections": sum(len(d.sections) for d in corpus.documents),
        "services": len(corpus.directory.services),
        "libraries": library_versions(),
    }
    calibration = _calibrate(version_id, corpus, chunks, keys, vectors, manifest, encoder, questions)
    manifest["calibration"] = calibration
    path = write_version(index_dir, version_id, corpus_dir, chunks, keys, vectors, manifest)
    if do_publish:
        publish(index_dir, version_id)
    return BuildReport(version_id, path, manifest["documents"], manifest["sections"], len(chunks), len(keys),
                       manifest["services"], time.perf_counter() - t0, do_publish, calibration)


def _calibrate(version_id, corpus, chunks, keys, vectors, manifest, encoder, questions: Path | None) -> dict:
    """Calibrate the answered rule on the tune split of the labelled questions, in memory."""
    from qa.answer import Engine
    from qa.evaluate import calibrate_on, load_questions

    if questions is None or not Path(questions).is_file():
        return {"threshold": DEFAULT_THRESHOLD, "reason": "no labelled questions"}
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    version = Version(version_id, Path("."), manifest | {"version": version_id}, corpus, tuple(chunks),
                      tuple(keys), flat)
    tune = load_questions(questions, split="tune")
    return calibrate_on(Engine(version, encoder), tune) | {"questions": str(questions), "split": "tune"}
