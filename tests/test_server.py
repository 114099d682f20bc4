"""The server's read deadlines (web/server.py), on a real uvicorn over a real socket."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import uvicorn

from qa.config import ROOT
from web.server import SlowClientGuard

DEADLINE = 0.6  # seconds; production reads QA_HEADER_TIMEOUT and QA_BODY_TIMEOUT (10 s each)


class QuickGuard(SlowClientGuard):
    header_timeout = DEADLINE
    body_timeout = DEADLINE


@pytest.fixture(scope="module")
def server(settings):
    from web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, http=QuickGuard, log_level="warning",
                            access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(300):
        if srv.started:
            break
        time.sleep(0.05)
    yield ("127.0.0.1", port)
    srv.should_exit = True
    thread.join(10)


def closed_after(sock: socket.socket, limit: float = 5.0) -> float:
    """Seconds until the server closed ``sock`` (reading whatever it sent first); fails past ``limit``."""
    start = time.monotonic()
    sock.settimeout(limit)
    while sock.recv(4096):
        pass
    return time.monotonic() - start


def test_a_connection_that_sends_nothing_is_closed(server):
    with socket.create_connection(server) as sock:
        assert closed_after(sock) < DEADLINE + 1.5


def test_half_the_headers_is_closed(server):
    with socket.create_connection(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        assert closed_after(sock) < DEADLINE + 1.5


def test_headers_trickled_a_byte_at_a_time_meet_the_same_deadline(server):
    with socket.create_connection(server) as sock:
        start = time.monotonic()
        with pytest.raises(OSError):  # BrokenPipe or ConnectionReset once the server has closed it
            for byte in b"GET / HTTP/1.1\r\nX-Slow: " + b"a" * 200:
                sock.sendall(bytes([byte]))
                time.sleep(DEADLINE / 4)  # never idle as long as the deadline
        assert time.monotonic() - start < DEADLINE + 2


def test_half_a_body_is_closed(server):
    with socket.create_connection(server) as sock:
        sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"question\":")
        assert closed_after(sock) < DEADLINE + 1.5


def test_a_slow_but_steady_body_is_read_and_answered(server):
    body = json.dumps({"question": "where can I get narcan"}).encode()
    with socket.create_connection(server) as sock:
        sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode())
        for i in range(0, len(body), 8):
            time.sleep(DEADLINE / 3)  # pauses shorter than the deadline, longer in total
            sock.sendall(body[i:i + 8])
        sock.settimeout(10)
        assert sock.recv(64).startswith(b"HTTP/1.1 200")


def test_a_kept_alive_connection_serves_requests_then_waits_for_the_next_one_in_time(server):
    conn = http.client.HTTPConnection(*server, timeout=10)
    for _ in range(2):
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["status"] == "ok"
    conn.close()


def test_qa_serve_closes_a_silent_connection_at_its_configured_deadline(settings):
    """The command people run uses the guard, with the deadline from its setting."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"QA_INDEX_DIR": str(settings.index_dir), "QA_HEADER_TIMEOUT": "1"}
    server = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    probe.settimeout(30)
                    if probe.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                assert time.monotonic() < deadline, "qa serve did not start"
                time.sleep(0.5)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            assert 0.8 < closed_after(sock) < 3
    finally:
        server.terminate()
        server.wait(30)


def test_pipelined_requests_are_both_answered_then_the_idle_connection_is_closed(server):
    """Two requests sent at once on one connection: the second waits for the first's answer, both
    come back, and the connection then gets the header deadline for the next request."""
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(server) as sock:
        sock.sendall(request + request)
        start = time.monotonic()
        received = b""
        sock.settimeout(DEADLINE + 5)
        while chunk := sock.recv(4096):
            received += chunk
        assert received.count(b"HTTP/1.1 200") == 2
        assert time.monotonic() - start < DEADLINE + 1.5
