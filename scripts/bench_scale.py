"""Benchmark: search cost and memory as the corpus grows, with synthetic chunks in the project's own classes.

For each size, the published index version is padded with synthetic chunks (each a random run of
three of the corpus's own sentences, so BM25 sees realistic words) and ``--keys`` random unit
vectors per chunk (passage and sentence keys, as a build makes). Every question of
eval/questions.yaml is encoded once, then searched ``--rounds`` times, and the script prints, per size:

- search p50 / p95 in ms, excluding the encoder, returning the best ``CANDIDATES`` chunks as the
  engine does, and returning every chunk (the records the search made for every chunk before);
- of that, the FAISS search alone;
- how often the top 3 of the two agree (they must, always);
- the process's resident memory after loading.

    python scripts/bench_scale.py [--sizes 10000,100000] [--keys 4] [--rounds 3]

Run it alone: the machine's other load is part of what it measures.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import random
import statistics
import time

import faiss
import numpy as np

from qa import open_engine
from qa.answering.engine import CANDIDATES
from qa.config import ROOT
from qa.index.chunks import Chunk, sentence_spans
from qa.index.keys import Key
from qa.lifecycle.evaluate import load_questions
from qa.retrieval.search import Searcher


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def padded(version, size: int, keys_per_chunk: int, rng: random.Random):
    """``version`` with synthetic chunks added until it holds ``size``; its own chunks and keys stay."""
    sentences = [c.text[a:b] for c in version.chunks for a, b in c.sentences]
    chunks = list(version.chunks)
    keys = list(version.keys)
    vectors = [version.vectors.reconstruct_n(0, version.vectors.ntotal)]
    extra = size - len(chunks)
    for i in range(extra):
        text = " ".join(rng.sample(sentences, 3))
        chunks.append(Chunk(f"synthetic-{i:07d}", "synthetic", "Synthetic", "Synthetic section?", 1, i + 1, 0,
                            len(text), text, tuple(sentence_spans(text))))
        keys += [Key(chunks[-1].id, "passage" if k == 0 else "window", text) for k in range(keys_per_chunk)]
    noise = np.random.default_rng(rng.randrange(2**32)).standard_normal((extra * keys_per_chunk, version.vectors.d),
                                                                         dtype="float32")
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors.append(noise)
    index = faiss.IndexFlatIP(version.vectors.d)
    index.add(np.concatenate(vectors))
    return dataclasses.replace(version, chunks=tuple(chunks), keys=tuple(keys), vectors=index)


def percentile(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100)[int(p) - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--keys", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    engine = open_engine()
    questions = [q.q for q in load_questions(ROOT / "eval" / "questions.yaml")]
    vectors = engine.encoder.encode(questions)
    print(f"# {platform.machine()}, {platform.python_version()}, {len(questions)} questions x {args.rounds} rounds")
    print("| chunks | keys | search p50 ms | p95 | FAISS p50 | every chunk p50 | ratio | same top 3 | RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        version = padded(engine.version, size, args.keys, random.Random(size))  # noqa: S311 - synthetic text
        searcher = Searcher(version, engine.encoder)
        memory = rss_mib()
        timings: dict[str, list[float]] = {"limited": [], "faiss": [], "every": []}
        same = 0
        k = min(version.vectors.ntotal, 4096)
        for r in range(args.rounds):
            for q, v in zip(questions, vectors, strict=True):
                v = v[None, :]
                t0 = time.perf_counter()
                version.vectors.search(v, k)
                t1 = time.perf_counter()
                limited = searcher.search(q, query_vector=v, limit=CANDIDATES)
                t2 = time.perf_counter()
                every = searcher.search(q, query_vector=v)
                t3 = time.perf_counter()
                timings["faiss"].append((t1 - t0) * 1000)
                timings["limited"].append((t2 - t1) * 1000)
                timings["every"].append((t3 - t2) * 1000)
                if r == 0:
                    same += [c.chunk.id for c in limited.candidates[:3]] == [c.chunk.id for c in every.candidates[:3]]
        p50 = statistics.median(timings["limited"])
        every_p50 = statistics.median(timings["every"])
        print(f"| {size:,} | {version.vectors.ntotal:,} | {p50:.1f} | {percentile(timings['limited'], 95):.1f} | "
              f"{statistics.median(timings['faiss']):.1f} | {every_p50:.1f} | {every_p50 / p50:.1f}x | "
              f"{same}/{len(questions)} | {memory:,.0f} |", flush=True)
        del searcher, version


if __name__ == "__main__":
    main()
