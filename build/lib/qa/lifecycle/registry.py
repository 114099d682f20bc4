"""Which index version is in service: publish, roll back, prune, and the history of those acts.

Layout under the index directory::

    CURRENT            the id of the version in service (replaced by rename, never edited)
    history.jsonl      one line per publish or rollback
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


def publish(index_dir: Path, version_id: str, action: str = "publish", **note: Any) -> None:
    """Make ``version_id`` the one in service: write CURRENT beside and rename it over (atomic).

    The history (``history.jsonl``) gets one line; rollbacks are publishes with ``action="rollback"``.
    """
    index_dir = Path(index_dir)
    if not (index_dir / "versions" / version_id / "manifest.json").is_file():
        raise IndexNotBuiltError(f"no version '{version_id}' in {index_dir / 'versions'} - see: qa index list")
    try:
        previous = current_version_id(index_dir)
    except IndexUnusableError:
        previous = None
    replace_durably(index_dir / "CURRENT", (version_id + "\n").encode())
    log_event(index_dir, {"version": version_id, "action": action, "from": previous,
                       "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")} | note)


def current_version_id(index_dir: Path) -> str:
    """The id in ``CURRENT``; IndexNotBuiltError when nothing is published."""
    pointer = Path(index_dir) / "CURRENT"
    try:
        version_id = pointer.read_text().strip()
    except FileNotFoundError as e:
        raise IndexNotBuiltError(f"no index in {index_dir} - {REBUILD}") from e
    if not version_id:
        raise IndexCorruptError(f"{pointer} is empty - {REBUILD}")
    return version_id


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
    """Put ``version_id`` (default: the version published before the one in service) back in service."""
    live = current_version_id(index_dir)
    if version_id is None:
        # the version published before the live one: walk the publishes (not the rollbacks), so a
        # second rollback goes further back instead of swapping back and forth
        published = [h["version"] for h in history(index_dir) if h.get("action") == "publish"]
        older = published[: max(i for i, v in enumerate(published) if v == live)] if live in published else []
        candidates = [v for v in reversed(older) if v != live and (Path(index_dir) / "versions" / v).is_dir()]
        if not candidates:
            raise IndexNotBuiltError("no earlier version to roll back to - see: qa index list")
        version_id = candidates[0]
    publish(index_dir, version_id, action="rollback")
    return version_id


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
