"""Spanish questions reach the English passages: language, lexicon, Spanish phrasings, own threshold."""

from __future__ import annotations

import pytest

from qa.retrieval.lexical import Lexical
from qa.text import PhraseMatcher, bare, language, tokenise


@pytest.mark.parametrize(("question", "lang"), [
    ("¿dónde me hago la prueba del VIH?", "es"), ("me quitaron el pasaporte y no me dejan salir", "es"),
    ("es legal la prostitucion en willimantic?", "es"), ("where can i get tested", "en"),
    ("is it legal to pay for sex", "en"), ("DCF", "en"),
])
def test_the_language_of_a_question(question, lang):
    assert language(question) == lang


def test_a_spanish_term_searches_for_the_english_words_accents_optional():
    lexical = Lexical(["HIV testing at the clinic", "Prostitution is illegal"],
                      lexicon=((("prueba", "vih"), ("hiv", "testing")),))
    assert "testing" in lexical.expand("dónde me hago la prueba")
    assert "hiv" in lexical.expand("¿Dónde hay pruebas de VIH?")
    scores = lexical.scores("donde me hago la prueba del vih")
    assert scores[0] > scores[1]


def test_a_term_that_is_also_english_counts_only_in_spanish():
    lexical = Lexical(["criminal offenses", "other"], lexicon=((("legal", "vih"), ("illegal", "hiv")),),
                      english=frozenset({"legal"}))
    assert "illegal" not in lexical.expand("is it legal").split()[3:]
    assert "illegal" in lexical.expand("es legal vender sexo")
    assert "hiv" in lexical.expand("VIH test")  # a Spanish word in an English-looking fragment


def test_spanish_phrasings_are_loaded_with_their_language(version):
    spanish = [p for p in version.corpus.phrasings if p.lang == "es"]
    assert len(spanish) >= 50
    assert {k.lang for k in version.keys if k.kind == "phrasing" and k.text == spanish[0].question} == {"es"}


def test_spanish_questions_have_their_own_calibrated_threshold(engine, version):
    es = version.manifest["calibration"]["languages"]["es"]
    assert es["split"] == "tune" and es["labelled"]["in_scope"] >= 40
    assert engine.rule.threshold_for("es") == es["threshold"] != engine.rule.threshold_for("en")


def test_a_spanish_question_is_also_judged_by_its_translation_alone(engine):
    """With the English model the Spanish words bring a question close to every Spanish out-of-scope question of its
    form ("¿Dónde compro ropa barata en Willimantic?"): judged by the sum of both readings alone, this one falls
    below the Spanish threshold; its translation alone clears it (stop 42)."""
    question = "¿dónde me puedo hacer la prueba del VIH en Willimantic?"
    trace = engine.trace(question)
    read = engine._read(trace.question)
    assert read.english_vector is not None
    summed = engine.searcher.search(read.query, query_vector=read.query_vector, english=read.english, limit=20)
    threshold = engine.rule.threshold_for("es")
    assert engine.rule.confidence(summed, trace.question, trace.covered) < threshold <= trace.confidence
    assert trace.answered and "STI/HIV testing" in trace.ranking.candidates[0].chunk.text


@pytest.mark.parametrize(("question", "key"), [
    ("¿dónde me puedo hacer la prueba del VIH en Willimantic?", "STI/HIV testing"),
    ("¿es ilegal la prostitución en Connecticut?", "Prostitution is illegal throughout the state of Connecticut"),
    ("¿dónde consigo naloxona?", "naloxone (Narcan)"),
])
def test_a_spanish_question_reaches_the_english_passage(engine, question, key):
    answer = engine.answer(question)
    assert answer.answered and any(key in p.text for p in answer.passages[:3])


def test_the_english_phrasings_file_keeps_the_language_when_staff_add_phrasings():
    from qa.corpus.phrasings import Phrasing, add_phrasings, existing

    text = ("phrasings:\n  - document: d\n    section: S\n    lang: es\n    questions:\n      - ¿Qué es?\n")
    new, added = add_phrasings(text, [Phrasing("d", "S", None, "What is it?"), Phrasing("d", "S", None, "¿Y eso?", "es")])
    assert len(added) == 2
    langs = {p.question: p.lang for p in existing(new)}
    assert langs == {"¿Qué es?": "es", "What is it?": "en", "¿Y eso?": "es"}


def test_a_spanish_question_is_also_read_through_its_english_gloss(engine):
    lexical = Lexical(["HIV testing at the clinic"], lexicon=((("prueba",), ("testing", "test")),
                                                               (("vih", "sida"), ("hiv",))))
    assert lexical.gloss("¿Dónde me hago la prueba del VIH o del sida?") == "testing test hiv"
    assert lexical.gloss("where can I get an hiv test") == ""  # English questions have no gloss
    trace = engine.trace("¿qué hace el DCF con los menores?", ranks=True)
    # the gloss: the question's English translation (qa.translation), then its lexicon terms' English words
    assert trace.lang == "es" and trace.gloss.endswith(" minors under 18")
    assert "DCF" in trace.gloss and trace.gloss.lower().startswith("what does the dcf")
    # with the gloss the passage naming DCF's duty to minors is first by the dense score, and never
    # lower than with the Spanish alone
    alone = engine.searcher.search(trace.question, query_vector=engine.encoder.encode([trace.question]))

    def dense_rank(ranking):
        return next(c.dense_rank for c in ranking.candidates if "Children and Families" in c.chunk.text)

    assert dense_rank(trace.ranking) == 1 and dense_rank(trace.ranking) <= dense_rank(alone)


def test_spanish_words_are_stemmed_as_spanish_and_texting_forms_are_stopwords():
    assert tokenise("arrestan, arresto y arrestaron", "es") == ["arrest"] * 3
    assert tokenise("¿Dónde me hago la PRUEBA?", "es") == tokenise("donde me hago las pruebas", "es") == ["hag", "prueb"]
    assert tokenise("q pa xq tb", "es") == []
    assert tokenise("arrested", "en") == ["arrest"]


def test_a_spanish_question_matches_the_spanish_phrasings_of_a_passage_whatever_the_word_form():
    texts = ["Prostitution is illegal in Connecticut", "HIV testing at the clinic"]
    phrasings = ["me pueden arrestar por vender sexo", "donde me hago la prueba"]
    lexical = Lexical(texts, spanish=phrasings)
    scores = lexical.scores("¿arrestan a las que venden?")
    assert scores[0] > 0 and scores[1] == 0
    # an English question never reads the Spanish side, and without Spanish texts nothing changes
    english = "is it the law that they arrestan people"
    assert lexical.scores(english).tolist() == Lexical(texts).scores(english).tolist()
    assert not Lexical(texts).scores("¿arrestan a las que venden?").any()


def test_a_phrase_matches_with_or_without_accents_and_gives_back_the_words_as_written():
    accented, plain = PhraseMatcher(("me escapé",)), PhraseMatcher(("me escape",))
    assert accented.first("ya me escape ayer") == "me escape"
    assert plain.first("ya me escapé ayer") == "me escapé"  # the person's own letters, not the folded ones
    assert list(plain.matches("¿qué hago? me escapé")) == [(11, "me escapé")]  # offsets into the text itself
    assert plain.first("me escapemos") is None  # still whole words
    assert bare("policía ñandú") == "policia nandu" and len(bare("áéíóúñç")) == 7
