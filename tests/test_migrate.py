"""The staff database's migrations (qa/staff/migrate.py, qa/staff/migrations/), each on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, make_url, select, text
from sqlalchemy.pool import NullPool

from qa.cli import main
from qa.staff import accounts, migrate
from qa.staff.db import Store, StoreUnavailableError, flags, metadata, staff

PASSWORD = "correct horse battery staple"


def _revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return migrate.current(conn)
    finally:
        engine.dispose()


def test_a_new_database_gets_the_newest_revision_and_exactly_the_tables_the_code_uses(database_url):
    store = Store(database_url)
    accounts.members(store)  # first use migrates
    with store.begin() as conn:
        assert migrate.current(conn) == migrate.head()
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
        tables = set(inspect(conn).get_table_names())
    store.close()
    assert differences == []  # columns, types, nullability, indexes and the unique name, as create_all made them
    assert tables == migrate.INITIAL_TABLES | {"alembic_version"}


def test_a_database_made_before_migrations_is_adopted_and_keeps_its_rows(database_url):
    """The code before migrations made its tables with create_all and kept no alembic_version."""
    if database_url.startswith("sqlite"):
        Store(database_url)._make_folder()
    old = create_engine(database_url, poolclass=NullPool)
    metadata.create_all(old, tables=[metadata.tables[name] for name in sorted(migrate.INITIAL_TABLES)])
    with old.begin() as conn:
        conn.execute(insert(staff).values(name="alice", password_hash=accounts.HASHER.hash(PASSWORD), created_at=1))
        conn.execute(insert(flags).values(created_on=0, question="q", passages="[]", helpful=True, status="open"))
    old.dispose()
    assert _revision(database_url) is None

    store = Store(database_url)
    done = store.upgrade()
    assert (done.before, done.adopted, done.after) == (None, True, migrate.head())
    assert accounts.authenticate(store, "alice", PASSWORD, 5, 900).name == "alice"  # the old rows are still there
    with store.begin() as conn:
        assert conn.execute(select(flags.c.question)).scalars().all() == ["q"]
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    again = store.upgrade()
    assert (again.before, again.adopted, again.after) == (migrate.head(), False, migrate.head())
    store.close()
    assert _revision(database_url) == migrate.head()


def test_many_processes_starting_at_once_migrate_once(database_url):
    """Eight stores (as eight worker processes would have) make their first query together on an empty database."""
    errors: list[Exception] = []
    start = threading.Barrier(8)

    def first_use() -> None:
        store = Store(database_url)
        try:
            start.wait()
            accounts.members(store)
        except Exception as e:  # collected, and shown by the assertion below
            errors.append(e)
        finally:
            store.close()

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [migrate.head()]
    engine.dispose()


def test_a_database_from_a_newer_version_is_refused_with_the_fix(database_url):
    store = Store(database_url)
    store.upgrade()
    store.close()
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    engine.dispose()
    store = Store(database_url)
    with pytest.raises(StoreUnavailableError, match=r"revision ffff, which this version .* does not know.*newer version"):
        accounts.members(store)
    store.close()


def test_a_database_with_only_some_staff_tables_is_refused_untouched(database_url):
    if database_url.startswith("sqlite"):
        Store(database_url)._make_folder()
    engine = create_engine(database_url, poolclass=NullPool)
    metadata.create_all(engine, tables=[staff])
    engine.dispose()
    store = Store(database_url)
    with pytest.raises(StoreUnavailableError, match=r"cannot be migrated: it has some of the staff tables but not "
                                                    r"flags, login_failures, phrasings, staff_sessions"):
        store.upgrade()
    store.close()
    assert _revision(database_url) is None


def test_cli_db_upgrade(database_url, monkeypatch, capsys):
    monkeypatch.setenv("QA_DATABASE_URL", database_url)
    from qa.config import get_settings

    get_settings.cache_clear()
    try:
        assert main(["db", "upgrade"]) == 0
        assert f"upgraded from an empty database to revision {migrate.head()}" in capsys.readouterr().out
        assert main(["db", "upgrade"]) == 0
        out = capsys.readouterr().out
        assert f"already at revision {migrate.head()}" in out
        password = make_url(database_url).password
        assert password is None or password not in out
    finally:
        get_settings.cache_clear()


def test_cli_db_upgrade_names_an_unreachable_server_and_the_fix(monkeypatch, capsys):
    monkeypatch.setenv("QA_DATABASE_URL", "postgresql+psycopg://staff:secret@127.0.0.1:1/staff")
    from qa.config import get_settings

    get_settings.cache_clear()
    try:
        assert main(["db", "upgrade"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "postgresql+psycopg://staff:***@127.0.0.1:1/staff cannot be migrated" in err
    assert "then run: qa db upgrade" in err and "secret" not in err
