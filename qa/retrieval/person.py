"""A question about someone else, also read as the person's own: "my daughter got picked up for solicitation,
what could she be facing?" is also searched as "i got picked up for solicitation, what could i be facing?".

The FAQ speaks to the person concerned ("if you are arrested", "you can call"), and the bundled model places a
question about a daughter, a friend or a boyfriend near the FAQ's passages on families and communities rather
than the one that answers it. The first-person reading is searched beside the question, never shown: its
vector is added to the question's own, as a Spanish question's translation is (``qa.answering.engine``).
English only; the crisis detector reads the question as written.
"""

from __future__ import annotations

import re
from typing import Literal

from qa.text import language

# the people a question is asked about, as people name them
_PEOPLE = (r"(?:best friend|friend|daughter|son|sister|brother|cousin|girlfriend|boyfriend|gf|bf|wife|husband|partner|"
           r"mom|mother|mum|dad|father|aunt|uncle|niece|nephew|neighbou?r|coworker|co-worker|roommate|client|patient|"
           r"student|stepson|stepdaughter|stepmom|stepdad|grandma|grandmother|grandpa|grandfather|ex|kid|child|teen|"
           r"buddy|homegirl|homeboy|tenant|sibling|fiance|fiancee|fiancé|fiancée)")
_SUBJECT = re.compile(rf"\b(?:my|our) (?:(?:best|close|little|older|younger|big|teenage|adult|old|new) )?{_PEOPLE}"
                      rf"(?P<whose>'s (?P<theirs>{_PEOPLE}))?\b", re.IGNORECASE)
_PRONOUNS = tuple((re.compile(pattern, re.IGNORECASE), own) for pattern, own in (
    (r"\b(?:she|he)'s\b", "i'm"), (r"\b(?:shes|hes)\b", "im"), (r"\b(?:she|he)\b", "i"), (r"\b(?:her|him)self\b", "myself"),
    (r"\bhis\b", "my"), (r"\bhim\b", "me"), (r"\bher\b", "my"),
    # the verb after it, where it is one of the few that change ("i is" reads as a typo)
    (r"\bi is\b", "i am"), (r"\bis i\b", "am i"), (r"\bi has\b", "i have"), (r"\bhas i\b", "have i"),
    (r"\bi does\b", "i do"), (r"\bdoes i\b", "do i"), (r"\bi doesn't\b", "i don't"), (r"\bi doesnt\b", "i dont")))


def first_person(question: str) -> str:
    """``question`` told of the writer, when it is an English question about someone the writer names
    ("my friend" -> "i", "my daughter's boyfriend" -> "my boyfriend", and "she", "her" -> "i", "my"); ""
    otherwise."""
    if language(question) != "en" or not _SUBJECT.search(question):
        return ""
    # "my friend" is the writer; "my friend's husband" is the writer's husband
    told = _SUBJECT.sub(lambda m: f"my {m.group('theirs')}" if m.group("whose") else "i", question, count=1)
    for pronoun, own in _PRONOUNS:
        told = pronoun.sub(own, told)
    return told


# who a few words of danger name as the one it happens to: "beats me", "took my id" the writer; "makes her see men",
# "she is being trafficked" someone else
_WRITER = frozenset({"i", "i'm", "im", "i've", "ive", "me", "my", "myself", "mine", "we", "we're", "us", "our"})
_SOMEONE = frozenset({"she", "he", "she's", "he's", "shes", "hes", "her", "him", "his", "hers", "herself", "himself",
                      "they", "them", "their", "they're", "theyre"})
_TOKEN = re.compile(r"[\w']+")


def whose(message: str, words: str) -> Literal["writer", "someone"] | None:
    """Whose danger ``words`` (found in ``message``; both normalised, English) tell of: "writer" when they name the
    writer ("beats me", "took my id"), "someone" when they name someone else ("makes her see men"); failing that,
    the word just before them ("she cant leave", "i cant leave"); None when neither says, or the words are not in
    ``message``."""
    at = message.find(words)
    if not words or at < 0:
        return None
    for tokens in (_TOKEN.findall(words), _TOKEN.findall(message[:at])[-1:]):
        if _WRITER.intersection(tokens):
            return "writer"
        if _SOMEONE.intersection(tokens):
            return "someone"
    return None
