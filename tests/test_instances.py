"""Two ``qa serve`` instances behind one load balancer, as deploy/compose.yaml runs them: one index
folder, one PostgreSQL staff database (issue 16; the limits are in docs/deploy.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from qa.staff import accounts, flags
from qa.staff.db import Store
from tests import test_rebuild
from tests.test_rebuild import ROOT, _answers, edit_paragraph, free_port, make

PASSWORD = "a long staff password, for the tests only"
QUESTION = "is it illegal to sell sex in windham"
DAY_CAP = 6  # QA_FEEDBACK_MAX_PER_DAY for both instances: small, so the shared cap is reached at once
MAX_FAILURES = 3  # QA_LOGIN_MAX_FAILURES: few, since each failed sign-in is an Argon2 check

first = test_rebuild.first  # the fixture: a temp index with one published version of the real corpus


@pytest.fixture
def shared_database(postgres_server):
    """A new database on the throwaway PostgreSQL server, for both instances."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


class Instance:
    """One ``qa serve`` process (one worker) on its own port."""

    def __init__(self, name: str, index_dir: Path, database_url: str, logs: Path):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = logs / f"{name}.log"
        env = os.environ | {"QA_INDEX_DIR": str(index_dir), "QA_DATABASE_URL": database_url,
                            "QA_RELOAD_SECONDS": "0.2", "QA_FEEDBACK_MAX_PER_DAY": str(DAY_CAP),
                            "QA_LOGIN_MAX_FAILURES": str(MAX_FAILURES)}
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(self.port)],
                                        cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return f"--- {self.name} ---\n" + self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self._log.close()


def csrf_of(page: httpx.Response) -> str:
    return BeautifulSoup(page.text, "html.parser").find("input", {"name": "csrf"})["value"]


def sign_in(http: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    form = http.get("/staff/login")
    assert form.status_code == 200
    return http.post("/staff/login", data={"name": name, "password": password, "csrf": csrf_of(form)})


def check_staff_data_is_shared(a: Instance, b: Instance, database_url: str) -> None:
    """What a load balancer needs: a session, the name throttle and the day's cap hold across instances."""
    # A session started on A is a session on B: a load balancer may send the next request anywhere
    # (httpx keeps cookies per host, not per port, as browsers do, so the cookie set by A goes to B).
    with httpx.Client(base_url=a.base, timeout=30) as on_a:
        assert sign_in(on_a, "alice").status_code == 303
        page_a = on_a.get("/staff/check")
        assert page_a.status_code == 200
        with httpx.Client(base_url=b.base, cookies=on_a.cookies, timeout=30) as on_b:
            page_b = on_b.get("/staff/check")
            assert page_b.status_code == 200, page_b.headers.get("location")
            # and the form A rendered is accepted by B (its CSRF token lives with the session)
            checked = on_b.post("/staff/check", data={"question": QUESTION, "csrf": csrf_of(page_a)})
            assert checked.status_code == 200
    # The account was created once (before either started); it signs in on B too.
    with httpx.Client(base_url=b.base, timeout=30) as on_b:
        assert sign_in(on_b, "alice").status_code == 303
    # Failed sign-ins counted on A throttle the name on B, even with the right password.
    with httpx.Client(base_url=a.base, timeout=30) as on_a:
        for _ in range(MAX_FAILURES):
            assert sign_in(on_a, "bob", "not bob's password at all").status_code == 401
    with httpx.Client(base_url=b.base, timeout=30) as on_b:
        throttled = sign_in(on_b, "bob")
        assert throttled.status_code == 429 and "for this name" in throttled.text
    # The day's cap of flags holds across instances: eight flags sent at once, four to each, keep
    # exactly DAY_CAP (the count and the insert run under one PostgreSQL advisory lock). Four is under
    # the cap, so each refusal shows an instance counting the flags the other one kept.
    passage = httpx.post(f"{a.base}/api/ask", json={"question": "where can i get narcan"}, timeout=30)
    passage_id = passage.json()["passages"][0]["id"]
    start = threading.Barrier(8)
    statuses: list[int] = []

    def send(base: str) -> None:
        with httpx.Client(timeout=60) as http:
            start.wait(timeout=60)
            statuses.append(http.post(f"{base}/feedback", data={"question": "where can i get narcan",
                                                                "passage": passage_id, "helpful": "no"}).status_code)

    senders = [threading.Thread(target=send, args=(base,)) for base in [a.base, b.base] * 4]
    for t in senders:
        t.start()
    for t in senders:
        t.join(timeout=120)
    assert sorted(statuses) == [200] * DAY_CAP + [429] * (8 - DAY_CAP), statuses
    store = Store(database_url)
    try:
        assert flags.counts(store) == {"open": DAY_CAP}
    finally:
        store.close()


def test_two_instances_share_one_index_and_one_database_and_both_switch_without_going_back(
        first, encoder, corpus_copy, shared_database, tmp_path):
    """Issue 16: what deploy/compose.yaml relies on, with two real servers (docs/deploy.md, Limits)."""
    index_dir, v1 = first
    store = Store(shared_database)  # the accounts are made once, before either instance starts
    try:
        accounts.add(store, "alice", PASSWORD)
        accounts.add(store, "bob", PASSWORD)
    finally:
        store.close()
    instances = [Instance("a", index_dir, shared_database, tmp_path), Instance("b", index_dir, shared_database, tmp_path)]
    a, b = instances
    try:
        deadline = time.monotonic() + 180  # both load the model at once on a loaded machine
        while not all(_answers(i.base) for i in instances):
            assert all(i.process.poll() is None for i in instances), "\n".join(i.log() for i in instances)
            assert time.monotonic() < deadline, "\n".join(i.log() for i in instances)
            time.sleep(0.5)
        check_staff_data_is_shared(a, b, shared_database)

        failures: list[str] = []
        stop = threading.Event()
        # per instance, (sent, received, version) of every answer; two clients on each, so each
        # instance has requests in flight together, as behind a load balancer
        answers: dict[str, list[tuple[float, float, str]]] = {i.name: [] for i in instances}
        per_client: list[list[str]] = []

        def client_loop(instance: Instance) -> None:  # bounded: stops when told, or after 1500 requests or 240 s
            seen: list[str] = []
            per_client.append(seen)
            t0 = time.monotonic()
            done = 0
            while done < 1500 and not stop.is_set() and time.monotonic() - t0 < 240:
                with httpx.Client(timeout=30) as http:  # a new connection every 15 requests
                    for _ in range(15):
                        if stop.is_set():
                            break
                        done += 1
                        sent = time.monotonic()
                        try:
                            r = http.post(f"{instance.base}/api/ask", json={"question": QUESTION})
                        except httpx.HTTPError as e:
                            failures.append(f"{instance.name}: {e!r}")
                            continue
                        if r.status_code != 200:
                            failures.append(f"{instance.name}: {r.status_code} {r.text[:200]}")
                            continue
                        seen.append(r.json()["index"]["version"])
                        answers[instance.name].append((sent, time.monotonic(), seen[-1]))

        threads = [threading.Thread(target=client_loop, args=(i,)) for i in instances * 2]
        for t in threads:
            t.start()
        time.sleep(1.0)
        edit_paragraph(corpus_copy)
        v2 = make(corpus_copy, index_dir, encoder)  # published into the folder both instances follow
        assert v2.published
        deadline = time.monotonic() + 90  # generous: a loaded CI machine loads versions slowly
        while time.monotonic() < deadline and all(t.is_alive() for t in threads) \
                and any(seen[-10:].count(v2.version) < 10 for seen in per_client):
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert failures == []
        first_new: dict[str, float] = {}
        for name, done in answers.items():
            assert len(done) > 20, (name, len(done))
            assert done[0][2] == v1.version and done[-1][2] == v2.version, (name, done[0], done[-1])
            # never back: once an instance has answered from v2, every request sent to it after that
            # answer arrived is answered from v2 (each instance is one process that swaps one reference)
            first_new[name] = min(received for _, received, version in done if version == v2.version)
            older = [(sent, version) for sent, _, version in done if sent > first_new[name] and version != v2.version]
            assert older == [], (name, older[:5])
        for seen in per_client:  # and each client, whichever instance it talks to, only ever moves forward
            assert all(x <= y for x, y in zip(seen, seen[1:], strict=False))
        # both follow on their own poll: each is on v2 now, and says so on /healthz too
        for instance in instances:
            health = httpx.get(f"{instance.base}/healthz", timeout=30).json()
            assert health["status"] == "ok" and health["index"]["version"] == v2.version, (instance.name, health)
        # the switch window between the two (docs/deploy.md): printed for the record, not asserted,
        # since on a loaded machine it is mostly the load time of a version
        print(f"switch window between the instances: {abs(first_new['a'] - first_new['b']):.2f} s")
    finally:
        for instance in instances:
            instance.stop()
