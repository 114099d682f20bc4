"""Flags sent from the public answer page ("Did this help?"), and their life: review status, retention.

A flag holds what the person chose to send - the question, the ids of the passages they were shown,
and whether it helped - plus the day it arrived, for the retention period. No address, browser
detail or cookie is ever passed in, so none can be stored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from qa.answering.engine import clean_question
from qa.errors import QAError
from qa.index.format import Version
from qa.staff.db import Store, flags, new_id

DAY = 86_400
MAX_PASSAGES = 10
MAX_ID = 2**63 - 1  # SQL BIGINT; a larger id in a URL is simply not a flag
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


class QueueFullError(FlagError):
    """The day's cap of flags is reached (a flood, since no address is kept to tell senders apart)."""


def submit(store: Store, version: Version, question: str, passage_ids: list[str], helpful: bool,
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
    # Counted and inserted under the day's lock (``Store.locked``). Counting after inserting, as this
    # did before, held on SQLite (the insert took the file's write lock) but not on PostgreSQL, where
    # senders do not see each other's uncommitted rows: twelve at once kept 11-16 under a cap of 10.
    with store.locked(f"flags:{today}") if max_per_day is not None else store.begin() as conn:
        if max_per_day is not None:
            sent = conn.execute(select(func.count()).select_from(flags).where(flags.c.created_on == today)).scalar_one()
            if sent >= max_per_day:
                raise QueueFullError("too many flags today")
        result = conn.execute(insert(flags).values(created_on=today, question=text, passages=json.dumps(ids),
                                                   helpful=bool(helpful), status="open"))
        return Flag(new_id(result), today, text, tuple(ids), bool(helpful), "open", None, None)


def queue(store: Store, status: str = "open", limit: int = 200, retention_days: int | None = None,
          before: int | None = None) -> list[Flag]:
    """Flags with ``status`` ("open", a reviewed status, or "all"), newest first.

    With ``retention_days``, flags past the retention period are left out even before ``purge`` runs.
    With ``before``, only flags older than that flag id: the next page after a page that ended there
    (paging by id, so flags arriving meanwhile never shift a page).
    """
    query = select(flags).order_by(flags.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(flags.c.id < before)
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


def purge(store: Store, retention_days: int) -> int:
    """Delete flags that arrived more than ``retention_days`` days ago; returns how many."""
    with store.begin() as conn:
        return conn.execute(delete(flags).where(flags.c.created_on < _cutoff(store, retention_days))).rowcount


def _cutoff(store: Store, retention_days: int) -> int:
    return store.now() - retention_days * DAY


def _flag(row: Any) -> Flag:
    return Flag(row.id, row.created_on, row.question, tuple(json.loads(row.passages)), bool(row.helpful), row.status,
                row.reviewed_by, row.reviewed_at)
