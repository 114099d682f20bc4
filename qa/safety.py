"""Crisis detection: deterministic rules from ``corpus/safety.yaml`` that maintainers edit.

A rule fires when the normalised question contains one of its phrases (as whole words) or matches
one of its regular expressions. The highest level wins (emergency over urgent); ties go to the rule
listed first. The result names the rule and the words that fired it, so staff can see why.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CorpusError
from qa.records import Phone
from qa.services import Directory, phone_problem
from qa.yamlio import LineDict, is_text_list, line_of, read_mapping

LEVELS = ("emergency", "urgent")
RULE_FIELDS = {"id", "level", "message", "phrases", "patterns", "services", "contacts", "passages"}
EMERGENCY_NUMBERS = {"911"}  # the one contact allowed that the FAQ does not state


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    message: str
    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    services: tuple[str, ...]
    contacts: tuple[Phone, ...]
    line: int
    passages: tuple[tuple[str, str, int], ...] = ()  # (document, section, paragraph) shown first


@dataclass(frozen=True)
class Match:
    rule: Rule
    matched: str


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, no accents' compatibility forms, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip()


def detect(question: str, rules: tuple[Rule, ...]) -> Match | None:
    """The rule that fires for ``question`` (highest level, then file order), or None."""
    text = normalise(question)
    best: Match | None = None
    for rule in rules:
        hit = _first_hit(text, rule)
        if hit is None:
            continue
        if best is None or LEVELS.index(rule.level) < LEVELS.index(best.rule.level):
            best = Match(rule, hit)
    return best


def emergency_contacts(rules: tuple[Rule, ...]) -> list[Phone]:
    """The numbers the emergency rules state (911), once each, for the footer of every page."""
    contacts: dict[str, Phone] = {}
    for rule in rules:
        if rule.level == "emergency":
            for phone in rule.contacts:
                contacts.setdefault(phone.number, phone)
    return list(contacts.values())


def _first_hit(text: str, rule: Rule) -> str | None:
    for phrase in rule.phrases:
        m = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)
        if m:
            return m.group(0)
    for pattern in rule.patterns:
        m = pattern.search(text)
        if m:
            return m.group(0)
    return None


def load_rules(path: Path, directory: Directory) -> tuple[Rule, ...]:
    """Read and validate ``safety.yaml``; raise CorpusError listing every problem as ``file:line: ...``."""
    data = read_mapping(path, "rules", "safety rules file")
    problems: list[str] = []
    rules, seen = [], set()
    for raw in data["rules"]:
        rule = _rule(path, raw, directory, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"{path}:{rule.line}: duplicate rule id '{rule.id}'")
        seen.add(rule.id)
        rules.append(rule)
    if problems:
        raise CorpusError(problems)
    return tuple(rules)


def _rule(path: Path, raw: object, directory: Directory, problems: list[str]) -> Rule | None:
    if not isinstance(raw, LineDict):
        problems.append(f"{path}:{line_of(raw)}: each rule must be a mapping of field: value")
        return None
    before = len(problems)

    def bad(key: str, msg: str) -> None:
        problems.append(f"{path}:{line_of(raw, key)}: rule '{raw.get('id', '?')}': {msg}")

    for key in raw:
        if key not in RULE_FIELDS:
            bad(key, f"unknown field '{key}'")
    for key in ("id", "level", "message"):
        if not raw.get(key):
            bad(key, f"missing required field '{key}'")
    if raw.get("level") and raw["level"] not in LEVELS:
        bad("level", f"level must be one of {', '.join(LEVELS)}")
    for key in ("phrases", "patterns", "services"):
        if key in raw and not is_text_list(raw[key]):
            bad(key, f"'{key}' must be a list of non-empty texts, like [one, two]")
            return None
    if not isinstance(raw.get("contacts", []), list) or not all(isinstance(c, dict) for c in raw.get("contacts", [])):
        bad("contacts", "'contacts' must be a list of {number: ..., kind: voice|text}")
        return None
    if not raw.get("phrases") and not raw.get("patterns"):
        bad("id", "a rule needs at least one of 'phrases' or 'patterns'")
    patterns = []
    for p in raw.get("patterns") or []:
        try:
            patterns.append(re.compile(str(p)))
        except re.error as e:
            bad("patterns", f"pattern {p!r} is not a valid regular expression: {e}")
    for sid in raw.get("services") or []:
        if directory.get(sid) is None:
            bad("services", f"names unknown service '{sid}'")
    contacts = []
    for c in raw.get("contacts") or []:
        number, kind = str((c or {}).get("number", "")), (c or {}).get("kind", "voice")
        if number not in EMERGENCY_NUMBERS and phone_problem(number, kind):
            bad("contacts", phone_problem(number, kind) or "")
            continue
        contacts.append(Phone(number=number, kind=kind))
    passages = []
    for ref in raw.get("passages") or []:
        if not isinstance(ref, dict) or set(ref) != {"document", "section", "paragraph"}:
            bad("passages", "each passage is {document, section, paragraph}")
            continue
        passages.append((str(ref["document"]), str(ref["section"]), ref["paragraph"]))
    if len(problems) > before:
        return None
    return Rule(
        id=str(raw["id"]), level=str(raw["level"]), message=str(raw["message"]).strip(),
        phrases=tuple(normalise(str(p)) for p in raw.get("phrases") or ()), patterns=tuple(patterns),
        services=tuple(raw.get("services") or ()), contacts=tuple(contacts), line=line_of(raw),
        passages=tuple(passages),
    )
