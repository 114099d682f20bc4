"""A question about someone else, also searched as the writer's own (qa.retrieval.person)."""

from __future__ import annotations

import pytest

from qa.retrieval.person import first_person


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
