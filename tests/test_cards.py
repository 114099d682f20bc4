"""Which cards a question gets: the policy of corpus/services.yaml (who leads, who is not help)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus import load_corpus
from qa.errors import CorpusError
from tests.conftest import CORPUS

POLICE = {"windham-police", "ct-state-police"}
DATA = {"ct-despp"}  # publishes crime reports and nothing else: not help


def cards(engine, question: str) -> list[str]:
    answer = engine.answer(question)
    banner = [c.id for c in answer.safety.services] if answer.safety else []
    return banner + [c.id for c in answer.services]


@pytest.mark.parametrize("question", [
    "can I get arrested for selling sex",
    "what happens if police arrest me for prostitution",
    "will this show up on my criminal record",
    "¿Me pueden arrestar por vender sexo en Windham?",
])
def test_a_person_asking_about_their_own_arrest_gets_legal_help_and_no_police_or_data_publisher(engine, question):
    shown = cards(engine, question)
    assert "ct-legal-services" in shown[:2]
    assert not (set(shown) & (POLICE | DATA))


def test_asking_to_report_to_the_police_shows_the_police(engine):
    assert set(cards(engine, "how do I report trafficking to the police")) & POLICE


def test_a_data_publisher_shows_only_for_data_and_leads_then(engine):
    assert cards(engine, "where can I find data on prostitution arrests in connecticut")[0] in DATA
    assert not set(cards(engine, "where can I get tested for HIV")) & DATA


def test_the_policy_lets_a_service_the_question_names_through(version):
    directory = version.corpus.directory
    assert POLICE <= directory.withheld("was I arrested for nothing")
    assert "windham-police" not in directory.withheld("was I arrested by the Windham Police Department")
    assert directory.leading("¿me arrestaron, necesito un abogado?") == ["legal"]
    assert directory.leading("how many arrests were there") == ["information", "legal"]  # policy order


def test_a_policy_for_an_unknown_category_is_refused_with_its_line(corpus_copy: Path):
    path = corpus_copy / "services.yaml"
    path.write_text(path.read_text().replace("policy:\n  information:", "policy:\n  weather:"))
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert any(p.startswith(f"{path}:") and "weather" in p for p in e.value.problems)


def test_the_real_policy_loads():
    assert {cat for cat, _ in load_corpus(CORPUS).directory.policy} == {"information", "legal", "police"}
