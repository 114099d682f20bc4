"""The coverage model: trained on labelled questions, scored with numpy as scikit-learn would, calibrated on
probabilities it did not learn, and worth its place in the answered rule on questions it never saw."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from qa.answering.engine import Engine
from qa.errors import IndexCorruptError
from qa.lifecycle.build import in_scope, tune_questions
from qa.lifecycle.evaluate import load_questions
from qa.retrieval import coverage
from qa.retrieval.confidence import AnsweredRule
from qa.retrieval.coverage import CoverageModel, train
from qa.retrieval.search import Ranking

EVAL = Path(__file__).parent.parent / "eval"
OLDER = ("questions", "wording", "wording2", "wording3", "wording4", "wording5", "wording6", "spanish", "spanish2")
LATER = ("wording7", "wording8", "wording9", "wording10", "wording11", "wording12", "spanish3", "spanish4")


def _two_kinds(n: int = 40, seed: int = 5) -> tuple[np.ndarray, list[bool]]:
    """``n`` unit vectors around each of two random centres: covered, and not."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2, 32))
    rows = np.concatenate([c + rng.normal(0, 0.6, (n, 32)) for c in centres])
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows.astype("float32"), [True] * n + [False] * n


def test_probabilities_are_scikit_learns():
    rows, labels = _two_kinds()
    stored, held = train(rows, labels)
    model = CoverageModel.from_manifest({"coverage": stored})
    assert model is not None
    reference = LogisticRegression(C=coverage.REGULARISATION, max_iter=3000).fit(rows, labels)
    for row in rows[::7]:
        assert model.probability(row[None, :]) == pytest.approx(reference.predict_proba(row[None, :])[0, 1], abs=1e-4)
    assert stored["questions"] == {"in_scope": 40, "out_of_scope": 40}
    # one probability per question, from a model that did not learn it: close to the full model's, not equal
    assert len(held) == len(rows) and all(0.0 < p < 1.0 for p in held)
    full = [model.probability(r[None, :]) for r in rows]
    assert held != pytest.approx(full, abs=1e-6)
    assert np.mean([p > 0.5 for p, c in zip(held, labels, strict=True) if c]) > 0.9


@pytest.mark.parametrize("labels", [[True] * 20, [False] * 20, [True] * 16 + [False] * 4, []])
def test_one_kind_or_too_few_of_one_get_no_model(labels):
    rows = np.ones((len(labels), 32), dtype="float32")
    stored, held = train(rows, labels)
    assert "reason" in stored and held == [None] * len(labels)
    assert CoverageModel.from_manifest({"coverage": stored}) is None


@pytest.mark.parametrize("damage", [
    lambda s: s | {"weights": "not numbers"},
    lambda s: s | {"bias": None},
    lambda s: s | {"weights": [[0.1, 0.2], [0.3, 0.4]]},
])
def test_a_damaged_model_is_refused_with_the_fix(damage):
    rows, labels = _two_kinds()
    with pytest.raises(IndexCorruptError, match="coverage model.*build"):
        CoverageModel.from_manifest({"coverage": damage(train(rows, labels)[0])})


def test_a_model_for_other_vectors_is_refused(version, encoder):
    rows, labels = _two_kinds()  # 32 dimensions, not the model's
    manifest = version.manifest | {"coverage": train(rows, labels)[0]}
    with pytest.raises(IndexCorruptError, match="dimension 32"):
        Engine(dataclasses.replace(version, manifest=manifest), encoder)


def test_the_rule_adds_its_weight_of_the_probability_but_gives_nothing_to_a_question_without_confidence():
    ranking = Ranking(candidates=[object()], negative=0.1, best_dense=0.5, best_lexical=0.0)  # type: ignore[list-item]
    plain = AnsweredRule.confidence(ranking, "a question")
    assert AnsweredRule.confidence(ranking, "a question", 0.5) == pytest.approx(plain)
    assert AnsweredRule.confidence(ranking, "a question", 1.0) == pytest.approx(plain + coverage.WEIGHT / 2)
    assert AnsweredRule.confidence(ranking, "a question", 0.0) == pytest.approx(plain - coverage.WEIGHT / 2)
    closer_to_a_negative = Ranking(candidates=[object()], negative=0.6, best_dense=0.5, best_lexical=0.0)  # type: ignore[list-item]
    assert AnsweredRule.confidence(closer_to_a_negative, "a question", 1.0) == 0.0


def test_the_engine_reads_the_probability_and_a_held_out_one_replaces_it(engine):
    q = "where can i get tested for hiv around here"
    trace = engine.trace(q)
    assert trace.covered is not None and 0.0 <= trace.covered <= 1.0
    assert trace.gloss == ""  # no reading: the probability of the vector it is searched with
    assert trace.covered == pytest.approx(engine.coverage.probability(engine.query_vectors([q])), abs=1e-4)
    sure, unsure = engine.trace(q, held_out=1.0), engine.trace(q, held_out=0.0)
    assert sure.covered == 1.0 and unsure.covered == 0.0
    assert sure.confidence - unsure.confidence == pytest.approx(coverage.WEIGHT, abs=1e-5)
    assert engine.query_vectors([]).shape == (0, engine.version.vectors.d)  # a build with no labelled questions


def test_a_set_kept_unseen_trains_nothing(version):
    from qa.config import UNSEEN

    assert {"wording16.yaml", "wording21.yaml"} <= UNSEEN and "wording15.yaml" not in UNSEEN
    for stored in (version.manifest["coverage"], version.manifest["passages"]):
        assert not set(stored["question_sets"]) & UNSEEN
    # an unseen crisis writer teaches the message classifier nothing (the neighbours read the same sets)
    assert {"crisis26.yaml", "crisis27.yaml"} <= UNSEEN and "crisis25.yaml" not in UNSEEN
    crisis = version.manifest["crisis"]["message"]["crisis_sets"]
    assert "crisis25.yaml" in crisis and not set(crisis) & UNSEEN


def test_the_built_version_learnt_from_the_tune_halves_only(version):
    stored = version.manifest["coverage"]
    assert stored["questions"]["in_scope"] > 500 and stored["questions"]["out_of_scope"] > 200
    assert "wording12.yaml" in stored["question_sets"]
    path = EVAL / "wording12.yaml"
    learnt = {q for q, _ in in_scope([path])}
    tune = {q.q for q in load_questions(path, "tune")}
    test = {q.q for q in load_questions(path, "test")}
    assert learnt == tune and not learnt & test


def test_the_answered_threshold_is_calibrated_on_every_training_sets_tune_half(version):
    """Stop 42: each language on the tune halves of every set the models learn from, not on two or three files
    (70 Spanish questions had put the Spanish threshold at 0.21, where sets left out put it near 0.36)."""
    from qa.config import UNSEEN

    cal = version.manifest["calibration"]
    sets = cal["questions"].split(" + ")
    assert sets == version.manifest["coverage"]["question_sets"] and not set(sets) & UNSEEN
    assert cal["languages"]["es"]["questions"] == cal["questions"]
    english, spanish = cal["labelled"], cal["languages"]["es"]["labelled"]
    assert english["in_scope"] > 500 and english["out_of_scope"] > 200
    assert spanish["in_scope"] > 100 and spanish["out_of_scope"] > 60  # spanish.yaml's tune half holds 70 in all
    path = EVAL / "wording12.yaml"
    assert not {q.q for q in tune_questions([path])} & {q.q for q in load_questions(path, "test")}


def test_tune_questions_counts_a_question_once():
    path = EVAL / "spanish.yaml"
    assert len(tune_questions([path, path])) == len({q.q for q in load_questions(path, "tune")})


def test_it_tells_covered_questions_apart_better_on_questions_it_never_learnt_from(engine, version):
    """Trained on the tune halves of the older sets, the model makes the answered rule's confidence tell in-scope
    from out-of-scope questions better on the later sets' tune halves, which it never saw, than the rule alone
    (docs/quality.md, stop 41: chosen on the same folds)."""
    older = in_scope([EVAL / f"{name}.yaml" for name in OLDER])
    later = [q for name in LATER for q in load_questions(EVAL / f"{name}.yaml", "tune") if q.crisis != "emergency"]
    assert len(later) > 500 and sum(not q.in_scope for q in later) > 120
    stored, _ = train(engine.query_vectors([q for q, _ in older]), [c for _, c in older])
    model = CoverageModel.from_manifest({"coverage": stored})
    assert model is not None
    without = Engine(dataclasses.replace(version, manifest={k: v for k, v in version.manifest.items()
                                                            if k != "coverage"}), engine.encoder)
    assert without.coverage is None

    def score(trace) -> float:
        return trace.confidence if trace.gap is None else -10.0

    labels = [q.in_scope for q in later]
    alone = [score(without.trace(q.q)) for q in later]
    vectors = engine.query_vectors([q.q for q in later])
    taught = [score(engine.trace(q.q, held_out=model.probability(v[None, :]))) for q, v in zip(later, vectors,
                                                                                                 strict=True)]
    assert roc_auc_score(labels, taught) > roc_auc_score(labels, alone) + 0.01
