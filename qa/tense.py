"""The grammatical tense a sentence is told in: "he kept all my money" against "he keeps all my money".

A person telling what happened once ("the guy I was with kept my money", "he made me bring other girls
in") rarely adds a time word; the verbs say it is over. This reads the finite verbs of an English
sentence: the verb after a subject pronoun ("he", "they", "who", ...), skipping a few adverbs, and any
unambiguous simple-past form ("took", "went"; not "beat" or "put", which are present too) that is not
a participle after an auxiliary ("has taken", "was locked"). A sentence is told in the past when it
holds a past finite verb and no present one. Verb forms come from lemminflect's inflection tables (a
maintained English lexicon shipped in its wheel) rather than a hand list; the grammar words are here.
Spanish is not read: its past is in its endings, which no maintained library here tags.

lemminflect reads its tables at the first word looked up (about half a second): ``warm`` does it in a
thread once a server is up, so that the first message that needs a tense does not wait for it.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Literal

Tense = Literal["past", "present"]

_WORD = re.compile(r"[a-z']+")
SUBJECTS = frozenset("i he she they we you it who u".split())
THIRD_PERSON = frozenset("he she it who".split())
# words that may stand between a subject and its verb: "he never let me", "she always took"
ADVERBS = frozenset("never always finally still just also even only really all then once basically literally "
                    "actually usually sometimes ever kinda kind of pretty much constantly would not".split())
PRESENT = frozenset("am is are has have do does don't dont doesn't doesnt can can't cant cannot won't wont will "
                    "i'm im he's hes she's shes it's they're theyre we're you're youre ain't aint isn't isnt "
                    "aren't arent haven't havent hasn't hasnt must gotta gonna wanna".split())
PAST = frozenset("was were had did didn't didnt wasn't wasnt weren't werent couldn't couldnt wouldn't wouldnt "
                 "hadn't hadnt used".split())
# after these a past form is a participle ("has taken", "was locked in", "got arrested"), not a finite verb
# (or an adjective: "feel trapped", "a locked door")
AUXILIARIES = frozenset("have has had having be been being is are am was were get gets got getting i've ive "
                        "you've we've they've he's she's i'm im 's feel feels felt feeling seem seems look looks "
                        "stay stays keep keeps a an the my his her our their your this that these those not never "
                        "me him us them being".split())

# before these a word ending in -s is a plural noun ("my charges", "for drugs"), not a verb
NOT_A_SUBJECT = frozenset("a an the my his her our their your this that these those of for to in on at with from by "
                          "about all any some no many few more most several two three four five other own".split())


@lru_cache(maxsize=8192)
def _forms(word: str) -> frozenset[str]:
    """The Penn tags a word has as a verb form (VBD past, VBZ third person present, ...)."""
    import lemminflect  # imported on first use: a build or a command that reads no danger never pays for it

    tags: set[str] = set()
    for lemma in lemminflect.getAllLemmas(word).get("VERB", ()):
        for tag, forms in lemminflect.getAllInflections(lemma, upos="VERB").items():
            if word in forms:
                tags.add(tag)
    return frozenset(tags)


def _verb_after(words: list[str], i: int) -> str | None:
    """The first word after position ``i`` that is not one of ``ADVERBS``."""
    for w in words[i + 1:i + 4]:
        if w not in ADVERBS:
            return w
    return None


def _tense_of(verb: str, subject: str) -> Tense | None:
    if verb in PRESENT:
        return "present"
    if verb in PAST:
        return "past"
    tags = _forms(verb)
    if "VBD" in tags and not (tags & {"VB", "VBP"} and subject not in THIRD_PERSON):
        return "past"  # "he beat me" is past; "they beat me" could be either
    if "VBZ" in tags or ("VBP" in tags and subject not in THIRD_PERSON):
        return "present"
    return None


def _takes_object(word: str) -> bool:
    """Whether ``word`` is a verb whose next word is its object rather than a verb of its own: an -ing
    form or a form that is only ever past ("cleaning houses", "selling drugs", "took pills")."""
    forms = _forms(word)
    return "VBG" in forms or ("VBD" in forms and not forms & {"VB", "VBP", "VBZ"})


def tenses(sentence: str) -> set[Tense]:
    """The tenses of the finite verbs found in a normalised English sentence."""
    words = _WORD.findall(sentence)
    found: set[Tense] = set()
    for i, word in enumerate(words):
        if word in SUBJECTS:
            verb = _verb_after(words, i)
            if verb is not None and (tense := _tense_of(verb, word)) is not None:
                found.add(tense)
        elif word in PRESENT and word not in ("will", "must", "can"):
            found.add("present")  # "i'm", "he's", "won't": a contraction is its own subject and verb
        elif i > 0 and words[i - 1] not in NOT_A_SUBJECT and not _takes_object(words[i - 1]) and "VBZ" in _forms(word):
            # "her boss holds her passport": a noun's verb (a plural noun, "sex charges", is read as a
            # present verb too: wrongly present only keeps a message from being read as over)
            found.add("present")
        elif i > 0 and words[i - 1] not in AUXILIARIES and "VBD" in _forms(word) \
                and not _forms(word) & {"VB", "VBP", "VBZ"}:
            found.add("past")  # "my pimp took", "the owner kept": a form that is only ever past (not
            # first: "locked in a room, no phone" is a participle with its subject left out)
    return found


def told_in_past(sentence: str) -> bool:
    """Whether a normalised English sentence is told in the past tense: a past finite verb and no present one."""
    return tenses(sentence) == {"past"}


def warm() -> threading.Thread:
    """Load the inflection tables in a daemon thread (started and returned)."""
    thread = threading.Thread(target=told_in_past, args=("he kept it",), name="tense-tables", daemon=True)
    thread.start()
    return thread
