"""Alembic's entry point: runs the migrations on the connection ``qa.staff.migrate`` hands over.

There is no alembic.ini and no URL here: the database is always the one ``QA_DATABASE_URL`` names,
opened by ``Store``, which also holds the schema lock while this runs (``qa db upgrade``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from qa.staff.db import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the staff database is migrated through its Store - run: qa db upgrade")
# SQLite alters a table by copying it: batch mode lets later migrations change columns there too.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
