"""Shared fixtures: the real bundled model and the real corpus, built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.answering.engine import Engine
from qa.config import ROOT, Settings
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
          spanish_questions=SPANISH, progress=False)
    return out


@pytest.fixture(scope="session")
def version(index_dir, encoder):
    return load_version(index_dir / "versions" / current_version_id(index_dir), encoder.name, encoder.dimension)


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


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the real corpus, for tests that break or edit it."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst
