"""Benchmark: answer latency with 1 and 2 torch threads, on an idle machine and on a busy one.

In process, on the index in service: every question of eval/questions.yaml (both splits; only the
wording matters here) is answered ``--rounds`` times per setting, and the script prints p50 and p95
in milliseconds. "Busy" runs one spinning process per core beside it, as other workers, a build or
another service would:

    python scripts/bench_threads.py [--rounds 3]

Run it alone: the machine's other load is part of what it measures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import time

import torch

from qa import open_engine
from qa.config import ROOT
from qa.lifecycle.evaluate import load_questions


def _spin(stop) -> None:  # a CPU-bound neighbour
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def _latencies(questions: list[str], rounds: int) -> list[float]:
    engine = open_engine()
    out = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            engine.answer(q)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = [q.q for q in load_questions(ROOT / "eval" / "questions.yaml")]
    cores = os.cpu_count() or 1
    _latencies(questions[:10], 1)  # load the model and warm up
    print(f"{platform.processor() or platform.machine()}, {cores} cores, torch {torch.__version__}, "
          f"{len(questions)} questions x {args.rounds} rounds")
    print("| machine | torch threads | p50 ms | p95 ms |")
    print("|---|---|---|---|")
    for busy in (False, True):
        stop = multiprocessing.Event()
        neighbours = [multiprocessing.Process(target=_spin, args=(stop,)) for _ in range(cores if busy else 0)]
        for p in neighbours:
            p.start()
        try:
            for threads in (1, 2):
                torch.set_num_threads(threads)
                ms = sorted(_latencies(questions, args.rounds))
                p95 = ms[int(0.95 * (len(ms) - 1))]
                print(f"| {'busy' if busy else 'idle'} | {threads} | {statistics.median(ms):.1f} | {p95:.1f} |")
        finally:
            stop.set()
            for p in neighbours:
                p.join(timeout=30)


if __name__ == "__main__":
    main()
