"""The crisis rules of ``corpus/safety.yaml``, as data: what each rule matches, its level and what it shows.

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
    level: Literal["emergency", "urgent"]
    message: Text
    phrases: tuple[Text, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    services: tuple[Text, ...] = ()
    contacts: tuple[Contact, ...] = ()
    passages: tuple[PassageRef, ...] = ()

    @field_validator("phrases")
    @classmethod
    def _normalised(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        return matcher(phrases).phrases

    @field_validator("patterns", mode="before")
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
        if not self.phrases and not self.patterns:
            raise ValueError("a rule needs at least one of 'phrases' or 'patterns'")
        return self

    @cached_property
    def matcher(self) -> PhraseMatcher:
        return PhraseMatcher(self.phrases)

    def first_hit(self, text: str) -> str | None:
        """The words of a normalised ``text`` that fire this rule (phrases first, in order), or None."""
        hit = self.matcher.first(text)
        if hit is not None:
            return hit
        for pattern in self.patterns:
            m = pattern.search(text)
            if m:
                return m.group(0)
        return None


class SafetyFile(_Strict):
    """The whole of ``safety.yaml``."""

    rules: list[SafetyRule]


def load_rules(path: Path, directory: Directory, documents: list[Document] | None = None) -> tuple[SafetyRule, ...]:
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
    return tuple(parsed.rules)


def _label(loc: tuple[Any, ...], data: Any) -> str:
    if len(loc) > 1 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            return f"rule '{data['rules'][loc[1]].get('id', '?')}': "
        except (AttributeError, IndexError, KeyError, TypeError):
            return ""
    return ""
