"""The staff database's schema, brought up to date with Alembic (revisions in ``qa/staff/migrations/versions/``).

``Store`` calls ``upgrade`` on first use, so an existing database upgrades in place when a new
version of the code starts; ``qa db upgrade`` does the same on demand. A database made before
migrations (``metadata.create_all``, no ``alembic_version`` table) is adopted: stamped at the
initial revision, whose schema is exactly what create_all made, then upgraded from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

MIGRATIONS = Path(__file__).with_name("migrations")
INITIAL = "0001"
# The tables create_all made before migrations, fixed forever (the metadata will grow past them).
INITIAL_TABLES = frozenset({"staff", "staff_sessions", "login_failures", "flags", "phrasings"})


@dataclass(frozen=True)
class Upgraded:
    before: str | None  # None: an empty database, or one made before migrations (then ``adopted``)
    adopted: bool  # made by create_all before migrations, and stamped at INITIAL
    after: str


class MigrationError(Exception):
    """The schema cannot be brought up to date; ``Store`` names the database and the fix around it."""


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if revision is None:
        raise MigrationError(f"no migrations in {MIGRATIONS}")
    return revision


def current(conn: Connection) -> str | None:
    """The revision the database is at; None for an empty database or one made before migrations."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection) -> Upgraded:
    """Bring the database on ``conn`` to ``head()``; what it was at and what was done.

    ``conn`` is in a transaction that holds the schema lock (``Store``), so two processes starting
    at once cannot both create the tables; on both databases the DDL commits with that transaction,
    all or nothing.
    """
    before = current(conn)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    adopted = False
    if before is None:
        found = set(inspect(conn).get_table_names()) & INITIAL_TABLES
        if found == INITIAL_TABLES:
            command.stamp(config, INITIAL)
            adopted = True
        elif found:
            raise MigrationError(f"it has some of the staff tables but not {', '.join(sorted(INITIAL_TABLES - found))}, "
                                 "so it was not made by this code - point QA_DATABASE_URL at an empty database or "
                                 "a staff database")
    elif before not in {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}:
        raise MigrationError(f"it is at schema revision {before}, which this version of Windham Answers does not know "
                             "(a newer version migrated it) - run that newer version")
    command.upgrade(config, "head")
    return Upgraded(before, adopted, head())
