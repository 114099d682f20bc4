"""The quality gate: a new version is published only if its figures hold up.

Floors live in the repository (``eval/floors.yaml``); a figure may also not fall below the version
in service by more than ``margin``. The questions that got worse are listed by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.corpus import yamlfile

HIGHER_IS_BETTER = ("hit@1", "hit@3", "mrr", "no_answer_precision", "no_answer_recall", "in_scope_answered",
                    "crisis_recall", "card_recall@3")
LOWER_IS_BETTER = ("false_alarms",)
Higher = Literal["hit@1", "hit@3", "mrr", "no_answer_precision", "no_answer_recall", "in_scope_answered",
                 "crisis_recall", "card_recall@3"]
Lower = Literal["false_alarms"]


class CrisisFloors(BaseModel):
    """Floors on the crisis questions (``eval/crisis.yaml``), per category, on the same split."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recall: dict[str, float] = {}  # category -> the least share of danger questions that get a banner
    false_emergencies: dict[str, float] = {}  # category -> the most share of calm questions given an emergency


class Floors(BaseModel):
    """What ``floors.yaml`` holds: the split measured, floors and ceilings per figure, and the margin."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    split: Literal["tune", "test"] = "test"
    floors: dict[Higher, float] = {}
    ceilings: dict[Lower, float] = {}
    margin: float = Field(0.03, ge=0.0, le=1.0)
    crisis: CrisisFloors = CrisisFloors()
    # figures on eval/wording.yaml's same split, per category of wording: category -> figure -> floor
    wording: dict[str, dict[Higher, float]] = {}


def load_floors(path: Path) -> Floors:
    """Read ``floors.yaml``; CorpusError (``file:line``) when it is missing or wrong."""
    data: Any = yamlfile.read(Path(path), "quality floors file")
    return yamlfile.validate(Floors, data, path)


@dataclass(frozen=True)
class Verdict:
    passed: bool
    problems: tuple[str, ...]
    worse: tuple[str, ...]  # questions that got worse than in the version in service

    def lines(self) -> list[str]:
        if self.passed:
            return ["quality gate: passed"]
        out = ["quality gate: REFUSED", *[f"  {p}" for p in self.problems]]
        if self.worse:
            out += [f"  questions that got worse ({len(self.worse)}):", *[f"    - {q}" for q in self.worse]]
        return out


def judge(new: dict[str, Any], floors: Floors, live: dict[str, Any] | None = None) -> Verdict:
    """Compare a new version's quality record (``{"figures": ..., "questions": ...}``) to the floors
    and to the live version's record."""
    figs = new["figures"]
    problems = []
    # A floor with no figure to hold it to is a problem too: a gate that skips what it cannot
    # measure (a questions file without that kind of question, a category missing) passes anything.
    unmeasured = "has no figure in this build to hold to its {} {:.3f}: the labelled questions do not measure it"
    for floor_name, floor in floors.floors.items():
        if figs.get(floor_name) is None:
            problems.append(f"{floor_name} " + unmeasured.format("floor", floor))
        elif figs[floor_name] < floor:
            problems.append(f"{floor_name} {figs[floor_name]:.3f} is below the floor {floor:.3f}")
    for ceiling_name, ceiling in floors.ceilings.items():
        if figs.get(ceiling_name) is None:
            problems.append(f"{ceiling_name} " + unmeasured.format("ceiling", ceiling))
        elif figs[ceiling_name] > ceiling:
            problems.append(f"{ceiling_name} {figs[ceiling_name]:.3f} is above the ceiling {ceiling:.3f}")
    crisis = new.get("crisis") or {}
    for category, floor in floors.crisis.recall.items():
        got = (crisis.get(category) or {}).get("recall")
        if got is None:
            problems.append(f"crisis recall ({category}) " + unmeasured.format("floor", floor))
        elif got < floor:
            problems.append(f"crisis recall ({category}) {got:.3f} is below the floor {floor:.3f}")
    for category, ceiling in floors.crisis.false_emergencies.items():
        got = (crisis.get(category) or {}).get("false_emergencies")
        if got is None:
            problems.append(f"false emergencies ({category}) " + unmeasured.format("ceiling", ceiling))
        elif got > ceiling:
            problems.append(f"false emergencies ({category}) {got:.3f} are above the ceiling {ceiling:.3f}")
    wording = new.get("wording") or {}
    for category, wanted in floors.wording.items():
        for figure, floor in wanted.items():
            got = (wording.get(category) or {}).get(figure)
            if got is None:
                problems.append(f"{figure} ({category} wording) " + unmeasured.format("floor", floor))
            elif got < floor:
                problems.append(f"{figure} ({category} wording) {got:.3f} is below the floor {floor:.3f}")
    worse: list[str] = []
    if live and live.get("figures"):
        old = live["figures"]
        for higher in HIGHER_IS_BETTER:
            if None not in (figs.get(higher), old.get(higher)) and figs[higher] < old[higher] - floors.margin:
                problems.append(f"{higher} fell from {old[higher]:.3f} to {figs[higher]:.3f} (margin {floors.margin})")
        for lower in LOWER_IS_BETTER:
            if None not in (figs.get(lower), old.get(lower)) and figs[lower] > old[lower] + floors.margin:
                problems.append(f"{lower} rose from {old[lower]:.3f} to {figs[lower]:.3f} (margin {floors.margin})")
        worse = [q for q, now in new["questions"].items() if q in live.get("questions", {})
                 and _worse(live["questions"][q], now)]
    return Verdict(not problems, tuple(problems), tuple(worse))


def _worse(before: dict[str, Any], now: dict[str, Any]) -> bool:
    def rank(r: int | None) -> int:
        return r if r is not None else 99

    return (rank(now.get("rank")) > rank(before.get("rank")) or now.get("ok") is False and before.get("ok") is True)
