"""Throttling a client, in memory: failed sign-ins, and feedback sent.

The database throttles a *name* (``qa.staff.accounts``), softly, so that guessing cannot lock a staff
member out. This throttles the *client*: after ``max_events`` recorded events (failed sign-ins, or
feedback kept) within ``window`` seconds, its next tries get a 429 until the oldest event leaves the
window. Nothing is written anywhere: clients are kept by a salted hash of their address, in this
process's memory only, and forgotten with it (or when ``MAX_CLIENTS`` is reached, oldest first).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_CLIENTS = 10_000


class ClientThrottle:
    """Events per client in the last ``window`` seconds; ``retry_after`` says when one may try again."""

    def __init__(self, max_events: int, window: int, clock: Callable[[], float] = time.time):
        self.max_events = max_events
        self.window = window
        self.clock = clock
        self._salt = secrets.token_bytes(16)
        self._events: OrderedDict[bytes, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, client: str) -> bytes:
        return hashlib.blake2b(client.encode(), key=self._salt, digest_size=16).digest()

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again, or None when it may try now."""
        now = self.clock()
        with self._lock:
            seen = self._events.get(self._key(client))
            if seen is None:
                return None
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) < self.max_events:
                return None
            return max(int(seen[0] + self.window - now) + 1, 1)

    def record(self, client: str) -> None:
        """One more event (a failed sign-in, a flag kept) for ``client``."""
        key = self._key(client)
        with self._lock:
            self._events.setdefault(key, deque()).append(self.clock())
            self._events.move_to_end(key)
            while len(self._events) > MAX_CLIENTS:
                self._events.popitem(last=False)

    def forget(self, client: str) -> None:
        """``client``'s events are forgotten (it signed in)."""
        with self._lock:
            self._events.pop(self._key(client), None)
