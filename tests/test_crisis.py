"""Crisis detection: deterministic rules from corpus/safety.yaml."""

import pytest

from qa.answering.crisis import detect
from qa.corpus import load_corpus
from tests.conftest import CORPUS

RULES = load_corpus(CORPUS).rules


@pytest.mark.parametrize("question", [
    "someone is forcing me to have sex with men for money",
    "I can't leave, he has my passport",
    "my friend is overdosing and not breathing",
    "a 15 year old girl is being paid for sex by older men",
    "he took my ID and says I owe him",
    "my boyfriend beats me up if I don't bring money",
])
def test_danger_raises_the_emergency_level(question):
    match = detect(question, RULES)
    assert match is not None and match.rule.level == "emergency"
    assert match.matched  # the words that fired it, so staff can see why


@pytest.mark.parametrize("question", [
    "what is the difference between prostitution and trafficking",
    "how are minors treated under the law",
    "what is debt bondage",
    "is sex work dangerous",
    "how common are overdoses among sex workers",
    "if a 16 yr old agrees to it is it still trafficking",
])
def test_informational_questions_do_not_raise_the_emergency_level(question):
    match = detect(question, RULES)
    assert match is None or match.rule.level != "emergency"


def test_emergency_banner_carries_911_and_the_hotline(engine):
    answer = engine.answer("someone is forcing me to sell sex and I can't leave")
    assert answer.safety and answer.safety.level == "emergency"
    assert [p.number for p in answer.safety.contacts] == ["911"]
    hotline = next(s for s in answer.safety.services if s.id == "national-human-trafficking-hotline")
    assert {(p.number, p.kind) for p in hotline.phones} == {("1-888-373-7888", "voice"), ("233733", "text")}
    assert "is the most crucial immediate resource" in answer.passages[0].text  # the pinned passage
    assert answer.answered


def test_detection_is_deterministic_and_case_insensitive():
    a = detect("SOMEONE IS FORCING ME", RULES)
    b = detect("someone is forcing me", RULES)
    assert a.rule.id == b.rule.id and a.matched == b.matched


@pytest.mark.parametrize("question", [
    "I am in danger", "i'm in danger", "I am being trafficked", "i'm being forced to have sex for money",
    "i am 16 and he pays me for sex", "she is 14 and being sold", "I want to die",
])
def test_plain_first_person_danger_raises_the_emergency_level(question):
    match = detect(question, RULES)
    assert match is not None and match.rule.level == "emergency", question


@pytest.mark.parametrize("question", [
    "how can u tell if someone is being trafficked vs just doing sex work",
    "what are the signs someone is in danger of being trafficked",
    "what is the suicide rate among sex workers",
])
def test_third_person_and_research_questions_do_not_raise_it(question):
    match = detect(question, RULES)
    assert match is None or match.rule.level != "emergency", (question, match and match.matched)
