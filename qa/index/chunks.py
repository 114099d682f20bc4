"""Section-aware chunks: verbatim slices of a document that never cross a question heading.

A chunk is a paragraph, or, when a paragraph is longer than ``max_chars``, a run of whole sentences
of it. Each chunk keeps its sentence boundaries so the answer can highlight the best sentence.
"""

from __future__ import annotations

from typing import Any

import hashlib
import re
from dataclasses import dataclass

from qa.corpus.documents import Document, Paragraph, Section
from qa.records import Citation

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before whitespace and a
# capital, digit or opening quote. Common abbreviations are not ends.
_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[A-Z0-9“\"'(])")
_ABBREVIATIONS = ("U.S.", "e.g.", "i.e.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "vs.", "etc.")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Offsets ``(start, end)`` of each sentence of ``text``, trimmed of surrounding whitespace."""
    spans, start = [], 0
    for m in _END.finditer(text):
        if text[: m.start()].endswith(_ABBREVIATIONS):
            continue
        end = m.start() + len(m.group(0).rstrip())
        spans.append((start, end))
        start = m.end()
    if start < len(text.rstrip()):
        spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if text[s:e].strip()]


@dataclass(frozen=True)
class Chunk:
    id: str
    document: str
    title: str
    section: str
    section_number: int
    paragraph: int
    start: int  # offsets into the document's source file
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # offsets into ``text``

    @property
    def citation(self) -> Citation:
        return Citation(document=self.document, title=self.title, section=self.section, paragraph=self.paragraph,
                        start=self.start, end=self.end, anchor=f"s{self.section_number}-p{self.paragraph}")

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {"sentences": [list(s) for s in self.sentences]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Chunk:
        return cls(**(d | {"sentences": tuple(tuple(s) for s in d["sentences"])}))


def chunk_id(document: str, section: str, text: str) -> str:
    """Stable id: the same document, section and text always give the same id."""
    digest = hashlib.sha256(f"{document}\x1f{section}\x1f{text}".encode()).hexdigest()
    return f"{document}-{digest[:12]}"


def chunk_document(doc: Document, max_chars: int = 0) -> list[Chunk]:
    """Split ``doc`` into chunks; ``max_chars`` > 0 splits longer paragraphs at sentence ends."""
    chunks: list[Chunk] = []
    for section in doc.sections:
        for para in section.paragraphs:
            chunks.extend(_paragraph_chunks(doc, section, para, max_chars))
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)), f"duplicate chunk text in {doc.path}"
    return chunks


def _paragraph_chunks(doc: Document, section: Section, para: Paragraph, max_chars: int) -> list[Chunk]:
    text = doc.text[para.start : para.end]
    spans = sentence_spans(text)
    groups: list[list[tuple[int, int]]] = [[]]
    for span in spans:
        current = groups[-1]
        if max_chars and current and span[1] - current[0][0] > max_chars:
            groups.append([])
        groups[-1].append(span)
    out = []
    for group in groups:
        if not group:
            continue
        lo, hi = group[0][0], group[-1][1]
        piece = text[lo:hi]
        out.append(Chunk(
            id=chunk_id(doc.id, section.heading, piece), document=doc.id, title=doc.title, section=section.heading,
            section_number=section.number, paragraph=para.number, start=para.start + lo, end=para.start + hi,
            text=piece, sentences=tuple((s - lo, e - lo) for s, e in group),
        ))
    return out
