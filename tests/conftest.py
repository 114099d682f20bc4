"""Shared fixtures: the real bundled model and the real corpus, built once per test session."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.answering.engine import Engine
from qa.config import ROOT, Settings, crisis_sets, training_sets
from qa.encoder import get_encoder
from qa.index.format import load_version
from qa.lifecycle.build import build
from qa.lifecycle.registry import current_version_id

CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "eval" / "questions.yaml"
CRISIS = ROOT / "eval" / "crisis.yaml"
WORDING = ROOT / "eval" / "wording.yaml"
SPANISH = ROOT / "eval" / "spanish.yaml"


@pytest.fixture(scope="session")
def encoder():
    return get_encoder()


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, encoder) -> Path:
    """The real corpus built with the real model, once per session."""
    out = tmp_path_factory.mktemp("index")
    build(CORPUS, out, encoder, questions=QUESTIONS, crisis_questions=CRISIS, wording_questions=WORDING,
          spanish_questions=SPANISH, training=training_sets(ROOT / "eval"),
          crisis_training=crisis_sets(ROOT / "eval"), progress=False)
    return out


@pytest.fixture(scope="session")
def version(index_dir, encoder):
    return load_version(index_dir / "versions" / current_version_id(index_dir), encoder.identity)


@pytest.fixture(scope="session")
def engine(version, encoder) -> Engine:
    return Engine(version, encoder)


@pytest.fixture(scope="session")
def settings(index_dir) -> Settings:
    return Settings(index_dir=index_dir, corpus_dir=CORPUS)


@pytest.fixture(scope="session")
def client(settings):
    from web.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c


class Clock:
    """A clock the test moves by hand (seconds since the epoch), for the staff database."""

    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server (tests/postgres.py), started once, only when a test asks for it.

    When it cannot start the tests that need it fail with the reason and the fix: never skipped."""
    from tests.postgres import PostgresUnavailable, Server

    server = None
    try:
        server = Server()
        server.start()
    except PostgresUnavailable as e:
        if server is not None:
            server.stop()
        pytest.fail(f"PostgreSQL is needed for the staff database tests: {e}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A clean, empty staff database for one test, on each database the staff store supports: a SQLite
    file in a folder that does not exist yet, or a new database on the throwaway PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/db/staff.db"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.new_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the real corpus, for tests that break or edit it."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


def _catalog_fragments() -> list[tuple[str, re.Pattern[str]]]:
    """The English words of every message the Spanish catalog translates differently, as patterns:
    each message cut at its placeholders and markup, pieces of 3 letters or more, whole words."""
    from babel.messages.pofile import read_po

    from qa.i18n import catalog_path

    with catalog_path("es").open("rb") as f:
        catalog = read_po(f)
    patterns = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or set(ids) <= set(strings):
            continue
        for english in ids:
            for piece in re.split(r"%\(\w+\)s|\{\w+\}|<[^>]+>|[“”]", english):
                piece = piece.strip(" .,:;?!()")
                if len(piece) >= 3 and piece not in strings[0]:
                    patterns.add(piece)
    return [(p, re.compile(rf"(?<!\w){re.escape(p)}(?!\w)")) for p in sorted(patterns)]


def english_left(html: str) -> list[str]:
    """The service's own English words still on a page that should be all Spanish.

    What is English on purpose is left out: anything marked ``lang="en"`` (the quoted passages and
    documents), the question the person typed, service names, and corpus headings quoted in a “why”.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select('body [lang="en"], q, textarea, .card-name, script, style'):
        element.decompose()
    text = re.sub(r"“[^”]*”", " ", " ".join(soup.get_text(" ").split()))
    return [piece for piece, pattern in _catalog_fragments() if pattern.search(text)]
