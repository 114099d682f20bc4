"""A Spanish question read in English for the model: Debian's Apertium, run for the life of the process
(qa/translation.py), and what the engine does with the translation. Apertium is installed by the
Makefile (make test); these tests fail, never skip, without it."""

from __future__ import annotations

import os
import signal
import time

import pytest

from qa.answering.engine import Engine
from qa.translation import Translator


@pytest.fixture(scope="module")
def translator():
    t = Translator()
    assert t.available, "Apertium is not installed: make translator (Debian's apertium and apertium-en-es)"
    yield t
    t.close()


def test_spanish_as_people_write_it_is_read_in_english(translator):
    # no accents, texted short forms: each unknown word is spelt with its accents before translating
    english = translator.english("la policia arresta a los clientes o solo a las q venden?")
    assert "police" in english.lower() and "clients" in english.lower() and "sell" in english.lower()
    assert "because" in translator.english("xq me piden el pasaporte").lower()
    assert translator.identity == "apertium spa-eng_US"


def test_the_stream_format_is_escaped_and_the_next_question_unharmed(translator):
    odd = translator.english("llama al 1-888-373-7888 24/7, cuesta $5 [gratis] <b> a\\b ^ @ {y} #1 *")
    assert "24/7" in odd and "$5" in odd and "[free]" in odd and "<b>" in odd
    assert "prostitution" in translator.english("es legal la prostitucion?").lower()
    assert translator.english("") == "" and translator.english("\x00\x01\n") == ""


def test_a_killed_translator_is_started_again(translator):
    assert "hello" in translator.english("hola").lower()
    proc = translator._pipeline._proc
    assert proc is not None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # the first question after the death is answered (the program is restarted), not lost
    assert "hello" in translator.english("hola").lower()
    assert translator._pipeline._proc is not proc


def test_a_translator_that_hangs_or_is_missing_costs_only_the_translation():
    hanging = Translator("sleep 30", "sleep 30", timeout=0.3)
    t0 = time.monotonic()
    assert hanging.english("hola") == ""
    assert time.monotonic() - t0 < 2.0
    hanging.close()
    missing = Translator("", "")
    assert not missing.available and missing.identity == "" and missing.english("hola") == ""


def test_a_spanish_question_is_searched_with_its_translation(engine, version, encoder):
    question = "que pasa si me agarran vendiendo sexo en windham"
    trace = engine.trace(question)
    english = engine.translator.english(question)
    assert english and trace.gloss.startswith(english)
    assert trace.answered
    first = trace.ranking.candidates[0].chunk.text
    assert first.startswith(("Prostitution is illegal", "Connecticut law defines prostitution")), first
    # without a translator the question is still answered, from the Spanish and the lexicon alone
    untranslated = Engine(version, encoder, translator=Translator("", "")).trace(question)
    assert untranslated.gloss == engine.searcher.lexical.gloss(question)
    assert untranslated.ranking.candidates


def test_an_english_question_is_never_translated(engine):
    trace = engine.trace("where can I get tested for HIV")
    assert trace.gloss == ""


def test_the_build_records_the_translation_its_spanish_threshold_was_calibrated_with(version):
    assert version.manifest["calibration"]["languages"]["es"]["translation"] == "apertium spa-eng_US"
