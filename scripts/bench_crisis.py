"""Crisis detection's semantic layer: nearest example against logistic regression, on one split.

    python scripts/bench_crisis.py [--split tune]

Uses the published index (its embedded danger and calm examples, and the classifier the build
trained). For each method it prints the best recall (any banner for a danger question, rules
included) reachable within the false-alarm budget of qa/lifecycle/crisis_model.py, and the cut
that reaches it, so the two are compared at the same false alarms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa import open_engine  # noqa: E402
from qa.config import get_settings  # noqa: E402
from qa.lifecycle.crisis_eval import load_crisis_questions  # noqa: E402
from qa.lifecycle.crisis_model import MAX_ADDED_BANNERS  # noqa: E402
from qa.lifecycle.evaluate import load_questions  # noqa: E402
from qa.text import passages_of  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["tune", "test"], default="tune")
    args = ap.parse_args()
    engine = open_engine()
    detector, keys = engine.detector, engine.version.keys
    vectors = engine.version.vectors
    danger = np.stack([vectors.reconstruct(i) for i, k in enumerate(keys) if k.kind == "danger"])
    calm = np.stack([vectors.reconstruct(i) for i, k in enumerate(keys) if k.kind == "calm"])
    settings = get_settings()
    cases = [(q.q, q.level != "none") for q in load_crisis_questions(settings.crisis_file, args.split)]
    cases += [(q.q, False) for q in load_questions(settings.questions_file, args.split) if q.crisis is None]
    rows = []
    for question, is_danger in cases:
        parts = passages_of(question)
        v = engine.encoder.encode(parts)
        near = v @ danger.T
        top = near.max(axis=1)
        nearest = float((top - np.maximum((v @ calm.T).max(axis=1) - top, 0.0)).max())
        logistic = max(p for p, _ in detector.scores(v))
        rules = detector.detect(question, parts, None) is not None  # no vectors: the rules alone
        rows.append((is_danger, rules, nearest, logistic))
    n_danger = sum(r[0] for r in rows)
    n_calm = len(rows) - n_danger
    by_rules = sum(not r[0] and r[1] for r in rows) / n_calm
    print(f"split {args.split}: {n_danger} danger questions, {n_calm} calm or ordinary ones; "
          f"budget: at most {MAX_ADDED_BANNERS:.2%} false banners beyond the rules'")
    print(f"rules alone: recall {sum(r[0] and r[1] for r in rows) / n_danger:.1%}, false banners {by_rules:.1%}")
    for name, col in (("nearest example", 2), ("logistic regression", 3)):
        best = (0.0, 0.0, 1.01)
        for cut in sorted({r[col] for r in rows}):
            fired = [r[1] or r[col] >= cut for r in rows]
            false = sum(f and not r[0] for f, r in zip(fired, rows, strict=True)) / n_calm
            recall = sum(f and r[0] for f, r in zip(fired, rows, strict=True)) / n_danger
            if false - by_rules <= MAX_ADDED_BANNERS + 1e-9 and recall > best[0]:
                best = (recall, false, cut)
        print(f"{name:20} recall {best[0]:.1%} at false banners {best[1]:.1%} (cut {best[2]:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
