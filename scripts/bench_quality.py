"""Benchmark: answer quality and latency of each retrieval stage on the held-out (test) split.

Builds each variant in memory from a copy of corpus/ (the real bundled model), calibrates its
"answered" rule on the tune split, and prints one Markdown table row per variant:

    python scripts/bench_quality.py [--questions eval/questions.yaml]

Variants, each adding one thing to the one before:
  bm25       BM25 alone over paragraphs (no synonyms)
  dense      dense alone, one key per paragraph (section question + paragraph)
  rrf        both, fused by reciprocal rank fusion
  +sentences dense keys for each sentence too (with and without the heading; the latter only
             choose the highlight), fused as cosine + 0.1 x scaled BM25
  +windows   dense keys for each run of two sentences too
  +synonyms  curated synonyms on the lexical side
  +phrasings "also asked as" phrasings embedded as keys
  final      + out-of-scope negatives in the answered rule and crisis rules that pin passages
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import faiss  # noqa: E402
import yaml  # noqa: E402

from qa.answering.engine import Engine  # noqa: E402
from qa.config import ROOT, default  # noqa: E402
from qa.corpus import load_corpus  # noqa: E402
from qa.encoder import get_encoder  # noqa: E402
from qa.index.chunks import chunk_document  # noqa: E402
from qa.index.format import Version  # noqa: E402
from qa.index.keys import make_keys  # noqa: E402
from qa.lifecycle.evaluate import calibrate_on, figures, load_questions, run  # noqa: E402

VARIANTS = [  # name, mode, key kinds, synonyms, phrasings, negatives+pins
    ("bm25", "lexical", {"passage"}, False, False, False),
    ("dense", "dense", {"passage"}, False, False, False),
    ("rrf", "rrf", {"passage"}, False, False, False),
    ("+sentences", "hybrid", {"passage", "sentence", "highlight"}, False, False, False),
    ("+windows", "hybrid", {"passage", "sentence", "highlight", "window"}, False, False, False),
    ("+synonyms", "hybrid", {"passage", "sentence", "highlight", "window"}, True, False, False),
    ("+phrasings", "hybrid", {"passage", "sentence", "highlight", "window", "phrasing"}, True, True, False),
    ("final", "hybrid", {"passage", "sentence", "highlight", "window", "phrasing", "negative"}, True, True, True),
]


def corpus_variant(src: Path, dst: Path, synonyms: bool, phrasings: bool, negatives: bool) -> Path:
    shutil.copytree(src, dst)
    if not synonyms:
        (dst / "synonyms.yaml").unlink(missing_ok=True)
    if not phrasings:
        (dst / "phrasings.yaml").unlink(missing_ok=True)
    if not negatives:
        (dst / "out_of_scope.yaml").unlink(missing_ok=True)
        safety = yaml.safe_load((dst / "safety.yaml").read_text())
        for rule in safety["rules"]:
            rule.pop("passages", None)
        (dst / "safety.yaml").write_text(yaml.safe_dump(safety, sort_keys=False, allow_unicode=True))
    return dst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=Path, default=default("questions_file"))
    args = ap.parse_args()
    encoder = get_encoder()
    tune = load_questions(args.questions, "tune")
    test = load_questions(args.questions, "test")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"held-out split: {len(test)} questions ({sum(q.in_scope for q in test)} in scope)")
    print()
    print("| variant | hit@1 | hit@1 non-crisis | hit@3 | MRR | no-answer recall | no-answer precision "
          "| in-scope answered | crisis recall | false alarms | cards@3 | highlight@1 | median ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, mode, kinds, syn, phr, neg) in enumerate(VARIANTS):
            corpus = load_corpus(corpus_variant(ROOT / "corpus", Path(tmp) / str(i), syn, phr, neg))
            chunks = [c for d in corpus.documents for c in chunk_document(d)]
            keys = [k for k in make_keys(chunks, corpus) if k.kind in kinds]
            vectors = encoder.encode([k.text for k in keys])
            flat = faiss.IndexFlatIP(vectors.shape[1])
            flat.add(vectors)
            base = {"version": name, "built_at": "-", "chunks": len(chunks)}
            version = Version(name, Path(tmp), base, corpus, tuple(chunks), tuple(keys), flat)
            calibration = _calibrate(Engine(version, encoder), tune, mode)
            version = Version(name, Path(tmp), base | {"calibration": calibration}, corpus, tuple(chunks),
                              tuple(keys), flat)
            engine = Engine(version, encoder)
            run(engine, test[:5], mode)  # warm up
            outcomes = run(engine, test, mode)
            f = figures(outcomes)
            calm = [o for o in outcomes if o.question.in_scope and o.question.crisis != "emergency"]
            calm_hit = sum(o.rank == 1 for o in calm) / len(calm)
            ms = statistics.median(o.ms for o in outcomes)
            print(f"| {name} | {f['hit@1']:.1%} | {calm_hit:.1%} | {f['hit@3']:.1%} | {f['mrr']:.3f} "
                  f"| {f['no_answer_recall']:.1%} | {_pct(f['no_answer_precision'])} | {f['in_scope_answered']:.1%} "
                  f"| {f['crisis_recall']:.1%} | {f['false_alarms']:.1%} | {f['card_recall@3']:.1%} "
                  f"| {_pct(f['highlight@1'])} | {ms:.1f} |")
    return 0


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _calibrate(engine: Engine, tune, mode: str) -> dict:
    # the answered rule does not depend on the fusion mode: it reads the dense and lexical evidence
    del mode
    return calibrate_on(engine, tune)


if __name__ == "__main__":
    sys.exit(main())
