"""Crisis detection: whether a question signals danger, how urgent it is, and why.

Two layers, both auditable in ``corpus/safety.yaml``:

- **rules**: a rule fires when the normalised text contains one of its phrases (whole words) or
  matches one of its regular expressions;
- **signs** (the semantic layer): a logistic regression, trained at build time on the embeddings
  of the signs' example sentences against calm ones (informational questions, the FAQ's own
  sentences, alternate phrasings, out-of-scope questions), gives each sentence a probability of
  danger; at or above the threshold calibrated at build time, the sentence fires the rule of the
  danger sign whose example it comes closest to.

A question is read sentence by sentence, so one danger sentence buried in a long message counts.
The level of a fired rule is then set by cues in the sentence that fired it: with no present cue
("right now", "still"), a past cue ("last year", "I got away"), a worry cue ("I think she
might...") or a general question ("what is the penalty for...") makes an emergency urgent, for the
cues the rule lists in ``lowered_by``. The highest level wins; between equal levels, rules before
signs and the first listed first. The result names the rule, the words or example that fired it,
and the score, so staff can see why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.corpus.rules import LEVELS, Lang, Level, SafetyFile, SafetyRule
from qa.records import Phone
from qa.text import language, normalise

MIN_WORDS = 3  # words a sentence needs before the semantic layer may fire on it (rules fire on any)
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class CrisisMatch:
    rule: SafetyRule
    matched: str  # the words that fired a rule, or the example sentence a sign's match came closest to
    level: Level  # after the cues
    lang: Lang = "en"  # the language of what fired it ("en" or "es"): the banner's language
    sign: str | None = None  # the danger sign, when the semantic layer fired
    score: float | None = None  # the semantic layer's score, when it fired


@dataclass(frozen=True)
class Examples:
    """The embedded example sentences of the danger signs (rows of unit vectors)."""

    danger: np.ndarray  # (n, dimension)
    danger_text: tuple[str, ...]
    danger_sign: tuple[str, ...]
    danger_lang: tuple[Lang, ...]

    def closest(self, vectors: np.ndarray, k: int = 3) -> np.ndarray:
        """For each row of ``vectors``, the index of the closest danger example of the sign whose ``k``
        closest examples are closest on average (one lucky example does not choose the sign); -1 when
        there are no examples."""
        if not len(self.danger):
            return np.full(len(vectors), -1)
        sims = vectors @ self.danger.T
        signs = sorted(set(self.danger_sign))
        out = []
        for row in sims:
            def strength(sign: str, row: np.ndarray = row) -> float:
                own = np.sort(row[[i for i, s in enumerate(self.danger_sign) if s == sign]])[::-1][:k]
                return float(own.mean())
            best = max(signs, key=strength)
            members = [i for i, s in enumerate(self.danger_sign) if s == best]
            out.append(members[int(np.argmax(row[members]))])
        return np.asarray(out)


@dataclass(frozen=True)
class Classifier:
    """A logistic regression on sentence embeddings: the probability that a sentence signals danger."""

    weights: np.ndarray  # (dimension,)
    bias: float

    @classmethod
    def from_manifest(cls, crisis: dict[str, Any]) -> Classifier | None:
        if not crisis.get("weights"):
            return None
        return cls(np.asarray(crisis["weights"], dtype="float32"), float(crisis["bias"]))

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-(vectors @ self.weights + self.bias))))


@dataclass(frozen=True)
class Layer:
    """The semantic layer's classifier and the thresholds it is held to for questions in one language."""

    classifier: Classifier
    threshold: float | None  # at or above: the sign's rule at its level; None: scores, never fires
    urgent_threshold: float | None = None  # at or above (and below threshold): an urgent banner at most

    @classmethod
    def from_manifest(cls, crisis: dict[str, Any]) -> Layer | None:
        classifier = Classifier.from_manifest(crisis)
        if classifier is None:
            return None
        return cls(classifier, crisis.get("threshold"), crisis.get("urgent_threshold"))


class Detector:
    """The crisis rules and signs of one corpus, with the semantic layer of each language.

    ``layers`` maps a question's language to its layer; "en" serves any language without its own.
    With the English model, what Spanish sentences share is mostly their language, so a Spanish
    question is held to thresholds calibrated on Spanish questions (qa.lifecycle.crisis_model).
    """

    def __init__(self, safety: SafetyFile, examples: Examples | None = None, layers: dict[str, Layer] | None = None):
        self.safety = safety
        self.examples = examples
        self.layers = dict(layers or {})

    @classmethod
    def from_manifest(cls, safety: SafetyFile, examples: Examples | None, crisis: dict[str, Any]) -> Detector:
        # a language's entry holds its own thresholds; the classifier is the one trained for all
        layers = {"en": Layer.from_manifest(crisis)} | {
            lang: Layer.from_manifest(crisis | own) for lang, own in (crisis.get("languages") or {}).items()}
        return cls(safety, examples, {lang: layer for lang, layer in layers.items() if layer is not None})

    def layer(self, lang: str = "en") -> Layer | None:
        """The semantic layer for questions in ``lang``."""
        return self.layers.get(lang) or self.layers.get("en")

    def semantic(self, lang: str = "en") -> bool:
        layer = self.layer(lang)
        return (self.examples is not None and layer is not None and layer.threshold is not None
                and len(self.examples.danger) > 0)

    def detect(self, question: str, parts: list[str], vectors: np.ndarray | None = None) -> CrisisMatch | None:
        """The strongest danger signal in ``question``, read whole and as the sentences ``parts``.

        ``vectors`` are the embeddings of ``parts`` (for the semantic layer; None skips it). The
        question's language picks the semantic layer's thresholds.
        """
        lang = language(question)
        scores = (self.scores(vectors, lang) if vectors is not None and self.semantic(lang)
                  else [None] * len(parts))
        found = [m for part in parts if (m := self._rules(part)) is not None]
        if not found:  # a pattern may span sentences; the cues are then read in the whole question
            found = [m for m in [self._rules(question)] if m is not None]
        found += [m for part, score in zip(parts, scores, strict=True)
                  if score is not None and (m := self._sign(part, *score, lang=lang))]
        if not found:
            return None
        return min(found, key=lambda m: LEVELS.index(m.level))  # min keeps the first of equal levels

    def scores(self, vectors: np.ndarray, lang: str = "en") -> list[tuple[float, int]]:
        """The semantic layer's (probability of danger, closest example) for each row of ``vectors``."""
        layer = self.layer(lang)
        if self.examples is None or layer is None or not len(vectors):
            return [(-1.0, -1)] * len(vectors)
        probability = layer.classifier.probability(vectors)
        closest = self.examples.closest(vectors)
        return [(float(p), int(i)) for p, i in zip(probability, closest, strict=True)]

    def _rules(self, text: str) -> CrisisMatch | None:
        """The rule that fires for ``text`` at the highest level after the cues (file order between equals)."""
        norm = normalise(text)
        found = [CrisisMatch(rule, hit[0], self.level(rule, norm), hit[1])
                 for rule in self.safety.rules if (hit := rule.first_hit(norm)) is not None]
        return min(found, key=lambda m: LEVELS.index(m.level)) if found else None

    def _sign(self, text: str, score: float, example: int, lang: str = "en") -> CrisisMatch | None:
        layer = self.layer(lang)
        high = layer.threshold if layer is not None else None
        low = layer.urgent_threshold if layer is not None and layer.urgent_threshold is not None else high
        if self.examples is None or high is None or low is None or score < low or example < 0:
            return None
        if len(_WORD.findall(text)) < MIN_WORDS:  # "xxxx" or "help!" says too little for a model to read
            return None
        sign = self.examples.danger_sign[example]
        rule = self.safety.rule(next(s.rule for s in self.safety.signs if s.id == sign))
        level = self.level(rule, normalise(text)) if score >= high else "urgent"
        return CrisisMatch(rule, self.examples.danger_text[example], level, self.examples.danger_lang[example], sign,
                           round(score, 4))

    def level(self, rule: SafetyRule, sentence: str) -> Level:
        """The level ``rule`` gets for a normalised ``sentence``, after the cues."""
        if rule.level != "emergency":
            return rule.level
        cues = self.safety.cues
        if cues.present.first(sentence) is not None:
            return "emergency"
        lowering = {"past": lambda s: cues.past.first(s) is not None,
                    "worry": lambda s: cues.worry.first(s) is not None, "general": cues.is_general}
        return "urgent" if any(lowering[cue](sentence) for cue in rule.lowered_by) else "emergency"

    def fears_police(self, question: str) -> bool:
        """Whether the question says the person fears police, arrest or deportation."""
        return self.safety.police_fear.phrases.first(normalise(question)) is not None


def emergency_contacts(rules: tuple[SafetyRule, ...]) -> list[Phone]:
    """The numbers the emergency rules state (911), once each, for the footer of every page."""
    contacts: dict[str, Phone] = {}
    for rule in rules:
        if rule.level == "emergency":
            for phone in rule.contacts:
                contacts.setdefault(phone.number, Phone(number=phone.number, kind=phone.kind))
    return list(contacts.values())
