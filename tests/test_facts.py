"""Questions asking for one kind of fact (qa.answering.facts) are answered only when it is there."""

from __future__ import annotations

import pytest

from qa.answering import facts
from qa.records import ServiceCard


@pytest.mark.parametrize(("question", "kind"), [
    ("what are Generations' opening hours", "hours"),
    ("when does the needle exchange open", "hours"),
    ("whats the street address of access agency", "address"),
    ("how much is the fine for solicitation", "amount"),
    ("how much does an hiv test cost", "cost"),
    ("how many years in jail for trafficking", "sentence"),
    ("how long does it take to get results back", "duration"),
    ("how old do you have to be", "age"),
    ("what year was the law passed", "year"),
    ("what website has the reports", "website"),
    ("what number do i call", "phone"),
    ("¿cuál es el número de teléfono de la clínica?", "phone"),
    ("¿a qué hora abren?", "hours"),
    ("¿cuánto cuesta la prueba?", "cost"),
    ("does community health resources take husky insurance", "insurance"),
    ("do they take walk ins or do i need an appointment", "appointment"),
    ("do i need to bring id to get tested", "id"),
    ("who is the executive director of the ywca", "staff"),
    ("whats the name of the windham police chief", "staff"),
    ("syringe exchange hours in hartford", "hours"),
    ("what nights does the support group meet", "hours"),
    ("what is the income limit for husky", "amount"),
    ("how often should i get tested for hiv", "frequency"),
    ("¿cada cuánto me debo hacer la prueba?", "frequency"),
    ("a q hora cierran los sabados", "hours"),  # "q" for "qué", as Spanish is typed
    ("how many arrests for prostitution were there in windham last year", "count"),
    ("¿cuántas víctimas de trata hay en connecticut?", "count"),
    ("how many underage victims does the state find a year", "count"),
    ("what's the non-emergency line for the state police", "phone"),
    # where a place is, and a price at the counter (stop 42)
    ("where is the courthouse in willimantic located", "address"),
    ("¿dónde queda la oficina de ayuda legal?", "address"),
    ("how much is a pregnancy test at cvs without insurance", "cost"),
    # the Spanish of fact questions already read in English
    ("cuanto cobra el abogado", "cost"),
    ("cuanto tarda el resultado", "duration"),
    ("dan clases los sabados? a q hora", "hours"),
    ("what percentage of sex workers have hiv", "count"),
    ("¿qué porcentaje de las víctimas son menores?", "count"),
    # stop 36: a count of anything, and instructions
    ("how many rooms does the shelter have", "count"),
    ("¿cuántas sesiones de consejería dan?", "count"),
    ("how do you use a fentanyl test strip, step by step", "instructions"),
    ("what are the steps to get a protective order", "instructions"),
    ("¿cómo se usa la naloxona?", "instructions"),
])
def test_the_kind_of_fact_a_question_asks_for(question, kind):
    found = facts.asked(question)
    assert found is not None and found.name == kind


@pytest.mark.parametrize("question", [
    "can i get arrested for selling sex", "where can i get tested for hiv", "what is trafficking",
    "i was charged with prostitution, what happens now", "is there help for my friend",
    "cual es el numero del estatuto de prostitución", "someone took my id and says i owe them",
    "where can i get tested without insurance", "who can help me get out",
    "how often are sex workers attacked",  # how common, not a schedule: the FAQ speaks to it
    "how many times can i call the hotline",  # not a count of things, nor a length of time
    "how do i use the hotline",  # how to reach it: the FAQ says
    # where to look a figure up: a source, which the FAQ's passage on published figures gives
    "where would i look up how many people get arrested for prostitution in connecticut",
    "is there data on how many women are trafficked in ct", "dónde encuentro cuántos casos de trata hay en CT",
])
def test_ordinary_questions_ask_for_no_kind_in_particular(question):
    assert facts.asked(question) is None


def test_what_a_fact_looks_like_in_text():
    hours = next(k for k in facts.KINDS if k.name == "hours")
    assert hours.held_by(["The hotline operates 24/7, is confidential"], [])
    assert not hours.held_by(["Generations provides comprehensive primary care"], [])
    amount = next(k for k in facts.KINDS if k.name == "amount")
    assert amount.held_by(["a fine of up to $500"], []) and not amount.held_by(["significant fines"], [])
    often = next(k for k in facts.KINDS if k.name == "frequency")
    assert often.held_by(["get tested every three months"], []) and not often.held_by(["regular testing"], [])
    count = next(k for k in facts.KINDS if k.name == "count")
    assert count.held_by(["police made 42 arrests"], []) and count.held_by(["about 30% of cases"], [])
    assert not count.held_by(["publishes Unified Crime Reports (UCR) that include arrests"], [])


def test_a_services_opening_hours_are_no_length_of_time():
    """A card that says "24 hours" states when a service answers, not how long a sentence or a wait lasts."""
    card = ServiceCard(id="hotline", name="Hotline", description="A hotline.", hours="24 hours a day, 7 days a week",
                       cost="Free", why="")
    assert not facts.kind("duration").held_by(["Trafficking is a serious felony."], [card])
    assert facts.kind("hours").held_by(["Trafficking is a serious felony."], [card])
    assert facts.kind("duration").held_by(["a sentence of up to five years"], [card])


def test_instructions_the_faq_does_not_give_get_an_honest_answer(engine):
    answer = engine.answer("how do you give someone narcan, step by step")
    assert not answer.answered and answer.gap is not None and answer.gap.fact == "instructions"
    assert answer.gap.message == "Our information does not list step-by-step instructions."
    spanish = engine.answer("¿cómo se usa el narcan, paso a paso?")
    assert not spanish.answered and spanish.gap is not None and spanish.gap.fact == "instructions"
    assert "instrucciones paso a paso" in spanish.gap.message


def test_opening_hours_that_nothing_lists_get_an_honest_answer(engine):
    answer = engine.answer("what are Generations' opening hours")
    assert not answer.answered and answer.passages == []
    assert answer.gap is not None and answer.gap.fact == "hours"
    assert answer.gap.message.startswith("Our information does not list opening hours for Generations")
    # what there is: the closest passages, apart, and the card of the service asked about
    assert answer.related and any("generations" in c.id for c in answer.services)


def test_a_fact_the_passage_holds_is_answered(engine):
    hotline = engine.answer("how long does a prostitution conviction stay on your record")
    assert hotline.answered and hotline.gap is None  # "a permanent criminal record"
    number = engine.answer("what is the phone number of the trafficking hotline")
    assert number.answered and number.gap is None and "1-888-373-7888" in number.passages[0].text


def test_a_sentence_length_is_not_made_up_from_a_permanent_record(engine):
    """"A permanent criminal record" says how long a conviction follows a person, not how long a sentence is
    (stop 40); the top of a range of fines asks for a figure too."""
    years = engine.answer("how many years could someone get for promoting prostitution")
    assert not years.answered and years.gap is not None and years.gap.fact == "sentence"
    assert years.related  # what there is, set apart
    fine = engine.answer("what is the maximum fine for soliciting in ct")
    assert not fine.answered and fine.gap is not None and fine.gap.fact == "amount"
    record = engine.answer("how long does a prostitution conviction stay on your record")
    assert record.answered and record.gap is None


def test_a_fine_in_dollars_is_not_made_up_from_significant_fines(engine):
    answer = engine.answer("how much is the fine in dollars for a solicitation charge")
    assert not answer.answered and answer.gap is not None and answer.gap.fact == "amount"


def test_a_service_detail_no_record_holds_is_not_answered(engine):
    answer = engine.answer("does generations family health center take walk ins or do i need an appointment")
    assert not answer.answered and answer.gap is not None and answer.gap.fact == "appointment"
    assert answer.gap.message.startswith("Our information does not list whether you need an appointment")
    staff = engine.answer("who is the executive director of the ywca hartford region")
    assert not staff.answered and staff.gap is not None and staff.gap.fact == "staff"


def test_a_staff_name_is_held_only_by_a_name_after_a_title():
    staff = facts.kind("staff")
    assert staff.held_by(["Its Executive Director, Maria Lopez, founded it in 2001."], [])
    assert not staff.held_by(["the director of the program said more funding is needed"], [])


@pytest.mark.parametrize("question", ["what time does access agency open on saturdays",
                                      "WHAT TIME DOES ACCESS AGENCY OPEN ON SATURDAYS"])
def test_a_service_named_in_any_letter_case_is_the_one_asked_about(engine, question):
    """Its record holds no hours, so the question is not answered with another service's 24/7."""
    assert engine.version.corpus.directory.named_in(question) == ["access-agency"]
    answer = engine.answer(question)
    assert not answer.answered and answer.gap is not None and answer.gap.fact == "hours"
    assert answer.gap.message == "Our information does not list opening hours for Access Agency."


@pytest.mark.parametrize("question", ["how many prostitution arrests in windham a year",
                                      "how many beds does the shelter have", "cuantas personas arrestan al año en windham"])
def test_a_count_asked_for_itself_is_still_a_count(question):
    found = facts.asked(question)
    assert found is not None and found.name == "count"


def test_where_to_look_a_count_up_is_answered_with_the_sources(engine):
    answer = engine.answer("Where would I look up how many people get arrested for prostitution in Connecticut?")
    assert answer.answered and answer.gap is None
    assert any("(UCR)" in p.text for p in answer.passages)


def test_a_gentle_banner_does_not_hide_what_the_corpus_does_not_hold(engine):
    """An urgent banner (worry, a wish to leave) still says what is missing: the contacts sit above the honest
    "not covered"; a place elsewhere is no gap then ("she took a job in new jersey" is about a person here), and
    danger now is always answered with the passages on help."""
    count = engine.trace("im worried my sister is being trafficked. how many victims do they find in ct each year")
    assert count.safety and count.safety.level == "urgent"
    assert not count.answered and count.gap is not None and count.gap.fact == "count"
    away = engine.trace("im worried my friend is being trafficked, she took a job in new jersey")
    assert away.safety and away.safety.level == "urgent" and away.gap is None and away.answered
    now = engine.trace("he has my passport and locks me in right now. how many girls like me are there in ct")
    assert now.safety and now.safety.level == "emergency" and now.gap is None and now.answered


def test_a_story_told_before_the_question_names_no_subject_it_asks_about(engine):
    """Under a banner a message tells its story first: a subject the corpus does not cover counts only where
    the message asks."""
    story = engine.trace("I got away from my pimp last year and now I have a court date next month. "
                         "What penalties could I face for prostitution?")
    assert story.safety and story.safety.level == "urgent" and story.gap is None and story.answered
    asked = engine.trace("I got away from my pimp last year. How do I get a public defender for my court date?")
    assert asked.safety and asked.gap is not None and asked.gap.kind == "topic" and not asked.answered
