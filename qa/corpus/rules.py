"""The crisis rules of ``corpus/safety.yaml``, as data: what each rule matches, its level and what it shows,
the danger signs' example sentences (the semantic layer), the calm examples, the level cues and the
words of fear of police.

A maintainer can read and test every rule. Matching them against a question is the answering
side's job (``qa.answering.crisis``); this module only loads and checks them.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo, field_validator, model_validator

from qa.corpus import yamlfile
from qa.corpus.documents import Document
from qa.corpus.services import Directory, phone_problem
from qa.errors import CorpusError
from qa.records import Phone
from qa.text import PhraseMatcher, matcher

LEVELS = ("emergency", "urgent")  # the highest level first
Level = Literal["emergency", "urgent"]
Lang = Literal["en", "es"]
EMERGENCY_NUMBERS = {"911"}  # the one contact allowed that the FAQ does not state
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contact(Phone):
    """A number a rule shows itself: 911, or a number a source states."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _valid(self) -> Contact:
        why = None if self.number in EMERGENCY_NUMBERS else phone_problem(self.number, self.kind)
        if why:
            raise ValueError(why)
        return self


class PassageRef(_Strict):
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


class SafetyRule(_Strict):
    """One crisis rule: phrases (whole words) and patterns (regular expressions) that fire it."""

    id: Text
    level: Level
    message: Text
    message_es: Text | None = None
    phrases: tuple[Text, ...] = ()
    phrases_es: tuple[Text, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    patterns_es: tuple[re.Pattern[str], ...] = ()
    # which cues make this rule's emergency urgent (a present cue keeps it an emergency)
    lowered_by: tuple[Literal["past", "worry", "general"], ...] = ("past", "worry", "general")
    services: tuple[Text, ...] = ()
    contacts: tuple[Contact, ...] = ()
    passages: tuple[PassageRef, ...] = ()

    @field_validator("phrases", "phrases_es")
    @classmethod
    def _normalised(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        return matcher(phrases).phrases

    @field_validator("patterns", "patterns_es", mode="before")
    @classmethod
    def _compiled(cls, patterns: Any) -> Any:
        if not isinstance(patterns, list):
            return patterns  # the shape check says what is wrong
        compiled = []
        for p in patterns:
            try:
                compiled.append(re.compile(str(p)))
            except re.error as e:
                raise ValueError(f"pattern {p!r} is not a valid regular expression: {e}") from None
        return compiled

    @field_validator("services")
    @classmethod
    def _known(cls, services: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        directory: Directory | None = (info.context or {}).get("directory")
        unknown = [sid for sid in services if directory is not None and directory.get(sid) is None]
        if unknown:
            raise ValueError(f"names unknown service '{unknown[0]}'")
        return services

    @model_validator(mode="after")
    def _fires(self) -> SafetyRule:
        if not (self.phrases or self.phrases_es or self.patterns or self.patterns_es):
            raise ValueError("a rule needs at least one of 'phrases', 'phrases_es', 'patterns' or 'patterns_es'")
        return self

    @cached_property
    def matcher(self) -> PhraseMatcher:
        return PhraseMatcher(self.phrases)

    @cached_property
    def matcher_es(self) -> PhraseMatcher:
        return PhraseMatcher(self.phrases_es)

    def first_hit(self, text: str) -> tuple[str, Lang] | None:
        """(the words of a normalised ``text`` that fire this rule, their language "en" or "es"), or None.

        Phrases first, in order, then Spanish phrases, then patterns, then Spanish patterns.
        """
        words: tuple[tuple[PhraseMatcher, Lang], ...] = ((self.matcher, "en"), (self.matcher_es, "es"))
        for phrases, lang in words:
            hit = phrases.first(text)
            if hit is not None:
                return hit, lang
        patterns: tuple[tuple[tuple[re.Pattern[str], ...], Lang], ...] = ((self.patterns, "en"), (self.patterns_es, "es"))
        for group, lang in patterns:
            for pattern in group:
                m = pattern.search(text)
                if m:
                    return m.group(0), lang
        return None

    def message_in(self, lang: str) -> str:
        """The banner's message in ``lang`` when the rule has one, else in English."""
        return self.message_es if lang == "es" and self.message_es else self.message


class DangerSign(_Strict):
    """One sign of danger (confinement, documents taken, ...), said in plain example sentences."""

    id: Text
    rule: Text  # the rule whose banner, passages and cards the sign raises
    examples: tuple[Text, ...]
    examples_es: tuple[Text, ...] = ()


class Cues(_Strict):
    """Words that set the level of a fired rule, read in the sentence that fired it."""

    present: tuple[Text, ...] = ()
    past: tuple[Text, ...] = ()
    worry: tuple[Text, ...] = ()
    general: tuple[Text, ...] = ()  # a general or legal question ("what is the penalty for ..."), not a situation
    # a sentence that opens like a question and names nobody close ("can a pimp be charged ...") is general too
    openers: tuple[Text, ...] = ()
    personal: tuple[Text, ...] = ()

    @field_validator("present", "past", "worry", "general", "openers", "personal")
    @classmethod
    def _normalised(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        return matcher(words).phrases

    @cached_property
    def present_matcher(self) -> PhraseMatcher:
        return PhraseMatcher(self.present)

    @cached_property
    def past_matcher(self) -> PhraseMatcher:
        return PhraseMatcher(self.past)

    @cached_property
    def worry_matcher(self) -> PhraseMatcher:
        return PhraseMatcher(self.worry)

    @cached_property
    def general_matcher(self) -> PhraseMatcher:
        return PhraseMatcher(self.general)

    @cached_property
    def personal_matcher(self) -> PhraseMatcher:
        return PhraseMatcher(self.personal)

    def is_general(self, sentence: str) -> bool:
        """Whether a normalised sentence asks in general rather than about someone's situation."""
        if self.general_matcher.first(sentence) is not None:
            return True
        first = sentence.split(" ", 1)[0].strip("¿¡")
        return first in self.openers and self.personal_matcher.first(sentence) is None


class PoliceFear(_Strict):
    """Words that say a person fears police, arrest or deportation, and the services shown first then."""

    phrases: tuple[Text, ...] = ()
    services: tuple[Text, ...] = ()

    @field_validator("phrases")
    @classmethod
    def _normalised(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        return matcher(words).phrases

    @field_validator("services")
    @classmethod
    def _known(cls, services: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        directory: Directory | None = (info.context or {}).get("directory")
        unknown = [sid for sid in services if directory is not None and directory.get(sid) is None]
        if unknown:
            raise ValueError(f"names unknown service '{unknown[0]}'")
        return services

    @cached_property
    def matcher(self) -> PhraseMatcher:
        return PhraseMatcher(self.phrases)


class SafetyFile(_Strict):
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
        parsed = yamlfile.validate(SafetyFile, data, path, label=_label, context=context)
    except CorpusError as e:
        raise CorpusError(e.problems + duplicates) from None
    if duplicates:
        raise CorpusError(duplicates)
    return parsed


def _label(loc: tuple[Any, ...], data: Any) -> str:
    if len(loc) > 1 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            return f"rule '{data['rules'][loc[1]].get('id', '?')}': "
        except (AttributeError, IndexError, KeyError, TypeError):
            return ""
    return ""
