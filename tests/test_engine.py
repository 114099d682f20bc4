"""End to end with the real bundled model on the real corpus."""

import pytest

from qa.answering.engine import clean_question
from qa.errors import QuestionError

# (question, a phrase of the section heading that answers it)
PLAIN_QUESTIONS = [
    ("can i get arrested for selling sex here", "legal status"),
    ("where can i get narcan", "resources and support services"),
    ("who can i call if someone is making me work for them", "confidential help"),
    ("whats the difference between trafficking and prostitution", "differences between prostitution"),
    ("does this make my neighborhood less safe", "impact the Windham community"),
    ("where do the crime statistics come from", "reliable information and data"),
    ("what health risks do sex workers face", "health and safety risks"),
]


@pytest.mark.parametrize(("question", "section"), PLAIN_QUESTIONS)
def test_plain_questions_find_the_right_section_in_the_top_3(engine, question, section):
    answer = engine.answer(question, top_k=3)
    assert any(section in p.citation.section for p in answer.passages), [p.citation.section for p in answer.passages]


def test_narcan_returns_the_naloxone_passage_first(engine):
    answer = engine.answer("where can I get narcan")
    assert answer.answered
    first = answer.passages[0]
    assert "naloxone (Narcan)" in first.text
    assert first.highlight and "naloxone" in first.text[first.highlight.start : first.highlight.end]


def test_passages_are_verbatim_with_citations_that_resolve(engine):
    doc = engine.version.corpus.document("windham-faq")
    answer = engine.answer("who helps victims of trafficking", top_k=5)
    for p in answer.passages:
        assert doc.text[p.citation.start : p.citation.end] == p.text
        section = doc.section(p.citation.section)
        assert section and 1 <= p.citation.paragraph <= len(section.paragraphs)


def test_out_of_scope_question_is_not_answered_and_gets_fallback_cards(engine):
    answer = engine.answer("how do I renew my driver's license")
    assert not answer.answered and answer.passages == []
    assert [c.id for c in answer.services] == list(engine.version.corpus.directory.fallback)


@pytest.mark.parametrize("bad", ["", "   ", "\x00hi", "x" * 501, "a" * 10_000])
def test_unusable_questions_are_refused_clearly(engine, bad):
    with pytest.raises(QuestionError):
        engine.answer(bad)


@pytest.mark.parametrize("odd", ["???", "!!! ...", "🙂🙂🙂", "¿Dónde puedo hacerme la prueba del VIH?",
                                 "860-555-0123", "word " * 99])
def test_odd_questions_get_an_answer_record_not_a_crash(engine, odd):
    answer = engine.answer(odd)
    assert answer.question == clean_question(odd)


def test_question_is_trimmed_and_whitespace_normalised(engine):
    assert engine.answer("  where   can\ti get\n tested  ").question == "where can i get tested"


@pytest.mark.parametrize("odd", ["???", "🙂🙂🙂", "860-555-0123", "asdfghjkl",
                                 "I am worried about my neighbour. " * 15])
def test_questions_with_nothing_to_match_get_an_honest_no_answer(engine, odd):
    answer = engine.answer(odd)
    assert not answer.answered and answer.passages == []
    assert answer.services  # the fallback cards still offer help


def test_a_number_the_faq_states_is_answered_with_its_passage(engine):
    answer = engine.answer("1-888-373-7888")
    assert answer.answered and "1-888-373-7888" in answer.passages[0].text


def test_qa_answer_stays_the_function_whatever_submodules_are_imported():
    # a submodule named like the function (qa/answer.py) would replace it on first import
    import importlib
    import pkgutil

    import qa

    for module in pkgutil.walk_packages(qa.__path__, "qa."):
        if module.name.startswith("qa.staff.migrations."):
            continue  # Alembic's scripts: they run inside a migration, never on import
        importlib.import_module(module.name)
    assert callable(qa.answer) and qa.answer.__module__ == "qa" and qa.answer.__name__ == "answer"
