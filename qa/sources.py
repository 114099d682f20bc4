"""Everything in ``corpus/`` loaded together and checked against each other.

``load_corpus(dir)`` returns a ``Corpus``: the documents, the service directory, the safety rules,
the synonyms (lexical side) and the alternate phrasings ("also asked as") of sections. It collects
every problem of every file before raising one ``CorpusError``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from qa.corpus import Document, load_documents
from qa.errors import CorpusError
from qa.safety import Rule, load_rules, normalise
from qa.services import Directory, load_services
from qa.yamlio import LineDict, LineList, line_of, read_mapping

CORPUS_FILES = ("*.md", "services.yaml", "safety.yaml", "synonyms.yaml", "phrasings.yaml", "out_of_scope.yaml")


@dataclass(frozen=True)
class Phrasing:
    """Another way people ask what a section (or one paragraph of it) answers."""

    document: str
    section: str
    paragraph: int | None
    question: str


@dataclass(frozen=True)
class Corpus:
    dir: Path
    documents: tuple[Document, ...]
    directory: Directory
    rules: tuple[Rule, ...]
    synonyms: tuple[tuple[str, ...], ...]
    phrasings: tuple[Phrasing, ...]
    out_of_scope: tuple[str, ...] = ()

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The files that make up a corpus, in a stable order."""
    files = {p for pattern in CORPUS_FILES for p in Path(corpus_dir).glob(pattern)}
    return sorted(p for p in files if p.name.lower() != "readme.md")


def checksum(corpus_dir: Path) -> str:
    """sha256 over the names and bytes of the corpus files."""
    h = hashlib.sha256()
    for p in corpus_files(corpus_dir):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def load_corpus(corpus_dir: Path) -> Corpus:
    """Load and cross-check every corpus file; raise CorpusError listing all problems."""
    corpus_dir = Path(corpus_dir)
    documents = load_documents(corpus_dir)
    problems: list[str] = []
    directory, rules, synonyms, phrasings = Directory(()), (), (), ()
    try:
        directory = load_services(corpus_dir / "services.yaml", documents)
    except CorpusError as e:
        problems += e.problems
    try:
        rules = load_rules(corpus_dir / "safety.yaml", directory)
    except CorpusError as e:
        # Unknown-service complaints are noise when services.yaml itself failed to load.
        problems += [p for p in e.problems if not (problems and "unknown service" in p)]
    problems += _check_rule_passages(corpus_dir / "safety.yaml", rules, documents)
    try:
        synonyms = _load_synonyms(corpus_dir / "synonyms.yaml")
    except CorpusError as e:
        problems += e.problems
    try:
        phrasings = _load_phrasings(corpus_dir / "phrasings.yaml", documents)
    except CorpusError as e:
        problems += e.problems
    try:
        out_of_scope = _load_out_of_scope(corpus_dir / "out_of_scope.yaml")
    except CorpusError as e:
        problems += e.problems
    if problems:
        raise CorpusError(problems)
    return Corpus(corpus_dir, tuple(documents), directory, rules, synonyms, phrasings, out_of_scope)


def _read(path: Path, top: str) -> LineList | None:
    if not path.exists():
        return None
    data = read_mapping(path, top, path.name)
    if set(data) != {top}:
        raise CorpusError([f"{path}:1: expected a mapping with only a '{top}:' list"])
    return data[top]


def _load_synonyms(path: Path) -> tuple[tuple[str, ...], ...]:
    """Groups of words or phrases that mean the same to a person asking; optional file."""
    groups = _read(path, "synonyms") or []
    problems, out = [], []
    for g in groups:
        if not isinstance(g, list) or len(g) < 2 or not all(isinstance(t, str) and t.strip() for t in g):
            problems.append(f"{path}:{line_of(g, default=groups.line)}: each synonym group is a list of 2 or more words")
            continue
        out.append(tuple(normalise(t) for t in g))
    if problems:
        raise CorpusError(problems)
    return tuple(out)


def _load_phrasings(path: Path, documents: list[Document]) -> tuple[Phrasing, ...]:
    """Alternate phrasings per section (optional file), checked against the documents."""
    entries = _read(path, "phrasings") or []
    docs = {d.id: d for d in documents}
    problems, out = [], []
    for e in entries:
        if not isinstance(e, LineDict) or set(e) - {"document", "section", "paragraph", "questions"}:
            problems.append(f"{path}:{line_of(e)}: each entry is {{document, section, paragraph (optional), questions}}")
            continue
        if not isinstance(e.get("document"), str) or not isinstance(e.get("section"), str):
            problems.append(f"{path}:{line_of(e)}: 'document' and 'section' must be texts")
            continue
        doc = docs.get(e.get("document"))
        section = doc.section(e.get("section")) if doc else None
        if doc is None:
            problems.append(f"{path}:{line_of(e, 'document')}: unknown document '{e.get('document')}'")
            continue
        if section is None:
            problems.append(f"{path}:{line_of(e, 'section')}: section '{e.get('section')}' does not exist in '{doc.id}'")
            continue
        para = e.get("paragraph")
        if para is not None and not (isinstance(para, int) and 1 <= para <= len(section.paragraphs)):
            problems.append(f"{path}:{line_of(e, 'paragraph')}: paragraph must be 1-{len(section.paragraphs)}")
            continue
        questions = e.get("questions")
        if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
            problems.append(f"{path}:{line_of(e, 'questions')}: 'questions' must be a list of non-empty strings")
            continue
        out += [Phrasing(doc.id, section.heading, para, q.strip()) for q in questions]
    if problems:
        raise CorpusError(problems)
    return tuple(out)


def _load_out_of_scope(path: Path) -> tuple[str, ...]:
    """Questions the corpus does not answer (optional file)."""
    items = _read(path, "out_of_scope") or []
    bad = [i for i in items if not isinstance(i, str) or not i.strip()]
    if bad:
        raise CorpusError([f"{path}:{items.line}: 'out_of_scope' must be a list of questions"])
    return tuple(i.strip() for i in items)


def _check_rule_passages(path: Path, rules: tuple[Rule, ...], documents: list[Document]) -> list[str]:
    """Every passage a safety rule pins must exist."""
    docs = {d.id: d for d in documents}
    problems = []
    for rule in rules:
        for doc_id, heading, para in rule.passages:
            section = docs[doc_id].section(heading) if doc_id in docs else None
            if section is None or not isinstance(para, int) or not 1 <= para <= len(section.paragraphs):
                problems.append(f"{path}:{rule.line}: rule '{rule.id}': passage {doc_id} › {heading} ¶{para} does not exist")
    return problems
