"""Which index version is in service: publish, roll back, prune, and the history of those acts.

Layout under the index directory::

    CURRENT            the id of the version in service on its first line, then the ids that were in
                       service before it, most recent first (where a rollback goes); replaced by
                       rename, never edited, so the pointer and its past change in one step
    history.jsonl      one line per publish or rollback (a record for people; nothing reads it to
                       decide, so a crash between the two writes cannot mislead a rollback)
    versions/<id>/     the versions themselves (``qa.index.format``)
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from qa.errors import IndexCorruptError, IndexNotBuiltError, IndexUnusableError
from qa.files import append_line, replace_durably
from qa.index.format import REBUILD

MAX_PAST = 50  # ids kept in CURRENT behind the one in service


def publish(index_dir: Path, version_id: str, action: str = "publish", **note: Any) -> None:
    """Make ``version_id`` the one in service: write CURRENT beside and rename it over (atomic), with
    the version it replaces first among the past ones.

    The history (``history.jsonl``) gets one line; rollbacks are publishes with ``action="rollback"``.
    """
    index_dir = Path(index_dir)
    _require(index_dir, version_id)
    try:
        past = in_service(index_dir)
    except IndexUnusableError:
        past = []
    if past[:1] == [version_id]:
        past = past[1:]  # published again while in service: the past is unchanged
    _point(index_dir, [version_id, *past])
    log_event(index_dir, {"version": version_id, "action": action, "from": past[0] if past else None,
                          "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")} | note)


def _require(index_dir: Path, version_id: str) -> None:
    if not (index_dir / "versions" / version_id / "manifest.json").is_file():
        raise IndexNotBuiltError(f"no version '{version_id}' in {index_dir / 'versions'} - see: qa index list")


def _point(index_dir: Path, ids: list[str]) -> None:
    replace_durably(index_dir / "CURRENT", "".join(v + "\n" for v in ids[: MAX_PAST + 1]).encode())


def in_service(index_dir: Path) -> list[str]:
    """The id in service, then the ids in service before it, most recent first (from ``CURRENT``)."""
    pointer = Path(index_dir) / "CURRENT"
    try:
        ids = [line.strip() for line in pointer.read_text().splitlines()]
    except FileNotFoundError as e:
        raise IndexNotBuiltError(f"no index in {index_dir} - {REBUILD}") from e
    if not ids or not ids[0]:
        raise IndexCorruptError(f"{pointer} is empty - {REBUILD}")
    return [v for v in ids if v]


def current_version_id(index_dir: Path) -> str:
    """The id in service (the first line of ``CURRENT``); IndexNotBuiltError when nothing is published."""
    return in_service(index_dir)[0]


def list_versions(index_dir: Path) -> list[str]:
    """Ids of the versions on disk, oldest first (ids start with their build time)."""
    versions = Path(index_dir) / "versions"
    if not versions.is_dir():
        return []
    return sorted(p.name for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))


def new_version_id(corpus_checksum: str, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S%f}Z-{corpus_checksum[:8]}"


def history(index_dir: Path) -> list[dict[str, Any]]:
    """Every publish and rollback, oldest first."""
    path = Path(index_dir) / "history.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a crash; the pointer, not the history, is the truth
    return out


def log_event(index_dir: Path, entry: dict[str, Any]) -> None:
    """Append one publish or rollback to ``history.jsonl``."""
    append_line(Path(index_dir) / "history.jsonl", json.dumps(entry))


def rollback(index_dir: Path, version_id: str | None = None) -> str:
    """Put ``version_id`` back in service; by default the version that was in service before the one
    in service now (a second rollback goes further back, never back and forth, and a version
    published after a rollback is undone to the one it replaced). Versions pruned since are skipped.
    """
    index_dir = Path(index_dir)
    if version_id is not None:
        publish(index_dir, version_id, action="rollback")
        return version_id
    ids = in_service(index_dir)
    live, past = ids[0], ids[1:] or _published_before(index_dir, ids[0])
    while past and not (index_dir / "versions" / past[0] / "manifest.json").is_file():
        past = past[1:]
    if not past:
        raise IndexNotBuiltError("no earlier version to roll back to - see: qa index list")
    _point(index_dir, past)
    log_event(index_dir, {"version": past[0], "action": "rollback", "from": live,
                          "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return past[0]


def _published_before(index_dir: Path, live: str) -> list[str]:
    """For a ``CURRENT`` written before it held its past: the versions published before ``live``,
    most recent first, from the history."""
    published = [h["version"] for h in history(index_dir) if h.get("action") == "publish"]
    if live not in published:
        return []
    older = published[: max(i for i, v in enumerate(published) if v == live)]
    return [v for v in reversed(older) if v != live]


def prune(index_dir: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` versions (never the one in service); returns the removed ids."""
    index_dir = Path(index_dir)
    try:
        live = current_version_id(index_dir)
    except IndexNotBuiltError:
        live = None
    removable = [v for v in list_versions(index_dir) if v != live]
    keep_others = max(keep - (1 if live else 0), 0)
    doomed = removable[: max(len(removable) - keep_others, 0)]
    for v in doomed:
        shutil.rmtree(index_dir / "versions" / v, ignore_errors=True)
    now = dt.datetime.now().timestamp()
    for tmp in (index_dir / "versions").glob(".tmp-*"):  # left by killed builds
        if now - tmp.stat().st_mtime > 3600:
            shutil.rmtree(tmp, ignore_errors=True)
    return doomed


def read_manifest(index_dir: Path, version_id: str) -> dict[str, Any] | None:
    try:
        manifest = json.loads((Path(index_dir) / "versions" / version_id / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) else None
