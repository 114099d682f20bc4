"""Windham Answers: verbatim, cited answers from an FAQ corpus, and the services that can help.

``qa.answer(question)`` answers with the index in service (settings from ``QA_*`` variables).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from qa.records import Answer

if TYPE_CHECKING:
    from qa.answering.engine import Engine

__all__ = ["Answer", "answer", "open_engine"]


@lru_cache(maxsize=1)
def open_engine() -> Engine:
    """The Engine over the published index version, loaded once per process."""
    from qa.answering.engine import Engine
    from qa.config import get_settings
    from qa.encoder import encoder_for
    from qa.index.format import load_version
    from qa.lifecycle.registry import current_version_id

    settings = get_settings()
    encoder = encoder_for(settings)
    version_id = current_version_id(settings.index_dir)
    version = load_version(settings.index_dir / "versions" / version_id, encoder.identity)
    return Engine(version, encoder, settings.max_question_chars)


def answer(question: str, top_k: int | None = None) -> Answer:
    """Answer ``question`` from the published index: passages, cards, crisis banner."""
    from qa.config import get_settings

    engine: Engine = open_engine()
    return engine.answer(question, top_k or get_settings().default_top_k)
