"""The staff database: accounts, sessions, login failures, flags and pending phrasings.

``Store(url)`` wraps one SQLAlchemy engine (Core, no ORM). A SQLite file by default (the folder is
created on first use), or PostgreSQL (``postgresql+psycopg://...``) for several servers; both are
tested. Nothing connects until the first query, so the public pages never depend on this database.
The first query brings the schema up to date (``qa.staff.migrate``, Alembic). Every database failure
(read-only file, missing folder, server down, a schema that cannot be migrated) comes out as
``StoreUnavailableError`` naming the database and the fix.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    func,
    make_url,
    select,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.pool import NullPool

from qa.errors import QAError

if TYPE_CHECKING:
    from qa.staff.migrate import Upgraded

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


BACKENDS = ("sqlite", "postgresql")  # the two whose locks ``Store.locked`` knows


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
            if self.url.get_backend_name() not in BACKENDS:
                raise StoreUnavailableError(
                    f"the staff database {self.name} is neither SQLite nor PostgreSQL, the two whose locks keep its "
                    "caps and throttles exact - set QA_DATABASE_URL to sqlite:///... or postgresql+psycopg://...")
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
        with self._transaction() as conn:
            yield conn

    @contextmanager
    def locked(self, key: str) -> Iterator[Connection]:
        """A transaction holding the lock named ``key`` from its first statement to its end.

        For a count-then-write that must be exact across threads, worker processes and servers (the
        day's cap of flags, a name's failed sign-ins): whoever holds the lock counts rows that every
        earlier holder has committed. Counting after inserting is not enough on PostgreSQL, where two
        transactions do not see each other's uncommitted rows (read committed), nor is a plain
        transaction on SQLite, which reads before it takes the write lock. A counter row updated in
        place would do for the cap but not for the throttle, which needs each failure's time.

        PostgreSQL: a transaction-level advisory lock on a 64-bit hash of ``key``, so other keys
        (another name) never wait, and it is released by the commit or rollback, even a crashed one.
        SQLite: BEGIN IMMEDIATE takes the database's single write lock before the first read.
        """
        self._ensure_schema()
        with self._transaction(key) as conn:
            yield conn

    @contextmanager
    def _transaction(self, lock: str | None = None) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                if lock is not None:
                    _take_lock(conn, lock)
                yield conn
        except exc.IntegrityError:
            raise
        except exc.SQLAlchemyError as e:
            raise self._unavailable(e) from e

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def upgrade(self) -> Upgraded:
        """Bring the schema up to date now (``qa db upgrade``); what it was at and what was done."""
        from qa.staff import migrate  # it imports this module, for the metadata

        with self._lock:
            try:
                self._make_folder()
                with self.engine.begin() as conn:
                    _take_lock(conn, "schema")
                    done = migrate.upgrade(conn)
            except migrate.MigrationError as e:
                raise StoreUnavailableError(f"the staff database {self.name} cannot be migrated: {e}") from e
            except (OSError, exc.SQLAlchemyError) as e:
                raise StoreUnavailableError(
                    f"the staff database {self.name} cannot be migrated ({_reason(e)}) - check that the file or server "
                    "exists and that this process may create tables there, then run: qa db upgrade") from e
            self._ready = True
            return done

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        from qa.staff import migrate

        try:
            self._make_folder()
            # Up to date already (every start but the first after a new version): no lock and no write,
            # so a read-only database stays readable.
            with self.engine.connect() as conn:
                up_to_date = migrate.current(conn) == migrate.head()
        except (OSError, exc.SQLAlchemyError) as e:
            raise self._unavailable(e) from e
        if up_to_date:
            self._ready = True
        else:
            self.upgrade()

    def _make_folder(self) -> None:
        """For a SQLite file: its folder, and the file itself readable by this user only (0600)."""
        database = self.url.database or ""
        if self.url.get_backend_name() == "sqlite" and database and database != ":memory:" \
                and not database.startswith("file:"):
            path = Path(database)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # created 0600; an existing file is left as is

    def _unavailable(self, e: Exception) -> StoreUnavailableError:
        return StoreUnavailableError(
            f"the staff database {self.name} cannot be used ({_reason(e)}) - check that the file or server exists "
            "and is writable by this process, or set QA_DATABASE_URL")


def _reason(e: Exception) -> str:
    """The first line of the driver's own message."""
    return (str(getattr(e, "orig", None) or e).splitlines() or [type(e).__name__])[0]


def _take_lock(conn: Connection, key: str) -> None:
    """``Store.locked``'s lock: the first statement of the transaction on ``conn``."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # sqlite3 has not begun yet: it begins only before a write
    else:
        # pg_advisory_xact_lock takes a signed 64-bit key
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        conn.execute(select(func.pg_advisory_xact_lock(number)))


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
