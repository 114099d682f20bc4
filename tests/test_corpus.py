"""Corpus validation: every problem is reported as file:line: what is wrong."""

import re
from pathlib import Path

import pytest

from qa.corpus import load_corpus
from qa.errors import CorpusError
from tests.conftest import CORPUS

SOURCE = Path(__file__).parent / "data" / "windham-faq-original.txt"  # the FAQ as scraped, kept with the tests


def problems(corpus_dir) -> list[str]:
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_dir)
    return e.value.problems


def test_the_real_corpus_loads():
    corpus = load_corpus(CORPUS)
    assert len(corpus.documents) == 1
    assert len(corpus.documents[0].sections) == 9
    assert len(corpus.directory.services) >= 15
    assert corpus.rules


def test_faq_paragraphs_are_word_for_word_the_original():
    doc = load_corpus(CORPUS).documents[0]
    paragraphs = [doc.text[p.start : p.end] for s in doc.sections for p in s.paragraphs]
    headings = [s.heading for s in doc.sections]
    original = [line for line in SOURCE.read_text(encoding="utf-8").splitlines() if line.strip()]  # fails if missing
    assert original[0] == "X" and original[-1] == "Professional:"  # the scraping noise we drop
    assert original[1] == doc.title
    assert [x for x in original[2:-1] if x not in headings] == paragraphs
    assert [x for x in original[2:-1] if x in headings] == headings


def test_only_the_hotline_numbers_the_faq_states_are_in_the_directory():
    corpus = load_corpus(CORPUS)
    text = corpus.documents[0].text
    for service in corpus.directory.services:
        for phone in service.phones:
            assert phone.number in text, f"{service.id}: {phone.number} is not stated by the FAQ"
        assert service.url is None or service.url in text
        assert service.email is None or service.email in text
    numbers = {p.number for s in corpus.directory.services for p in s.phones}
    assert numbers == {"1-888-373-7888", "233733"}


def test_unknown_field_duplicate_id_and_missing_section_name_file_and_line(corpus_copy):
    path = corpus_copy / "services.yaml"
    text = path.read_text()
    text = text.replace("    name: Windham Hospital\n", "    name: Windham Hospital\n    colour: blue\n")
    text = text.replace("  - id: ccadv\n", "  - id: access-agency\n")
    text = text.replace("section: Where can I find reliable information and data on prostitution in Windham?",
                        "section: Where is the data?", 1)
    path.write_text(text)
    found = problems(corpus_copy)
    lines = text.splitlines()
    assert all(re.match(rf"{re.escape(str(path))}:\d+: ", p) for p in found)
    by_kind = {k: next(p for p in found if k in p) for k in ("unknown field 'colour'", "duplicate service id",
                                                               "does not exist")}
    line = int(by_kind["unknown field 'colour'"].split(":")[1])
    assert lines[line - 1].strip() == "colour: blue"
    line = int(by_kind["duplicate service id"].split(":")[1])
    assert "access-agency" in lines[line - 1]


def test_empty_section_and_text_before_headings(corpus_copy):
    path = corpus_copy / "windham-faq.md"
    text = path.read_text()
    text = text.replace("## How does prostitution impact the Windham community?\n",
                        "## An empty question?\n\n## How does prostitution impact the Windham community?\n")
    path.write_text(text)
    found = problems(corpus_copy)
    lineno = text.splitlines().index("## An empty question?") + 1
    assert f"{path}:{lineno}: empty section 'An empty question?' (no paragraph under it)" in found


def test_document_without_headings(corpus_copy):
    (corpus_copy / "other.md").write_text(
        "---\ntitle: T\nsource: S\njurisdiction: J\nlast_reviewed: 2026-01-01\n---\n\nJust a paragraph.\n")
    found = problems(corpus_copy)
    assert any(p.startswith(f"{corpus_copy / 'other.md'}:8: text before the first") for p in found)
    assert any("no '## ' question headings" in p for p in found)


def test_malformed_front_matter_and_yaml(corpus_copy):
    (corpus_copy / "windham-faq.md").write_text("---\ntitle: [unclosed\n---\n\n## Q?\n\nA.\n")
    found = problems(corpus_copy)
    assert any(re.match(rf"{re.escape(str(corpus_copy / 'windham-faq.md'))}:\d+: malformed YAML", p) for p in found)


def test_malformed_services_yaml(corpus_copy):
    (corpus_copy / "services.yaml").write_text("services:\n  - id: x\n    name: [oops\n")
    found = problems(corpus_copy)
    assert any(p.startswith(f"{corpus_copy / 'services.yaml'}:") and "malformed YAML" in p for p in found)


def test_empty_corpus_directory(tmp_path):
    assert problems(tmp_path) == [f"{tmp_path}: no documents (*.md files) in the corpus directory"]


def test_bad_phone_number_is_refused(corpus_copy):
    path = corpus_copy / "services.yaml"
    path.write_text(path.read_text().replace('{number: "1-888-373-7888", kind: voice}',
                                             '{number: "1-888-073-7888", kind: voice}'))
    found = problems(corpus_copy)
    assert any("not a valid North American number" in p for p in found)


def test_safety_rule_naming_an_unknown_service(corpus_copy):
    path = corpus_copy / "safety.yaml"
    path.write_text(path.read_text().replace("services: [national-human-trafficking-hotline, ct-dcf]",
                                             "services: [national-human-trafficking-hotline, no-such-service]"))
    found = problems(corpus_copy)
    assert any("names unknown service 'no-such-service'" in p and p.startswith(f"{path}:") for p in found)


@pytest.mark.parametrize(("file", "old", "new", "complaint"), [
    ("safety.yaml", "    phrases:\n      - i want out\n", "    phrases: i want out\n", "'phrases' must be a list"),
    ("safety.yaml", 'contacts: [{number: "911", kind: voice}]', "contacts: ['911']", "'contacts' must be a list"),
    ("services.yaml", "fallback: [national-human-trafficking-hotline, access-agency]",
     "fallback: [[national-human-trafficking-hotline], access-agency]", "'fallback' must be a list"),
    ("services.yaml", "      document: windham-faq\n      section: Where can victims",
     "      document: [windham-faq]\n      section: Where can victims", "source must be"),
    ("phrasings.yaml", "  - document: windham-faq\n", "  - document: [windham-faq]\n", "must be texts"),
])
def test_wrongly_shaped_fields_are_problems_not_crashes(corpus_copy, file, old, new, complaint):
    path = corpus_copy / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    found = problems(corpus_copy)
    assert any(complaint in p and p.startswith(f"{path}:") for p in found), found


def test_a_paragraph_repeated_in_one_section_is_a_problem_not_a_crash(corpus_copy):
    path = corpus_copy / "windham-faq.md"
    text = path.read_text()
    para = next(line for line in text.splitlines() if line.startswith("Prostitution is illegal"))
    text = text.replace(para + "\n", para + "\n\n" + para + "\n", 1)
    path.write_text(text)
    first = text.splitlines().index(para) + 1
    assert problems(corpus_copy) == [f"{path}:{first + 2}: paragraph repeats the one at line {first} in section "
                                     "'What is the legal status of prostitution in Windham, Connecticut?'; delete one"]


def test_a_safety_contact_of_an_unknown_kind_is_a_problem_not_a_crash(corpus_copy):
    path = corpus_copy / "safety.yaml"
    text = path.read_text()
    assert 'contacts: [{number: "911", kind: voice}]' in text
    path.write_text(text.replace('contacts: [{number: "911", kind: voice}]', 'contacts: [{number: "911", kind: fax}]', 1))
    found = problems(corpus_copy)
    line = next(i for i, x in enumerate(path.read_text().splitlines(), 1) if "kind: fax" in x)
    assert found == [f"{path}:{line}: rule 'minor-exploited': 'kind' must be 'voice' or 'text', not 'fax'"]


GENERATIONS = "  - id: generations-family-health-center\n"


def _add_to_generations(corpus_dir, lines: str) -> tuple[object, int]:
    path = corpus_dir / "services.yaml"
    text = path.read_text()
    assert GENERATIONS in text
    path.write_text(text.replace(GENERATIONS, GENERATIONS + lines, 1))
    return path, text[: text.index(GENERATIONS)].count("\n") + 1  # the record's line


def test_a_contact_fact_the_faq_does_not_state_is_refused_without_its_source(corpus_copy):
    path, line = _add_to_generations(corpus_copy, '    phones: [{number: "860-450-7471", kind: voice}]\n'
                                                  "    hours: Monday to Friday, 8 to 5\n")
    found = problems(corpus_copy)
    assert found == [f"{path}:{line}: service 'generations-family-health-center': phones '860-450-7471' is not stated "
                     "in the section it cites ('What resources and support services exist in Windham for individuals "
                     "involved in prostitution?'); add where it was found: sources: [{url: https://..., checked: "
                     "YYYY-MM-DD, states: [phones]}]"]


def test_a_contact_fact_with_a_checked_source_passes(corpus_copy):
    _add_to_generations(corpus_copy, '    phones: [{number: "860-450-7471", kind: voice}]\n'
                                     "    url: https://www.genhealth.example/contact\n"
                                     "    sources:\n"
                                     "      - {url: https://www.genhealth.example/contact, checked: 2026-11-01, "
                                     "states: [phones, url]}\n")
    record = next(s for s in load_corpus(corpus_copy).directory.services if s.id == "generations-family-health-center")
    assert record.sources[0].states == ("phones", "url")


@pytest.mark.parametrize(("source", "complaint"), [
    ("{url: http://genhealth.example, checked: 2026-11-01, states: [phones]}", "should match pattern"),
    ("{url: https://genhealth.example, checked: 2999-01-01, states: [phones]}", "is in the future"),
    ("{url: https://genhealth.example, checked: 2026-11-01, states: []}", "must name the facts"),
    ("{url: https://genhealth.example, checked: 2026-11-01, states: [phones, hours]}", "sources names 'hours'"),
])
def test_a_source_must_be_a_public_page_checked_on_a_past_day_for_facts_the_record_states(corpus_copy, source,
                                                                                        complaint):
    path, _ = _add_to_generations(corpus_copy, '    phones: [{number: "860-450-7471", kind: voice}]\n'
                                               f"    sources: [{source}]\n")
    found = problems(corpus_copy)
    assert len(found) == 1 and found[0].startswith(f"{path}:") and complaint in found[0], found


def test_a_contact_fact_the_cited_section_states_needs_no_other_source(corpus_copy):
    # the hotline's number and hours are in the section it cites, written "1-888-373-7888" and "24/7"
    hotline = next(s for s in load_corpus(corpus_copy).directory.services if s.id == "national-human-trafficking-hotline")
    assert hotline.phones and hotline.hours and hotline.sources == ()


@pytest.mark.parametrize(("old", "new", "message"), [
    ("      - requires: [minor, personal]\n", "      - requires: []\n",
     "'requires' needs at least one of past, personal, minor, adult, close, worry, now (without, list the words above)"),
    ("      - requires: [minor, personal]\n", "      - requires: [minor, grownup]\n",
     "'requires' must be 'past', 'personal', 'minor', 'adult', 'close', 'worry', 'now' or 'writer', not 'grownup'"),
])
def test_a_trigger_without_a_condition_it_knows_is_a_problem_with_its_line(corpus_copy, old, new, message):
    path = corpus_copy / "safety.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    line = next(i for i, x in enumerate(path.read_text().splitlines(), 1) if x == new.rstrip("\n"))
    found = problems(corpus_copy)
    assert len(found) == 1 and found[0].startswith(f"{path}:") and found[0].endswith(message), found
    assert abs(int(found[0][len(f"{path}:"):].split(":")[0]) - line) <= 1, (found, line)


def test_near_topic_questions_are_negatives_but_no_calm_example_for_the_crisis_layer():
    import numpy as np

    from qa.index.keys import Key
    from qa.lifecycle import crisis_model

    corpus = load_corpus(CORPUS)
    assert corpus.near_topic and set(corpus.near_topic) <= set(corpus.out_of_scope)
    keys = [Key("", "danger", f"danger {i}", sign="threats") for i in range(6)]
    keys += [Key("", "negative", q) for q in corpus.out_of_scope[:4] + corpus.near_topic[:3]]
    vectors = np.random.default_rng(0).normal(size=(len(keys), 8)).astype("float32")
    everything = crisis_model.train(keys, vectors)
    without = crisis_model.train(keys, vectors, not_calm=frozenset(corpus.near_topic))
    assert everything["trained_on"]["not_danger"] == 7 and without["trained_on"]["not_danger"] == 4


def test_street_words_that_the_faq_uses_or_that_are_listed_twice_are_refused(corpus_copy):
    path = corpus_copy / "synonyms.yaml"
    # "law enforcement" is the FAQ's own: read as "police" the question would leave the FAQ's words
    path.write_text(path.read_text().replace("  police: [5-0,", "  police: [law enforcement, 5-0,")
                    + "  cops: [po po]\n")
    found = problems(corpus_copy)
    assert any("'law enforcement' occurs in document" in p for p in found)
    assert any("'po po' is listed twice" in p for p in found)
