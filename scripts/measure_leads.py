"""Which passages after the first should lead an answer page (``qa.answering.engine.LEAD_GAP``).

On the tune splits only (never the test splits), for every answered question with labelled passages,
the passages at ranks 2 and 3 are counted as labelled answers or not, and for each gap the script
prints how many of each would lead (shown open) rather than be folded:

    python scripts/measure_leads.py [--gaps 0.04 0.075 0.11 0.15]
    python scripts/measure_leads.py --lang es     # Spanish questions (eval/spanish.yaml), LEAD_GAPS["es"]

Uses the index in service (QA_INDEX_DIR).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qa import open_engine
from qa.config import ROOT
from qa.lifecycle.evaluate import load_questions

FILES = {"en": ("eval/questions.yaml", "eval/wording.yaml"), "es": ("eval/spanish.yaml",)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaps", type=float, nargs="+", default=[0.04, 0.075, 0.11, 0.15, 0.2])
    parser.add_argument("--lang", choices=sorted(FILES), default="en")
    args = parser.parse_args()
    files = FILES[args.lang]
    engine = open_engine()
    later: list[tuple[bool, float]] = []  # (labelled as an answer, cosine below the first passage's)
    for name in files:
        for q in load_questions(ROOT / Path(name), "tune"):
            if not (q.in_scope and q.keys):
                continue
            trace = engine.trace(q.q)
            if not trace.answered or trace.safety is not None:
                continue
            first, *rest = trace.ranking.candidates[:3]
            later += [(any(k in c.chunk.text for k in q.keys), first.dense - c.dense) for c in rest]
    answers = sum(good for good, _ in later)
    print(f"tune splits of {', '.join(files)}: {len(later)} passages at ranks 2-3, {answers} labelled as answers")
    print("| gap | labelled answers that lead | others that lead |")
    print("|---|---|---|")
    for gap in args.gaps:
        lead = [good for good, below in later if below <= gap]
        print(f"| {gap} | {sum(lead)} of {answers} | {len(lead) - sum(lead)} of {len(later) - answers} |")


if __name__ == "__main__":
    main()
