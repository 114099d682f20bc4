"""Answer quality on the held-out split: floors that keep quality from silently regressing."""

import pytest

from qa.errors import CorpusError
from qa.lifecycle.evaluate import Question, calibrate_on, figures, load_questions, run
from qa.lifecycle.gate import load_floors
from qa.retrieval.confidence import calibrate
from tests.conftest import QUESTIONS

FLOORS = load_floors(QUESTIONS.parent / "floors.yaml")


@pytest.fixture(scope="module")
def held_out(engine):
    return figures(run(engine, load_questions(QUESTIONS, FLOORS.split)))


def test_the_labelled_set_is_big_enough_and_split():
    qs = load_questions(QUESTIONS)
    assert len([q for q in qs if q.in_scope]) >= 80
    assert len([q for q in qs if not q.in_scope]) >= 15
    assert len([q for q in qs if q.crisis == "emergency"]) >= 12
    assert {q.split for q in qs} == {"tune", "test"}
    assert not {q.q for q in qs if q.split == "tune"} & {q.q for q in qs if q.split == "test"}


def test_key_phrases_are_verbatim_corpus_text(engine):
    text = engine.version.corpus.document("windham-faq").text
    for q in load_questions(QUESTIONS):
        for key in q.keys:
            assert key in text, f"{q.q!r}: key {key!r} is not in the FAQ"


@pytest.mark.parametrize("name", sorted(FLOORS.floors))
def test_held_out_figure_meets_its_floor(held_out, name):
    assert held_out[name] >= FLOORS.floors[name], f"{name} {held_out[name]} < floor {FLOORS.floors[name]}"


@pytest.mark.parametrize("name", sorted(FLOORS.ceilings))
def test_held_out_figure_stays_under_its_ceiling(held_out, name):
    assert held_out[name] <= FLOORS.ceilings[name]


def test_hybrid_beats_each_side_alone_on_the_first_passage(engine):
    test = [q for q in load_questions(QUESTIONS, "test") if q.in_scope and q.crisis != "emergency"]
    hit1 = {mode: figures(run(engine, test, mode))["hit@1"] for mode in ("lexical", "dense", "hybrid")}
    assert hit1["hybrid"] >= hit1["dense"] and hit1["hybrid"] > hit1["lexical"], hit1


@pytest.mark.parametrize(("question", "first_card"), [
    ("where can i get an hiv test", "generations-family-health-center"),
    ("where can i get narcan", "ct-harm-reduction-alliance"),
    ("i was trafficked and need help with immigration", "ct-legal-services"),
])
def test_cards_lead_with_the_service_the_question_asks_for(engine, question, first_card):
    answer = engine.answer(question)
    assert answer.services[0].id == first_card
    assert answer.services[0].why


def test_calibration_refuses_the_target_share_and_sits_in_the_gap():
    result = calibrate(in_scope=[0.6, 0.7, 0.8, 0.9], out_of_scope=[0.1, 0.2, 0.3, 0.4])
    assert result["out_of_scope_refused"] == 1.0 and result["in_scope_answered"] == 1.0
    assert 0.4 < result["threshold"] < 0.6 and result["meets_targets"]


def test_calibration_says_when_targets_cannot_be_met():
    result = calibrate(in_scope=[0.2, 0.3, 0.9], out_of_scope=[0.25, 0.35])
    assert result["out_of_scope_refused"] >= 0.9 and not result["meets_targets"]


def test_manifest_stores_calibration_and_held_out_figures(version):
    cal = version.manifest["calibration"]
    assert cal["split"] == "tune" and cal["threshold"] > 0 and "in_scope_answered" in cal
    assert version.manifest["quality"]["split"] == "test"
    assert set(FLOORS.floors) <= set(version.manifest["quality"]["figures"])


@pytest.mark.parametrize("category", sorted(FLOORS.wording))
def test_real_wording_meets_its_floors_per_category(version, category):
    """The build measured eval/wording.yaml's gate split per category (an independent writer's questions)."""
    got = version.manifest["quality"]["wording"][category]
    low = {name: (got[name], floor) for name, floor in FLOORS.wording[category].items() if got[name] < floor}
    assert not low, f"{category}: figure (got, floor) {low}"


def test_the_answered_rule_is_calibrated_on_real_wording_too(version):
    # every set that trains the models calibrates the threshold too (stop 42), the first team's and real wording
    sets = version.manifest["calibration"]["questions"].split(" + ")
    assert {"questions.yaml", "wording.yaml", "wording12.yaml"} <= set(sets)
    # out-of-scope questions refused for a gap (another place, a subject or a fact the corpus does not
    # cover) are refused whatever the threshold and count as refused at every cut (stop 32)
    assert version.manifest["calibration"]["labelled"]["in_scope"] >= 150
    assert version.manifest["calibration"]["labelled"]["out_of_scope"] >= 55


def test_a_question_refused_for_a_gap_counts_as_refused_and_leaves_the_threshold_where_it_was(engine):
    tune = load_questions(QUESTIONS, "tune")
    # a subject out_of_scope.yaml names (taxes): refused whatever its confidence
    taxes = Question(q="when do i have to file my state income tax return", kind="out_of_scope", split="tune")
    assert engine.trace(taxes.q).gap is not None
    before, after = calibrate_on(engine, tune), calibrate_on(engine, [*tune, taxes])
    assert after["labelled"]["out_of_scope"] == before["labelled"]["out_of_scope"] + 1
    assert after["threshold"] == before["threshold"]
    assert after["out_of_scope_refused"] >= before["out_of_scope_refused"]


def test_the_gate_refuses_a_wording_category_below_its_floor():
    from qa.lifecycle.gate import Floors, judge

    floors = Floors(wording={"typos": {"hit@1": 0.8}})
    record = {"figures": {}, "questions": {}, "wording": {"typos": {"hit@1": 0.5}}}
    verdict = judge(record, floors)
    assert not verdict.passed and verdict.problems == ("hit@1 (typos wording) 0.500 is below the floor 0.800",)
    assert judge({**record, "wording": {"typos": {"hit@1": 0.9}}}, floors).passed


def test_the_gate_refuses_a_floor_that_nothing_measured_instead_of_skipping_it():
    from qa.lifecycle.gate import Floors, judge

    floors = Floors(floors={"hit@1": 0.8, "card_recall@3": 0.8}, wording={"typos": {"hit@1": 0.8}},
                    crisis={"recall": {"spanish": 0.9}})
    record = {"figures": {"hit@1": 0.9, "card_recall@3": None}, "questions": {}, "wording": {}, "crisis": {}}
    problems = judge(record, floors).problems
    assert len(problems) == 3 and all("has no figure in this build" in p for p in problems)
    assert {p.split(" ")[0] for p in problems} == {"card_recall@3", "hit@1", "crisis"}


def test_a_question_file_is_read_again_when_it_changes(tmp_path):
    """The build reads each labelled file several times and keeps what it parsed; an edit is never missed."""
    path = tmp_path / "questions.yaml"
    one = "questions:\n  - q: where can I get tested\n    split: tune\n    kind: out_of_scope\n"
    path.write_text(one)
    assert [q.q for q in load_questions(path)] == ["where can I get tested"]
    path.write_text(one + "  - q: is it legal\n    split: test\n    kind: out_of_scope\n")
    assert [q.q for q in load_questions(path, "test")] == ["is it legal"]
    path.write_text(one.replace("split: tune", "split: tun"))
    with pytest.raises(CorpusError):
        load_questions(path)
