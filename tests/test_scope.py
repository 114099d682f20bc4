"""The place check (qa.answering.scope): another state's or country's law is not answered with ours."""

from __future__ import annotations

import pytest

from qa.answering.scope import Scope


@pytest.fixture(scope="module")
def scope(version):
    documents = version.corpus.documents
    return Scope("\n".join(d.jurisdiction for d in documents), "\n".join(d.text for d in documents),
                 version.manifest["cities"])


def test_the_jurisdiction_and_the_places_the_corpus_names_are_covered(scope):
    assert {"Connecticut", "United States"} <= scope.covered
    assert "Nevada" not in scope.covered


@pytest.mark.parametrize(("question", "place"), [
    ("is prostitution legal in nevada", "Nevada"),
    ("are brothels legal in the uk", "United Kingdom"),
    ("is escorting legal in rhode island", "Rhode Island"),
    ("Nevada brothel laws", "Nevada"),
    ("is it legal in NV", "Nevada"),
    ("¿es legal la prostitución en México?", "Mexico"),
    ("prostitution laws in windham new hampshire", "New Hampshire"),  # another Windham
    ("what are the escort laws in southern california", "California"),
    # cities: GeoNames' tables, each in its state or country
    ("is escorting legal in vegas", "Las Vegas"),
    ("can you get arrested for escorting in boston", "Boston"),
    ("¿es legal en tijuana?", "Tijuana"),
    ("is it legal in st. louis", "St. Louis"),
    ("is sex work legal in amsterdam", "Amsterdam"),
    ("busted in Providence last year, what happens now", "Providence"),  # a word, written as a name
    ("is it legal in the state of nevada", "Nevada"),
    ("brothels out in the desert part of nevada", "Nevada"),
    ("escort laws in portland oregon", "Oregon"),  # the state said names which Portland
    # Spanish: "de" is in most phrases, and means "from" only right before the place
    ("¿hay albergues para víctimas de trata en florida?", "Florida"),
    # a place that opens the question is its subject, when the writer is not in the message
    ("Nevada still has legal brothels?", "Nevada"),
    ("Canadá ya legalizó el trabajo sexual?", "Canada"),
    # ... and so is a place right after the words that open a question
    ("does canada use the nordic model", "Canada"),
    ("how did new zealand decriminalize it", "New Zealand"),
    ("como hizo suecia con la prostitucion", "Sweden"),
    # continents (GeoNames, in English and Spanish), and places in general
    ("is sex work legal anywhere in europe", "Europe"),
    ("¿es legal en sudamérica?", "South America"),
    ("which countries have legal brothels", "other states and countries"),
    ("¿en qué países es legal?", "otros estados y países"),
    # a part of a place, in Spanish as in English ("the counties of nevada")
    ("en que condados de nevada es legal", "Nevada"),
    ("las leyes de mexico sobre la prostitucion", "Mexico"),
    # a place named in passing, then asked about: "over there", "there" at the end, "allá"
    ("my uncle in Germany says paying for sex is legal over there, true?", "Germany"),
    ("my roommate moved to Canada, is escorting legal there", "Canada"),
    ("mi prima es de Chile, ¿allá es legal vender sexo?", "Chile"),
])
def test_a_question_about_another_place_is_out_of_scope(scope, question, place):
    found = scope.elsewhere(question)
    assert found is not None and found.name == place


@pytest.mark.parametrize("question", [
    "is prostitution legal in connecticut",
    "can i get arrested in windham",
    "I came here from Honduras and he took my passport",
    "my family back home in Mexico gets threats",
    "I moved from Nevada, is it illegal here in Connecticut too?",
    "where can i get tested",
    "IS IT ILLEGAL TO PAY FOR SEX IN CT",
    "i live in windham now, my family in honduras gets threats",
    # every town of a covered state is covered: Connecticut's, whether or not the corpus names them
    "where can i get tested in hartford",
    "can i get arrested in norwich",
    "is there a clinic in new haven",
    "I moved here from Boston, can i get arrested in windham",
    # a city whose name is an English word counts only written as a name
    "i use my phone in mobile mode",
    "busted in providence last year, what happens now",
    "in normal life do people do this",
    "my family in the state of oaxaca gets threats",
    "soy de honduras y aquí en willimantic no me dejan salir",
    "vengo de México, ¿me pueden arrestar aquí?",
    # a home named first, by a writer telling their story
    "Honduras is where my family lives and he says he knows where",
    "Guatemala, de allá soy, me trajeron con engaños",
    "i'm from mexico and over there it's legal, is it legal here too",  # asked about here
    "I came here from Honduras, is there help for people like me",  # "is there", not "there"
    "I'm from Guatemala and don't speak English, what help is there?",  # help that exists, not help over there
    # the continent of a covered country is covered
    "is it illegal everywhere in north america or just here",
    "i was told it's legal in other states, is it legal in connecticut",
    "is it legal here like in other states",
    "soy del estado de texas y me arrestaron aquí",  # "de" after a part of a place, said of the writer's home
    "how does mexico feel so far away now, he took my papers",  # an opener, but the writer is in the message
    "why does connecticut arrest people for this",
])
def test_where_a_person_comes_from_or_a_covered_place_is_not_a_scope_problem(scope, question):
    assert scope.elsewhere(question) is None


def test_the_city_tables_hold_cities_by_their_state_or_country(scope):
    table = scope.cities
    assert table["las vegas"].within == "Nevada" and table["vegas"].name == "Las Vegas"
    assert table["hartford"].within == "Connecticut"
    assert table["tijuana"].within == "Mexico"
    assert table["mobile"].word and not table["boston"].word
    assert "new york" not in table  # the state's name: the gazetteer's


def test_a_server_reads_the_city_table_from_the_version_not_geonames(version, engine):
    # the build stores it: reading GeoNames' tables at start cost about 0.8 s of a 1.5 s cold start
    assert version.manifest["cities"]["las vegas"] == ["Las Vegas", "Nevada", False]
    assert engine.scope.cities == Scope("", "", version.manifest["cities"]).cities


def test_nevada_gets_an_honest_answer_with_the_closest_passages_apart(engine):
    answer = engine.answer("is prostitution legal in nevada")
    assert not answer.answered and answer.passages == []
    assert answer.gap is not None and answer.gap.kind == "place" and answer.gap.place == "Nevada"
    assert "Windham, Connecticut" in answer.gap.message and "Nevada" in answer.gap.message
    assert answer.related and "Connecticut" in answer.related[0].text


def test_danger_is_answered_wherever_it_happens(engine):
    answer = engine.answer("he took my passport and locks me in the room, we are in Mexico")
    assert answer.safety is not None and answer.safety.level == "emergency"
    assert answer.answered and answer.gap is None


def test_a_worry_only_the_semantic_layers_read_does_not_hide_another_place(engine):
    """An urgent banner raised by a rule's words makes a place a person's story ("she took a job in new jersey",
    tests/test_facts.py); one the semantic layers only came close to does not, and the place is still said."""
    trace = engine.trace("sometimes I want to give up. is escorting legal in Nevada?")
    assert trace.safety is not None and trace.safety.level == "urgent" and trace.safety.sign is not None
    assert trace.gap is not None and trace.gap.kind == "place" and trace.gap.place == "Nevada"
    assert not trace.answered
