"""Subjects near the corpus's own that it does not cover (``not_covered`` in corpus/out_of_scope.yaml)."""

from __future__ import annotations

import pytest

from qa.corpus import load_corpus
from qa.errors import CorpusError
from qa.text import normalise


@pytest.mark.parametrize(("question", "word"), [
    ("can i get deported for a prostitution conviction if i have a green card", "deported"),
    ("do sex workers have to pay taxes on what they make", "taxes"),
    ("is onlyfans legal in connecticut", "onlyfans"),
    ("¿me pueden deportar si me arrestan?", "deportar"),
    ("Is PrEP one pill a day?", "prep"),
    ("how do i get a pardon for an old soliciting charge", "pardon"),
    ("whats the mandatory minimum for promoting prostitution", "mandatory minimum"),
    ("can the clinic give me doxy pep after a condom broke", "doxy pep"),
    ("is there parking at the health center", "parking"),
    ("¿va a llover mañana en willimantic?", "llover"),
    ("does the u visa cover victims of assault", "u visa"),
    ("can i buy narcan over the counter", "over the counter"),
    ("could you write a letter for me to my probation officer", "could you write"),
    ("whats the max penalty for patronizing a prostitute", "max penalty"),
    ("any good apps for learning english", "learning english"),
    ("how do i enroll my son in kindergarten", "enroll my son"),
    ("when does the new album come out", "new album"),
    ("mi telefono no carga que hago", "no carga"),
    ("is there a certification course for advocates", "certification"),
    ("did that bill in the state senate to decriminalize sex work pass", "bill in the"),
    ("¿qué pasó con la redada que salió en las noticias?", "en las noticias"),
    ("any news about the motel raid on route 6", "any news"),
    ("can i check my hiv results online through mychart", "mychart"),
    ("is the ywca hiring counselors this fall", "hiring counselors"),
    ("will his arrest for soliciting help me in the divorce", "divorce"),
])
def test_a_question_naming_a_subject_the_faq_does_not_cover(version, question, word):
    assert any(t.named_in(normalise(question)) == word for t in version.corpus.topics)


@pytest.mark.parametrize("question", [
    "can i get arrested for selling sex", "where can i get tested for hiv", "my trafficker took my passport",
    "can legal aid help a trafficking victim with immigration", "i want to prepare for court",
    "what happens to johns who get caught",
    # a landlord or a lease is part of the neighbourhood the FAQ speaks of; an eviction is not
    "our landlord says the girls on the corner bring crime, is that true",
    "i got hooked on prescription pills while working, where can i get treatment",
    # the FAQ speaks of advocating for policies: lobbying lawmakers is its subject, a particular bill is not
    "should our group lobby lawmakers to fund more housing and treatment",
    "can i get help paying the bill at the clinic",
    # a life told, not what is asked
    "im divorced with two kids and i sell sex to pay rent, where can i get tested",
])
def test_a_question_the_faq_answers_names_no_such_subject(version, question):
    assert not [t.name for t in version.corpus.topics if t.named_in(normalise(question))]


def test_a_subject_the_faq_does_not_cover_gets_an_honest_answer(engine):
    answer = engine.answer("can i get deported for a prostitution conviction if i have a green card")
    assert not answer.answered and answer.passages == [] and answer.related
    assert answer.gap is not None and answer.gap.kind == "topic"
    assert answer.gap.message == "Our information does not cover immigration status and deportation."
    # the services nearest the subject, with the fears of a person who may be deported first
    assert answer.services[0].id in ("national-human-trafficking-hotline", "ct-legal-services")
    assert "ct-legal-services" in [c.id for c in answer.services]
    spanish = engine.answer("tengo green card, una condena por prostitución me pueden deportar?")
    assert not spanish.answered and spanish.gap is not None and spanish.gap.kind == "topic"
    assert spanish.gap.message.startswith("Nuestra información no trata de la situación migratoria")


def test_a_person_in_danger_is_never_turned_away_for_a_subject(engine):
    answer = engine.answer("he says he will get me deported if i stop, he has my passport")
    assert answer.safety is not None and answer.gap is None


@pytest.mark.parametrize(("topic", "word", "where"), [
    ("trafficking help", "hotline", "document 'windham-faq'"),
    # Access Agency helps with "benefits enrollment": benefits are not a subject the corpus leaves out
    ("public benefits", "benefits enrollment", "service 'access-agency'"),
])
def test_a_subject_word_the_corpus_uses_is_refused_at_load(corpus_copy, topic, word, where):
    path = corpus_copy / "out_of_scope.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"  - topic: {topic}\n    words: [{word}]\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert any(f"{word!r} occurs in {where}" in p for p in e.value.problems), e.value.problems


def test_an_everyday_subject_named_in_passing_does_not_turn_a_question_away(engine):
    """A subject of everyday life counts where a message asks (a sentence with a question mark, or its last
    one), not in the story around the question (stop 35)."""
    story = ("We live off Main Street and walk our dog there every night. Lately there are women out on the corner "
             "late. Does street prostitution really make a neighborhood less safe?")
    answer = engine.answer(story)
    assert answer.gap is None and answer.answered
    asked = "We just moved to Windham. Where is a good vet for my dog?"
    answer = engine.answer(asked)
    assert answer.gap is not None and answer.gap.kind == "topic" and not answer.answered


@pytest.mark.parametrize("question", [
    "can someone help my son with his science homework tonight",
    "necesito ayuda con la tarea de ciencias de mi hijo, que hago",
    "no entiendo la tarea de matemáticas de mi hija, me explican?",
])
def test_school_homework_is_an_everyday_subject(engine, question):
    """Stop 45: a request for homework help is refused as a subject the FAQ does not cover, and the example
    sentences do not read it ("..., que hago" came close to danger's Spanish examples with this model)."""
    answer = engine.answer(question)
    assert answer.safety is None, answer.safety
    assert not answer.answered and answer.gap is not None and answer.gap.kind == "topic"


CHORE = "me hace hacer todas las tareas de la casa y no me paga"


def test_a_chore_is_not_homework(engine):
    """"tarea" alone is also a chore: forced housework still reaches the crisis detector."""
    assert engine.version.corpus.topics and not any(
        t.named_in(CHORE) for t in engine.version.corpus.topics if t.everyday)
    match = engine.trace(CHORE).safety
    assert match is not None and match.level == "emergency", match
