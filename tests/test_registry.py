"""Which version is in service, and where a rollback goes (issue 13, item 9): on version folders made
by hand, since only ``CURRENT``, the history and the folders' presence matter here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.errors import IndexNotBuiltError
from qa.lifecycle import registry
from qa.lifecycle.registry import current_version_id, history, publish, rollback


def versions(index_dir: Path, *ids: str) -> None:
    for v in ids:
        (index_dir / "versions" / v).mkdir(parents=True)
        (index_dir / "versions" / v / "manifest.json").write_text("{}")


def test_a_rollback_after_a_publish_that_followed_a_rollback_goes_to_the_version_it_replaced(tmp_path):
    versions(tmp_path, "a", "b", "c")
    publish(tmp_path, "a")
    publish(tmp_path, "b")
    assert rollback(tmp_path) == "a"
    publish(tmp_path, "c")
    # c replaced a, so undoing c puts a back (b was rolled back once: it never returns by itself)
    assert rollback(tmp_path) == "a"
    with pytest.raises(IndexNotBuiltError, match="no earlier version"):
        rollback(tmp_path)
    assert current_version_id(tmp_path) == "a"


def test_a_second_rollback_goes_further_back_and_a_named_one_can_be_undone(tmp_path):
    versions(tmp_path, "a", "b", "c")
    for v in ("a", "b", "c"):
        publish(tmp_path, v)
    assert rollback(tmp_path) == "b"
    assert rollback(tmp_path) == "a"
    publish(tmp_path, "c")
    assert rollback(tmp_path, "b") == "b"  # a version named by the maintainer
    assert rollback(tmp_path) == "c"  # undone: back to the one it replaced
    assert [h["action"] for h in history(tmp_path)][-2:] == ["rollback", "rollback"]


def test_a_crash_between_the_pointer_and_the_history_cannot_mislead_a_rollback(tmp_path, monkeypatch):
    versions(tmp_path, "a", "b", "c")
    publish(tmp_path, "a")
    publish(tmp_path, "b")

    def crash(*args, **kwargs):
        raise OSError("killed after the pointer was renamed, before the history line was written")

    monkeypatch.setattr(registry, "log_event", crash)
    with pytest.raises(OSError):
        publish(tmp_path, "c")
    monkeypatch.undo()
    assert current_version_id(tmp_path) == "c"
    assert [h["version"] for h in history(tmp_path)] == ["a", "b"]  # the history missed c
    assert rollback(tmp_path) == "b"
    assert rollback(tmp_path) == "a"


def test_a_pruned_version_is_skipped_and_an_old_single_line_pointer_still_rolls_back(tmp_path):
    versions(tmp_path, "a", "b", "c")
    for v in ("a", "b", "c"):
        publish(tmp_path, v)
    shutil.rmtree(tmp_path / "versions" / "b")
    assert rollback(tmp_path) == "a"
    # a CURRENT written by an earlier release holds only the id: the history's publishes are used
    publish(tmp_path, "c")
    (tmp_path / "CURRENT").write_text("c\n")
    assert rollback(tmp_path) == "a"
