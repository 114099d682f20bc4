"""The BM25 indexes of a version's chunks, built with the version and stored in it (``lexical/``);
``qa.retrieval.lexical`` scores questions with them."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s

from qa.corpus import Corpus, Phrasing
from qa.index.chunks import Chunk
from qa.index.keys import translated
from qa.text import tokenise

FOLDER = "lexical"  # where a version keeps its LexicalIndex: lexical/english/ and lexical/spanish/, bm25s's files


@dataclass(frozen=True)
class LexicalIndex:
    """The BM25 indexes of a version's chunks: over their text, and over their Spanish words (None when
    no chunk has any). Built once with the version and stored in it: at 100,000 chunks, tokenising and
    indexing take seconds that every start and reload would otherwise pay again."""

    english: bm25s.BM25
    spanish: bm25s.BM25 | None

    @classmethod
    def build(cls, texts: list[str], spanish: list[str] | None = None) -> LexicalIndex:
        """BM25 over ``texts`` and, when any is non-empty, over ``spanish`` (one per text)."""
        english = bm25s.BM25()
        english.index([tokenise(t) or ["_empty_"] for t in texts], show_progress=False)
        es = None
        if spanish and any(spanish):
            es = bm25s.BM25()
            es.index([tokenise(t, "es") or ["_empty_"] for t in spanish], show_progress=False)
        return cls(english, es)

    @classmethod
    def of(cls, chunks: Sequence[Chunk], corpus: Corpus) -> LexicalIndex:
        """The indexes of ``chunks`` (of ``corpus``), as a build makes and stores them."""
        return cls.build(lexical_texts(chunks), spanish_texts(chunks, corpus))

    @property
    def size(self) -> int:
        """How many texts it scores."""
        return int(self.english.scores["num_docs"])

    def files(self) -> dict[str, bytes]:
        """The index as files to write into a version folder: relative path -> contents."""
        with tempfile.TemporaryDirectory(prefix="qa-lexical-") as tmp:
            for name, bm25 in (("english", self.english), ("spanish", self.spanish)):
                if bm25 is not None:
                    bm25.save(Path(tmp) / name, show_progress=False)
            return {f"{FOLDER}/{p.relative_to(tmp).as_posix()}": p.read_bytes()
                    for p in sorted(Path(tmp).rglob("*")) if p.is_file()}

    @classmethod
    def load(cls, version_dir: Path) -> LexicalIndex:
        """Read back what ``files`` wrote into ``version_dir``. Raises OSError or ValueError (the
        caller names the version and the fix) when a file is missing or cannot be read."""
        folder = Path(version_dir) / FOLDER
        if not (folder / "english").is_dir():
            raise FileNotFoundError(f"{FOLDER}/english is missing")
        english = bm25s.BM25.load(folder / "english", show_progress=False)
        spanish = bm25s.BM25.load(folder / "spanish", show_progress=False) if (folder / "spanish").is_dir() else None
        if spanish is not None and spanish.scores["num_docs"] != english.scores["num_docs"]:
            raise ValueError("its English and Spanish indexes count different texts")
        return cls(english, spanish)


def lexical_texts(chunks: Sequence[Chunk]) -> list[str]:
    """What the lexical side scores for each chunk: its heading and its text."""
    return [f"{c.section}\n{c.text}" for c in chunks]


def spanish_texts(chunks: Sequence[Chunk], corpus: Corpus) -> list[str]:
    """Each chunk's Spanish words: its Spanish phrasings and its paragraph in a reviewed Spanish translation."""
    # phrasings by section, in their order: all ~600 looked through for each of 100,000 chunks costs seconds
    phrasings: dict[tuple[str, str], list[Phrasing]] = {}
    for p in corpus.phrasings:
        if p.lang == "es":
            phrasings.setdefault((p.document, p.section), []).append(p)
    return [" ".join([*(p.question for p in phrasings.get((c.document, c.section), ())
                        if p.paragraph in (None, c.paragraph)),
                      *(text for lang, text in translated(c, corpus) if lang == "es")]) for c in chunks]
