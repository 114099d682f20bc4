"""The staff review queue: a flag's question added as an alternate phrasing of a section, and the
phrasings staff added exported into ``corpus/phrasings.yaml`` for maintainers to review as a diff
before the next build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from qa.answering.engine import clean_question
from qa.corpus import Corpus, Phrasing, load_corpus
from qa.corpus.phrasings import add_phrasings
from qa.errors import CorpusError
from qa.files import replace_durably
from qa.index.format import Version
from qa.staff.db import Store, flags, new_id, phrasings
from qa.staff.flags import FlagError, get


@dataclass(frozen=True)
class PendingPhrasing:
    id: int
    phrasing: Phrasing
    added_by: str
    added_at: int


@dataclass(frozen=True)
class ExportReport:
    path: Path
    added: list[Phrasing]
    already_there: int
    refused: list[tuple[Phrasing, str]]  # phrasings kept in the database, and why


def parse_target(target: str) -> tuple[str, int, int | None]:
    """``document|section|paragraph`` (paragraph may be empty) as the review form sends it."""
    document, _, rest = target.partition("|")
    section, _, paragraph = rest.partition("|")
    if not section.isdecimal() or not (paragraph == "" or paragraph.isdecimal()):
        raise FlagError("choose the section this question should find")
    return document, int(section), int(paragraph) if paragraph else None


def add_phrasing(store: Store, flag_id: int, version: Version, document: str, section: int,
                 paragraph: int | None, question: str, staff_name: str, max_chars: int) -> PendingPhrasing:
    """Store ``question`` as an alternate phrasing of section number ``section`` of ``document``
    (one paragraph of it when ``paragraph`` is given) and mark the flag done."""
    get(store, flag_id)
    text = clean_question(question, max_chars)
    doc = version.corpus.document(document)
    sec = next((s for s in doc.sections if s.number == section), None) if doc else None
    if doc is None or sec is None:
        raise FlagError("that section is not in the information in service; choose one from the list")
    if paragraph is not None and not 1 <= paragraph <= len(sec.paragraphs):
        raise FlagError(f"that section has paragraphs 1-{len(sec.paragraphs)}")
    phrasing = Phrasing(doc.id, sec.heading, paragraph, text)
    now = store.now()
    with store.begin() as conn:
        result = conn.execute(insert(phrasings).values(document=doc.id, section=sec.heading, paragraph=paragraph,
                                                       question=text, added_by=staff_name, added_at=now))
        conn.execute(update(flags).where(flags.c.id == flag_id)
                     .values(status="phrasing", reviewed_by=staff_name, reviewed_at=now))
        return PendingPhrasing(new_id(result), phrasing, staff_name, now)


def pending(store: Store) -> list[PendingPhrasing]:
    """Phrasings added by staff and not yet exported to the corpus, oldest first."""
    with store.begin() as conn:
        rows = conn.execute(select(phrasings).order_by(phrasings.c.id)).all()
    return [PendingPhrasing(r.id, Phrasing(r.document, r.section, r.paragraph, r.question), r.added_by, r.added_at)
            for r in rows]


def export_phrasings(store: Store, corpus_dir: Path) -> ExportReport:
    """Write the pending phrasings into ``corpus_dir/phrasings.yaml`` and forget them here.

    The corpus must load before and after (checked with ``load_corpus``); a phrasing whose section
    is no longer in the corpus stays in the database and is reported. The file is replaced
    atomically, and restored if the corpus would no longer load.
    """
    corpus_dir = Path(corpus_dir)
    corpus = load_corpus(corpus_dir)  # CorpusError: fix the corpus before adding to it
    path = corpus_dir / "phrasings.yaml"
    waiting = pending(store)
    refused, ready = [], []
    for item in waiting:
        reason = _unplaceable(corpus, item.phrasing)
        if reason:
            refused.append((item.phrasing, reason))
        else:
            ready.append(item)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new, added = add_phrasings(old, [i.phrasing for i in ready], path)
    if added:
        replace_durably(path, new.encode())
        try:
            load_corpus(corpus_dir)
        except CorpusError:
            replace_durably(path, old.encode())
            raise
    with store.begin() as conn:
        conn.execute(delete(phrasings).where(phrasings.c.id.in_([i.id for i in ready])))
    return ExportReport(path, added, len(ready) - len(added), refused)


def _unplaceable(corpus: Corpus, p: Phrasing) -> str | None:
    doc = corpus.document(p.document)
    if doc is None:
        return f"document '{p.document}' is no longer in the corpus"
    sec = doc.section(p.section)
    if sec is None:
        return f"section '{p.section}' is no longer in '{p.document}'"
    if p.paragraph is not None and p.paragraph > len(sec.paragraphs):
        return f"'{p.section}' no longer has a paragraph {p.paragraph}"
    return None
