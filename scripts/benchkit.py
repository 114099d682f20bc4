"""What the HTTP and start-up benchmarks share: the machine line, percentiles, loopback ports, and
servers started as child processes that are always stopped.

Not an entry point: ``bench_http.py``, ``bench_start.py`` and ``bench_latency.py`` import it
(``python scripts/NAME.py`` puts this folder on the path).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import httpx

from qa.config import get_settings
from qa.encoder import model_path

QA = Path(sys.executable).parent / "qa"  # the console script of this venv: the real ``qa serve``


def encoder_backend() -> str:
    """The encoder ``QA_ENCODER`` selects, as the settings read it; before that setting exists,
    the variable's own value (the servers started here get the same environment)."""
    configured = getattr(get_settings(), "encoder", None)
    if configured is not None:
        return str(configured)
    return os.environ.get("QA_ENCODER") or "torch (QA_ENCODER unset, no such setting yet)"


def machine() -> str:
    """CPU model, cores, Python, torch, and the encoder backend, for the first line of a report."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    try:
        torch = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch = "not installed"
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, torch {torch}, "
            f"encoder {encoder_backend()}, QA_ENCODER_THREADS {get_settings().encoder_threads}")


def percentile(xs: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``th percentile of ``xs`` (nan when empty)."""
    if not xs:
        return math.nan
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def free_port() -> int:
    """A loopback port free at the moment of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client(timeout: float) -> httpx.Client:
    """A keep-alive client whose socket sends at once: without TCP_NODELAY, a request's headers
    and body go out in two writes and Nagle holds the second for the server's delayed ACK (40 ms)."""
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    return httpx.Client(transport=transport, timeout=timeout)


class Server:
    """A server in a child process of its own session, its output kept in a temporary log.

    ``with Server(cmd) as s:`` starts it; leaving the block terminates it, then kills its process
    group (workers included) if it has not stopped within ``grace`` seconds.
    """

    def __init__(self, cmd: list[str], name: str, grace: float = 15.0, env: dict[str, str] | None = None):
        self.cmd = cmd
        self.name = name
        self.grace = grace
        self.env = env if env is not None else dict(os.environ)  # QA_ENCODER and the rest pass through
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        self.started = 0.0

    def __enter__(self) -> Server:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(self.cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,  # noqa: S603
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        p = self.process
        if p is None:
            return
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(self.grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(self.grace)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)  # its own session: any worker left behind
        self.process = None
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def wait(self, ready: Callable[[], bool], timeout: float, every: float = 0.05) -> float:
        """Call ``ready`` until it is true; the seconds since the start. RuntimeError (with the log's
        tail) when the process exits first or ``timeout`` passes."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited before it was ready:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if ready():
                    return time.perf_counter() - self.started
            time.sleep(every)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")

    def output(self) -> str:
        """What the server has printed so far."""
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.output().splitlines()[-lines:])


def healthy(url: str) -> Callable[[], bool]:
    """A readiness probe: GET ``url`` answers 200."""

    def probe() -> bool:
        return httpx.get(url, timeout=2.0).status_code == 200

    return probe


def qa_serve(port: int, workers: int) -> list[str]:
    """The command line of ``qa serve`` on loopback ``port`` with ``workers`` processes."""
    return [str(QA), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def raw_forward(batches: list[list[str]], rounds: int) -> list[float]:
    """ms of the model's forward pass alone on each batch, ``rounds`` times: transformers on torch, one thread."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = model_path(get_settings().model)
    config = path / "sentence_bert_config.json"
    max_length = json.loads(config.read_text())["max_seq_length"] if config.is_file() else 256
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = AutoModel.from_pretrained(str(path)).eval()
    torch.set_num_threads(1)
    inputs = [tokenizer(b, padding=True, truncation=True, max_length=max_length, return_tensors="pt") for b in batches]
    out = []
    with torch.inference_mode():
        for x in inputs[:10]:  # warm up
            model(**x)
        for _ in range(rounds):
            for x in inputs:
                t0 = time.perf_counter()
                model(**x)
                out.append((time.perf_counter() - t0) * 1000)
    return out
