"""How ``qa serve`` runs uvicorn, and the HTTP server's own defences: read deadlines that uvicorn
does not set.

``serve`` runs one process, or several workers under ``IndexReloading``: uvicorn's supervisor, except
that SIGHUP asks every worker to look for a newly published index version now (what SIGHUP does to
a one-process server) instead of replacing them all, and the listening socket has ``TCP_NODELAY``
(uvicorn's workers never set it on the connections they accept, and Nagle's algorithm then holds a
keep-alive answer back for the client's delayed ACK, about 40 ms; accepted sockets inherit it).

uvicorn closes a connection that idles between requests (keep-alive), but not one that never sends
a request, stops half-way through its headers, or sends a body a byte at a time: each holds a
connection forever, and enough of them hold them all. ``SlowClientGuard`` is uvicorn's httptools
protocol with two deadlines: the request line and headers must be complete within
``QA_HEADER_TIMEOUT`` seconds of the connection (or of the previous response), however they trickle
in; a body must not pause longer than ``QA_BODY_TIMEOUT`` between two arrivals. Past either, the
connection is closed (the app, if it was waiting for the body, sees a disconnect).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors.multiprocess import Multiprocess

from qa import inflight
from qa.config import get_settings


class SlowClientGuard(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body read deadlines (``qa serve`` uses it)."""

    header_timeout: float | None = None  # None: QA_HEADER_TIMEOUT
    body_timeout: float | None = None  # None: QA_BODY_TIMEOUT
    _deadline: asyncio.TimerHandle | None = None
    _reading = True  # False from a request's last byte until its answer is sent: the app's time, not the client's

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._reading:  # a pipelined request begins while the last is answered
            self._reading = True
            self._await_headers()
        # otherwise the deadline set when the wait began still runs, however the headers trickle in

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout or get_settings().body_timeout)  # a body, if any, must keep coming

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm(self.body_timeout or get_settings().body_timeout)  # every arrival restarts the wait

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()
        if self.cycle is not None and self.cycle.response_complete:  # answered before its body was read
            self._await_headers()
        else:
            self._reading = False

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._reading and (self.cycle is None or self.cycle.response_complete):  # none pipelined
            self._reading = True
            self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._arm(self.header_timeout or get_settings().header_timeout)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self._reading and not self.transport.is_closing():
            self.transport.close()


log = logging.getLogger("uvicorn.error")


class IndexReloading(Multiprocess):
    """uvicorn's worker supervisor; SIGHUP reloads the index in each worker rather than replacing it."""

    def handle_hup(self) -> None:
        log.info("SIGHUP: every worker looks for a newly published index version")
        for process in self.processes:
            if process.pid is not None:
                os.kill(process.pid, signal.SIGHUP)  # the app's own handler: Live.refresh (web/app.py)


def serve(host: str, port: int, workers: int = 1) -> None:
    """Serve ``web.app:create_app`` until stopped, with ``workers`` processes."""
    # access_log off: request lines could carry what people ask, and we never log questions.
    config = uvicorn.Config("web.app:create_app", factory=True, host=host, port=port, workers=max(workers, 1),
                            access_log=False, server_header=False, http="web.server:SlowClientGuard")
    server = uvicorn.Server(config)
    if config.workers > 1:
        sock = config.bind_socket()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # where the workers count each other's questions in flight (qa.inflight); they inherit it
        board = inflight.create()
        os.environ["QA_INFLIGHT_FILE"] = str(board)
        try:
            IndexReloading(config, sockets=[sock]).run()
        finally:
            board.unlink(missing_ok=True)
    else:
        server.run()
