"""What the staff console shows: everything behind one answer, and the quality of the index in service.

``check(engine, question)`` returns a ``Check``: the answer a person would see, and every candidate
passage with its dense, lexical and fused scores and ranks, the highlighted sentence and its score,
the answered rule with its threshold, the crisis rule that fired and the cards with their reasons.
``QualityCache.get(engine)`` returns the ``qa eval`` figures of the index in service: those stored
in its manifest at build time when present, otherwise measured on the test split once per version.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.answering.crisis import CrisisMatch
from qa.answering.engine import TOP_K, Engine, Trace
from qa.errors import CorpusError
from qa.records import Answer, Citation

HEADLINE = ("hit@1", "hit@3", "no_answer_precision", "no_answer_recall", "crisis_recall")
# Each figure of qa.lifecycle.evaluate.figures in plain words: a name, and one sentence on what it counts.
EXPLAINED: dict[str, tuple[str, str]] = {
    "questions": ("Questions asked", "How many labelled questions were put to this index."),
    "in_scope": ("Questions our information covers", "Of those, how many a reviewer marked as answered by our information."),
    "out_of_scope": ("Questions it does not cover",
                     "Of those, how many should get \u201cour information does not cover that\u201d."),
    "hit@1": ("Right passage first", "Of the covered questions, the share whose first passage is one a reviewer marked as "
                                     "answering it."),
    "hit@3": ("Right passage in the first three", "The same, counting any of the first three passages."),
    "mrr": ("How high the right passage ranks", "1.0 when it is always first, 0.5 when it is second on average; lower "
                                                "when further down (the mean reciprocal rank)."),
    "no_answer_precision": ("\u201cNot covered\u201d said rightly", "When the service said our information does not cover "
                                                                      "a question, the share of times that was true."),
    "no_answer_recall": ("Uncovered questions declined", "Of the questions our information does not cover, the share the "
                                                         "service declined instead of answering with something misleading."),
    "in_scope_answered": ("Covered questions answered",
                          "Of the covered questions, the share answered rather than declined."),
    "crisis_recall": ("Danger recognised",
                      "Of the questions that signal danger, the share that showed the emergency banner."),
    "false_alarms": ("False emergencies", "Of the questions that do not signal danger, the share that showed the "
                                          "emergency banner anyway (lower is better)."),
    "card_recall@3": ("Right services shown", "Of the services a reviewer expected for a question, the share among its "
                                              "first three cards."),
    "highlight@1": ("Right sentence highlighted", "Of the questions with a marked sentence, the share whose first "
                                                  "passage highlights that sentence."),
    "median_ms": ("Typical time to answer", "Half of the questions were answered faster than this many milliseconds, "
                                            "inside the server."),
}


@dataclass(frozen=True)
class CandidateView:
    rank: int
    id: str
    citation: Citation
    text: str
    fused: float
    dense: float
    dense_rank: int | None
    dense_key: str  # which kind of key gave the dense score: passage, sentence, window or phrasing
    lexical: float
    lexical_rank: int | None
    classified: float  # the passage classifier's probability, added to the fused score at a small weight
    sentence: int | None  # index of the highlighted sentence in the passage
    sentence_text: str | None
    sentence_score: float | None  # cosine of the question with that sentence (under its heading)
    shown: str  # "answer", "related" or "" (not shown to the person)
    pinned: bool  # placed by the emergency rule that fired (its ``passages``), whatever its scores


@dataclass(frozen=True)
class Check:
    question: str
    answer: Answer
    candidates: list[CandidateView]
    confidence: float
    threshold: float
    best_dense: float
    best_lexical: float
    negative: float  # closest known out-of-scope question (-1: none)
    reason: str  # why answered is what it is, in one sentence
    safety: CrisisMatch | None
    calibration: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"  # the language the question was read as: it picks the threshold and the page's language
    gloss: str = ""  # for a Spanish question, its translation and its lexicon terms' English words (Trace.gloss)
    searched: str = ""  # the words searched, when spelling or street words changed them (Trace.searched)

    @property
    def answered(self) -> bool:
        return self.answer.answered


ROWS = 50  # chunks a check lists, best first (every chunk of a smaller corpus)


def check(engine: Engine, question: str, top_k: int = TOP_K) -> Check:
    """Everything behind the public answer to ``question`` (QuestionError for unusable input)."""
    trace = engine.trace(question, limit=ROWS, ranks=True)
    answer = engine.render(trace, top_k)
    shown = {p.id: "answer" for p in answer.passages} | {p.id: "related" for p in answer.related}
    safety = trace.safety
    pinned = {r.place for r in safety.rule.passages} if safety and safety.level == "emergency" else set()
    rows = []
    for c in trace.ranking.candidates:
        sentence_text = None
        if c.sentence is not None:
            lo, hi = c.chunk.sentences[c.sentence]
            sentence_text = c.chunk.text[lo:hi]
        rows.append(CandidateView(
            c.rank, c.chunk.id, c.chunk.citation, c.chunk.text, c.fused, c.dense, c.dense_rank, c.dense_key,
            c.lexical, c.lexical_rank, c.classified, c.sentence, sentence_text,
            c.sentence_score if c.sentence is not None else None, shown.get(c.chunk.id, ""),
            (c.chunk.document, c.chunk.section, c.chunk.paragraph) in pinned))
    ranking = trace.ranking
    return Check(trace.question, answer, rows, trace.confidence, trace.rule.threshold_for(trace.lang), ranking.best_dense,
                 ranking.best_lexical, ranking.negative, _reason(trace), trace.safety, dict(trace.rule.figures), trace.lang,
                 trace.gloss, trace.searched)


def _reason(trace: Trace) -> str:
    ranking, rule = trace.ranking, trace.rule
    if ranking.candidates and ranking.negative >= ranking.best_dense and trace.confidence == 0:
        why = (f"the question is closer to a known out-of-scope question ({ranking.negative:.4f}) than to any "
               f"passage ({ranking.best_dense:.4f}), so its confidence is 0")
    else:
        closest = f"{ranking.negative:.4f}" if ranking.negative > -1 else "none listed"
        learnt = ("" if trace.covered is None else
                  f", and the coverage model's probability that our information covers it ({trace.covered:.4f})")
        why = (f"confidence {trace.confidence:.4f}, from the best dense score {ranking.best_dense:.4f}, the best BM25 "
               f"score {ranking.best_lexical:.4f}, the closest out-of-scope question ({closest}){learnt}")
    verdict = "at or above" if rule.accepts(trace.confidence, trace.lang) else "below"
    which = "" if trace.lang == "en" else f" for questions in '{trace.lang}'"
    text = f"{why}; that is {verdict} the threshold{which} {rule.threshold_for(trace.lang):.4f}"
    if trace.gap is not None:
        text += f"; not answered anyway: {trace.gap.message}"
    if not rule.accepts(trace.confidence, trace.lang) and trace.answered and trace.safety is not None:
        text += f", but the emergency rule '{trace.safety.rule.id}' fired, and a question in danger is always answered"
    return text


@dataclass(frozen=True)
class Quality:
    version: str
    source: str  # where the figures come from, for the page
    split: str
    figures: dict[str, Any]
    failures: list[dict[str, Any]]
    problem: str | None = None


class QualityCache:
    """Quality figures per index version, measured at most once per version per process."""

    def __init__(self, questions: Path):
        self.questions = Path(questions)
        self._lock = threading.Lock()
        self._by_version: dict[str, Quality] = {}

    def get(self, engine: Engine) -> Quality:
        version = engine.version.id
        with self._lock:
            if version not in self._by_version:
                self._by_version = {version: self._measure(engine)}  # only the version in service is kept
            return self._by_version[version]

    def _measure(self, engine: Engine) -> Quality:
        from qa.lifecycle.evaluate import failures, figures, load_questions, run

        stored = engine.version.manifest.get("quality") or {}
        if stored.get("figures"):
            return Quality(engine.version.id, "stored with the index when it was built", stored.get("split", "test"),
                           stored["figures"], list(stored.get("failures") or []))
        try:
            questions = load_questions(self.questions, "test")
        except CorpusError as e:
            return Quality(engine.version.id, "", "test", {}, [], problem="; ".join(e.problems))
        outcomes = run(engine, questions)
        return Quality(engine.version.id, f"measured on {self.questions.name} when this page was first opened",
                       "test", figures(outcomes), failures(outcomes))
