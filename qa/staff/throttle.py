"""Throttling sign-in failures per client, in memory.

The database throttles a *name* (``qa.staff.accounts``), softly, so that guessing cannot lock a staff
member out. This throttles the *client* that guesses: after ``max_failures`` failed sign-ins within
``window`` seconds, its next tries get a 429 until the oldest failure leaves the window. Nothing is
written anywhere: clients are kept by a salted hash of their address, in this process's memory
only, and forgotten with it (or when ``MAX_CLIENTS`` is reached, oldest first).
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
    """Failed sign-ins per client in the last ``window`` seconds; ``retry_after`` says when one may try again."""

    def __init__(self, max_failures: int, window: int, clock: Callable[[], float] = time.time):
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._salt = secrets.token_bytes(16)
        self._failures: OrderedDict[bytes, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, client: str) -> bytes:
        return hashlib.blake2b(client.encode(), key=self._salt, digest_size=16).digest()

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again, or None when it may try now."""
        now = self.clock()
        with self._lock:
            seen = self._failures.get(self._key(client))
            if seen is None:
                return None
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) < self.max_failures:
                return None
            return max(int(seen[0] + self.window - now) + 1, 1)

    def failed(self, client: str) -> None:
        key = self._key(client)
        with self._lock:
            self._failures.setdefault(key, deque()).append(self.clock())
            self._failures.move_to_end(key)
            while len(self._failures) > MAX_CLIENTS:
                self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(self._key(client), None)
