"""Alternate phrasings (``phrasings.yaml``): other ways people ask what a section answers.

``load_phrasings`` reads and checks the file against the documents. ``add_phrasings(text, new)``
returns the file's text with each new question appended to the list of the entry for its section
(and paragraph), or, when there is no such entry, a new entry at the end. The file is edited
through ruamel.yaml's round-trip mode, so comments, order and quoting stay as they were and the
change reads as a normal diff; the result is parsed again and must hold exactly the old phrasings
plus the new ones, or nothing is returned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationInfo, model_validator
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from qa.corpus import yamlfile
from qa.corpus.documents import Document
from qa.corpus.yamlfile import Strict, Text
from qa.errors import CorpusError
from qa.text import normalise

HEADER = """\
# Alternate phrasings ("also asked as"): other ways people ask what a section answers.
# Each is embedded as an extra search key pointing to the section's passages (or to one paragraph
# when `paragraph` is given). They are never shown to anyone; only the FAQ's own words are.
phrasings:
"""


@dataclass(frozen=True)
class Phrasing:
    """Another way people ask what a section (or one paragraph of it) answers."""

    document: str
    section: str
    paragraph: int | None
    question: str
    lang: str = "en"  # "es": a Spanish way of asking, so a Spanish question finds the English passage


class PhrasingEntry(Strict):
    document: str
    section: str
    paragraph: int | None = None
    lang: Literal["en", "es"] = "en"
    questions: tuple[Text, ...]

    @model_validator(mode="after")
    def _exists(self, info: ValidationInfo) -> PhrasingEntry:
        documents: dict[str, Document] | None = (info.context or {}).get("documents")
        if documents is None:
            return self
        doc = documents.get(self.document)
        if doc is None:
            raise ValueError(f"unknown document '{self.document}'")
        section = doc.section(self.section)
        if section is None:
            raise ValueError(f"section '{self.section}' does not exist in '{doc.id}'")
        if self.paragraph is not None and not 1 <= self.paragraph <= len(section.paragraphs):
            raise ValueError(f"paragraph must be 1-{len(section.paragraphs)}")
        return self


class PhrasingsFile(Strict):
    phrasings: list[PhrasingEntry] | None = None


def load_phrasings(path: Path, documents: list[Document]) -> tuple[Phrasing, ...]:
    """Alternate phrasings per section (optional file), checked against the documents."""
    data = yamlfile.read(path, "phrasings file", required=False)
    if data is None:
        return ()
    parsed = yamlfile.validate(PhrasingsFile, data, path, context={"documents": {d.id: d for d in documents}})
    return tuple(Phrasing(e.document, e.section, e.paragraph, q, e.lang)
                 for e in parsed.phrasings or () for q in e.questions)


def same(a: str, b: str) -> bool:
    """Whether two questions are the same phrasing (case, spacing and compatibility forms aside)."""
    return normalise(a) == normalise(b)


def existing(text: str, path: Path | str = "phrasings.yaml") -> list[Phrasing]:
    """The phrasings a ``phrasings.yaml`` text holds (unchecked against the documents)."""
    return _phrasings(_entries(yamlfile.parse(text, path), path))


def add_phrasings(text: str, new: list[Phrasing], path: Path | str = "phrasings.yaml") -> tuple[str, list[Phrasing]]:
    """``text`` with ``new`` phrasings added; returns the new text and the phrasings actually added.

    A phrasing already in the file (or twice in ``new``) is added once. CorpusError when the file
    cannot be parsed or edited safely.
    """
    if not text.strip():
        text = HEADER
    data = yamlfile.parse(text, path)
    entries = _entries(data, path)
    before = _phrasings(entries)
    added: list[Phrasing] = []
    for p in new:
        if not any(_key(p) == _key(o) and same(p.question, o.question) for o in before + added):
            added.append(p)
    if not added:
        return text, []
    if data["phrasings"] is None:
        data["phrasings"] = entries
    for p in added:
        entry = next((e for e in reversed(entries) if _entry_key(e) == _key(p)
                      and isinstance(e.get("questions"), list)), None)
        if entry is None:
            entry = CommentedMap(document=p.document, section=p.section)
            if p.paragraph is not None:
                entry["paragraph"] = p.paragraph
            if p.lang != "en":
                entry["lang"] = p.lang
            entry["questions"] = CommentedSeq()
            entries.append(entry)
        entry["questions"].append(p.question)
    result = yamlfile.dump(data)
    if Counter(map(_full, existing(result, path))) != Counter(map(_full, before + added)):
        raise CorpusError([f"{path}:1: could not add phrasings without changing others; add them by hand"])
    return result, added


def _entries(data: Any, path: Path | str) -> Any:
    """The ``phrasings:`` list of a parsed file (an empty one when the file is empty)."""
    if data is None:
        return CommentedSeq()
    if not isinstance(data, dict) or "phrasings" not in data:
        raise CorpusError([f"{path}:1: expected a mapping with a 'phrasings:' list"])
    items = data["phrasings"]
    if items is None:
        return CommentedSeq()
    if not isinstance(items, list):
        raise CorpusError([f"{path}:1: 'phrasings' must be a list"])
    return items


def _phrasings(entries: list[Any]) -> list[Phrasing]:
    return [Phrasing(str(e.get("document")), str(e.get("section")), e.get("paragraph"), q.strip(),
                     str(e.get("lang", "en")))
            for e in entries if isinstance(e, dict) for q in (e.get("questions") or []) if isinstance(q, str)]


def _key(p: Phrasing) -> tuple[Any, ...]:
    return (p.document, p.section, p.paragraph, p.lang)


def _entry_key(e: Any) -> tuple[Any, ...]:
    return (e.get("document"), e.get("section"), e.get("paragraph"), e.get("lang", "en")) if isinstance(e, dict) else ()


def _full(p: Phrasing) -> tuple[Any, ...]:
    return (*_key(p), p.question)
