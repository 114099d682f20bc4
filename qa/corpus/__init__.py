"""Everything in ``corpus/`` loaded together and checked against each other.

``load_corpus(dir)`` returns a ``Corpus``: the documents, the service directory, the safety rules,
the synonyms (lexical side), the alternate phrasings ("also asked as") of sections and the questions
the corpus does not answer. Every file is validated against its pydantic models; every problem of
every file is collected before one ``CorpusError`` is raised, each as ``file:line: what is wrong``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from qa.corpus.about import About, load_about
from qa.corpus.documents import Document, load_documents
from qa.corpus.phrasings import Phrasing, load_phrasings
from qa.corpus.rules import SafetyFile, SafetyRule, load_safety
from qa.corpus.services import Directory, load_services
from qa.corpus.vocabulary import Synonyms, Topic, load_lexicon, load_out_of_scope, load_synonyms, load_topics
from qa.errors import CorpusError
from qa.records import Citation

T = TypeVar("T")
CORPUS_FILES = ("*.md", "services.yaml", "safety.yaml", "synonyms.yaml", "phrasings.yaml", "out_of_scope.yaml",
                "lexicon.yaml", "about.yaml")

__all__ = ["Corpus", "Document", "Phrasing", "checksum", "corpus_files", "load_corpus"]


@dataclass(frozen=True)
class Corpus:
    dir: Path
    documents: tuple[Document, ...]
    directory: Directory
    safety: SafetyFile
    synonyms: tuple[tuple[str, ...], ...]
    phrasings: tuple[Phrasing, ...]
    out_of_scope: tuple[str, ...] = ()
    lexicon: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()  # Spanish terms -> English words
    about: About = About()  # the about page's words (corpus/about.yaml)
    topics: tuple[Topic, ...] = ()  # subjects near the corpus's that it does not cover (out_of_scope.yaml)
    near_topic: tuple[str, ...] = ()  # the questions of out_of_scope that are near the topic (also in out_of_scope)
    plain: tuple[tuple[str, str], ...] = ()  # street words -> the plain words they are searched as (synonyms.yaml)

    @property
    def rules(self) -> tuple[SafetyRule, ...]:
        """The crisis rules, in file order."""
        return tuple(self.safety.rules)

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    @property
    def originals(self) -> tuple[Document, ...]:
        """The documents that are searched and ranked: every one that is not a reviewed translation."""
        return tuple(d for d in self.documents if d.translation_of is None)

    def translation(self, doc_id: str, lang: str) -> Document | None:
        """The reviewed translation of document ``doc_id`` into ``lang``, if the corpus has one."""
        return next((d for d in self.documents if d.translation_of == doc_id and d.lang == lang), None)

    def context(self, citation: Citation) -> Context | None:
        """The whole section a cited paragraph sits in, word for word, with that paragraph marked."""
        doc = self.document(citation.document)
        section = doc.section(citation.section) if doc else None
        if doc is None or section is None:
            return None
        return Context(doc.lang, section.heading, tuple(
            ContextParagraph(doc.text[p.start:p.end], p.number == citation.paragraph) for p in section.paragraphs))


@dataclass(frozen=True)
class ContextParagraph:
    text: str  # word for word, as the document has it
    cited: bool  # the paragraph the citation names


@dataclass(frozen=True)
class Context:
    """A cited passage's section: what the answer page opens in place of leaving for the source page."""

    lang: str
    heading: str
    paragraphs: tuple[ContextParagraph, ...]


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

    def collect(load: Callable[[], T], instead: T) -> T:
        """What ``load`` returns, or ``instead`` with its problems kept, so every file is checked."""
        try:
            return load()
        except CorpusError as e:
            problems.extend(e.problems)
            return instead

    # passages are named in the originals only: a reviewed translation is shown in their place
    originals = [d for d in documents if d.translation_of is None]
    directory = collect(lambda: load_services(corpus_dir / "services.yaml", originals), Directory(()))
    safety = collect(lambda: load_safety(corpus_dir / "safety.yaml", directory, originals), SafetyFile(rules=[]))
    nowhere: Synonyms = ((), ())
    synonyms, plain = collect(lambda: load_synonyms(corpus_dir / "synonyms.yaml", originals), nowhere)
    phrasings: tuple[Phrasing, ...] = collect(lambda: load_phrasings(corpus_dir / "phrasings.yaml", originals), ())
    nothing: tuple[str, ...] = ()
    out_of_scope, near_topic = collect(lambda: load_out_of_scope(corpus_dir / "out_of_scope.yaml"), (nothing, nothing))
    lexicon: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = collect(
        lambda: load_lexicon(corpus_dir / "lexicon.yaml"), ())
    about = collect(lambda: load_about(corpus_dir / "about.yaml"), About())
    records = [(f"service {s.id!r}", text) for s in directory.services
               for text in (s.description, *((s.es.description,) if s.es else ()))]
    topics: tuple[Topic, ...] = collect(lambda: load_topics(corpus_dir / "out_of_scope.yaml", originals, records), ())
    if problems:
        raise CorpusError(problems)
    return Corpus(corpus_dir, tuple(documents), directory, safety, synonyms, phrasings, out_of_scope, lexicon, about,
                  topics, near_topic, plain)
