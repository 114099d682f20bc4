"""Answering a question: the one function every page, script and test goes through.

``Engine(version, encoder).answer(question)`` returns an ``Answer``: passages quoted word for word
with their citations and best sentence, whether the corpus answers the question at all (a
calibrated rule stored in the index manifest), the service cards that fit, and the crisis banner.
``Engine.trace`` returns everything behind that answer, for staff and for evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa.answering.cards import choose_cards, fallback_cards
from qa.answering.crisis import CrisisMatch, detect
from qa.config import default
from qa.corpus.rules import PassageRef
from qa.encoder import Encoder
from qa.errors import QuestionError
from qa.index.format import Version
from qa.records import Answer, Highlight, IndexInfo, Passage, Safety
from qa.retrieval.confidence import AnsweredRule
from qa.retrieval.search import Candidate, Ranking, Searcher
from qa.text import squeeze

MAX_QUESTION_CHARS: int = default("max_question_chars")
TOP_K: int = default("default_top_k")
SCREEN_CHARS = 5000  # how much of a refused question is still read for danger signs
RELATED = 3  # closest passages offered as "might be related" when nothing answers
SAFETY_WHY_EMERGENCY = "Shown first because your question may mean you are in danger"
SAFETY_WHY_URGENT = "Shown first because it can help you talk this through, confidentially"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # and lone surrogates


def clean_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """Trim and normalise whitespace; QuestionError when empty, too long or holding control characters."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    if _CONTROL.search(question):
        raise QuestionError("the question contains control characters; please type it again")
    text = squeeze(question)
    if not text:
        raise QuestionError("please type a question")
    if len(text) > max_chars:
        raise QuestionError(f"please keep the question under {max_chars} characters (it has {len(text)})")
    return text


@dataclass(frozen=True)
class Trace:
    """Everything behind one answer."""

    question: str
    ranking: Ranking
    answered: bool
    confidence: float
    rule: AnsweredRule
    safety: CrisisMatch | None
    crisis_score: float = -1.0  # the semantic crisis layer's score (-1: not measured)


class Engine:
    """A loaded index version and the model, ready to answer."""

    def __init__(self, version: Version, encoder: Encoder, max_question_chars: int = MAX_QUESTION_CHARS):
        self.version = version
        self.searcher = Searcher(version, encoder)
        self.rule = AnsweredRule.from_manifest(version.manifest)
        self.max_question_chars = max_question_chars

    @property
    def info(self) -> IndexInfo:
        return IndexInfo(version=self.version.id, built_at=self.version.built_at)

    def trace(self, question: str, mode: str = "hybrid") -> Trace:
        try:
            text = clean_question(question, self.max_question_chars)
        except QuestionError as e:
            # Refused, but a person in danger who typed too much must still see the banner.
            if isinstance(question, str):
                e.safety = self._safety(detect(_CONTROL.sub(" ", question[:SCREEN_CHARS]), self.version.corpus.rules))
            raise
        ranking = self.searcher.search(text, mode=mode)
        confidence = self.rule.confidence(ranking, text)
        safety = detect(text, self.version.corpus.rules)
        if safety and safety.rule.passages:
            ranking = _pin(ranking, safety.rule.passages)
        # A question that signals danger is answered with the passages on help, whatever the score.
        answered = self.rule.accepts(confidence) or (safety is not None and safety.rule.level == "emergency")
        return Trace(text, ranking, answered, confidence, self.rule, safety)

    def answer(self, question: str, top_k: int = TOP_K) -> Answer:
        """Answer ``question`` with up to ``top_k`` passages; QuestionError for unusable input."""
        return self.render(self.trace(question), top_k)

    def render(self, trace: Trace, top_k: int = TOP_K) -> Answer:
        """Turn a trace into the Answer a person sees."""
        directory = self.version.corpus.directory
        best = trace.ranking.candidates[:top_k]
        passages = [_passage(c) for c in best]
        if trace.answered:
            cards = choose_cards(trace.question, [c.chunk for c in best[:3]], directory)
            related = []
        else:
            cards = fallback_cards(directory)
            passages, related = [], passages[:RELATED]
        return Answer(question=trace.question, answered=trace.answered, passages=passages, related=related,
                      services=cards, safety=self._safety(trace.safety), index=self.info)

    def _safety(self, match: CrisisMatch | None) -> Safety | None:
        if match is None:
            return None
        directory = self.version.corpus.directory
        rule = match.rule
        why = (SAFETY_WHY_EMERGENCY if rule.level == "emergency" else SAFETY_WHY_URGENT)
        cards = [directory[sid].card(why) for sid in rule.services]
        return Safety(level=rule.level, message=rule.message, rule=rule.id, matched=match.matched,
                      contacts=list(rule.contacts), services=cards)


def _pin(ranking: Ranking, refs: tuple[PassageRef, ...]) -> Ranking:
    """Put the passages a safety rule names first (in the rule's order), the rest after as ranked."""
    places = [r.place for r in refs]

    def place(c: Candidate) -> int:
        key = (c.chunk.document, c.chunk.section, c.chunk.paragraph)
        return places.index(key) if key in places else len(places)

    ordered = sorted(ranking.candidates, key=lambda c: (place(c), c.rank))
    return replace(ranking, candidates=[replace(c, rank=i + 1) for i, c in enumerate(ordered)])


def _passage(c: Candidate) -> Passage:
    highlight = None
    if c.sentence is not None:
        start, end = c.chunk.sentences[c.sentence]
        highlight = Highlight(start=start, end=end)
    return Passage(id=c.chunk.id, text=c.chunk.text, score=round(c.dense, 4), highlight=highlight,
                   citation=c.chunk.citation)
