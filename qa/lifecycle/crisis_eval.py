"""Measuring crisis detection: labelled danger questions in, figures per category out.

``eval/crisis.yaml`` lists questions with the level a person writing them should get: "emergency"
(danger now), "urgent" (past events, wanting out, worry about someone else) or "none"
(informational, often with alarming words). Figures are per category, because a detector that
catches plain words and misses indirect ones must show it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from qa.corpus import yamlfile
from qa.errors import QuestionError

if TYPE_CHECKING:
    from qa.answering.engine import Engine

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Level = Literal["emergency", "urgent", "none"]


class CrisisQuestion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    q: Text
    split: Literal["tune", "test"]
    category: Text
    level: Level
    lang: Literal["en", "es"] = "en"
    sign: Text | None = None


class CrisisFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    questions: list[CrisisQuestion]


def load_crisis_questions(path: Path, split: str | None = None) -> list[CrisisQuestion]:
    """Read a crisis question file (CorpusError when missing or wrong); ``split`` keeps "tune" or "test"."""
    questions = yamlfile.load(Path(path), CrisisFile, "crisis question file").questions
    return [q for q in questions if split in (None, q.split)]


@dataclass(frozen=True)
class CrisisOutcome:
    question: CrisisQuestion
    level: Level  # what the service showed
    rule: str | None
    matched: str | None
    score: float  # the semantic layer's score for the question (-1 when it has none)
    first_card: str | None  # the first service card (banner first, then the page's cards)
    first_passage: str | None  # id of the first passage shown


def run_crisis(engine: Engine, questions: list[CrisisQuestion]) -> list[CrisisOutcome]:
    """Ask every question and record the banner level it got."""
    out = []
    for q in questions:
        try:
            trace = engine.trace(q.q)
        except QuestionError as e:
            # too long to answer: the person reads the refusal under the banner its opening raised (qa.answering.engine)
            safety = e.safety
            score = safety.score if safety and safety.score is not None else -1.0
            out.append(CrisisOutcome(q, _level(safety.level if safety else None), safety.rule if safety else None,
                                     safety.matched if safety else None, score,
                                     safety.services[0].id if safety and safety.services else None, None))
            continue
        answer = engine.render(trace)
        cards = (answer.safety.services if answer.safety else []) + answer.services
        out.append(CrisisOutcome(
            q, _level(trace.safety.level if trace.safety else None), trace.safety.rule.id if trace.safety else None,
            trace.safety.matched if trace.safety else None, trace.crisis_score,
            cards[0].id if cards else None, answer.passages[0].id if answer.passages else None))
    return out


def crisis_figures(outcomes: list[CrisisOutcome]) -> dict[str, dict[str, Any]]:
    """Per category (and "all"): recall (a banner for a danger question), emergencies found, past or
    worried questions shown as urgent, and false emergencies and false banners on calm questions."""
    groups: dict[str, list[CrisisOutcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.question.category].append(o)
        groups["all"].append(o)

    def share(xs: list[CrisisOutcome], pred: Any) -> float | None:
        return round(sum(1 for x in xs if pred(x)) / len(xs), 4) if xs else None

    figs = {}
    for cat, xs in sorted(groups.items()):
        danger = [o for o in xs if o.question.level != "none"]
        emergency = [o for o in xs if o.question.level == "emergency"]
        urgent = [o for o in xs if o.question.level == "urgent"]
        calm = [o for o in xs if o.question.level == "none"]
        figs[cat] = {
            "questions": len(xs),
            "recall": share(danger, lambda o: o.level != "none"),
            "emergency_recall": share(emergency, lambda o: o.level == "emergency"),
            "urgent_as_urgent": share(urgent, lambda o: o.level == "urgent"),
            "false_emergencies": share(calm, lambda o: o.level == "emergency"),
            "false_banners": share(calm, lambda o: o.level != "none"),
        }
    return figs


def crisis_failures(outcomes: list[CrisisOutcome]) -> list[dict[str, Any]]:
    """The questions whose level was wrong, with what they got."""
    return [{"question": o.question.q, "split": o.question.split, "category": o.question.category,
             "expected": o.question.level, "got": o.level, "rule": o.rule, "matched": o.matched,
             "score": round(o.score, 4)}
            for o in outcomes if o.level != o.question.level]


def _level(level: str | None) -> Level:
    return "emergency" if level == "emergency" else "urgent" if level == "urgent" else "none"
