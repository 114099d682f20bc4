"""Alembic migrations of the staff database, run by ``qa.staff.migrate`` (never by hand-written create_all)."""
