"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, pg_ctl on a free loopback port.

No mock: the staff database tests run against this real server as well as SQLite. When PostgreSQL is
not installed or will not start, the tests that need it fail with the fix (``make test`` installs
Debian's ``postgresql``); they are never skipped, since a skipped test would pass for nothing.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import URL, create_engine, text
from sqlalchemy.pool import NullPool

INSTALL = "run make test (it installs Debian's postgresql), or: apt-get install postgresql"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be found or started here; the message says why and what to install."""


def bindir() -> Path:
    """The folder holding initdb and pg_ctl: pg_config's, else Debian's newest /usr/lib/postgresql/N/bin, else PATH."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        # Debian's pg_config comes with libpq-dev and may name a version whose server is not installed.
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.append(Path(out))
    candidates += sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
                         key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)], reverse=True)
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb") or "").resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresUnavailable(f"PostgreSQL's initdb and pg_ctl were not found (looked in {[str(c) for c in candidates]}) "
                              f"- {INSTALL}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One PostgreSQL cluster in a temporary folder; ``new_database()`` gives each test a clean database."""

    def __init__(self) -> None:
        self.bin = bindir()
        # initdb refuses to run as root (and CI runs as root): then the server runs as an unprivileged
        # user, Debian's "postgres" when there is one.
        self.user = None
        if os.geteuid() == 0:
            self.user = next((u for u in ("postgres", "nobody") if _exists(u)), None)
            if self.user is None:
                raise PostgresUnavailable("running as root and there is no 'postgres' or 'nobody' user to run "
                                          f"PostgreSQL as (initdb refuses root) - {INSTALL}")
        self.folder = Path(tempfile.mkdtemp(prefix="qa-postgres-"))  # in /tmp, which that user can reach
        self.data = self.folder / "data"
        self.sockets = self.folder / "run"
        self.sockets.mkdir()
        self.password = secrets.token_hex(16)
        (self.folder / "password").write_text(self.password)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for path in (self.folder, self.sockets, self.folder / "password"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.port = 0
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        kwargs = {"user": self.user, "group": pwd.getpwnam(self.user).pw_gid, "extra_groups": []} if self.user else {}
        result = subprocess.run(args, cwd=self.folder, capture_output=True, text=True, check=False,
                                env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "HOME": str(self.folder)},
                                **kwargs)
        if result.returncode != 0:
            log = (self.folder / "server.log").read_text(errors="replace") if (self.folder / "server.log").exists() else ""
            raise PostgresUnavailable(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}\n{log}\n"
                                      f"- {INSTALL}")

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "qa", "--auth=scram-sha-256",
                  f"--pwfile={self.folder / 'password'}", "-E", "UTF8", "--locale=C", "--no-sync")
        for attempt in range(3):  # the free port may be taken between choosing and binding it
            self.port = _free_port()
            # fsync and full-page writes off: a test server's data may be lost, and they cost time
            options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                          "-w", "-t", "60", "-o", options, "start")
                return
            except PostgresUnavailable:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        if self.data.exists():
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except PostgresUnavailable:
                pass  # never started
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return URL.create("postgresql+psycopg", "qa", self.password, "127.0.0.1", self.port,
                          database).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.url(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()

    def new_database(self) -> str:
        """A new empty database; its URL."""
        name = f"test_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # FORCE: a test may leave a pool open


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True
