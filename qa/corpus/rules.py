"""The crisis rules of ``corpus/safety.yaml``, as data: what each rule matches, its level and what it shows,
the danger signs' example sentences (the semantic layer), the calm examples, the level cues and the
words of fear of police.

A maintainer can read and test every rule. Matching them against a question is the answering
side's job (``qa.answering.crisis``); this module only loads and checks them.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from qa.corpus import yamlfile
from qa.corpus.documents import Document
from qa.corpus.services import Directory, phone_problem
from qa.corpus.yamlfile import Strict, Text
from qa.errors import CorpusError
from qa.records import Phone
from qa.tense import told_in_past
from qa.text import PhraseMatcher, matcher

LEVELS = ("emergency", "urgent")  # the highest level first
Level = Literal["emergency", "urgent"]
Lang = Literal["en", "es"]
EMERGENCY_NUMBERS = {"911"}  # the one contact allowed that the FAQ does not state


def _words(value: Any) -> PhraseMatcher:
    """A YAML list of words or phrases as a whole-word matcher over their normalised forms."""
    if isinstance(value, PhraseMatcher):
        return value
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PydanticCustomError("list_type", "Input should be a list of non-empty texts")
    return matcher(value)


Words = Annotated[PhraseMatcher, PlainValidator(_words)]
NO_WORDS = PhraseMatcher(())


def _known_services(services: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    """Every id names a service of services.yaml (not checked when that file did not load)."""
    directory: Directory | None = (info.context or {}).get("directory")
    unknown = [sid for sid in services if directory is not None and directory.get(sid) is None]
    if unknown:
        raise ValueError(f"names unknown service '{unknown[0]}'")
    return services


class Contact(Phone):
    """A number a rule shows itself: 911, or a number a source states."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _valid(self) -> Contact:
        why = None if self.number in EMERGENCY_NUMBERS else phone_problem(self.number, self.kind)
        if why:
            raise ValueError(why)
        return self


class PassageRef(Strict):
    """A paragraph of a document, shown first when the rule fires."""

    document: str
    section: str
    paragraph: int

    @property
    def place(self) -> tuple[str, str, int]:
        return (self.document, self.section, self.paragraph)

    @model_validator(mode="after")
    def _exists(self, info: ValidationInfo) -> PassageRef:
        documents: dict[str, Document] | None = (info.context or {}).get("documents")
        if documents is not None:
            doc = documents.get(self.document)
            section = doc.section(self.section) if doc else None
            if section is None or not 1 <= self.paragraph <= len(section.paragraphs):
                raise ValueError(f"passage {self.document} › {self.section} ¶{self.paragraph} does not exist")
        return self


def _compiled_patterns(cls: Any, patterns: Any) -> Any:
    """A list of regular expressions, compiled; a ValueError naming the one that does not compile."""
    if not isinstance(patterns, list):
        return patterns  # the shape check says what is wrong
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(str(p)))
        except re.error as e:
            raise ValueError(f"pattern {p!r} is not a valid regular expression: {e}") from None
    return compiled


Condition = Literal["past", "personal", "minor", "adult", "close", "worry", "now", "writer"]


class _Words(Strict):
    """Phrases (whole words) and patterns (regular expressions), English and Spanish, that fire a rule."""

    phrases: Words = NO_WORDS
    phrases_es: Words = NO_WORDS
    patterns: tuple[re.Pattern[str], ...] = ()
    patterns_es: tuple[re.Pattern[str], ...] = ()

    _compiled = field_validator("patterns", "patterns_es", mode="before")(_compiled_patterns)

    @model_validator(mode="after")
    def _fires(self) -> _Words:
        if not (self.phrases or self.phrases_es or self.patterns or self.patterns_es):
            raise ValueError("a rule needs at least one of 'phrases', 'phrases_es', 'patterns' or 'patterns_es'")
        return self

    def first_hit(self, text: str) -> tuple[str, Lang] | None:
        """(the words of a normalised ``text`` that fire this rule, their language "en" or "es"), or None.

        Phrases first, in order, then Spanish phrases, then patterns, then Spanish patterns.
        """
        words: tuple[tuple[PhraseMatcher, Lang], ...] = ((self.phrases, "en"), (self.phrases_es, "es"))
        for phrases, lang in words:
            for start, found in phrases.matches(text):
                if not denied(text, start):
                    return found, lang
        patterns: tuple[tuple[tuple[re.Pattern[str], ...], Lang], ...] = ((self.patterns, "en"), (self.patterns_es, "es"))
        for group, lang in patterns:
            for pattern in group:
                for m in pattern.finditer(text):
                    if not denied(text, m.start()):
                        return m.group(0), lang
        return None


class Trigger(_Words):
    """Words that fire a rule only in a message that also holds each of ``requires``: "past" (it tells
    of the past: ``Cues.is_past``), "personal" (it names the writer or someone close) or "minor" (it
    names a person under 18: ``Cues.minor_age``). "prostitution" says nothing alone; after "I used to"
    it tells a story of getting out, beside "my 15 year old" it tells of a child exploited."""

    requires: tuple[Condition, ...]

    @field_validator("requires")
    @classmethod
    def _some(cls, requires: tuple[Condition, ...]) -> tuple[Condition, ...]:
        if not requires:
            raise ValueError("'requires' needs at least one of past, personal, minor, adult, close, worry, now "
                             "(without, list the words above)")
        return requires


class SafetyRule(_Words):
    """One crisis rule: phrases (whole words) and patterns (regular expressions) that fire it, and
    triggers (``also``) that fire it only with something more in the message."""

    id: Text
    level: Level
    message: Text
    message_es: Text | None = None
    also: tuple[Trigger, ...] = ()
    # which cues make this rule's emergency urgent (a present cue keeps it an emergency)
    # ("tense": the sentence that fired is told in the past tense, "he kept all my money", and says nothing recent)
    lowered_by: tuple[Literal["past", "worry", "general", "tense"], ...] = ("past", "worry", "general")
    services: tuple[Text, ...] = ()
    contacts: tuple[Contact, ...] = ()
    passages: tuple[PassageRef, ...] = ()
    # whose message puts the rule's passages first: "writer", the writer's own danger (someone else's danger,
    # and a match of the semantic layer, put them under the question's own best passage); "anyone", whoever
    # writes (a child paid for sex is a victim in the FAQ's words, which come first for a worried parent too)
    leads_for: Literal["writer", "anyone"] = "writer"

    _known = field_validator("services")(_known_services)

    def hit_in(self, text: str, holds: frozenset[str]) -> tuple[str, Lang] | None:
        """Like ``first_hit``, with the triggers whose conditions the whole message ``holds``."""
        hit = self.first_hit(text)
        triggers = (t for t in self.also if holds.issuperset(t.requires))
        return hit if hit is not None else next((h for t in triggers if (h := t.first_hit(text)) is not None), None)

    def message_in(self, lang: str) -> str:
        """The banner's message in ``lang`` when the rule has one, else in English."""
        return self.message_es if lang == "es" and self.message_es else self.message


# "nobody is forcing me", "no one has my passport", "i'm not being forced", "nadie me obliga": words
# that deny the rule's words right after them (at most two words between, in the same clause). Kept
# to the subject's denial on purpose: "he doesn't let me leave" and "i'm not allowed to go" say
# danger with a negation in them, so not, never and don't are no cue here. Hand-written (a NegEx-like
# window) as the libraries for it (negspacy) need spaCy and a language model.
_DENIAL = re.compile(r"(?<!\w)(?:nobody|no one|noone|nadie|not being|no estoy siendo)(?:\s+[\w']+){0,2}\s*$")


def denied(text: str, start: int) -> bool:
    """Whether the words of normalised ``text`` that start at ``start`` are denied by what comes before."""
    return _DENIAL.search(text[max(0, start - 60):start]) is not None


class DangerSign(Strict):
    """One sign of danger (confinement, documents taken, ...), said in plain example sentences."""

    id: Text
    rule: Text  # the rule whose banner, passages and cards the sign raises
    examples: tuple[Text, ...]
    examples_es: tuple[Text, ...] = ()
    # below the emergency threshold, the sign still says danger now in a message that holds these
    # (``Trigger.requires``): a child named beside the sign of a minor exploited is never "urgent" only
    now_when: tuple[Condition, ...] = ()
    # in a message that holds these, the sign is not what a sentence says, whatever its score: the
    # sign of a minor exploited, where the person's age is said and is 18 or more ("my daughter is 20")
    not_when: tuple[Condition, ...] = ()
    # an emergency from this sign only in a message that holds these, or in a sentence that says danger now;
    # otherwise urgent at most: "an older boyfriend who buys her everything" reads like the sign of a minor
    # exploited, but says no age, and is a worry about someone else
    emergency_when: tuple[Condition, ...] = ()


_EARLIER_YEAR = re.compile(r"(?<!\w)(?:in|back in|around|during|from|en|por|de) ((?:19|20)\d\d)(?!\w)")


class Cues(Strict):
    """Words that set the level of a fired rule, read in the sentence that fired it."""

    present: Words = NO_WORDS
    # what goes on ("every night", "still have"): danger now only in a message with no past cue, as
    # "I left two years ago but still have nightmares every night" tells of what came after
    ongoing: Words = NO_WORDS
    past: Words = NO_WORDS
    # what just happened ("last night", "this morning"): a sentence told in the past tense with one of these
    # tells of danger now ("he beat me last night"), so the "tense" cue does not lower it
    recent: Words = NO_WORDS
    past_patterns: tuple[re.Pattern[str], ...] = ()  # "i was 15 when"; and a year before this one, "in 2019"
    worry: Words = NO_WORDS
    general: Words = NO_WORDS  # a general or legal question ("what is the penalty for ..."), not a situation
    # a condition about anyone at all ("if ur under 18 ..."): general in a message where the writer is not
    # ("... asking bc it's me" is the writer's own case)
    hypothetical: Words = NO_WORDS
    # a sentence that opens like a question and names nobody close ("can a pimp be charged ...") is general too
    openers: Words = NO_WORDS
    personal: Words = NO_WORDS
    close: Words = NO_WORDS  # someone close to the writer named: "my roommate", "a friend", "mi hermana"
    writer: Words = NO_WORDS  # the writer in the message as "I", "me" or "we" ("my" names whose, not who)
    # the message says nobody forces the person ("nobody makes me", "nadie la obliga"), or that money is what
    # keeps them in ("idk how else to pay rent"): a wish to leave
    choice: Words = NO_WORDS
    # why a message asks, when it is for study or the news ("for my criminal law class", "lo vi en las
    # noticias"): the semantic layer does not read such a message unless it also says danger now
    study: Words = NO_WORDS
    study_patterns: tuple[re.Pattern[str], ...] = ()  # "for my criminal law class"
    minor_age: tuple[re.Pattern[str], ...] = ()  # a person under 18 named: "my 15 yo", "im 16", "a middle schooler"
    adult_age: tuple[re.Pattern[str], ...] = ()  # the writer's or a close person's age, 18+: "im 19", "mi hija de 19 años"

    _compiled = field_validator("past_patterns", "study_patterns", "minor_age", "adult_age",
                                mode="before")(_compiled_patterns)

    def is_study(self, message: str) -> bool:
        """Whether a normalised message says it asks for study or about the news."""
        return self.study.first(message) is not None or any(p.search(message) for p in self.study_patterns)

    def holds(self, message: str) -> frozenset[str]:
        """The conditions a trigger may require (``Trigger.requires``) that a normalised message holds."""
        minor = any(p.search(message) for p in self.minor_age)
        found = {"past": self.is_past(message), "personal": self.personal.first(message) is not None,
                 "minor": minor,
                 # an adult's age, and nobody under 18 named: "my daughter is 20", not "she's 19, her sister 15"
                 "adult": not minor and any(p.search(message) for p in self.adult_age),
                 "close": self.close.first(message) is not None, "worry": self.worry.first(message) is not None,
                 "now": self.present.first(message) is not None, "writer": self.writer.first(message) is not None,
                 "choice": self.choice.first(message) is not None}
        return frozenset(c for c, ok in found.items() if ok)

    def is_past(self, sentence: str) -> bool:
        """Whether a normalised sentence tells of the past: a past phrase or pattern, or a year before
        this one after "in", "back in", "around", "during" or "from" ("since 2019" goes on to now)."""
        if self.past.first(sentence) is not None or any(p.search(sentence) for p in self.past_patterns):
            return True
        this_year = datetime.date.today().year
        return any(int(year) < this_year for year in _EARLIER_YEAR.findall(sentence))

    def told_in_past(self, sentence: str) -> bool:
        """Whether a normalised English sentence is told in the past tense ("he kept my money") with no
        word of what just happened ("last night")."""
        return told_in_past(sentence) and self.recent.first(sentence) is None

    def says_now(self, sentence: str, past: bool = False) -> bool:
        """Whether a normalised sentence says danger now: a present cue, or an ongoing one in a sentence
        with no past cue, of a message not told as past (``past``)."""
        if self.present.first(sentence) is not None:
            return True
        # "he made me work every night" is a habit of the past: an ongoing cue in a sentence told in the
        # past tense says nothing of now
        return (not past and self.ongoing.first(sentence) is not None and not self.is_past(sentence)
                and not told_in_past(sentence))

    def is_general(self, sentence: str) -> bool:
        """Whether a normalised sentence asks in general rather than about someone's situation."""
        if self.general.first(sentence) is not None:
            return True
        first = sentence.split(" ", 1)[0].strip("¿¡")
        return first in self.openers.phrases and self.personal.first(sentence) is None


class PoliceFear(Strict):
    """Words that say a person fears police, arrest or deportation, and the services shown first then."""

    phrases: Words = NO_WORDS
    services: tuple[Text, ...] = ()

    _known = field_validator("services")(_known_services)


class SafetyFile(Strict):
    """The whole of ``safety.yaml``."""

    rules: list[SafetyRule]
    signs: list[DangerSign] = []
    calm: tuple[Text, ...] = ()
    cues: Cues = Cues()
    police_fear: PoliceFear = PoliceFear()

    @field_validator("signs")
    @classmethod
    def _known_rules(cls, signs: list[DangerSign], info: ValidationInfo) -> list[DangerSign]:
        known = {r.id for r in info.data.get("rules") or ()}
        unknown = [s.rule for s in signs if s.rule not in known]
        if unknown and "rules" in info.data:
            raise ValueError(f"a sign names unknown rule '{unknown[0]}'")
        return signs

    def rule(self, rule_id: str) -> SafetyRule:
        return next(r for r in self.rules if r.id == rule_id)


def load_safety(path: Path, directory: Directory, documents: list[Document] | None = None) -> SafetyFile:
    """Read and validate ``safety.yaml``; raise CorpusError listing every problem as ``file:line: ...``.

    With ``directory`` empty (services.yaml did not load) service ids are not checked: that file's
    own problems say what is wrong.
    """
    data = yamlfile.read(path, "safety rules file")
    context = {"directory": directory if directory.services else None,
               "documents": {d.id: d for d in documents} if documents is not None else None}
    duplicates = yamlfile.duplicate_ids(data, "rules", path, "rule")
    try:
        parsed = yamlfile.validate(SafetyFile, data, path, label=yamlfile.record_label("rules", "rule"), context=context)
    except CorpusError as e:
        raise CorpusError(e.problems + duplicates) from None
    if duplicates:
        raise CorpusError(duplicates)
    return parsed
