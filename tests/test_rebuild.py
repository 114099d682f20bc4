"""Maintainers' rebuild: diff, quality gate, atomic publish, hot reload without a dropped request, rollback."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient

from qa import inflight
from qa.config import Settings
from qa.index.format import load_version
from qa.lifecycle.build import build
from qa.lifecycle.gate import CrisisFloors, load_floors
from qa.lifecycle.registry import current_version_id, history, list_versions, publish, rollback
from tests.conftest import CORPUS, QUESTIONS

ROOT = CORPUS.parent
# these builds measure eval/questions.yaml only (fast): the floors on the crisis and wording sets,
# which they do not measure, would refuse every one of them ("has no figure in this build")
FLOORS = load_floors(QUESTIONS.parent / "floors.yaml").model_copy(update={"crisis": CrisisFloors(), "wording": {}})
PARAGRAPH = "Law enforcement actively investigates and prosecutes these activities."
SECTION_ONE = "What is the legal status of prostitution in Windham, Connecticut?"


def edit_paragraph(corpus_dir, new="Law enforcement investigates and prosecutes these activities."):
    path = corpus_dir / "windham-faq.md"
    path.write_text(path.read_text().replace(PARAGRAPH, new))


def remove_section(corpus_dir, heading: str) -> None:
    """Drop a section and the phrasings that point at it (as a maintainer would)."""
    path = corpus_dir / "windham-faq.md"
    lines = path.read_text().split("\n")
    start = lines.index(f"## {heading}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    path.write_text("\n".join(lines[:start] + lines[end:]))
    phr = yaml.safe_load((corpus_dir / "phrasings.yaml").read_text())
    phr["phrasings"] = [p for p in phr["phrasings"] if p["section"] != heading]
    (corpus_dir / "phrasings.yaml").write_text(yaml.safe_dump(phr, sort_keys=False, allow_unicode=True))


def make(corpus_dir, index_dir, encoder, **kw):
    return build(corpus_dir, index_dir, encoder, questions=QUESTIONS, floors=FLOORS, progress=False, **kw)


@pytest.fixture
def first(tmp_path, encoder, corpus_copy, index_dir):
    """A temp index with one published version of the real corpus (embeddings from the session's cache)."""
    cache = index_dir / "cache" / "embeddings.sqlite"
    index_dir = tmp_path / "index"
    (index_dir / "cache").mkdir(parents=True)
    shutil.copy(cache, index_dir / "cache" / "embeddings.sqlite")
    report = make(corpus_copy, index_dir, encoder)
    assert report.published
    return index_dir, report


def test_round_trip_build_diff_gate_publish_rollback(first, encoder, corpus_copy):
    index_dir, v1 = first
    edit_paragraph(corpus_copy)
    v2 = make(corpus_copy, index_dir, encoder)
    # the diff names exactly the edited paragraph and its section, and nothing else
    assert v2.diff.chunks.changed == (f"windham-faq › {SECTION_ONE} ¶1",)
    assert not v2.diff.chunks.added and not v2.diff.chunks.removed
    assert v2.diff.sections.changed == (f"windham-faq › {SECTION_ONE}",)
    assert not v2.diff.services
    # only the keys whose text changed are embedded (the paragraph, its edited sentence with and
    # without the heading, and the sentence window holding it); every other key comes from the cache
    old = {k.text for k in load_version(v1.path, encoder.identity).keys}
    new = [k for k in load_version(v2.path, encoder.identity).keys if k.text not in old]
    assert sorted(k.kind for k in new) == ["highlight", "passage", "sentence", "window"]
    assert v2.keys - v2.cache_hits == len(new) == 4
    assert v2.verdict.passed and v2.published
    assert current_version_id(index_dir) == v2.version
    # rollback puts the first version back, and the history says so
    assert rollback(index_dir) == v1.version
    assert current_version_id(index_dir) == v1.version
    assert [h["action"] for h in history(index_dir)] == ["publish", "publish", "rollback"]


def test_gate_refuses_a_worse_corpus_and_force_records_it(first, encoder, corpus_copy):
    index_dir, v1 = first
    remove_section(corpus_copy, SECTION_ONE)
    refused = make(corpus_copy, index_dir, encoder)
    assert not refused.published and not refused.verdict.passed
    assert any("hit@1" in p for p in refused.verdict.problems)
    assert refused.verdict.worse  # the questions that got worse are named
    assert current_version_id(index_dir) == v1.version  # the version in service is untouched
    assert refused.version in list_versions(index_dir)  # kept for inspection, not in service
    forced = make(corpus_copy, index_dir, encoder, force=True)
    assert forced.published and forced.forced
    manifest = json.loads((forced.path / "manifest.json").read_text())
    assert manifest["gate"] == {"passed": False, "problems": list(forced.verdict.problems), "forced": True}
    assert history(index_dir)[-1]["forced"] is True


def test_cli_gate_refusal_exits_non_zero(first, corpus_copy):
    index_dir, v1 = first
    remove_section(corpus_copy, SECTION_ONE)
    r = subprocess.run([sys.executable, "-m", "qa.cli", "build", "--quiet", "--corpus", str(corpus_copy),
                        "--out", str(index_dir)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 3, r.stderr
    assert "quality gate: REFUSED" in r.stdout and "questions that got worse" in r.stdout
    assert "- section windham-faq › " + SECTION_ONE in r.stdout
    assert current_version_id(index_dir) == v1.version


def test_corrupt_new_version_is_refused_and_the_old_keeps_answering(first, encoder, corpus_copy):
    index_dir, v1 = first
    from web.app import create_app

    settings = Settings(index_dir=index_dir, corpus_dir=corpus_copy, reload_seconds=3600)
    with TestClient(create_app(settings)) as client:
        edit_paragraph(corpus_copy)
        v2 = make(corpus_copy, index_dir, encoder, do_publish=False)
        vectors = v2.path / "vectors.faiss"
        vectors.write_bytes(vectors.read_bytes()[:100])  # truncated on disk after it was written
        publish(index_dir, v2.version)  # a bad version goes live on disk
        assert client.app.state.live.refresh() is False
        health = client.get("/healthz").json()
        assert health["index"]["version"] == v1.version
        assert health["index"]["refused"]["version"] == v2.version
        assert "vectors.faiss is truncated" in health["index"]["refused"]["reason"]
        assert str(index_dir) not in health["index"]["refused"]["reason"]  # public: no server folders
        r = client.post("/api/ask", json={"question": "where can i get narcan"})
        assert r.status_code == 200 and r.json()["index"]["version"] == v1.version


def test_a_server_starts_on_the_newest_version_that_verifies_and_says_which_it_skipped(first, encoder, corpus_copy):
    """Issue 13 item 6: a fresh server (or a worker replacing a dead one) on a damaged published
    version serves the last good one instead of exiting with a traceback."""
    index_dir, v1 = first
    from qa.lifecycle.live import Live
    from web.app import create_app

    edit_paragraph(corpus_copy)
    v2 = make(corpus_copy, index_dir, encoder)
    vectors = v2.path / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])  # damaged after it went live
    live = Live(index_dir, encoder)
    assert live.engine.version.id == v1.version
    assert live.refused is not None and live.refused.version == v2.version
    settings = Settings(index_dir=index_dir, corpus_dir=corpus_copy, reload_seconds=3600)
    with TestClient(create_app(settings)) as client:
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert any(v2.version in p and "vectors.faiss is truncated" in p for p in health.json()["problems"])
        assert str(index_dir) not in health.text  # public: no server folders
        r = client.post("/api/ask", json={"question": "where can i get narcan"})
        assert r.status_code == 200 and r.json()["index"]["version"] == v1.version


def test_healthz_is_degraded_while_the_files_in_service_no_longer_verify(first, corpus_copy):
    """Issue 13 item 7: the live version's files are checked again while it serves."""
    index_dir, v1 = first
    from web.app import create_app

    settings = Settings(index_dir=index_dir, corpus_dir=corpus_copy, reload_seconds=3600)
    with TestClient(create_app(settings)) as client:
        live = client.app.state.live
        assert client.get("/healthz").status_code == 200 and live.check() is None
        manifest = v1.path / "manifest.json"
        kept = manifest.read_bytes()
        manifest.unlink()
        assert live.check() is not None
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert "manifest.json is missing" in health.json()["problems"][0] and str(index_dir) not in health.text
        assert client.post("/api/ask", json={"question": "where can i get narcan"}).status_code == 200
        manifest.write_bytes(kept)
        live.check()
        assert client.get("/healthz").json() == client.get("/healthz").json() | {"status": "ok", "problems": []}


SLOW_BUILD = """
import sys, time
import qa.index.format
import qa.lifecycle.build
real_write, real_publish = qa.index.format.write_durably, qa.lifecycle.build.publish
def slow_write(path, data):  # every file of the new version takes a while to write
    real_write(path, data)
    time.sleep(0.3)
def slow_publish(*args, **kwargs):  # and the pointer waits before it moves
    time.sleep(3)
    real_publish(*args, **kwargs)
import qa.lifecycle.registry
real_log = qa.lifecycle.registry.log_event
def slow_log(*args, **kwargs):  # the history line comes long after the pointer moved
    time.sleep(60)
    real_log(*args, **kwargs)
qa.index.format.write_durably = slow_write
qa.lifecycle.build.publish = slow_publish
qa.lifecycle.registry.log_event = slow_log
from qa.cli import main
# --force: published whatever the gate says
sys.exit(main(["build", "--quiet", "--force", "--corpus", sys.argv[1], "--out", sys.argv[2]]))
"""


@pytest.mark.parametrize("moment", ["while the version folder is written", "after it is written, before publish",
                                    "after the pointer moved, before the history line"])
def test_kill_9_during_a_build_leaves_the_version_in_service_intact(first, encoder, corpus_copy, moment):
    index_dir, v1 = first
    edit_paragraph(corpus_copy, "Police and prosecutors pursue these activities.")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(corpus_copy), str(index_dir)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    versions = index_dir / "versions"

    def reached() -> bool:
        if moment.startswith("while"):
            return any(p.name.startswith(".tmp-") and any(p.iterdir()) for p in versions.iterdir())
        if moment.startswith("after the pointer"):
            return current_version_id(index_dir) != v1.version
        return len(list_versions(index_dir)) == 2

    deadline = time.monotonic() + 480  # a loaded machine loads torch and the model slowly
    while not reached():
        assert proc.poll() is None and time.monotonic() < deadline, "the build ended before the moment to kill it"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    if moment.startswith("after the pointer"):
        # the new version is in service though the history never heard of it, and a rollback still
        # knows where to go: the pointer holds its own past
        new = current_version_id(index_dir)
        assert new != v1.version and new not in [h["version"] for h in history(index_dir)]
        load_version(index_dir / "versions" / new, encoder.identity)
        assert rollback(index_dir) == v1.version
    assert current_version_id(index_dir) == v1.version  # the pointer never moved (or was rolled back)
    load_version(index_dir / "versions" / v1.version, encoder.identity)  # and it loads, whole
    for v in list_versions(index_dir):  # no half-written version is listed: a killed write is only a .tmp-*
        load_version(index_dir / "versions" / v, encoder.identity)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_publish_under_load_with_two_workers_drops_nothing_and_never_goes_back(first, encoder, corpus_copy):
    index_dir, v1 = first
    port = free_port()
    env = os.environ | {"QA_INDEX_DIR": str(index_dir), "QA_RELOAD_SECONDS": "0.2"}
    log = (index_dir / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port), "--workers", "2"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    board = Path("/")  # the workers' board, once they have started
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("server did not start: " + (index_dir / "server.log").read_text())
        failures: list[str] = []
        stop = threading.Event()
        clients: list[list[str]] = [[], [], []]  # versions seen, per client
        # versions seen on each connection: one connection is served by one worker, so each of these
        # lists is what one worker said, in order
        connections: list[list[str]] = []

        def client_loop(seen: list[str]):  # bounded: stops when told, or after 1500 requests or 240 s
            t0 = time.monotonic()
            done = 0
            while done < 1500 and not stop.is_set() and time.monotonic() - t0 < 240:
                # a new connection every 15 requests, so the kernel spreads the clients over both workers
                on_this: list[str] = []
                connections.append(on_this)
                with httpx.Client(timeout=30) as http:
                    for _ in range(15):
                        if stop.is_set():
                            break
                        done += 1
                        try:
                            r = http.post(f"{base}/api/ask",
                                          json={"question": "is it illegal to sell sex in windham"})
                            if r.status_code != 200:
                                failures.append(f"{r.status_code} {r.text[:200]}")
                            else:
                                seen.append(r.json()["index"]["version"])
                                on_this.append(seen[-1])
                        except httpx.HTTPError as e:
                            failures.append(repr(e))

        workers = _workers(server.pid)
        assert len(workers) == 2
        # the workers count each other's questions in flight on one board, in a slot each (qa.inflight)
        boards = {_environ(w).get("QA_INFLIGHT_FILE") for w in workers}
        assert len(boards) == 1 and None not in boards
        board = Path(boards.pop() or "")
        time.sleep(1.0)  # a worker claims its slot when its app starts, after /healthz may already answer
        assert set(np.frombuffer(board.read_bytes(), dtype=inflight.ROW)["pid"]) >= set(workers)
        served: dict[int, int] = dict.fromkeys(workers, 0)  # samples in which each worker held a client
        threads = [threading.Thread(target=client_loop, args=(seen,)) for seen in clients]
        for t in threads:
            t.start()
        time.sleep(1.0)
        edit_paragraph(corpus_copy)
        v2 = make(corpus_copy, index_dir, encoder)
        time.sleep(1.5)
        edit_paragraph(corpus_copy, "Police and prosecutors pursue these activities.")
        v3 = make(corpus_copy, index_dir, encoder)
        deadline = time.monotonic() + 90  # generous: a loaded CI machine loads versions slowly
        while time.monotonic() < deadline and any(seen[-20:].count(v3.version) < 20 for seen in clients) \
                and all(t.is_alive() for t in threads):
            for w in workers:
                served[w] += _holds_client(w, port)
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert v2.published and v3.published
        assert failures == []
        # both workers answered: each was seen holding a client's connection
        assert all(served.values()), served
        # ids start with their build time, so "never backwards" is "never a smaller id": no worker ever
        # answers from an older version than it answered from before (the two workers switch each on
        # its own, up to QA_RELOAD_SECONDS plus one load apart: README, "Rebuilding the index")
        for on_this in connections:
            assert all(a <= b for a, b in zip(on_this, on_this[1:], strict=False)), on_this
        for seen in clients:
            assert len(seen) > 20
            assert seen[0] == v1.version and seen[-1] == v3.version
        # both workers follow: forty new connections, spread over both workers, all answer from v3
        after = [httpx.post(f"{base}/api/ask", json={"question": "is it illegal to sell sex in windham"},
                            timeout=30).json()["index"]["version"] for _ in range(40)]
        assert set(after) == {v3.version}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert board != Path("/") and not board.exists()  # removed when the server stopped


def test_prune_keeps_the_newest_and_the_live_version(first, encoder, corpus_copy):
    index_dir, v1 = first
    from qa.lifecycle.registry import prune

    edit_paragraph(corpus_copy)
    v2 = make(corpus_copy, index_dir, encoder)
    rollback(index_dir, v1.version)
    edit_paragraph(corpus_copy, "Police and prosecutors pursue these activities.")
    v3 = make(corpus_copy, index_dir, encoder, do_publish=False)
    removed = prune(index_dir, keep=2)
    assert removed == [v2.version]
    assert list_versions(index_dir) == sorted([v1.version, v3.version])
    shutil.rmtree(index_dir)


def test_cli_index_list_marks_the_live_version_and_rollback_moves_it(first, encoder, corpus_copy):
    index_dir, v1 = first
    edit_paragraph(corpus_copy)
    v2 = make(corpus_copy, index_dir, encoder)
    env = os.environ | {"QA_INDEX_DIR": str(index_dir)}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "qa.cli", "index", *args], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=120)

    listed = cli("list")
    assert listed.returncode == 0
    live = [line for line in listed.stdout.splitlines() if line.startswith("* ")]
    assert len(live) == 1 and v2.version in live[0] and "passed" in live[0]
    assert v1.version in listed.stdout
    back = cli("rollback")
    assert back.returncode == 0 and v1.version in back.stdout
    assert current_version_id(index_dir) == v1.version
    assert cli("rollback", "no-such-version").returncode == 1


def test_a_second_rollback_goes_further_back(first, encoder, corpus_copy):
    index_dir, v1 = first
    edit_paragraph(corpus_copy)
    v2 = make(corpus_copy, index_dir, encoder)
    edit_paragraph(corpus_copy, "Police and prosecutors pursue these activities.")
    v3 = make(corpus_copy, index_dir, encoder)
    assert current_version_id(index_dir) == v3.version
    assert rollback(index_dir) == v2.version
    assert rollback(index_dir) == v1.version


def test_sighup_to_a_two_worker_server_reloads_the_index_in_every_worker_without_replacing_them(
        first, encoder, corpus_copy):
    """Issue 13 item 8: uvicorn's supervisor answers SIGHUP by replacing every worker; ``qa serve``
    forwards it to the workers, whose handler loads the newly published version."""
    index_dir, v1 = first
    port = free_port()
    env = os.environ | {"QA_INDEX_DIR": str(index_dir), "QA_RELOAD_SECONDS": "3600"}  # only SIGHUP reloads
    log = (index_dir / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port), "--workers", "2"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def versions_seen(n: int) -> set[str]:
        seen = set()
        for _ in range(n):  # a new connection each time, so both workers answer
            with httpx.Client() as c:
                seen.add(c.get(f"{base}/healthz", timeout=5).json()["index"]["version"])
        return seen

    def workers() -> set[int]:
        return set(_workers(server.pid))

    try:
        deadline = time.monotonic() + 120
        while len(workers()) < 2 or not _answers(base):
            assert time.monotonic() < deadline, "server did not start: " + (index_dir / "server.log").read_text()
            time.sleep(0.5)
        time.sleep(3)  # both workers past their startup
        before = workers()
        assert versions_seen(20) == {v1.version}
        edit_paragraph(corpus_copy)
        v2 = make(corpus_copy, index_dir, encoder)
        assert versions_seen(10) == {v1.version}  # no polling: nothing moves by itself
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while versions_seen(10) != {v2.version}:
            assert time.monotonic() < deadline, (index_dir / "server.log").read_text()
            time.sleep(0.5)
        assert versions_seen(30) == {v2.version}
        assert workers() == before, "SIGHUP replaced the workers instead of reloading them"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def _workers(parent: int) -> list[int]:
    """The worker processes of a ``qa serve`` (its children, multiprocessing's resource tracker aside)."""
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()]
    return [p for p in pids if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]


def _environ(pid: int) -> dict[str, str]:
    """The environment process ``pid`` started with."""
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)


def _holds_client(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds an established TCP connection on local ``port`` (from /proc)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return any(r[3] == "01" and int(r[1].split(":")[1], 16) == port and r[9] in inodes for r in rows)


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
