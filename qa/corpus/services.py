"""The service directory in ``corpus/services.yaml``: curated records shaped after Open Referral HSDS.

A record holds only what a source states; unknown fields stay empty. The pydantic models below are
the file's whole schema; ``load_services`` validates the file against them and against the
documents (every record cites a section that exists) and returns a ``Directory``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import phonenumbers
from pydantic import ConfigDict, StringConstraints, ValidationInfo, field_validator, model_validator

from qa.corpus import yamlfile
from qa.corpus.documents import Document
from qa.corpus.yamlfile import Strict, Text
from qa.errors import CorpusError
from qa.records import Phone, ServiceCard
from qa.text import PhraseMatcher, fold, matcher, normalise

Category = Literal["emergency", "trafficking", "health", "mental-health", "harm-reduction", "sexual-violence",
                   "domestic-violence", "shelter", "legal", "basic-needs", "youth", "police", "information",
                   "education"]
SHORT_CODE = re.compile(r"^\d{5,6}$")  # an SMS short code, such as 233733


def phone_problem(number: str, kind: str) -> str | None:
    """Why ``number`` is not a valid North American number (or SMS short code for texts), or None."""
    if kind == "text" and SHORT_CODE.match(number.strip()):
        return None
    if re.search(r"[^\d\s().+-]", number):
        return f"phone number '{number}' has characters other than digits, spaces, ( ) . + -"
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return f"phone number '{number}' is not a 10-digit North American number"
    if parsed.country_code != 1 or not phonenumbers.is_possible_number(parsed):
        return f"phone number '{number}' is not a 10-digit North American number"
    if not phonenumbers.is_valid_number(parsed):
        return f"phone number '{number}' is not a valid North American number (area code and exchange start 2-9)"
    return None


class ListedPhone(Phone):
    """A number a source states: a valid North American number, or a short code for texts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _valid(self) -> ListedPhone:
        why = phone_problem(self.number, self.kind)
        if why:
            raise ValueError(why)
        return self


class SourceRef(Strict):
    """The document section that states a record's facts."""

    document: str
    section: str


TRANSLATED = ("description", "hours", "area_served", "cost", "eligibility", "languages")
ContactFact = Literal["phones", "url", "email", "hours"]
CONTACT_FACTS: tuple[ContactFact, ...] = ("phones", "url", "email", "hours")


class FactSource(Strict):
    """Where contact facts that the cited FAQ section does not state were found: a public page of the
    organisation itself (or of an official directory), and the day a maintainer checked it there."""

    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")]
    checked: dt.date
    states: tuple[ContactFact, ...]

    @field_validator("checked")
    @classmethod
    def _past(cls, checked: dt.date) -> dt.date:
        if checked > dt.date.today():
            raise ValueError(f"checked {checked} is in the future: give the day the page was read")
        return checked

    @field_validator("states")
    @classmethod
    def _some_fact(cls, states: tuple[str, ...]) -> tuple[str, ...]:
        if not states:
            raise ValueError("'states' must name the facts this page states, like [phones, hours]")
        return states


def stated_in(fact: str, value: str, text: str) -> bool:
    """Whether ``text`` (a document section) states ``value`` of kind ``fact`` (a number as digits)."""
    if fact == "phones":
        digits = re.sub(r"\D", "", value)
        number = rf"1?{digits[-10:]}" if len(digits) >= 10 else digits  # with or without the country code
        return bool(re.search(rf"(?<!\d){number}(?!\d)", re.sub(r"(?<=\d)[\s().-]+(?=\d)", "", text)))
    if fact == "url":
        bare = re.sub(r"^https?://(www\.)?", "", value).rstrip("/").lower()
        return bare in text.lower()
    return value.strip().lower() in text.lower()


class Translation(Strict):
    """A record's texts in another language: a reviewed translation of what the record says in
    English, field for field. It states nothing the English does not (facts are sacred)."""

    description: Text
    hours: Text | None = None
    area_served: Text | None = None
    cost: Text | None = None
    eligibility: Text | None = None
    languages: tuple[Text, ...] = ()


class Service(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Text
    description: Text
    categories: tuple[Category, ...]
    source: SourceRef
    organization: Text | None = None
    phones: tuple[ListedPhone, ...] = ()
    url: Annotated[str, StringConstraints(pattern=r"^https?://")] | None = None
    email: Text | None = None
    area_served: Text | None = None
    languages: tuple[Text, ...] = ()
    cost: Text | None = None
    eligibility: Text | None = None
    hours: Text | None = None
    confidential: bool = False
    aliases: tuple[Text, ...] = ()
    es: Translation | None = None
    sources: tuple[FactSource, ...] = ()  # where contact facts the cited section does not state come from

    @model_validator(mode="after")
    def _contact_facts_are_sourced(self, info: ValidationInfo) -> Service:
        """Every phone, website, email and hours is stated in the cited section, or has a checked source."""
        texts = (info.context or {}).get("section_texts")
        if texts is None:
            return self
        text = texts.get((self.source.document, self.source.section), "")
        sourced = {fact for src in self.sources for fact in src.states}
        for fact in CONTACT_FACTS:
            stated = getattr(self, fact)
            values = [p.number for p in stated] if fact == "phones" else [stated] if stated else []
            for value in values:
                if fact not in sourced and not stated_in(fact, value, text):
                    raise ValueError(
                        f"{fact} '{value}' is not stated in the section it cites ('{self.source.section}'); "
                        f"add where it was found: sources: [{{url: https://..., checked: YYYY-MM-DD, states: [{fact}]}}]")
        unused = sorted(sourced - {fact for fact in CONTACT_FACTS if getattr(self, fact)})
        if unused:
            raise ValueError(f"sources names '{unused[0]}', which the record does not state")
        return self

    @model_validator(mode="after")
    def _translation_pairs(self) -> Service:
        if self.es is not None:
            for name in TRANSLATED:
                english, spanish = bool(getattr(self, name)), bool(getattr(self.es, name))
                if spanish and not english:
                    raise ValueError(f"es.{name} translates a field the record does not state in English")
                if english and not spanish:
                    raise ValueError(f"es.{name} is missing: the record states '{name}' in English")
        return self

    @field_validator("source")
    @classmethod
    def _section_exists(cls, source: SourceRef, info: ValidationInfo) -> SourceRef:
        sections = (info.context or {}).get("sections")
        if sections is not None and (source.document, source.section) not in sections:
            raise ValueError(f"source section '{source.section}' does not exist in document '{source.document}'")
        return source

    @field_validator("categories")
    @classmethod
    def _some(cls, categories: tuple[str, ...]) -> tuple[str, ...]:
        if not categories:
            raise ValueError("missing required field 'categories'")
        return categories

    def card(self, why: str, lang: str = "en") -> ServiceCard:
        """What a person sees of this record, its texts in ``lang`` when the record has them (else English)."""
        texts: Translation | Service = self.es if lang == "es" and self.es is not None else self
        return ServiceCard(id=self.id, name=self.name, description=texts.description,
                           phones=[Phone(number=p.number, kind=p.kind) for p in self.phones],
                           url=self.url, email=self.email, confidential=self.confidential, hours=texts.hours,
                           area_served=texts.area_served, cost=texts.cost, eligibility=texts.eligibility,
                           languages=list(texts.languages), why=why, lang="es" if texts is self.es else "en")

    @cached_property
    def names(self) -> PhraseMatcher:
        """Every name the corpus may use for this service, as whole words."""
        return PhraseMatcher(tuple(sorted({normalise(n) for n in (self.name, *self.aliases)}, key=len, reverse=True)))


class CategoryPolicy(Strict):
    """How one category's services are chosen beyond ``topics`` (words matched accents optional).

    ``first_when``: the question holds one of these, so this category's services come in and lead
    ("arrested" -> legal help first). ``only_when``: a service is shown only when the question holds
    one of these; ``never_when``: and never when it holds one of these. A service is withheld when
    none of its categories is allowed, unless the question names it.
    """

    first_when: tuple[Text, ...] = ()
    only_when: tuple[Text, ...] = ()
    never_when: tuple[Text, ...] = ()


class ServicesFile(Strict):
    """The whole of ``services.yaml``."""

    services: list[Service]
    fallback: tuple[str, ...] = ()
    topics: dict[Category, tuple[Text, ...]] = {}
    policy: dict[Category, CategoryPolicy] = {}

    @field_validator("fallback")
    @classmethod
    def _known(cls, fallback: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known = {s.id for s in info.data.get("services") or ()}
        unknown = [sid for sid in fallback if sid not in known]
        if unknown and "services" in info.data:
            raise ValueError(f"fallback names unknown service '{unknown[0]}'")
        return fallback


@dataclass(frozen=True)
class Rules:
    """A category's ``CategoryPolicy`` as matchers over folded text."""

    first_when: PhraseMatcher
    only_when: PhraseMatcher
    never_when: PhraseMatcher


@dataclass(frozen=True)
class Directory:
    services: tuple[Service, ...]
    fallback: tuple[str, ...] = ()
    topics: tuple[tuple[str, PhraseMatcher], ...] = ()  # (category, words that ask for it)
    policy: tuple[tuple[str, Rules], ...] = ()  # (category, its rules), matched on folded text
    _by_id: dict[str, Service] = field(default_factory=dict, compare=False, repr=False)
    # the services named in each passage, worked out at its first answer (passages are few and never
    # change within a version; questions are never kept)
    _in_passage: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: s for s in self.services})

    def get(self, service_id: str) -> Service | None:
        return self._by_id.get(service_id)

    def __getitem__(self, service_id: str) -> Service:
        """The service with this id; KeyError for an id that the corpus checks let through (a bug)."""
        return self._by_id[service_id]

    def leading(self, question: str) -> list[str]:
        """Categories whose services come in and lead the cards for ``question`` (``first_when``)."""
        text = fold(question)
        return [cat for cat, rules in self.policy if rules.first_when.first(text) is not None]

    def withheld(self, question: str) -> set[str]:
        """Ids of the services not shown for ``question``: none of their categories is allowed by
        ``policy`` (``only_when`` unmet, or ``never_when`` met), and the question does not name them."""
        text = fold(question)
        rules = dict(self.policy)

        def allowed(category: str) -> bool:
            own = rules.get(category)
            if own is None:
                return True
            wanted = not own.only_when.phrases or own.only_when.first(text) is not None
            return wanted and own.never_when.first(text) is None

        named = set(self.named_in(question))
        return {s.id for s in self.services if s.id not in named and not any(allowed(c) for c in s.categories)}

    def named_in_passage(self, text: str) -> tuple[str, ...]:
        """``named_in`` for a passage of the corpus, remembered."""
        found = self._in_passage.get(text)
        if found is None:
            found = self._in_passage[text] = tuple(self.named_in(text))
        return found

    def named_in(self, text: str) -> list[str]:
        """Ids of services whose name or alias appears in ``text`` (whole words), in order of appearance."""
        text = normalise(text)  # "access agency" as typed names Access Agency
        found = [(at, s.id) for s in self.services if (at := s.names.earliest(text)) is not None]
        return [sid for _, sid in sorted(found)]


def load_services(path: Path, documents: list[Document]) -> Directory:
    """Read and validate ``services.yaml``; raise CorpusError listing every problem as ``file:line: ...``."""
    data = yamlfile.read(path, "services file")
    sections = {(d.id, s.heading) for d in documents for s in d.sections}
    section_texts = {(d.id, s.heading): "\n\n".join(d.text[p.start:p.end] for p in s.paragraphs)
                     for d in documents for s in d.sections}
    duplicates = yamlfile.duplicate_ids(data, "services", path, "service")
    try:
        parsed = yamlfile.validate(ServicesFile, data, path, label=yamlfile.record_label("services", "service"),
                                   context={"sections": sections, "section_texts": section_texts})
    except CorpusError as e:
        raise CorpusError(e.problems + duplicates) from None
    if duplicates:
        raise CorpusError(duplicates)
    topics = tuple((cat, matcher(words, prefix=True)) for cat, words in parsed.topics.items())

    def folded(words: tuple[str, ...]) -> PhraseMatcher:
        return PhraseMatcher(tuple(fold(w) for w in words), prefix=True)

    policy = tuple((cat, Rules(folded(p.first_when), folded(p.only_when), folded(p.never_when)))
                   for cat, p in parsed.policy.items())
    return Directory(tuple(parsed.services), parsed.fallback, topics, policy)
