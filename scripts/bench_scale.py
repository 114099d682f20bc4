"""Benchmark: search cost and memory as the corpus grows, with a flat and an approximate (IVF) dense index.

For each size, the published index version is padded with synthetic chunks (each a random run of
three of the corpus's own sentences, so BM25 sees realistic words) and ``--keys`` random unit
vectors per chunk (passage and sentence keys, as a build makes). The FAISS index over the keys is
built twice, flat and IVF (``qa.index.vectors.make_index``, whatever the threshold says), and every
question of eval/questions.yaml is encoded once, then searched ``--rounds`` times with each. Per size
and index it prints:

- the time to build the FAISS index;
- search p50 / p95 in ms, excluding the encoder, returning the best ``CANDIDATES`` chunks as the engine
  does for an answer (no ranks on either side); of that, the FAISS search alone; and the p50 with each
  candidate's ranks counted, as the staff check asks;
- recall@10 of the index's keys against flat's, and how often the top 3 chunks are flat's (flat's own
  head is the whole ranking's head: tests/test_search.py): for every question, and for those whose top 3
  in flat are all corpus chunks (elsewhere flat's head holds synthetic chunks, whose random keys are
  noise no index can find reliably, and a real corpus has none of);
- the process's resident memory after building it.

And per size, the time to get the lexical index: loaded from the files a build stores, and rebuilt
from the chunks as a version without them is.

    python scripts/bench_scale.py [--sizes 10000,100000] [--keys 4] [--rounds 3] [--nprobe 32,128]

Run it alone: the machine's other load is part of what it measures.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from qa import open_engine
from qa.answering.engine import CANDIDATES
from qa.config import ROOT
from qa.index.bm25 import LexicalIndex
from qa.index.chunks import Chunk, sentence_spans
from qa.index.format import Version
from qa.index.keys import Key
from qa.index.vectors import NPROBE, make_index
from qa.lifecycle.evaluate import load_questions
from qa.retrieval.search import APPROXIMATE_KEYS, MAX_KEYS, Searcher


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def padded(version: Version, size: int, keys_per_chunk: int, rng: random.Random) -> tuple[Version, np.ndarray]:
    """``version``'s chunks and keys with synthetic ones added until it holds ``size`` chunks, and the
    vectors of all its keys (the returned version has no dense or lexical index of its own yet)."""
    sentences = [c.text[a:b] for c in version.chunks for a, b in c.sentences]
    chunks = list(version.chunks)
    keys = list(version.keys)
    extra = size - len(chunks)
    for i in range(extra):
        text = " ".join(rng.sample(sentences, 3))
        chunks.append(Chunk(f"synthetic-{i:07d}", "synthetic", "Synthetic", "Synthetic section?", 1, i + 1, 0,
                            len(text), text, tuple(sentence_spans(text))))
        keys += [Key(chunks[-1].id, "passage" if k == 0 else "window", text) for k in range(keys_per_chunk)]
    vectors = np.empty((len(keys), version.vectors.d), dtype="float32")
    vectors[:version.vectors.ntotal] = version.vectors.reconstruct_n(0, version.vectors.ntotal)
    noise = vectors[version.vectors.ntotal:]
    noise[:] = np.random.default_rng(rng.randrange(2**32)).standard_normal(noise.shape, dtype="float32")
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    return dataclasses.replace(version, chunks=tuple(chunks), keys=tuple(keys), lexical=None), vectors


def percentile(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100)[int(p) - 1] if len(xs) > 1 else xs[0]


def lexical_times(version: Version) -> tuple[LexicalIndex, float, float]:
    """The version's lexical index, the seconds to build it from the chunks, and to load it once stored."""
    t0 = time.perf_counter()
    built = LexicalIndex.of(version.chunks, version.corpus)
    rebuilt = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="bench-lexical-") as tmp:
        for name, data in built.files().items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_bytes(data)
        t0 = time.perf_counter()
        stored = LexicalIndex.load(Path(tmp))
        loaded = time.perf_counter() - t0
    return stored, loaded, rebuilt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--keys", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nprobe", default=str(NPROBE), help="IVF lists scanned: one row for each")
    args = parser.parse_args()
    engine = open_engine()
    questions = [q.q for q in load_questions(ROOT / "eval" / "questions.yaml")]
    vectors = engine.encoder.encode(questions)
    print(f"# {platform.machine()}, {platform.python_version()}, {len(questions)} questions x {args.rounds} rounds, "
          f"{args.keys} keys per synthetic chunk")
    print("| chunks | keys | index | FAISS build s | search p50 ms | p95 | FAISS p50 | with ranks (staff) p50 | recall@10 | "
          "same top 3 as flat: all | corpus heads | lexical load: stored / rebuilt s | RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        version, keys = padded(engine.version, size, args.keys, random.Random(size))  # noqa: S311 - synthetic text
        lexical, loaded, rebuilt = lexical_times(version)
        version = dataclasses.replace(version, lexical=lexical)

        flat_keys: np.ndarray | None = None
        flat_top: list[list[str]] = []
        runs = [(False, 0), *((True, int(n)) for n in args.nprobe.split(","))]
        for i, (approximate, nprobe) in enumerate(runs):
            if i < 2:  # flat, then IVF once: its other rows only scan another number of lists
                t0 = time.perf_counter()
                index, record = make_index(keys, approximate)
                build = time.perf_counter() - t0
                searcher = Searcher(dataclasses.replace(version, vectors=index), engine.encoder)
                memory = rss_mib()
            if approximate:
                index.nprobe = record["nprobe"] = nprobe
            timings: dict[str, list[float]] = {"search": [], "faiss": [], "ranks": []}
            tops: list[list[str]] = []
            for r in range(args.rounds):
                for q, v in zip(questions, vectors, strict=True):
                    v = v[None, :]
                    t0 = time.perf_counter()
                    index.search(v, min(len(keys), APPROXIMATE_KEYS if approximate else MAX_KEYS))
                    t1 = time.perf_counter()
                    ranking = searcher.search(q, query_vector=v, limit=CANDIDATES, ranks=False)
                    t2 = time.perf_counter()
                    searcher.search(q, query_vector=v, limit=CANDIDATES)
                    t3 = time.perf_counter()
                    timings["faiss"].append((t1 - t0) * 1000)
                    timings["search"].append((t2 - t1) * 1000)
                    timings["ranks"].append((t3 - t2) * 1000)
                    if r == 0:
                        tops.append([c.chunk.id for c in ranking.candidates[:3]])
            _, found = index.search(vectors, 10)
            if flat_keys is None:
                flat_keys, flat_top = found, tops
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, flat_keys, strict=True)])
            same = sum(a == b for a, b in zip(tops, flat_top, strict=True))
            corpus = [not any(c.startswith("synthetic-") for c in b) for b in flat_top]
            same_corpus = sum(a == b for a, b, real in zip(tops, flat_top, corpus, strict=True) if real)
            name = "flat" if record["kind"] == "flat" else f"IVF nlist {record['nlist']} nprobe {record['nprobe']}"
            print(f"| {size:,} | {len(keys):,} | {name} | {build:.1f} | {statistics.median(timings['search']):.1f} | "
                  f"{percentile(timings['search'], 95):.1f} | {statistics.median(timings['faiss']):.1f} | "
                  f"{statistics.median(timings['ranks']):.1f} | "
                  f"{recall:.3f} | {same}/{len(questions)} | {same_corpus}/{sum(corpus)} | {loaded:.2f} / {rebuilt:.2f} | "
                  f"{memory:,.0f} |",
                  flush=True)
            if i == 0 or i == len(runs) - 1:
                del searcher, index
        del version, keys, lexical


if __name__ == "__main__":
    main()
