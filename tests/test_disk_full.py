"""A build that cannot write (disk full, read-only folder) says so in one line, publishes nothing and
leaves nothing behind (issue 13, item 10). The failure is injected at the write call, on a real build
with the real model over a copy of the session's published index."""

from __future__ import annotations

import errno
import os
import shutil

import pytest

from qa.errors import IndexWriteError
from qa.index import format as index_format
from qa.lifecycle.build import build
from qa.lifecycle.registry import current_version_id, in_service, list_versions


@pytest.fixture
def published(tmp_path, index_dir):
    """A copy of the session's index (its version in service and its embedding cache)."""
    out = tmp_path / "index"
    shutil.copytree(index_dir, out)
    return out


def failing(after: str, error: int, real=index_format.write_durably):
    def write(path, data):
        if path.name == after:
            raise OSError(error, os.strerror(error), str(path))
        real(path, data)
    return write


@pytest.mark.parametrize("error, said", [(errno.ENOSPC, "disk full at "), (errno.EROFS, "cannot write to ")])
def test_a_build_that_cannot_write_its_version_says_so_and_leaves_nothing(published, corpus_copy, encoder,
                                                                          monkeypatch, error, said):
    before = (in_service(published), list_versions(published))
    monkeypatch.setattr(index_format, "write_durably", failing("vectors.faiss", error))
    with pytest.raises(IndexWriteError) as e:
        build(corpus_copy, published, encoder, progress=False)
    message = str(e.value)
    assert message.startswith(said + str(published)) and "nothing published" in message
    assert "Traceback" not in message and "Errno" not in message
    assert (in_service(published), list_versions(published)) == before
    assert not list((published / "versions").glob(".tmp-*"))  # no half-written version keeps the disk full


def test_a_full_disk_when_the_pointer_is_written_keeps_the_old_pointer(published, corpus_copy, encoder, monkeypatch):
    from qa import files

    live = current_version_id(published)
    real = files.write_durably

    def write(path, data):
        if path.name.startswith(".CURRENT"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(files, "write_durably", write)
    with pytest.raises(IndexWriteError, match="^disk full at "):
        build(corpus_copy, published, encoder, progress=False)
    assert current_version_id(published) == live
    assert not [p.name for p in published.iterdir() if p.name.startswith(".CURRENT")]
