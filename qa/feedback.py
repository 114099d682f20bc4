"""Flags from the public answer page, the staff review queue, and phrasings exported to the corpus.

A flag holds what the person chose to send - the question, the ids of the passages they were shown,
and whether it helped - plus the day it arrived, for the retention period. No address, browser
detail or cookie is ever passed in, so none can be stored. Staff mark a flag fixed or not a
problem, or add its question as an alternate phrasing of a section; ``export_phrasings`` writes
those into ``corpus/phrasings.yaml`` for maintainers to review as a diff before the next build.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update

from qa.answer import clean_question
from qa.db import Store, flags, phrasings
from qa.errors import CorpusError, QAError
from qa.index import Version
from qa.phrasings import add_phrasings
from qa.sources import Phrasing, load_corpus

DAY = 86_400
MAX_PASSAGES = 10
PASSAGE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,200}$")
STATUSES = {"fixed": "Fixed", "not-a-problem": "Not a problem", "phrasing": "Added as a phrasing"}


class FlagError(QAError):
    """A flag or review action that cannot be taken as sent (the message says why)."""


class StalePassageError(FlagError):
    """The flag names passages the index in service no longer has (it changed since the page was shown)."""

    def __init__(self, question: str, missing: list[str]):
        self.question = question
        self.missing = missing
        super().__init__("our information changed since this answer was shown, so this feedback cannot be matched to it")


class FlagNotFound(FlagError):
    """No flag with that id (never was, or already deleted by the retention period)."""


@dataclass(frozen=True)
class Flag:
    id: int
    created_on: int  # UTC midnight of the day it arrived, epoch seconds
    question: str
    passages: tuple[str, ...]
    helpful: bool
    status: str  # "open" or one of STATUSES
    reviewed_by: str | None
    reviewed_at: int | None


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


class QueueFullError(FlagError):
    """The day's cap of flags is reached (a flood, since no address is kept to tell senders apart)."""


def record(store: Store, version: Version, question: str, passage_ids: list[str], helpful: bool,
           max_chars: int, max_per_day: int | None = None) -> Flag:
    """Store a flag sent from the public answer page.

    QuestionError for an unusable question; FlagError for malformed ids; StalePassageError when an
    id is not in ``version`` (the answer was shown from an older index), so that the flag never
    points at a passage nobody can look up.
    """
    text = clean_question(question, max_chars)
    ids = list(dict.fromkeys(passage_ids))
    if len(ids) > MAX_PASSAGES or not all(PASSAGE_ID.match(i) for i in ids):
        raise FlagError("the passage ids are not in the form this site sends")
    known = {c.id for c in version.chunks}
    missing = [i for i in ids if i not in known]
    if missing:
        raise StalePassageError(text, missing)
    today = store.now() // DAY * DAY
    with store.begin() as conn:
        if max_per_day is not None:
            sent = conn.execute(select(func.count()).select_from(flags).where(flags.c.created_on == today)).scalar()
            if sent >= max_per_day:
                raise QueueFullError("too many flags today")
        result = conn.execute(insert(flags).values(created_on=today, question=text, passages=json.dumps(ids),
                                                   helpful=bool(helpful), status="open"))
        return Flag(result.inserted_primary_key[0], today, text, tuple(ids), bool(helpful), "open", None, None)


def queue(store: Store, status: str = "open", limit: int = 200, retention_days: int | None = None) -> list[Flag]:
    """Flags with ``status`` ("open", a reviewed status, or "all"), newest first.

    With ``retention_days``, flags past the retention period are left out even before ``purge`` runs.
    """
    query = select(flags).order_by(flags.c.id.desc()).limit(limit)
    if status != "all":
        query = query.where(flags.c.status == status)
    if retention_days is not None:
        query = query.where(flags.c.created_on >= _cutoff(store, retention_days))
    with store.begin() as conn:
        return [_flag(r) for r in conn.execute(query)]


def counts(store: Store, retention_days: int | None = None) -> dict[str, int]:
    """How many flags there are of each status."""
    query = select(flags.c.status, func.count()).group_by(flags.c.status)
    if retention_days is not None:
        query = query.where(flags.c.created_on >= _cutoff(store, retention_days))
    with store.begin() as conn:
        return dict(conn.execute(query).all())


def parse_target(target: str) -> tuple[str, int, int | None]:
    """``document|section|paragraph`` (paragraph may be empty) as the review form sends it."""
    document, _, rest = target.partition("|")
    section, _, paragraph = rest.partition("|")
    if not section.isdecimal() or not (paragraph == "" or paragraph.isdecimal()):
        raise FlagError("choose the section this question should find")
    return document, int(section), int(paragraph) if paragraph else None


MAX_ID = 2**63 - 1  # SQL BIGINT; a larger id in a URL is simply not a flag


def get(store: Store, flag_id: int) -> Flag:
    if not 0 < flag_id <= MAX_ID:
        raise FlagNotFound(f"there is no flag {flag_id}")
    with store.begin() as conn:
        row = conn.execute(select(flags).where(flags.c.id == flag_id)).one_or_none()
    if row is None:
        raise FlagNotFound(f"there is no flag {flag_id} (it may have passed the retention period)")
    return _flag(row)


def resolve(store: Store, flag_id: int, status: str, staff_name: str) -> Flag:
    """Mark a flag fixed or not a problem (or, through ``add_phrasing``, added as a phrasing)."""
    if status not in STATUSES:
        raise FlagError(f"unknown status '{status}'; use one of: {', '.join(STATUSES)}")
    get(store, flag_id)
    with store.begin() as conn:
        conn.execute(update(flags).where(flags.c.id == flag_id)
                     .values(status=status, reviewed_by=staff_name, reviewed_at=store.now()))
    return get(store, flag_id)


def add_phrasing(store: Store, flag_id: int, version: Version, document: str, section: int,
                 paragraph: int | None, question: str, staff_name: str, max_chars: int) -> PendingPhrasing:
    """Store ``question`` as an alternate phrasing of section number ``section`` of ``document``
    (one paragraph of it when ``paragraph`` is given) and mark the flag done."""
    get(store, flag_id)
    text = clean_question(question, max_chars)
    doc = version.corpus.document(document)
    sec = next((s for s in doc.sections if s.number == section), None) if doc else None
    if sec is None:
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
        return PendingPhrasing(result.inserted_primary_key[0], phrasing, staff_name, now)


def pending(store: Store) -> list[PendingPhrasing]:
    """Phrasings added by staff and not yet exported to the corpus, oldest first."""
    with store.begin() as conn:
        rows = conn.execute(select(phrasings).order_by(phrasings.c.id)).all()
    return [PendingPhrasing(r.id, Phrasing(r.document, r.section, r.paragraph, r.question), r.added_by, r.added_at)
            for r in rows]


def purge(store: Store, retention_days: int) -> int:
    """Delete flags that arrived more than ``retention_days`` days ago; returns how many."""
    with store.begin() as conn:
        return conn.execute(delete(flags).where(flags.c.created_on < _cutoff(store, retention_days))).rowcount


def _cutoff(store: Store, retention_days: int) -> int:
    return store.now() - retention_days * DAY


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
        _replace(path, new)
        try:
            load_corpus(corpus_dir)
        except CorpusError:
            _replace(path, old)
            raise
    with store.begin() as conn:
        conn.execute(delete(phrasings).where(phrasings.c.id.in_([i.id for i in ready])))
    return ExportReport(path, added, len(ready) - len(added), refused)


def _unplaceable(corpus, p: Phrasing) -> str | None:
    doc = corpus.document(p.document)
    if doc is None:
        return f"document '{p.document}' is no longer in the corpus"
    sec = doc.section(p.section)
    if sec is None:
        return f"section '{p.section}' is no longer in '{p.document}'"
    if p.paragraph is not None and p.paragraph > len(sec.paragraphs):
        return f"'{p.section}' no longer has a paragraph {p.paragraph}"
    return None


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _flag(row) -> Flag:
    return Flag(row.id, row.created_on, row.question, tuple(json.loads(row.passages)), bool(row.helpful), row.status,
                row.reviewed_by, row.reviewed_at)
