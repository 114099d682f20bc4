"""The service directory in ``corpus/services.yaml``: curated records shaped after Open Referral HSDS.

A record holds only what a source states; unknown fields stay empty. ``load_services`` validates the
file against the documents (every record cites a section that exists) and returns a ``Directory``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.corpus import Document
from qa.errors import CorpusError
from qa.records import Phone, ServiceCard
from qa.yamlio import LineDict, is_text_list, line_of, read_mapping

CATEGORIES = ("emergency", "trafficking", "health", "mental-health", "harm-reduction", "sexual-violence",
              "domestic-violence", "shelter", "legal", "basic-needs", "youth", "police", "information", "education")
FIELDS = {
    "id", "name", "organization", "description", "categories", "phones", "url", "email", "area_served",
    "languages", "cost", "eligibility", "hours", "confidential", "aliases", "source",
}
REQUIRED = ("id", "name", "description", "categories", "source")
SERVICE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TOP_FIELDS = {"fallback", "topics", "services"}


def phone_problem(number: str, kind: str) -> str | None:
    """Why ``number`` is not a valid North American number (or SMS short code for texts), or None."""
    digits = re.sub(r"[\s().+-]", "", str(number))
    if not digits.isdigit():
        return f"phone number '{number}' has characters other than digits, spaces, ( ) . + -"
    if kind == "text" and 5 <= len(digits) <= 6:
        return None  # an SMS short code, such as 233733
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10:
        return f"phone number '{number}' is not a 10-digit North American number"
    if digits[0] in "01" or digits[3] in "01":
        return f"phone number '{number}' is not a valid North American number (area code and exchange start 2-9)"
    return None


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    description: str
    categories: tuple[str, ...]
    source_document: str
    source_section: str
    organization: str | None = None
    phones: tuple[Phone, ...] = ()
    url: str | None = None
    email: str | None = None
    area_served: str | None = None
    languages: tuple[str, ...] = ()
    cost: str | None = None
    eligibility: str | None = None
    hours: str | None = None
    confidential: bool = False
    aliases: tuple[str, ...] = ()

    def card(self, why: str) -> ServiceCard:
        return ServiceCard(id=self.id, name=self.name, description=self.description, phones=list(self.phones),
                           url=self.url, email=self.email, confidential=self.confidential, hours=self.hours,
                           area_served=self.area_served, cost=self.cost, eligibility=self.eligibility,
                           languages=list(self.languages), why=why)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the corpus may use for this service, longest first."""
        return tuple(sorted({self.name, *self.aliases}, key=len, reverse=True))


@dataclass(frozen=True)
class Directory:
    services: tuple[Service, ...]
    fallback: tuple[str, ...] = ()
    topics: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (category, words that ask for it)
    _by_id: dict[str, Service] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: s for s in self.services})

    def get(self, service_id: str) -> Service | None:
        return self._by_id.get(service_id)

    def named_in(self, text: str) -> list[str]:
        """Ids of services whose name or alias appears in ``text`` (whole words), in order of appearance."""
        found: list[tuple[int, str]] = []
        for s in self.services:
            positions = [m.start() for n in s.names for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", text)]
            if positions:
                found.append((min(positions), s.id))
        return [sid for _, sid in sorted(found)]


def load_services(path: Path, documents: list[Document]) -> Directory:
    """Read and validate ``services.yaml``; raise CorpusError listing every problem as ``file:line: ...``."""
    data = read_mapping(path, "services", "services file")
    problems: list[str] = []
    for key in data:
        if key not in TOP_FIELDS:
            known = ", ".join(sorted(TOP_FIELDS))
            problems.append(f"{path}:{line_of(data, key)}: unknown top-level field '{key}' (known: {known})")
    sections = {(d.id, s.heading) for d in documents for s in d.sections}
    services, seen = [], {}
    for raw in data["services"]:
        svc = _service(path, raw, sections, problems)
        if svc is None:
            continue
        if svc.id in seen:
            problems.append(f"{path}:{line_of(raw)}: duplicate service id '{svc.id}' (first at line {seen[svc.id]})")
            continue
        seen[svc.id] = line_of(raw)
        services.append(svc)
    fallback = data.get("fallback") or []
    if not is_text_list(fallback):
        problems.append(f"{path}:{line_of(data, 'fallback')}: 'fallback' must be a list of service ids")
        fallback = []
    for sid in fallback:
        if sid not in seen:
            problems.append(f"{path}:{line_of(data, 'fallback')}: fallback names unknown service '{sid}'")
    topics = _topics(path, data.get("topics"), problems)
    if problems:
        raise CorpusError(problems)
    return Directory(tuple(services), tuple(fallback), topics)


def _topics(path: Path, raw: object, problems: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, LineDict):
        problems.append(f"{path}:{line_of(raw)}: 'topics' must map a category to a list of words")
        return ()
    out = []
    for cat, words in raw.items():
        if cat not in CATEGORIES:
            problems.append(f"{path}:{raw.key_lines[cat]}: unknown topic category '{cat}'")
        elif not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            problems.append(f"{path}:{raw.key_lines[cat]}: topic '{cat}' must be a list of words")
        else:
            out.append((cat, tuple(w.strip().lower() for w in words)))
    return tuple(out)


def _service(path: Path, raw: object, sections: set, problems: list[str]) -> Service | None:
    if not isinstance(raw, LineDict):
        problems.append(f"{path}:{line_of(raw)}: each service must be a mapping of field: value")
        return None
    before = len(problems)

    def bad(key: str, msg: str) -> None:
        problems.append(f"{path}:{line_of(raw, key)}: service '{raw.get('id', '?')}': {msg}")

    for key in raw:
        if key not in FIELDS:
            bad(key, f"unknown field '{key}'")
    for key in REQUIRED:
        if raw.get(key) in (None, "", []):
            bad(key, f"missing required field '{key}'")
    sid = str(raw.get("id") or "")
    if sid and not SERVICE_ID.match(sid):
        bad("id", "id must be lower-case letters, digits and dashes")
    for key in ("categories", "aliases", "languages"):
        if key in raw and not is_text_list(raw[key]):
            bad(key, f"'{key}' must be a list of non-empty texts, like [one, two]")
            return None
    for cat in raw.get("categories") or []:
        if cat not in CATEGORIES:
            bad("categories", f"unknown category '{cat}' (known: {', '.join(CATEGORIES)})")
    phones = []
    for ph in raw.get("phones") or []:
        if not isinstance(ph, dict) or "number" not in ph or set(ph) - {"number", "kind"}:
            bad("phones", "each phone must be {number: ..., kind: voice|text}")
            continue
        kind = ph.get("kind", "voice")
        if kind not in ("voice", "text"):
            bad("phones", f"phone kind must be voice or text, not '{kind}'")
            continue
        why = phone_problem(str(ph["number"]), kind)
        if why:
            bad("phones", why)
            continue
        phones.append(Phone(number=str(ph["number"]), kind=kind))
    for key in ("url",):
        if raw.get(key) and not str(raw[key]).startswith(("https://", "http://")):
            bad(key, "url must start with https:// or http://")
    src = raw.get("source")
    if src is not None:
        if not isinstance(src, dict) or set(src) != {"document", "section"} \
                or not all(isinstance(v, str) for v in src.values()):
            bad("source", "source must be {document: <document id>, section: <exact question heading>}")
        elif (src["document"], src["section"]) not in sections:
            bad("source", f"source section '{src['section']}' does not exist in document '{src['document']}'")
    if not isinstance(raw.get("confidential", False), bool):
        bad("confidential", "confidential must be true or false")
    if len(problems) > before:
        return None

    def opt(key: str) -> str | None:
        value = raw.get(key)
        return str(value).strip() if value not in (None, "") else None

    return Service(
        id=sid, name=str(raw["name"]), description=str(raw["description"]).strip(),
        categories=tuple(raw["categories"]), source_document=src["document"], source_section=src["section"],
        organization=opt("organization"), phones=tuple(phones), url=opt("url"), email=opt("email"),
        area_served=opt("area_served"), languages=tuple(raw.get("languages") or ()), cost=opt("cost"),
        eligibility=opt("eligibility"), hours=opt("hours"), confidential=bool(raw.get("confidential", False)),
        aliases=tuple(raw.get("aliases") or ()),
    )
