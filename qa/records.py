"""Typed records passed between stages and returned by the API (the JSON shapes are these)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from qa.config import default


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Citation(_Record):
    """Where a passage comes from: a verbatim slice ``[start, end)`` of the document's source file."""

    document: str = Field(description="Document id (the file name without .md)")
    title: str
    section: str = Field(description="The question heading the passage sits under")
    paragraph: int = Field(description="Paragraph number within the section, from 1")
    start: int = Field(description="Character offset of the passage in the source file")
    end: int
    anchor: str = Field(description="Fragment id of the paragraph on the source page")


class Highlight(_Record):
    """The best-answering sentence, as character offsets into the passage text."""

    start: int
    end: int


class Passage(_Record):
    id: str
    text: str
    score: float
    highlight: Highlight | None = None
    excerpt: Highlight | None = Field(None, description="The part a page shows first: the highlighted sentence "
                                                        "with the sentence before and after it (offsets into text); "
                                                        "None when that is the whole passage")
    citation: Citation
    lead: bool = Field(True, description="Shown open on a page: the first passage, and any other nearly as close "
                                         "to the question; the others are folded as 'may also answer it'")
    lang: Literal["en", "es"] = Field("en", description="The language the passage is quoted in")
    original: Citation | None = Field(None, description="When the passage is a maintainer's reviewed translation "
                                                        "(shown to a reader of its language): the passage it "
                                                        "translates; ``citation`` is the translation's")


class Phone(_Record):
    number: str
    kind: Literal["voice", "text"] = "voice"


class ServiceCard(_Record):
    """What a person sees of a service: curated fields only, plus why it is shown."""

    id: str
    name: str
    description: str
    phones: list[Phone] = []
    url: str | None = None
    email: str | None = None
    confidential: bool = False
    hours: str | None = None
    area_served: str | None = None
    cost: str | None = None
    eligibility: str | None = None
    languages: list[str] = []
    why: str
    lang: Literal["en", "es"] = Field("en", description="Language of the record's texts (description, hours...)")


class Safety(_Record):
    """Set when the question signals danger: a fixed message and the contacts to show at once."""

    level: Literal["emergency", "urgent"]
    message: str
    rule: str = Field(description="Id of the safety rule in corpus/safety.yaml that matched")
    matched: str = Field(description="The words of the question that triggered the rule")
    contacts: list[Phone] = Field(default=[], description="Contacts stated by the rule itself, such as 911")
    services: list[ServiceCard] = []
    lang: Literal["en", "es"] = Field("en", description="Language of the words that fired it (the message is in the "
                                                         "reader's language)")
    sign: str | None = Field(None, description="The danger sign of corpus/safety.yaml whose examples fired it, if any")
    score: float | None = Field(None, description="How close the question came to that sign's examples (cosine)")


class IndexInfo(_Record):
    version: str
    built_at: str


class Gap(_Record):
    """Why a question the corpus seems to be about is still not answered: it asks about a place the
    corpus does not cover, about a subject near the corpus's that it does not cover (immigration,
    taxes...), or for a kind of fact (hours, an address...) that nothing shown holds."""

    kind: Literal["place", "topic", "fact"]
    message: str = Field(description="What a person reads, in the service's own words")
    place: str | None = Field(None, description="The place asked about, when kind is 'place'")
    topic: str | None = Field(None, description="The subject the corpus does not cover, when kind is 'topic'")
    fact: str | None = Field(None, description="The kind of fact asked for (hours, address, phone, cost, amount, "
                                               "duration, age, year, website, insurance, appointment, id, staff), "
                                               "when kind is 'fact'")


class Answer(_Record):
    question: str = Field(description="The question as understood, after trimming and normalising whitespace")
    answered: bool = Field(description="False when nothing in the corpus answers it well enough")
    passages: list[Passage]
    related: list[Passage] = Field(
        default=[], description="When not answered: closest passages, not answers; shown apart as 'might be related'"
    )
    services: list[ServiceCard]
    safety: Safety | None = None
    gap: Gap | None = Field(None, description="When not answered because of a place or a kind of fact: what is missing")
    index: IndexInfo


def _json_integer(value: Any) -> Any:
    """``value`` unless JSON would not call it a number (true, "2"): those are refused here."""
    if isinstance(value, bool | str):
        raise ValueError("must be a whole number")
    return value


class AskRequest(_Record):
    question: str = Field(description="A plain-language question, at most QA_MAX_QUESTION_CHARS characters "
                                      f"({default('max_question_chars')} by default)")
    # the document says integer: JSON's 8.0 is one, but pydantic would otherwise take true as 1 and "2" as 2
    top_k: Annotated[int | None, BeforeValidator(_json_integer)] = Field(
        None, ge=1, le=10, description="How many passages to return (default QA_DEFAULT_TOP_K)")
    lang: Literal["en", "es"] | None = Field(None, description="The reader's language, for the service's own words "
                                                                "(banner, cards, why lines, gap message); default: "
                                                                "the language the question is written in")
