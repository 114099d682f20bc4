"""Documents in ``corpus/``: Markdown with YAML front matter, one ``##`` question heading per section.

``load_documents(dir)`` parses and validates every ``*.md`` file and returns ``Document`` records
whose sections and paragraphs carry character offsets into the file's text, so every passage the
service shows is a verbatim slice of the file a maintainer edits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from qa.corpus import yamlfile
from qa.corpus.yamlfile import Text
from qa.errors import CorpusError

DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class FrontMatter(BaseModel):
    """The YAML block at the top of a document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Text
    source: Text
    jurisdiction: Text
    last_reviewed: dt.date
    language: Text | None = None  # free text, informative only (the language's name); ``lang`` is the code
    lang: Literal["en", "es"] = "en"  # the language the document is written in
    # a reviewed translation: the id of the document it translates, section by section and paragraph
    # by paragraph (the n-th paragraph of the n-th section translates the original's)
    translation_of: Annotated[str, StringConstraints(pattern=DOC_ID.pattern)] | None = None


@dataclass(frozen=True)
class Paragraph:
    number: int  # within its section, from 1
    start: int  # offsets into Document.text
    end: int
    line: int

    @property
    def anchor_suffix(self) -> str:
        return f"p{self.number}"


@dataclass(frozen=True)
class Section:
    number: int  # within the document, from 1
    heading: str
    line: int
    paragraphs: tuple[Paragraph, ...]

    @property
    def anchor(self) -> str:
        return f"s{self.number}"


@dataclass(frozen=True)
class Document:
    id: str
    path: Path
    title: str
    source: str
    jurisdiction: str
    last_reviewed: str
    text: str
    sections: tuple[Section, ...]
    lang: Literal["en", "es"] = "en"
    translation_of: str | None = None  # the original's id, when this is a reviewed translation

    def section(self, heading: str) -> Section | None:
        return next((s for s in self.sections if s.heading == heading), None)

    def paragraph(self, section: int, paragraph: int) -> tuple[Section, Paragraph] | None:
        """The ``paragraph``-th paragraph of the ``section``-th section (both from 1), if there is one."""
        if not 1 <= section <= len(self.sections):
            return None
        sec = self.sections[section - 1]
        if not 1 <= paragraph <= len(sec.paragraphs):
            return None
        return sec, sec.paragraphs[paragraph - 1]


def load_documents(corpus_dir: Path) -> list[Document]:
    """Parse every ``*.md`` in ``corpus_dir``; raise CorpusError listing every problem found."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError([f"{corpus_dir}: corpus directory does not exist"])
    paths = sorted(corpus_dir.glob("*.md"))
    paths = [p for p in paths if p.name.lower() != "readme.md"]
    if not paths:
        raise CorpusError([f"{corpus_dir}: no documents (*.md files) in the corpus directory"])
    docs, problems = [], []
    for path in paths:
        try:
            docs.append(parse_document(path))
        except CorpusError as e:
            problems.extend(e.problems)
    problems += check_translations(docs)
    if problems:
        raise CorpusError(problems)
    return docs


def check_translations(docs: list[Document]) -> list[str]:
    """Problems with the reviewed translations among ``docs``: each must name an original that is in
    the corpus and is not itself a translation, be in another language, be the only translation of
    it into that language, and pair with it section by section and paragraph by paragraph."""
    by_id = {d.id: d for d in docs}
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for doc in docs:
        if doc.translation_of is None:
            continue
        where = f"{doc.path}:2"  # in the front matter
        original = by_id.get(doc.translation_of)
        if doc.translation_of == doc.id:
            problems.append(f"{where}: a document cannot be a translation of itself")
            continue
        if original is None:
            problems.append(f"{where}: translation_of '{doc.translation_of}' is not a document of this corpus "
                            f"(documents: {', '.join(sorted(d for d in by_id if d != doc.id)) or 'none'})")
            continue
        if original.translation_of is not None:
            problems.append(f"{where}: translation_of '{original.id}', which is itself a translation; "
                            f"name the original, '{original.translation_of}'")
            continue
        if doc.lang == original.lang:
            problems.append(f"{where}: a translation must be in another language than its original "
                            f"({original.id} is lang '{original.lang}'); set 'lang:'")
            continue
        other = seen.setdefault((original.id, doc.lang), doc.id)
        if other != doc.id:
            problems.append(f"{where}: {other} already translates {original.id} into '{doc.lang}'; keep one")
            continue
        problems += _unpaired(doc, original)
    return problems


def _unpaired(doc: Document, original: Document) -> list[str]:
    """Where ``doc``'s sections and paragraphs do not pair one to one with ``original``'s."""
    out = []
    if len(doc.sections) != len(original.sections):
        line = doc.sections[-1].line if doc.sections else 1
        out.append(f"{doc.path}:{line}: {len(doc.sections)} sections, but the original {original.path.name} has "
                   f"{len(original.sections)}; a translation pairs with its original section by section")
    for mine, theirs in zip(doc.sections, original.sections, strict=False):
        if len(mine.paragraphs) != len(theirs.paragraphs):
            out.append(f"{doc.path}:{mine.line}: section {mine.number} '{mine.heading}' has {len(mine.paragraphs)} "
                       f"paragraph(s), but the section it translates, '{theirs.heading}' "
                       f"({original.path.name}:{theirs.line}), has {len(theirs.paragraphs)}; a translation pairs "
                       f"with its original paragraph by paragraph")
    return out


def parse_document(path: Path) -> Document:
    """Parse one Markdown document; raise CorpusError with ``file:line`` problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError([f"{path}:1: not UTF-8 text ({e.reason})"]) from e
    problems: list[str] = []
    doc_id = path.stem
    if not DOC_ID.match(doc_id):
        problems.append(f"{path}:1: file name must be lower-case letters, digits and dashes (it is the document id)")
    meta, body_start, body_line = _front_matter(path, text, problems)
    sections = _sections(path, text, body_start, body_line, problems)
    if problems or meta is None:
        raise CorpusError(problems)
    return Document(
        id=doc_id,
        path=path,
        title=meta.title,
        source=meta.source,
        jurisdiction=meta.jurisdiction,
        last_reviewed=meta.last_reviewed.isoformat(),
        text=text,
        sections=tuple(sections),
        lang=meta.lang,
        translation_of=meta.translation_of,
    )


def _front_matter(path: Path, text: str, problems: list[str]) -> tuple[FrontMatter | None, int, int]:
    """The front matter, the offset where the body starts and the body's first line."""
    if not text.startswith("---\n"):
        problems.append(f"{path}:1: missing YAML front matter: the file must start with a line '---'")
        return None, 0, 1
    end = text.find("\n---\n", 3)
    if end < 0:
        problems.append(f"{path}:1: front matter is not closed by a line '---'")
        return None, 0, 1
    raw = text[4 : end + 1]
    body_start, body_line = end + 5, raw.count("\n") + 3
    try:
        meta = yamlfile.parse(raw, path, line_offset=1)
        if not isinstance(meta, dict):
            raise CorpusError([f"{path}:2: front matter must be a mapping of field: value"])
        return yamlfile.validate(FrontMatter, meta, path, line_offset=1), body_start, body_line
    except CorpusError as e:
        problems.extend(e.problems)
        return None, body_start, body_line


def _sections(path: Path, text: str, start: int, first_line: int, problems: list[str]) -> list[Section]:
    sections: list[Section] = []
    heading: tuple[str, int] | None = None
    paras: list[Paragraph] = []
    block: list[tuple[int, int, int]] = []  # (start, end, line) of the lines of the current paragraph
    seen: dict[str, int] = {}

    def close_block() -> None:
        if not block:
            return
        if heading is None:
            problems.append(f"{path}:{block[0][2]}: text before the first '## ' question heading")
        else:
            paras.append(Paragraph(len(paras) + 1, block[0][0], block[-1][1], block[0][2]))
        block.clear()

    def close_section() -> None:
        close_block()
        if heading is None:
            return
        if not paras:
            problems.append(f"{path}:{heading[1]}: empty section '{heading[0]}' (no paragraph under it)")
        seen_text: dict[str, int] = {}
        for p in paras:  # two equal paragraphs under one heading would be one passage twice
            body = text[p.start : p.end]
            if body in seen_text:
                problems.append(f"{path}:{p.line}: paragraph repeats the one at line {seen_text[body]} in "
                                f"section '{heading[0]}'; delete one")
            seen_text.setdefault(body, p.line)
        sections.append(Section(len(sections) + 1, heading[0], heading[1], tuple(paras)))

    pos, line_no = start, first_line
    title_seen = False
    for raw in text[start:].splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if line.startswith("## "):
            close_section()
            paras = []
            name = line[3:].strip()
            if not name:
                problems.append(f"{path}:{line_no}: empty '## ' heading")
            elif name in seen:
                problems.append(f"{path}:{line_no}: duplicate section '{name}' (first at line {seen[name]})")
            seen[name] = line_no
            heading = (name, line_no)
        elif line.startswith("# ") and not title_seen and heading is None and not block:
            title_seen = True
        elif line.startswith("#"):
            close_block()
            problems.append(f"{path}:{line_no}: unsupported heading; use '## ' for each question")
        elif stripped:
            lead = len(line) - len(line.lstrip())
            block.append((pos + lead, pos + len(line.rstrip()), line_no))
        else:
            close_block()
        pos += len(raw)
        line_no += 1
    close_section()
    if heading is None:
        problems.append(f"{path}:{first_line}: document has no '## ' question headings")
    return sections
