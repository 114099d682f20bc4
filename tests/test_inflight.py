"""The workers' board: each process has its own slot, sees the others' questions in flight, and takes
back the slot of a worker that died."""

from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np
import pytest

from qa import inflight
from qa.errors import BoardError


def _hold(path: str, count: int, ready, done) -> None:  # a worker answering ``count`` questions until told
    board = inflight.Board(path)
    board.set(count)
    ready.set()
    done.wait(30)
    board.set(0)
    board.close()


def _die(path: str, count: int) -> None:  # a worker that dies half-way through its questions
    inflight.Board(path).set(count)
    os._exit(1)


@pytest.fixture
def path(tmp_path):
    return inflight.create(tmp_path)


def test_a_process_sees_the_questions_another_is_answering(path):
    mine = inflight.Board(path)
    ctx = multiprocessing.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(str(path), 2, ready, done))
    other.start()
    try:
        assert ready.wait(60)
        assert mine.others() == 2
        mine.set(1)
        assert mine.others() == 2  # its own count is not another's
    finally:
        done.set()
        other.join(30)
    assert mine.others() == 0  # the other finished its questions and gave its slot back
    assert inflight.Board(path).slot == mine.slot  # one slot per process, however often it asks


def test_the_slot_of_a_worker_that_died_is_taken_back(path):
    ctx = multiprocessing.get_context("spawn")
    dead = ctx.Process(target=_die, args=(str(path), 3))
    dead.start()
    dead.join(60)
    mine = inflight.Board(path)
    assert mine.slot == 0 and mine.others() == 0  # its count went with its slot


def test_a_file_that_is_not_a_board_is_refused(tmp_path):
    with pytest.raises(BoardError, match="restart qa serve"):
        inflight.Board(tmp_path / "missing")
    (tmp_path / "short").write_bytes(b"\0" * 10)
    with pytest.raises(BoardError, match="not a workers' board"):
        inflight.Board(tmp_path / "short")


def test_a_board_left_by_a_killed_server_is_swept_and_a_live_one_is_not(tmp_path):
    left = inflight.create(tmp_path)  # its server was killed: nothing lives on it
    dead = np.zeros(1, dtype=inflight.ROW)
    dead[0] = (2**22 + 12345, 1)  # above the kernel's largest pid: no such process
    with open(left, "r+b") as f:
        f.write(dead.tobytes())
    live = inflight.create(tmp_path)
    inflight.Board(live)  # this process lives on it
    young = inflight.create(tmp_path)  # a server starting: its workers have not claimed their slots yet
    later = time.time() + inflight.STALE_SECONDS + 1
    os.utime(young, (later, later))  # made just now, by that clock
    assert inflight.sweep(tmp_path, now=later) == [left]
    assert not left.exists() and live.exists() and young.exists()
