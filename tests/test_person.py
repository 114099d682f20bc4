"""A question about someone else, also searched as the writer's own (qa.retrieval.person)."""

from __future__ import annotations

import pytest

from qa.answering.engine import _asked
from qa.retrieval.person import first_person, whose


@pytest.mark.parametrize(("question", "told"), [
    ("my brother got caught buying sex, will that hurt him", "i got caught buying sex, will that hurt me"),
    ("my best friend wants out, where can she go", "i wants out, where can i go"),
    ("my daughter is 16, is she a victim", "i am 16, am i a victim"),
    ("my friend's boyfriend takes her money", "my boyfriend takes my money"),  # the friend is the writer
    ("does my cousin have to pay the fine", "do i have to pay the fine"),
])
def test_a_question_about_someone_close_is_told_of_the_writer(question, told):
    assert first_person(question) == told


@pytest.mark.parametrize("question", [
    "where can i get tested",  # the writer's own already
    "the police took her phone",  # nobody the writer names
    "mi amiga quiere salir de esto, quién la ayuda",  # English only
])
def test_other_questions_have_no_first_person_reading(question):
    assert first_person(question) == ""


def test_the_first_person_reading_finds_the_passage_that_answers(engine):
    """Read as asked, the passage on the law's penalties came first; the one that says a conviction
    impacts future employment is what the question asks (checked by hand without the reading)."""
    question = "my brother got caught buying sex, will that hurt him when he applies for jobs"
    trace = engine.trace(question)
    assert trace.gloss == "i got caught buying sex, will that hurt me when i applies for jobs"
    assert trace.answered
    assert "impacting future employment" in trace.ranking.candidates[0].chunk.text


def test_the_reading_never_lowers_the_confidence_that_the_corpus_answers(engine, monkeypatch):
    """The sum of two vectors scores lower against every passage than either alone; whether the corpus
    answers is judged on the question as asked too, so the reading only reorders."""
    import qa.answering.engine as engine_module

    question = "my aunt has been in the life a long time and now she has flashbacks and bad dreams. is that common?"
    read = engine.trace(question)
    assert read.gloss == "i have been in the life a long time and now i have flashbacks and bad dreams. is that common?"
    monkeypatch.setattr(engine_module, "first_person", lambda text: "")
    as_asked = engine.trace(question)
    assert as_asked.gloss == ""
    assert read.confidence >= as_asked.confidence
    assert read.answered or not as_asked.answered


@pytest.mark.parametrize(("message", "asked"), [
    ("I moved here last year. The motel next door is busy all night. Is that why there is more crime?",
     "Is that why there is more crime?"),
    ("I work nights. My roommate does too. Tell me where to get tested", "Tell me where to get tested"),
    ("I work nights. Where can I get tested?", ""),  # two sentences: the question is read whole
])
def test_a_long_message_is_also_searched_by_the_sentences_that_ask(message, asked):
    assert _asked(message) == asked


def test_a_long_message_s_reading_is_its_question_told_of_the_writer(engine):
    trace = engine.trace("I teach middle school. One of my students told me something. My student's older boyfriend "
                         "makes her sell sex. Who should I call?")
    assert trace.gloss == "Who should I call?"
    trace = engine.trace("We go to the same church. She seems tired all the time. My friend says her man takes her "
                         "money. What can my friend do?")
    assert trace.gloss == "What can i do?"


@pytest.mark.parametrize(("words", "message", "told"), [
    ("beats me", "my man makes me work n beats me", "writer"),
    ("took my id", "they took my id and say i owe them", "writer"),
    ("makes her see", "a girl at our motel says a man makes her see men. what should i do", "someone"),
    ("she is being trafficked", "i'm a nurse. a patient told us she is being trafficked", "someone"),
    ("cant leave", "one of my clients whispered she cant leave the place", "someone"),  # the word before
    ("cant leave", "i cant leave, he has my keys", "writer"),
    ("cant leave", "nobody here cant leave", None),  # neither says: the caller decides
    ("beats me", "he beat her", None),  # words not in the message
])
def test_the_words_that_fired_say_whose_danger_it_is(words, message, told):
    assert whose(message, words) == told
