"""Correcting misspelt question words against the corpus vocabulary (qa.retrieval.spelling)."""

from __future__ import annotations

import pytest

from qa.retrieval.spelling import Speller


@pytest.fixture(scope="module")
def speller(engine):
    return engine.searcher.speller


@pytest.mark.parametrize(("question", "fixes"), [
    ("how do i get narcn", {"narcn": "narcan"}),
    ("my pimp took my id is that traficking", {"traficking": "trafficking"}),
    ("do the polce arrest people", {"polce": "police"}),
])
def test_typos_become_corpus_words(speller, question, fixes):
    assert speller.corrections(question) == fixes


def test_known_words_and_short_words_are_left_alone(speller):
    assert speller.corrections("is onlyfans legal in windham") == {}  # no corpus word is one edit away
    assert "tst" not in speller.corrections("where cn i get a tst")  # too short to correct safely
    assert speller.correct("Where can I get tested?") == "Where can I get tested?"


def test_english_texting_shorthand_is_written_out(speller):
    assert speller.correct("wat r ppl doin 2 stop it") == "what are people doing 2 stop it"
    assert speller.correct("cn u get tested rn") == "can you get tested right now"
    assert speller.corrections("wit dis") == {}  # English words too: left alone


def test_texting_forms_with_digits_are_written_out_and_numbers_are_not(speller):
    assert speller.correct("how cn i report sum1 b4 2nite") == "how can i report someone before tonight"
    assert speller.correct("pushes ppl in2 the life") == "pushes people into the life"
    assert speller.corrections("charged 2 times in the 1st year, 4 days") == {}  # a digit alone, a 1st: numbers


def test_a_dropped_letter_beats_a_more_common_word_equally_close():
    # "wich" is one edit from both; "with" is far more common, but "wich" is "which" with a letter left out
    speller = Speller(["with " * 50 + "which areas"])
    assert speller.corrections("wich areas") == {"wich": "which"}
    assert speller.corrections("wiht them") == {"wiht": "with"}  # no dropped letter: the closest, then the commonest


def test_a_plural_made_the_regular_way_from_a_word_in_y_is_the_corpus_plural():
    # "policys" is two edits from "policies" and from the commoner "police": the plural rule decides
    speller = Speller(["police " * 50 + "policies and agencies; the valley's days"])
    assert speller.corrections("wat policys wud help") == {"wat": "what", "policys": "policies", "wud": "would"}
    assert speller.corrections("agencys") == {"agencys": "agencies"}
    assert "valleys" not in speller.corrections("valleys")  # a vowel before the y: "valleys" is the plural


def test_shorthand_is_english_only(speller):
    # "y" is Spanish for "and", "n" nothing at all
    assert speller.correct("la policía y los servicios", "es") == "la policía y los servicios"
    assert speller.correct("y r u here", "en") == "why are you here"


def test_a_correction_only_goes_to_a_word_the_corpus_has():
    speller = Speller(["Naloxone reverses an overdose."])
    assert speller.corrections("where do i get naloxne") == {"naloxne": "naloxone"}
    assert speller.corrections("where do i get narcn") == {}


def test_a_misspelt_question_reaches_the_passage(engine):
    answer = engine.answer("how do i get narcn")
    assert answer.answered
    assert any("naloxone" in p.text.lower() or "narcan" in p.text.lower() for p in answer.passages[:3])


def test_street_words_are_written_plain_for_search(speller):
    # synonyms.yaml's plain map: the model does not know that "5-0" is the police or "my bread" money
    assert speller.plain("5-0 been doin stings by the motels") == "police been doin stings by the motels"
    assert speller.plain("if he takes all my bread is that trafficking") == "if he takes all my money is that trafficking"
    assert speller.plain("Windham PD") == "windham police department"


def test_street_words_are_whole_words_english_only_and_never_an_everyday_word(speller):
    assert speller.plain("we lost 15-0 and i want bread") == "we lost 15-0 and i want bread"
    assert speller.plain("how do i get out the game") == "how do i get out of sex work"
    assert speller.plain("we watched the game") == "we watched the game"  # "the game" alone is a game
    assert speller.plain("im 12 and scared") == "im 12 and scared"  # "12" is also the police: left out
    assert speller.plain("mi dv", "es") == "mi dv"


@pytest.mark.parametrize(("question", "section"), [
    ("5-0 doin stings round the motels again", "legal status"),
    ("trick tried to go without a rubber what can i catch", "health and safety risks"),  # it ranked the law first
])
def test_a_question_in_street_words_is_answered_by_its_passage(engine, question, section):
    # read as written, neither was answered, and the first ranked "How does prostitution impact the Windham community"
    trace = engine.trace(question)
    assert trace.answered
    assert section in trace.ranking.candidates[0].chunk.section


def test_the_crisis_detector_reads_street_words_as_written(engine):
    # its message classifier and neighbours learnt from messages as written (qa.answering.engine, stop 50)
    assert "5-0" in engine.searched(["5-0 doin stings round the motels again"])[0]
