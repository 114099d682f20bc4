"""The quality gate: a new version is published only if its figures hold up.

Floors live in the repository (``tests/eval/floors.yaml``); a figure may also not fall below the
version in service by more than ``margin``. The questions that got worse are listed by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import CorpusError
from qa.yamlio import LineDict, YamlProblem, load_yaml

HIGHER_IS_BETTER = ("hit@1", "hit@3", "mrr", "no_answer_precision", "no_answer_recall", "in_scope_answered",
                    "crisis_recall", "card_recall@3")
LOWER_IS_BETTER = ("false_alarms",)


@dataclass(frozen=True)
class Floors:
    split: str = "test"
    floors: dict = field(default_factory=dict)
    ceilings: dict = field(default_factory=dict)
    margin: float = 0.03


def load_floors(path: Path) -> Floors:
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"), path)
    except FileNotFoundError:
        return Floors()
    except YamlProblem as e:
        raise CorpusError([str(e)]) from e
    if not isinstance(data, LineDict):
        raise CorpusError([f"{path}:1: expected split, floors, ceilings and margin"])
    unknown = [k for k in {**(data.get("floors") or {}), **(data.get("ceilings") or {})}
               if k not in HIGHER_IS_BETTER + LOWER_IS_BETTER]
    if unknown:
        raise CorpusError([f"{path}:1: unknown figure(s) {', '.join(unknown)}"])
    return Floors(str(data.get("split", "test")), dict(data.get("floors") or {}), dict(data.get("ceilings") or {}),
                  float(data.get("margin", 0.03)))


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


def judge(new: dict, floors: Floors, live: dict | None = None) -> Verdict:
    """Compare a new version's quality record (``{"figures": ..., "questions": ...}``) to the floors
    and to the live version's record."""
    figs = new["figures"]
    problems = []
    for name, floor in floors.floors.items():
        if figs.get(name) is not None and figs[name] < floor:
            problems.append(f"{name} {figs[name]:.3f} is below the floor {floor:.3f}")
    for name, ceiling in floors.ceilings.items():
        if figs.get(name) is not None and figs[name] > ceiling:
            problems.append(f"{name} {figs[name]:.3f} is above the ceiling {ceiling:.3f}")
    worse: list[str] = []
    if live and live.get("figures"):
        old = live["figures"]
        for name in HIGHER_IS_BETTER:
            if None not in (figs.get(name), old.get(name)) and figs[name] < old[name] - floors.margin:
                problems.append(f"{name} fell from {old[name]:.3f} to {figs[name]:.3f} (margin {floors.margin})")
        for name in LOWER_IS_BETTER:
            if None not in (figs.get(name), old.get(name)) and figs[name] > old[name] + floors.margin:
                problems.append(f"{name} rose from {old[name]:.3f} to {figs[name]:.3f} (margin {floors.margin})")
        worse = [q for q, now in new["questions"].items() if q in live.get("questions", {})
                 and _worse(live["questions"][q], now)]
    return Verdict(not problems, tuple(problems), tuple(worse))


def _worse(before: dict, now: dict) -> bool:
    def rank(r):
        return r if r is not None else 99

    return (rank(now.get("rank")) > rank(before.get("rank")) or now.get("ok") is False and before.get("ok") is True)
