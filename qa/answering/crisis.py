"""Crisis detection: which rule of ``corpus/safety.yaml`` a question fires, if any.

A rule fires when the normalised question contains one of its phrases (as whole words) or matches
one of its regular expressions. The highest level wins (emergency over urgent); ties go to the rule
listed first. The result names the rule and the words that fired it, so staff can see why.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.corpus.rules import LEVELS, SafetyRule
from qa.records import Phone
from qa.text import normalise


@dataclass(frozen=True)
class CrisisMatch:
    rule: SafetyRule
    matched: str

    @property
    def level(self) -> str:
        return self.rule.level


def detect(question: str, rules: tuple[SafetyRule, ...]) -> CrisisMatch | None:
    """The rule that fires for ``question`` (highest level, then file order), or None."""
    text = normalise(question)
    best: CrisisMatch | None = None
    for rule in rules:
        hit = rule.first_hit(text)
        if hit is None:
            continue
        if best is None or LEVELS.index(rule.level) < LEVELS.index(best.rule.level):
            best = CrisisMatch(rule, hit)
    return best


def emergency_contacts(rules: tuple[SafetyRule, ...]) -> list[Phone]:
    """The numbers the emergency rules state (911), once each, for the footer of every page."""
    contacts: dict[str, Phone] = {}
    for rule in rules:
        if rule.level == "emergency":
            for phone in rule.contacts:
                contacts.setdefault(phone.number, Phone(number=phone.number, kind=phone.kind))
    return list(contacts.values())
