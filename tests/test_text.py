"""``qa.text.PhraseMatcher`` finds what one expression per phrase finds, however it skips texts early."""

from __future__ import annotations

import re

import pytest

from qa.text import PhraseMatcher, bare

PHRASES = ("test", "hiv test", "24/7", "$5", "can't leave", "me escapé", "-- ok", "i")
TEXTS = [
    "where can i get a hiv test", "testing sites", "is it open 24/7?", "it costs $5", "i can't leave the house",
    "ya me escape", "me escapé anoche", "attest", "contest entries", "-- ok then", "ok", "", "i", "hi", "i'm here",
    "5 dollars", "the test-kit", "retest", "hiv testing",
]


def _slow(phrases: tuple[str, ...], prefix: bool, text: str) -> list[tuple[int, str]]:
    """Every phrase's own expression, phrase by phrase, as the matcher promises."""
    tail = "" if prefix else r"(?!\w)"
    plain = bare(text)
    return [(m.start(), text[m.start():m.end()]) for p in phrases
            for m in re.finditer(rf"(?<!\w){re.escape(bare(p))}{tail}", plain)]


@pytest.mark.parametrize("prefix", [False, True])
@pytest.mark.parametrize("text", TEXTS)
def test_the_matcher_finds_what_each_phrase_finds(prefix, text):
    for phrases in (PHRASES, PHRASES[:1], PHRASES[1:2], PHRASES[5:6], ("--",)):
        found = PhraseMatcher(phrases, prefix)
        expected = _slow(phrases, prefix, text)
        assert list(found.matches(text)) == expected, (phrases, text)
        assert found.earliest(text) == (min(s for s, _ in expected) if expected else None)
