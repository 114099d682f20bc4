"""Benchmark: what a rebuild costs, from scratch and after a one-paragraph edit.

    python scripts/bench_rebuild.py [--repeat 3]

Builds a copy of corpus/ into a temporary index (the real bundled model), then edits one paragraph
and rebuilds, `--repeat` times each; prints the median seconds of each and how many keys were
embedded versus read from the embedding cache. The model is loaded once, before timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import ROOT  # noqa: E402
from qa.encoder import get_encoder  # noqa: E402
from qa.lifecycle.build import build  # noqa: E402
from qa.lifecycle.gate import load_floors  # noqa: E402

QUESTIONS = ROOT / "eval" / "questions.yaml"
OLD = "Law enforcement actively investigates and prosecutes these activities."


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    encoder = get_encoder()
    floors = load_floors(QUESTIONS.parent / "floors.yaml")
    scratch, edit, embedded = [], [], []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            shutil.copytree(ROOT / "corpus", corpus)
            t0 = time.perf_counter()
            first = build(corpus, Path(tmp) / "index", encoder, questions=QUESTIONS, floors=floors, progress=False)
            scratch.append(time.perf_counter() - t0)
            faq = corpus / "windham-faq.md"
            faq.write_text(faq.read_text().replace(OLD, f"Law enforcement investigates these activities ({i})."))
            t0 = time.perf_counter()
            second = build(corpus, Path(tmp) / "index", encoder, questions=QUESTIONS, floors=floors, progress=False)
            edit.append(time.perf_counter() - t0)
            embedded.append((first.keys - first.cache_hits, second.keys - second.cache_hits, second.keys))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"from scratch:          median {statistics.median(scratch):.2f} s  ({embedded[0][0]} keys embedded)")
    print(f"one-paragraph edit:    median {statistics.median(edit):.2f} s  ({embedded[0][1]} of {embedded[0][2]} keys "
          f"embedded, the rest from the cache)")
    print(f"ratio edit/scratch:    {statistics.median(edit) / statistics.median(scratch):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
