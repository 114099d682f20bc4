"""qa.tense: the tense an English sentence is told in, from its finite verbs."""

from __future__ import annotations

import pytest

from qa.tense import tenses, told_in_past


@pytest.mark.parametrize(("sentence", "expected"), [
    ("he kept all my money", {"past"}),
    ("he keeps all my money", {"present"}),
    ("my pimp took my phone", {"past"}),  # a noun's verb, in a form that is only past
    ("her boss holds her passport", {"present"}),  # a noun's verb in the present
    ("he has me locked in the apartment", {"present"}),  # a participle after "me" is no past verb
    ("im not allowed to leave", {"present"}),
    ("i was scared of him", {"past"}),
    ("they beat me", {"present"}),  # "beat" is past only after he, she or it
    ("he beat me", {"past"}),
    ("what are the charges for prostitution", {"present"}),  # "charges" after "the" is a noun
    ("locked in a room, no phone", set()),  # a participle whose subject is left out
])
def test_the_finite_verbs_say_the_tense(sentence, expected):
    assert tenses(sentence) == expected


def test_a_sentence_is_told_in_the_past_only_with_no_present_verb():
    assert told_in_past("he made me see men")
    assert not told_in_past("he made me see men and i can't stop")
    assert not told_in_past("no verb here")


@pytest.mark.parametrize("sentence", ["i was cleaning houses in the day and seeing men at night",
                                      "he took pills and passed out", "we were selling drugs for him"])
def test_a_noun_after_an_ing_form_or_a_past_form_is_its_object_not_a_present_verb(sentence):
    assert told_in_past(sentence)


def test_a_noun_that_is_a_subject_still_gives_its_verb_a_present_tense():
    assert tenses("her boss holds her passport") == {"present"}
