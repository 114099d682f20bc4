"""Whether a question is about a place the corpus covers.

A corpus states its ``jurisdiction`` in each document's front matter ("Windham, Connecticut, United
States"). A question about the law or services of another state or country ("is prostitution legal
in nevada") must not be answered with this jurisdiction's passages as if they applied there. The
places come from maintained gazetteers, not a hand list: US states and territories (``us``),
countries (``pycountry``, with their Spanish names from its ISO 3166 catalog) and the nations of the
United Kingdom (``pycountry``'s subdivisions). A place counts as covered when the jurisdiction or the
corpus text names it.

Only a place the question puts the subject *in* counts ("legal in nevada", "nevada's laws"), not
where the person comes from ("I came here from Honduras", "my family back home in Mexico"): people
in danger often name their home country, and they must still be answered.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import cache

import pycountry
import us

from qa.text import fold

# The words before a place that make it the subject's location, in English and Spanish.
_LOCATIVE = {"in", "at", "within", "throughout", "across", "inside", "around", "near", "en", "dentro"}
# Words just before that mean the place is where the person comes from, not what they ask about.
_ORIGIN = {"from", "back", "home", "born", "de", "desde", "mi", "my", "family", "familia", "pais", "país"}
# A place followed by one of these words is the subject too ("nevada law", "germany's brothels").
_SUBJECT_AFTER = re.compile(r"^(?:'s|s)?\s*(?:laws?|legal|statutes?|police|courts?|rules?|brothels?|ley|leyes)\b")
# Two-letter state codes that are also common words in capitals ("IN", "OR", "ME"...) are left out.
_AMBIGUOUS_CODES = {"IN", "OR", "ME", "OK", "HI", "OH", "DE", "LA", "PA", "MA", "AL", "ID", "CO", "MO", "AS", "GU"}


@dataclass(frozen=True)
class Place:
    """A place named in a question: its name as the gazetteer gives it and the words that named it."""

    name: str
    matched: str


@cache
def gazetteer() -> dict[str, str]:
    """Folded place names and aliases -> the place's display name."""
    names: dict[str, str] = {}
    for state in us.states.STATES_AND_TERRITORIES:
        names[fold(state.name)] = state.name
    spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"], fallback=True)
    for country in pycountry.countries:
        display = getattr(country, "common_name", None) or country.name
        for alias in {country.name, display, getattr(country, "official_name", country.name),
                      country.name.split(",")[0], spanish.gettext(country.name)}:
            names.setdefault(fold(alias), display)
    for nation in pycountry.subdivisions.get(country_code="GB") or []:  # type: ignore[no-untyped-call]
        if nation.type in ("Country", "Nation", "Province"):
            name = nation.name.split(" [")[0]
            names.setdefault(fold(name), name)
    # what people write for two countries that ISO spells otherwise
    for alias, name in (("uk", "United Kingdom"), ("britain", "United Kingdom"), ("great britain", "United Kingdom"),
                        ("usa", "United States"), ("america", "United States"), ("estados unidos", "United States")):
        names.setdefault(alias, name)
    return names


@cache
def _names_regex() -> re.Pattern[str]:
    """One expression for every name, longest first ("west virginia" before "virginia")."""
    alternatives = "|".join(re.escape(n) for n in sorted(gazetteer(), key=len, reverse=True) if len(n) > 1)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@cache
def _codes() -> dict[str, str]:
    """Capitalised codes people write for places: US state codes (unambiguous ones), "UK", "USA"."""
    codes = {s.abbr: s.name for s in us.states.STATES_AND_TERRITORIES if s.abbr not in _AMBIGUOUS_CODES}
    return codes | {"UK": "United Kingdom", "USA": "United States", "US": "United States"}


class Scope:
    """The places one corpus covers, and a check of questions against them."""

    def __init__(self, jurisdiction: str, corpus_text: str):
        self.jurisdiction = jurisdiction
        names = gazetteer()
        covered_text = fold(f"{jurisdiction}\n{corpus_text}")
        self.covered = {names[m.group()] for m in _names_regex().finditer(covered_text)}

    def elsewhere(self, question: str) -> Place | None:
        """The place outside this corpus's jurisdiction that ``question`` asks about, if any.

        None when the question names no place, names a covered place too, or names a place only as
        where someone comes from.
        """
        text = fold(question)
        names = gazetteer()
        named = [(m.start(), m.end(), names[m.group()]) for m in _names_regex().finditer(text)]
        if not question.isupper():  # a question in capitals makes every code look like a place
            for m in re.finditer(r"\b[A-Z]{2,3}\b", question):
                if m.group() in _codes():
                    named.append((-1, -1, _codes()[m.group()]))
        if any(place in self.covered for *_, place in named):
            return None
        for start, end, place in named:
            if start < 0:  # a code: capitals are deliberate, and "in NV" reads the same as "NV law"
                return Place(place, place)
            before = text[:start].split()[-3:]
            after = text[end:]
            if any(w in _ORIGIN for w in before):
                continue
            # "in nevada", and one word between: "in the uk", "in windham new hampshire", "in rural mexico"
            if (before and before[-1] in _LOCATIVE) or (before[-2:-1] and before[-2] in _LOCATIVE):
                return Place(place, text[start:end])
            if _SUBJECT_AFTER.match(after.lstrip()):
                return Place(place, text[start:end])
        return None
