"""How many questions each worker process of one server is answering now, on a small shared file.

A question answered alone may run the model on every core (``qa.onnxmodel``). With one worker,
"alone" is counted in the process; with several, a question that one worker thinks is alone may be
running beside another worker's, and both on every core oversubscribe them (docs/performance.md,
stop 33). ``qa serve --workers N`` makes a ``Board`` file before it starts the workers
(``QA_INFLIGHT_FILE``); each worker claims a slot in it at start, writes its own count there as
questions begin and end, and reads the others' before it lends a question the idle cores.

One writer per slot: only claiming a slot takes the file's lock. A worker that died leaves its count
behind; the slot is taken back (and its count cleared) by the next worker that claims one, which is
the one the supervisor starts in its place. The server removes the file when it stops; one killed
outright leaves it behind, and the next server to start removes it once no process on it lives.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from qa.errors import BoardError

SLOTS = 64  # workers one board holds; a server runs a handful
ROW = np.dtype([("pid", "<i8"), ("busy", "<i8")])
SIZE = SLOTS * ROW.itemsize


PREFIX = "qa-inflight-"
STALE_SECONDS = 600  # a board this old with no live process on it belongs to a server that was killed


def create(directory: Path | None = None) -> Path:
    """A new, empty board file (in shared memory where the system has it); the caller removes it. Boards
    that servers killed outright left behind there are removed first (``sweep``)."""
    shm = Path("/dev/shm")  # noqa: S108 - mkstemp below makes the file (O_EXCL, mode 0600), never a guessed name
    where = directory or (shm if shm.is_dir() else Path(tempfile.gettempdir()))
    sweep(where)
    fd, name = tempfile.mkstemp(prefix=PREFIX, dir=where)
    try:
        os.write(fd, bytes(SIZE))
    finally:
        os.close(fd)
    return Path(name)


def sweep(directory: Path, now: float | None = None) -> list[Path]:
    """Remove the boards in ``directory`` older than ``STALE_SECONDS`` on which no process lives (a new
    server's board, before its workers claim their slots, is younger); returns what was removed."""
    now = time.time() if now is None else now
    gone = []
    for path in directory.glob(f"{PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime < STALE_SECONDS or path.stat().st_size != SIZE:
                continue
            pids = np.frombuffer(path.read_bytes(), dtype=ROW)["pid"]
            if not any(pid and _alive(int(pid)) for pid in pids):
                path.unlink()
                gone.append(path)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class Board:
    """This process's slot on the board at ``path``, and a view of everyone's."""

    def __init__(self, path: Path | str):
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError as e:
            raise BoardError(f"cannot open the workers' board {path} ({e.strerror}) - restart qa serve") from e
        try:
            if os.fstat(fd).st_size != SIZE:
                raise BoardError(f"{path} is not a workers' board ({os.fstat(fd).st_size} bytes) - restart qa serve")
            self._map = mmap.mmap(fd, SIZE)
            self._rows = np.frombuffer(self._map, dtype=ROW)
            self.slot = self._claim(fd)
        finally:
            os.close(fd)

    def _claim(self, fd: int) -> int:
        """The slot this process writes: its own if it has one, else the first free or left by a dead process."""
        pid = os.getpid()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            pids = self._rows["pid"]
            mine = np.flatnonzero(pids == pid)
            if mine.size:
                return int(mine[0])
            for slot in range(SLOTS):
                if pids[slot] == 0 or not _alive(int(pids[slot])):
                    self._rows[slot] = (pid, 0)
                    return slot
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        raise BoardError(f"the workers' board has no free slot ({SLOTS} workers at most)")

    def set(self, count: int) -> None:
        """This process is answering ``count`` questions now."""
        self._rows["busy"][self.slot] = count

    def others(self) -> int:
        """How many questions the other processes on the board are answering now."""
        busy = self._rows["busy"]
        return int(busy.sum() - busy[self.slot])

    def close(self) -> None:
        """Give the slot back (a worker that stops cleanly)."""
        self._rows[self.slot] = (0, 0)
        del self._rows
        with contextlib.suppress(BufferError):
            self._map.close()
