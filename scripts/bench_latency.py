"""Benchmark: where the time of one answer goes, in process, against the model's raw torch forward pass.

On the index in service (``QA_INDEX_DIR``), every question of eval/questions.yaml (both splits; only
the wording matters, and no question is printed) is answered ``--rounds`` times, three ways in one run:

1. ``Engine.answer`` as it is: the whole answer, p50 / p95 in ms;
2. ``Engine.answer`` again with a stopwatch around each stage the engine calls (the methods and
   functions themselves are wrapped, so the answer's path is the real one, and each stage's time
   excludes the stages inside it): query encoding, a Spanish question's translation, spelling and the
   Spanish gloss, search, safety detection, the answered rule, the gap check, choosing service cards,
   building the Answer (``Engine.render`` without its cards), and the rest of ``Engine.trace``;
3. the model's raw forward pass with transformers on torch, one thread, under ``inference_mode``:
   tokenise the question (and, a second figure, the very batch of texts the engine encoded for
   it) and time only ``model(**inputs)``.

It prints a Markdown table of medians and p95 per stage and the ratio "answer / raw torch forward":

    python scripts/bench_latency.py              # the real run, about 2 minutes on 2 cores
    python scripts/bench_latency.py --quick      # a smoke run: 20 questions, 1 round
    python scripts/bench_latency.py --questions eval/spanish.yaml   # Spanish questions (translated)

The engine uses ``QA_ENCODER_THREADS`` threads as a server does (1 by default; a question answered alone
borrows the idle cores, ``QA_ENCODER_IDLE_THREADS``), and the encoder
``QA_ENCODER`` selects. Run it alone: the machine's other load is part of what it measures.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchkit import machine, percentile, raw_forward

import qa.answering.engine as engine_module
from qa import open_engine
from qa.config import get_settings
from qa.errors import IndexUnusableError
from qa.lifecycle.evaluate import load_questions
from qa.retrieval.confidence import AnsweredRule

STAGES = ["encode", "translation", "spelling", "search", "safety", "confidence", "gap", "cards", "render", "trace rest"]
LABELS = {
    "encode": "query encoding (Encoder.encode)",
    "translation": "Spanish translation (Translator.english, Apertium)",
    "spelling": "spelling + Spanish gloss",
    "search": "search (Searcher.search, vector given)",
    "safety": "safety detection (Detector)",
    "confidence": "answered rule (AnsweredRule.confidence)",
    "gap": "gap check (Engine._gap, cards aside)",
    "cards": "service cards (choose/fallback/arrange)",
    "render": "building the Answer (Engine.render, cards aside)",
    "trace rest": "rest of Engine.trace",
}


class Stopwatch:
    """Exclusive time per stage: a wrapped call's time less that of wrapped calls inside it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._children: list[float] = []
        self.batches: list[list[str]] = []  # what the encoder was given, call by call

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._children.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                inner = self._children.pop()
                self.seconds[stage] += elapsed - inner
                self.calls[stage] += 1
                if self._children:
                    self._children[-1] += elapsed

        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.batches.clear()


def instrument(engine: Any, watch: Stopwatch) -> None:
    """Wrap what ``Engine.trace`` and ``Engine.render`` call, on this engine's own objects (instance
    attributes shadow the methods) and, for module functions and the rule's static method, where the
    engine looks them up. Everything an answer does stays on its real path."""
    encoder = engine.encoder
    original_encode = encoder.encode

    def encode(texts: list[str], *args: Any, **kwargs: Any) -> Any:
        watch.batches.append(list(texts))
        return original_encode(texts, *args, **kwargs)

    encoder.encode = watch.wrap("encode", encode)
    engine.translator.english = watch.wrap("translation", engine.translator.english)
    searcher = engine.searcher
    searcher.speller.correct = watch.wrap("spelling", searcher.speller.correct)
    searcher.lexical.gloss = watch.wrap("spelling", searcher.lexical.gloss)
    searcher.search = watch.wrap("search", searcher.search)
    detector = engine.detector
    for name in ("detect", "scores", "support", "fears_police"):
        setattr(detector, name, watch.wrap("safety", getattr(detector, name)))
    # AnsweredRule is a frozen dataclass: its static method is wrapped on the class, in this process only
    AnsweredRule.confidence = staticmethod(watch.wrap("confidence", AnsweredRule.confidence))  # type: ignore[method-assign]
    engine._gap = watch.wrap("gap", engine._gap)
    for name in ("choose_cards", "fallback_cards", "arrange"):  # imported into the engine's module by name
        setattr(engine_module, name, watch.wrap("cards", getattr(engine_module, name)))
    engine.render = watch.wrap("render", engine.render)
    engine.trace = watch.wrap("trace rest", engine.trace)


def row(label: str, ms: list[float], answer_mean: float | None = None, calls: float | None = None) -> str:
    share = f"{100 * statistics.fmean(ms) / answer_mean:.0f}%" if answer_mean else ""
    per = f"{calls:.2f}" if calls is not None else ""
    return (f"| {label} | {per} | {statistics.median(ms):.2f} | {percentile(ms, 95):.2f} | "
            f"{statistics.fmean(ms):.2f} | {share} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    settings = get_settings()
    parser.add_argument("--questions", type=Path, default=settings.questions_file,
                        help="question file in the project's format (default: QA_QUESTIONS_FILE)")
    parser.add_argument("--rounds", type=int, default=5, help="times each question is answered per measurement")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (0: all)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 questions, 1 round")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.limit = 1, 20
    questions = [q.q for q in load_questions(args.questions)]
    questions = questions[: args.limit] if args.limit else questions
    try:
        engine = open_engine()
    except IndexUnusableError as e:
        sys.exit(f"error: {e}\nbench_latency needs the published index in {settings.index_dir}: build it with `qa build`")
    # as a server process does (web/app.py): one thread, and the idle cores for a question answered alone
    engine.encoder.use_threads(settings.encoder_threads, settings.idle_threads())
    engine.encoder.warm()
    print(f"# {machine()}")
    print(f"# engine encoder {getattr(engine.encoder, 'backend', 'torch')} ({type(engine.encoder).__name__}); "
          f"index {engine.version.id}; {len(questions)} questions x {args.rounds} rounds; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    for q in questions[:10]:  # warm up
        engine.answer(q)

    whole = []
    for _ in range(args.rounds):
        for q in questions:
            t0 = time.perf_counter()
            engine.answer(q)
            whole.append((time.perf_counter() - t0) * 1000)

    watch = Stopwatch()
    instrument(engine, watch)
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    calls: dict[str, int] = defaultdict(int)
    instrumented: list[float] = []
    batches: list[list[str]] = []
    for r in range(args.rounds):
        for q in questions:
            watch.reset()
            t0 = time.perf_counter()
            engine.answer(q)
            instrumented.append((time.perf_counter() - t0) * 1000)
            for s in STAGES:
                stages[s].append(watch.seconds.get(s, 0.0) * 1000)
                calls[s] += watch.calls.get(s, 0)
            if r == 0:
                batches.append([t for b in watch.batches for t in b])  # one batch per answer (the engine makes one call)

    alone = raw_forward([[q] for q in questions], args.rounds)
    same = raw_forward(batches, args.rounds)
    n = len(instrumented)
    mean = statistics.fmean(instrumented)
    print()
    print("| stage | calls per answer | p50 ms | p95 ms | mean ms | share of answer (mean) |")
    print("|---|---|---|---|---|---|")
    for s in STAGES:
        print(row(LABELS[s], stages[s], mean, calls[s] / n))
    print(row("**Engine.answer, instrumented** (sum of the above)", instrumented, mean))
    print(row("**Engine.answer** (as it is)", whole))
    print(row("raw torch forward, the question alone", alone))
    print(row("raw torch forward, the engine's batch", same))
    texts = sum(len(b) for b in batches) / len(batches)
    answer_p50 = statistics.median(whole)
    print()
    print(f"answer / raw torch forward (p50): {answer_p50 / statistics.median(alone):.2f}x the question alone, "
          f"{answer_p50 / statistics.median(same):.2f}x the engine's batch ({texts:.2f} texts per answer)")
    print(f"encoding / raw torch forward of the same batch (p50): "
          f"{statistics.median(stages['encode']) / statistics.median(same):.2f}x")


if __name__ == "__main__":
    main()
