"""Benchmark: answers over HTTP, ``qa serve`` with one and two workers against a minimal dense peer.

Starts each server in turn on a free loopback port, waits for its ``/healthz``, warms it up, and
measures, in the same run:

- one client, keep-alive, sequential requests: p50 / p95 / p99 in ms;
- 1, 4, 16 and 64 concurrent clients (threads, each with its own keep-alive connection, sharing a
  fixed number of requests): answers per second, p50 and p99;

then the model's raw forward pass on torch for each question alone, one thread, in this process once every
server has stopped (``benchkit.raw_forward``, as ``bench_latency.py``), and prints one Markdown table and the
ratios project/peer, project/raw forward and two workers/one worker. The servers:

- ``qa-w1``: ``qa serve --workers 1`` (``POST /api/ask``, the project's JSON answer);
- ``qa-w2``: ``qa serve --workers 2``;
- ``qa-w1-one``: ``qa serve --workers 1`` with ``QA_ENCODER_IDLE_THREADS=1`` (one model thread for every
  question, as before stop 33; not run unless named in ``--servers``);
- ``qa-w2-share``: ``qa serve --workers 2`` with ``QA_ENCODER_IDLE_THREADS=1`` (a question alone in the server
  has one core, as before stop 34's shared board; not run unless named in ``--servers``);
- ``peer``: ``scripts/dense_peer.py`` (the same model on torch, FAISS flat over the corpus's
  paragraphs, the 3 closest as JSON, one uvicorn worker; no spelling, lexical side, safety or cards).

Questions are those of eval/questions.yaml (``--questions``), asked in file order and never printed.
The environment passes through to the servers (``QA_ENCODER``, ``QA_ENCODER_THREADS``, ...):

    python scripts/bench_http.py                 # the real run, about 4-5 minutes on 2 cores
    python scripts/bench_http.py --quick         # a smoke run, under 2 minutes

Run it alone: the client runs on the same cores as the server, and the machine's other load is
part of what it measures.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from benchkit import Server, client, free_port, healthy, machine, percentile, qa_serve, raw_forward

from qa.config import get_settings
from qa.lifecycle.evaluate import load_questions

PEER = Path(__file__).resolve().parent / "dense_peer.py"
STARTED = "Application startup complete"  # what each uvicorn worker logs when its lifespan has run


@dataclass
class Target:
    """A server to measure: how to start it and where to ask."""

    name: str
    cmd: list[str]
    port: int
    path: str  # where questions are POSTed
    workers: int = 0  # uvicorn workers that must say "Application startup complete" (0: /healthz is enough)
    env: dict[str, str] | None = None  # the environment it starts with (None: this one's)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@dataclass
class Run:
    """Latencies (ms) of the answers that came back 200, the failures, and the wall time (s)."""

    ms: list[float] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.ms) / self.seconds if self.seconds else 0.0


def sequential(target: Target, questions: list[str], count: int, timeout: float, budget: float) -> Run:
    """``count`` requests one after another on one keep-alive connection (stops after ``budget`` s)."""
    run = Run()
    deadline = time.perf_counter() + budget
    t_start = time.perf_counter()
    with client(timeout) as c:
        for q in itertools.islice(itertools.cycle(questions), count):
            if time.perf_counter() > deadline:
                break
            _ask(c, target, q, run)
    run.seconds = time.perf_counter() - t_start
    return run


def concurrent(target: Target, questions: list[str], clients: int, count: int, timeout: float, budget: float) -> Run:
    """``count`` requests shared by ``clients`` threads, each on its own keep-alive connection;
    no new request starts after ``budget`` seconds."""
    run = Run()
    lock = threading.Lock()
    issued = itertools.count()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker() -> None:
        with client(timeout) as c:
            start.wait(60)
            while True:
                i = next(issued)  # itertools.count is atomic under the GIL
                if i >= count or time.perf_counter() > deadline[0]:
                    return
                mine = Run()
                _ask(c, target, questions[i % len(questions)], mine)
                with lock:
                    run.ms += mine.ms
                    run.failures += mine.failures

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    deadline[0] = time.perf_counter() + budget  # before any thread can read it
    for t in threads:
        t.start()
    start.wait(60)  # every thread holds its client: the clock starts when all may ask
    t0 = time.perf_counter()
    for t in threads:
        t.join(budget + timeout + 5)
    run.seconds = time.perf_counter() - t0
    return run


def _ask(c: httpx.Client, target: Target, question: str, run: Run) -> None:
    t0 = time.perf_counter()
    try:
        r = c.post(target.url(target.path), json={"question": question})
        r.read()
    except httpx.HTTPError:
        run.failures += 1
        return
    if r.status_code == 200:
        run.ms.append((time.perf_counter() - t0) * 1000)
    else:
        run.failures += 1


def measure(target: Target, questions: list[str], args: argparse.Namespace) -> dict[str, Run]:
    """Start ``target``, warm it up, take every measurement, stop it."""
    with Server(target.cmd, target.name, env=target.env) as server:
        health = healthy(target.url("/healthz"))
        # /healthz answers once one worker is up: every worker must be, or the first figures measure its start
        ready = server.wait(lambda: health() and server.output().count(STARTED) >= target.workers, args.startup_timeout)
        print(f"# {target.name}: ready in {ready:.1f} s (pid {server.pid})", flush=True)
        # warm-up: every worker loads lazily what its first answers need
        concurrent(target, questions, 2, args.warmup, args.timeout, args.budget)
        results = {"seq": sequential(target, questions, args.sequential, args.timeout, args.budget)}
        for n in args.clients:
            results[f"c{n}"] = concurrent(target, questions, n, max(args.requests, 2 * n), args.timeout, args.budget)
            r = results[f"c{n}"]
            print(f"#   {n} clients: {len(r.ms)} answers, {r.failures} failures, {r.seconds:.1f} s", flush=True)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--questions", type=Path, default=get_settings().questions_file,
                        help="question file in the project's format (default: QA_QUESTIONS_FILE)")
    parser.add_argument("--sequential", type=int, default=300, help="requests of the one sequential client")
    parser.add_argument("--requests", type=int, default=400, help="requests per concurrency level (at least 2 per client)")
    parser.add_argument("--clients", default="1,4,16,64", help="concurrency levels, comma-separated")
    parser.add_argument("--warmup", type=int, default=20, help="requests sent before measuring, on 2 connections")
    parser.add_argument("--servers", default="qa-w1,qa-w2,peer", help="which servers, comma-separated")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one request may take")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds after which a measurement stops asking")
    parser.add_argument("--startup-timeout", type=float, default=300.0, help="seconds a server has to become ready")
    parser.add_argument("--no-forward", action="store_true", help="skip the raw torch forward pass")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 sequential, 1 and 4 clients, 40 requests")
    args = parser.parse_args()
    if args.quick:
        args.sequential, args.requests, args.clients, args.warmup = 20, 40, "1,4", 6
    args.clients = [int(n) for n in args.clients.split(",")]
    questions = [q.q for q in load_questions(args.questions)]
    if not questions:
        sys.exit(f"no questions in {args.questions}")
    targets = {
        "qa-w1": Target("qa-w1", qa_serve(port := free_port(), 1), port, "/api/ask", 1),
        "qa-w2": Target("qa-w2", qa_serve(port := free_port(), 2), port, "/api/ask", 2),
        # one thread for every question, alone or not: the server before stop 33 (QA_ENCODER_IDLE_THREADS)
        "qa-w1-one": Target("qa-w1-one", qa_serve(port := free_port(), 1), port, "/api/ask", 1,
                            os.environ | {"QA_ENCODER_IDLE_THREADS": "1"}),
        # two workers with one core's share each for a question alone: the server before stop 34's board
        "qa-w2-share": Target("qa-w2-share", qa_serve(port := free_port(), 2), port, "/api/ask", 2,
                              os.environ | {"QA_ENCODER_IDLE_THREADS": "1"}),
        "peer": Target("peer", [sys.executable, str(PEER), "--port", str(port := free_port())], port, "/ask"),
    }
    chosen = [targets[name] for name in args.servers.split(",")]
    print(f"# {machine()}")
    print(f"# {len(questions)} questions; {args.sequential} sequential requests; {args.requests} requests per level "
          f"at {', '.join(map(str, args.clients))} clients; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
          flush=True)
    results = {t.name: measure(t, questions, args) for t in chosen}
    forward = [] if args.no_forward else raw_forward([[q] for q in questions], 1)  # every server has stopped

    print()
    print("| server | seq p50 ms | seq p95 | seq p99 | " + " | ".join(
        f"{n} client{'s' * (n > 1)} ans/s | p50 | p99" for n in args.clients) + " | failures |")
    print("|---|---|---|---|" + "---|---|---|" * len(args.clients) + "---|")
    for name, r in results.items():
        seq = r["seq"].ms
        cells = [f"{statistics.median(seq):.1f}" if seq else "-", f"{percentile(seq, 95):.1f}", f"{percentile(seq, 99):.1f}"]
        for n in args.clients:
            c = r[f"c{n}"]
            cells += [f"{c.rate:.1f}", f"{percentile(c.ms, 50):.1f}", f"{percentile(c.ms, 99):.1f}"]
        print(f"| {name} | " + " | ".join(cells) + f" | {sum(x.failures for x in r.values())} |")

    def ratios(a: str, b: str, label: str) -> None:
        if a not in results or b not in results:
            return
        ra, rb = results[a], results[b]
        seq = statistics.median(ra["seq"].ms) / statistics.median(rb["seq"].ms) if ra["seq"].ms and rb["seq"].ms else 0
        rates = ", ".join(f"{n}: {ra[f'c{n}'].rate / rb[f'c{n}'].rate:.2f}x" if rb[f"c{n}"].rate else f"{n}: -"
                          for n in args.clients)
        print(f"{label}: sequential p50 {seq:.2f}x; answers/s by clients {rates}")

    print()
    ratios("qa-w1", "peer", "project (1 worker) / peer")
    if forward:
        print(f"raw torch forward pass, the question alone, one thread: p50 {statistics.median(forward):.1f} ms; "
              + "; ".join(f"{name} sequential p50 / it: {statistics.median(r['seq'].ms) / statistics.median(forward):.2f}x"
                          for name, r in results.items() if r["seq"].ms))
    ratios("qa-w2", "peer", "project (2 workers) / peer")
    ratios("qa-w2", "qa-w1", "2 workers / 1 worker")
    ratios("qa-w2", "qa-w2-share", "2 workers, a question alone in the server on every core / on its share")
    ratios("qa-w1-one", "peer", "project (1 worker, one thread always) / peer")
    ratios("qa-w1", "qa-w1-one", "1 worker, idle cores lent / one thread always")


if __name__ == "__main__":
    main()
