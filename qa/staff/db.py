"""The staff database: accounts, sessions, login failures, flags and pending phrasings.

``Store(url)`` wraps one SQLAlchemy engine (Core, no ORM). A SQLite file by default (the folder is
created on first use); any SQLAlchemy URL works, e.g. ``postgresql+psycopg://...`` for several
servers. Nothing connects until the first query, so the public pages never depend on this database.
Every database failure (read-only file, missing folder, server down) comes out as
``StoreUnavailableError`` naming the database and the fix.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    exc,
    make_url,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.pool import NullPool

from qa.errors import QAError

metadata = MetaData()

staff = Table(
    "staff", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", Integer, nullable=False),
)

# Only a hash of each session id is stored: someone who reads the database cannot sign in with it.
sessions = Table(
    "staff_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", Integer, nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("last_seen", Integer, nullable=False, index=True),
)

# Failed sign-ins, by a hash of the name typed (``failure_key``): people type passwords into the name
# box, and a name that is not an account is nobody's business to keep.
login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, index=True),  # sha256 hex of the normalised name
    Column("at", Integer, nullable=False, index=True),
)

# What a person chose to send from the public page: the question, the passage ids, yes or no, and
# the day (for the retention period). Nothing about who sent it.
flags = Table(
    "flags", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_on", Integer, nullable=False, index=True),  # UTC midnight, epoch seconds
    Column("question", Text, nullable=False),
    Column("passages", Text, nullable=False),  # JSON list of chunk ids
    Column("helpful", Boolean, nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    Column("reviewed_by", String(64), nullable=True),
    Column("reviewed_at", Integer, nullable=True),
)

phrasings = Table(
    "phrasings", metadata,
    Column("id", Integer, primary_key=True),
    Column("document", String(200), nullable=False),
    Column("section", Text, nullable=False),
    Column("paragraph", Integer, nullable=True),
    Column("question", Text, nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", Integer, nullable=False),
)


class StoreUnavailableError(QAError):
    """The staff database cannot be read or written; the message names it and the fix."""


class Store:
    """One database, opened lazily; ``clock`` (seconds since the epoch) is replaceable in tests."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time):
        try:
            self.url = make_url(url)
        except exc.ArgumentError as e:
            raise StoreUnavailableError(f"QA_DATABASE_URL is not a database URL ({e}) - "
                                        "use e.g. sqlite:///data/staff.db or postgresql+psycopg://...") from e
        self.clock = clock
        self._engine: Engine | None = None  # created on first use: the public pages never depend on the staff database
        self._ready = False
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            sqlite = self.url.get_backend_name() == "sqlite"
            try:
                # NullPool for SQLite: a file connection is cheap to open and none is left open between requests.
                self._engine = create_engine(self.url, poolclass=NullPool) if sqlite \
                    else create_engine(self.url, pool_pre_ping=True)
                if sqlite:
                    # deleted flags and sessions are overwritten in the file, not left in free pages
                    event.listen(self._engine, "connect", _secure_delete)
            except ImportError as e:
                raise StoreUnavailableError(
                    f"no database driver for {self.name} ({e.name} is not installed) - for PostgreSQL run: "
                    "pip install 'windham-answers[postgres]'") from e
            except exc.ArgumentError as e:
                raise StoreUnavailableError(f"the staff database URL {self.name} is not usable ({e})") from e
        return self._engine

    @property
    def name(self) -> str:
        """The URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def now(self) -> int:
        return int(self.clock())

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction; database failures become StoreUnavailableError."""
        self._ensure_schema()
        try:
            with self.engine.begin() as conn:
                yield conn
        except exc.IntegrityError:
            raise
        except exc.SQLAlchemyError as e:
            raise self._unavailable(e) from e

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            try:
                self._make_folder()
                metadata.create_all(self.engine)
            except (OSError, exc.SQLAlchemyError) as e:
                raise self._unavailable(e) from e
            self._ready = True

    def _make_folder(self) -> None:
        """For a SQLite file: its folder, and the file itself readable by this user only (0600)."""
        database = self.url.database or ""
        if self.url.get_backend_name() == "sqlite" and database and database != ":memory:" \
                and not database.startswith("file:"):
            path = Path(database)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # created 0600; an existing file is left as is

    def _unavailable(self, e: Exception) -> StoreUnavailableError:
        reason = str(getattr(e, "orig", None) or e).splitlines()[0]
        return StoreUnavailableError(
            f"the staff database {self.name} cannot be used ({reason}) - check that the file or server exists "
            "and is writable by this process, or set QA_DATABASE_URL")


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()


def new_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT just made."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise StoreUnavailableError("the database did not return the new row's id")
    return int(key[0])
