"""Benchmark: cold start of ``qa serve``, and what the serving process imports.

Prints, in one run:

- spawn to first answer: ``qa serve --workers 1`` started on a free loopback port, and
  ``POST /api/ask`` tried every 50 ms until it answers 200; median, min and max of ``--starts``
  fresh starts (the files are in the page cache after the first: these are warm-disk starts);
- whether the serving process has torch and ONNX Runtime loaded (its ``/proc/PID/maps``);
- ``import web.app`` in a fresh interpreter: median of ``--imports`` runs;
- a probe in a fresh interpreter doing what ``qa serve`` does: import ``web.app``, build the app
  with the same factory (``create_app()``), run its lifespan (the encoder and the index load), answer
  one question; the time of each phase, and which of torch, sentence_transformers, transformers and
  onnxruntime ended up in ``sys.modules``;
- the same probe under ``python -X importtime``: the seconds spent importing, in total and by
  top-level package.

The environment passes through (``QA_ENCODER`` and the rest):

    python scripts/bench_start.py                # the real run, 5 starts: about 2 minutes on torch
    python scripts/bench_start.py --quick        # a smoke run: 1 start, 1 import

Run it alone: the machine's other load is part of what it measures.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from benchkit import Server, client, free_port, machine, qa_serve

from qa.config import get_settings
from qa.lifecycle.evaluate import load_questions

LIBRARIES = ("torch", "sentence_transformers", "transformers", "onnxruntime")

# Runs in a fresh interpreter: what ``qa serve`` does up to its first answer, phase by phase.
PROBE = """
import json, sys, time
t0 = time.perf_counter()
import web.app
t1 = time.perf_counter()
app = web.app.create_app()  # the factory qa serve gives uvicorn
t2 = time.perf_counter()
from fastapi.testclient import TestClient  # after the timing: qa serve does not import it
from qa.lifecycle.evaluate import load_questions
question = load_questions(sys.argv[1])[0].q
t3 = time.perf_counter()
with TestClient(app) as http:  # runs the lifespan: the encoder and the index load here
    t4 = time.perf_counter()
    status = http.post("/api/ask", json={"question": question}).status_code
    t5 = time.perf_counter()
encoder = app.state.live.engine.encoder
print(json.dumps({"import web.app": t1 - t0, "create_app()": t2 - t1, "lifespan start (encoder + index)": t4 - t3,
                  "first answer": t5 - t4, "status": status, "backend": getattr(encoder, "backend", "torch"),
                  "modules": {m: m in sys.modules for m in LIBRARIES}}))
""".replace("LIBRARIES", repr(LIBRARIES))

IMPORT = "import time; t = time.perf_counter(); import web.app; print(time.perf_counter() - t)"
_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def python(*args: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """This venv's Python run with ``args``; its output as text (stderr on failure in the error)."""
    # -P: the current folder does not shadow the installed project (as for the qa console script)
    done = subprocess.run([sys.executable, "-P", *flags, *args], capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)[:60]}... exited {done.returncode}:\n{done.stderr[-2000:]}")
    return done


def mapped(pid: int) -> dict[str, bool]:
    """Which native libraries process ``pid`` has mapped: torch's and ONNX Runtime's."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return {}
    return {"torch": "libtorch" in maps, "onnxruntime": "onnxruntime" in maps}


def cold_start(question: str, timeout: float) -> tuple[float, dict[str, bool]]:
    """Seconds from spawning ``qa serve --workers 1`` to its first 200 answer, and its mapped libraries."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/ask"
    with Server(qa_serve(port, 1), "qa-serve") as server, client(5.0) as c:
        seconds = server.wait(lambda: c.post(url, json={"question": question}).status_code == 200, timeout)
        return seconds, mapped(server.pid)


def import_summary(stderr: str, top: int) -> tuple[float, list[tuple[str, float]]]:
    """Total import seconds and the ``top`` top-level packages by cumulative seconds, from ``-X importtime``."""
    by_package: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        m = _IMPORTTIME.match(line)
        if m and not m.group(3):  # imported at top level (not from inside another import)
            by_package[m.group(4).split(".")[0]] += int(m.group(2)) / 1e6
    ranked = sorted(by_package.items(), key=lambda kv: -kv[1])
    return sum(by_package.values()), ranked[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--questions", type=Path, default=get_settings().questions_file,
                        help="question file in the project's format; its first question is asked (never printed)")
    parser.add_argument("--starts", type=int, default=5, help="fresh starts of qa serve")
    parser.add_argument("--imports", type=int, default=5, help="fresh interpreters that import web.app")
    parser.add_argument("--top", type=int, default=8, help="packages listed from -X importtime")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one start may take")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 start, 1 import")
    args = parser.parse_args()
    if args.quick:
        args.starts, args.imports = 1, 1
    question = load_questions(args.questions)[0].q
    print(f"# {machine()}")
    print(f"# {args.starts} fresh starts of qa serve --workers 1, {args.imports} fresh imports; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)

    starts, libraries = [], {}
    for _ in range(args.starts):
        seconds, libraries = cold_start(question, args.timeout)
        starts.append(seconds)
        print(f"#   start: {seconds:.2f} s", flush=True)
    imports = [float(python("-c", IMPORT).stdout) for _ in range(args.imports)]
    probe = json.loads(python("-c", PROBE, str(args.questions.resolve())).stdout)
    traced = python("-c", PROBE, str(args.questions.resolve()), flags=("-X", "importtime"))
    total, packages = import_summary(traced.stderr, args.top)

    print()
    print("| measure | median s | min | max |")
    print("|---|---|---|---|")
    print(f"| qa serve --workers 1: spawn to first answer over HTTP | {statistics.median(starts):.2f} | "
          f"{min(starts):.2f} | {max(starts):.2f} |")
    print(f"| import web.app in a fresh interpreter | {statistics.median(imports):.2f} | {min(imports):.2f} | "
          f"{max(imports):.2f} |")
    print()
    yes = {True: "yes", False: "no"}
    print("serving process (qa serve, last start): " + ", ".join(f"{k} mapped: {yes[v]}" for k, v in libraries.items()))
    print(f"probe (as qa serve, in one process; encoder {probe['backend']}, answer HTTP {probe['status']}):")
    print("| phase | s |")
    print("|---|---|")
    for phase in ("import web.app", "create_app()", "lifespan start (encoder + index)", "first answer"):
        print(f"| {phase} | {probe[phase]:.3f} |")
    print("modules imported by the probe: " + ", ".join(f"{m} {yes[v]}" for m, v in probe["modules"].items()))
    print(f"importing (-X importtime, the probe): {total:.2f} s in all; "
          + ", ".join(f"{name} {s:.2f}" for name, s in packages))


if __name__ == "__main__":
    main()
