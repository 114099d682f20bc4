"""Benchmark: what each kind of embedded key adds to answer quality, against what it costs.

Builds the shipped corpus in memory with every kind of key, then without one kind at a time
(``qa.index.keys.make_keys`` says what each kind is), and for each variant prints the keys that rank
chunks (per chunk), the time to embed them, their vectors' size, and hit@1 / hit@3 / in-scope
answered / out-of-scope refused / the highlighted sentence right (where an eval file labels it) on each
eval file's tune and test halves. Each variant's answered
rule is calibrated on the tune half of ``eval/questions.yaml``, as ``scripts/bench_quality.py``
does; the crisis layer is not trained (its keys do not rank chunks), so only the rules raise banners.

    python scripts/bench_keys.py [--files questions,wording,wording2,spanish]

Run it alone: the embedding times are part of what it measures. Decide on the tune rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import faiss  # noqa: E402

from qa.answering.engine import Engine  # noqa: E402
from qa.config import ROOT  # noqa: E402
from qa.corpus import load_corpus  # noqa: E402
from qa.encoder import get_encoder  # noqa: E402
from qa.index.chunks import chunk_document  # noqa: E402
from qa.index.format import Version  # noqa: E402
from qa.index.keys import CRISIS_KINDS, make_keys  # noqa: E402
from qa.lifecycle.evaluate import calibrate_on, figures, load_questions, run  # noqa: E402

DROPPABLE = ("sentence", "window", "phrasing", "translation", "negative")  # "passage" is the base


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default="questions,wording,wording2,spanish")
    args = ap.parse_args()
    encoder = get_encoder()
    sets = {name: {split: load_questions(ROOT / "eval" / f"{name}.yaml", split) for split in ("tune", "test")}
            for name in args.files.split(",")}
    corpus = load_corpus(ROOT / "corpus")
    chunks = [c for d in corpus.documents for c in chunk_document(d)]
    every = [k for k in make_keys(chunks, corpus) if k.kind not in CRISIS_KINDS]
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{len(chunks)} chunks; the answered rule calibrated on questions.yaml's tune half")
    print("| without | ranking keys | per chunk | embed s | vectors KiB | file | split | n | hit@1 | hit@3 "
          "| in-scope answered | refused rightly | highlight@1 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for drop in ("-", *DROPPABLE):
            keys = [k for k in every if k.kind != drop]
            t0 = time.perf_counter()
            vectors = encoder.encode([k.text for k in keys])
            embed = time.perf_counter() - t0
            flat = faiss.IndexFlatIP(vectors.shape[1])
            flat.add(vectors)
            base = {"version": drop, "built_at": "-", "chunks": len(chunks)}
            version = Version(drop, Path(tmp), base, corpus, tuple(chunks), tuple(keys), flat)
            calibration = calibrate_on(Engine(version, encoder), sets.get("questions", {}).get("tune")
                                       or load_questions(ROOT / "eval" / "questions.yaml", "tune"))
            version = Version(drop, Path(tmp), base | {"calibration": calibration}, corpus, tuple(chunks),
                              tuple(keys), flat)
            engine = Engine(version, encoder)
            ranking = sum(1 for k in keys if k.chunk and k.kind != "highlight")
            head = (f"| {drop} | {ranking:,} | {ranking / len(chunks):.1f} | {embed:.1f} | "
                    f"{vectors.nbytes / 1024:,.0f}")
            for name, splits in sets.items():
                for split, questions in splits.items():
                    f = figures(run(engine, questions))
                    print(f"{head} | {name} | {split} | {len(questions)} | {_pct(f['hit@1'])} | {_pct(f['hit@3'])} "
                          f"| {_pct(f['in_scope_answered'])} | {_pct(f['no_answer_recall'])} | {_pct(f['highlight@1'])} |",
                          flush=True)
    return 0


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


if __name__ == "__main__":
    sys.exit(main())
