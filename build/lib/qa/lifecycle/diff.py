"""What changed between two index versions: sections, chunks and services added, removed, changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from qa.corpus.services import Directory
from qa.index.chunks import Chunk


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class VersionDiff:
    sections: Changes
    chunks: Changes
    services: Changes

    def __bool__(self) -> bool:
        return bool(self.sections or self.chunks or self.services)

    def to_json(self) -> dict[str, Any]:
        return {k: {kk: list(vv) for kk, vv in asdict(getattr(self, k)).items()} for k in ("sections", "chunks", "services")}

    def lines(self) -> list[str]:
        if not self:
            return ["no changes"]
        out = []
        for what in ("sections", "chunks", "services"):
            changes = getattr(self, what)
            for verb, sign in (("added", "+"), ("removed", "-"), ("changed", "~")):
                out += [f"  {sign} {what[:-1]} {item}" for item in getattr(changes, verb)]
        return out


def _changes(old: Mapping[str, object], new: Mapping[str, object]) -> Changes:
    return Changes(
        added=tuple(sorted(set(new) - set(old))),
        removed=tuple(sorted(set(old) - set(new))),
        changed=tuple(sorted(k for k in set(old) & set(new) if old[k] != new[k])),
    )


def diff(old_chunks: tuple[Chunk, ...], old_services: Directory, new_chunks: tuple[Chunk, ...],
         new_services: Directory) -> VersionDiff:
    """Compare two versions. A chunk is named by document, section and paragraph; it "changed"
    when that place holds different text. A section changed when any of its chunks did."""

    def by_place(chunks: tuple[Chunk, ...]) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in chunks:
            place = f"{c.document} › {c.section} ¶{c.paragraph}"
            out[place] = out.get(place, "") + c.id
        return out

    def by_section(chunks: tuple[Chunk, ...]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for c in chunks:
            key = f"{c.document} › {c.section}"
            out[key] = (*out.get(key, ()), c.id)
        return out

    return VersionDiff(
        sections=_changes(by_section(old_chunks), by_section(new_chunks)),
        chunks=_changes(by_place(old_chunks), by_place(new_chunks)),
        services=_changes({s.id: s for s in old_services.services}, {s.id: s for s in new_services.services}),
    )
