"""Reviewed translations of documents (issue 11): a document with ``lang: es`` and ``translation_of``
pairs with its original paragraph by paragraph; ``--check`` refuses one that does not pair; a reader
of Spanish is shown the translated paragraph, with its own citation, instead of the English one.

The translation used here is a test fixture, not a reviewed translation: the shipped corpus has none.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.answering.engine import Engine
from qa.corpus import load_corpus
from qa.corpus.documents import parse_document
from qa.errors import CorpusError
from qa.index.format import load_version
from qa.lifecycle.build import build
from qa.lifecycle.registry import current_version_id
from tests.conftest import CORPUS

FIRST = ("La prostitución es ilegal en todo el estado de Connecticut, incluido Windham. Dedicarse a la "
         "prostitución, solicitarla o promoverla son delitos según las leyes generales de Connecticut.")
HEADING = "¿Cuál es la situación legal de la prostitución en Windham, Connecticut?"


def translation_text(original: Path, *, drop: tuple[int, int] | None = None, lang: str = "es",
                     of: str = "windham-faq") -> str:
    """A Spanish document that pairs with ``original`` (its first paragraph translated, the others
    marked as placeholders); ``drop=(section, paragraph)`` leaves one paragraph out."""
    doc = parse_document(original)
    out = ["---", 'title: "Entender el trabajo sexual en Windham"', 'source: "Traducción de prueba"',
           'jurisdiction: "Windham, Connecticut, Estados Unidos"', "last_reviewed: 2026-11-20", f"lang: {lang}",
           f"translation_of: {of}", "---", ""]
    for section in doc.sections:
        out += [f"## {HEADING if section.number == 1 else f'Pregunta {section.number}'}", ""]
        for para in section.paragraphs:
            if drop == (section.number, para.number):
                continue
            first = section.number == 1 and para.number == 1
            out += [FIRST if first else f"Párrafo {para.number} de la pregunta {section.number}.", ""]
    return "\n".join(out)


def write(corpus: Path, name: str, text: str) -> Path:
    path = corpus / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(corpus: Path) -> list[str]:
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus)
    return e.value.problems


def test_a_translation_that_pairs_loads_and_is_not_searched_as_a_document(corpus_copy):
    write(corpus_copy, "windham-faq-es.md", translation_text(corpus_copy / "windham-faq.md"))
    corpus = load_corpus(corpus_copy)
    assert [d.id for d in corpus.originals] == ["windham-faq"]
    translation = corpus.translation("windham-faq", "es")
    assert translation is not None and translation.lang == "es" and translation.translation_of == "windham-faq"
    assert corpus.translation("windham-faq", "en") is None


def test_check_refuses_a_translation_missing_a_paragraph_and_says_where(corpus_copy):
    write(corpus_copy, "windham-faq-es.md", translation_text(corpus_copy / "windham-faq.md", drop=(4, 2)))
    [problem] = problems(corpus_copy)
    assert "windham-faq-es.md:" in problem and "section 4 'Pregunta 4' has 2 paragraph(s)" in problem
    assert "has 3" in problem and "paragraph by paragraph" in problem


def test_check_refuses_a_translation_missing_a_section(corpus_copy):
    text = translation_text(corpus_copy / "windham-faq.md")
    cut = text.index("## Pregunta 9")
    write(corpus_copy, "windham-faq-es.md", text[:cut])
    [problem] = problems(corpus_copy)
    assert "8 sections, but the original windham-faq.md has 9" in problem


@pytest.mark.parametrize("change, expected", [
    ({"of": "no-such-doc"}, "translation_of 'no-such-doc' is not a document of this corpus"),
    ({"lang": "en"}, "must be in another language than its original"),
    ({"of": "windham-faq-es"}, "cannot be a translation of itself"),
])
def test_check_refuses_a_translation_of_nothing_or_of_itself_or_in_the_same_language(corpus_copy, change, expected):
    write(corpus_copy, "windham-faq-es.md", translation_text(corpus_copy / "windham-faq.md", **change))
    assert any(expected in p for p in problems(corpus_copy))


def test_check_refuses_two_translations_into_one_language(corpus_copy):
    text = translation_text(corpus_copy / "windham-faq.md")
    write(corpus_copy, "windham-faq-es.md", text)
    write(corpus_copy, "windham-faq-es2.md", text)
    assert any("already translates windham-faq into 'es'" in p for p in problems(corpus_copy))


@pytest.fixture(scope="module")
def translated(tmp_path_factory, encoder, index_dir):
    """The real corpus plus the fixture translation, built with the real model (the session's
    embedding cache is copied first, so only the translation's keys are embedded)."""
    root = tmp_path_factory.mktemp("translated")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    write(corpus, "windham-faq-es.md", translation_text(corpus / "windham-faq.md"))
    out = root / "index"
    (out / "cache").mkdir(parents=True)
    shutil.copy(index_dir / "cache" / "embeddings.sqlite", out / "cache" / "embeddings.sqlite")
    build(corpus, out, encoder, progress=False)
    version = load_version(out / "versions" / current_version_id(out), encoder.identity)
    return corpus, out, Engine(version, encoder)


def test_a_spanish_reader_is_shown_the_reviewed_translation_with_its_own_citation(translated):
    _, _, engine = translated
    answer = engine.answer("¿Es ilegal la prostitución en Connecticut?", lang="es")
    first = answer.passages[0]
    assert first.text == FIRST and first.lang == "es"
    assert first.citation.document == "windham-faq-es" and first.citation.section == HEADING
    assert first.citation.anchor == "s1-p1" and first.highlight is None
    doc = engine.version.corpus.document("windham-faq-es")
    assert doc is not None and doc.text[first.citation.start:first.citation.end] == FIRST  # word for word
    assert first.original is not None and first.original.document == "windham-faq" and first.original.anchor == "s1-p1"
    # the same question read by an English reader: the original, as before
    english = engine.answer("¿Es ilegal la prostitución en Connecticut?", lang="en").passages[0]
    assert english.lang == "en" and english.original is None and english.citation.document == "windham-faq"
    assert english.text.startswith("Prostitution is illegal throughout the state of Connecticut")


def test_the_translation_is_searched_for_spanish_questions_but_never_ranked_as_a_passage(translated):
    _, _, engine = translated
    ranking = engine.trace("situación legal de la prostitución, ¿la promueven o la solicitan?").ranking
    assert all(c.chunk.document == "windham-faq" for c in ranking.candidates)
    assert "translation" in {k.kind for k in engine.version.keys}
    assert ranking.candidates[0].chunk.section_number == 1


def test_the_spanish_answer_page_quotes_the_translation_and_says_so(translated):
    from qa.config import Settings
    from web.app import create_app

    corpus, out, _ = translated
    with TestClient(create_app(Settings(index_dir=out, corpus_dir=corpus))) as client:
        page = client.post("/es/ask", data={"question": "¿Es ilegal la prostitución en Connecticut?"}).text
        assert FIRST in page and "Una traducción revisada." in page
        assert "Esta información está en inglés" not in page  # every passage shown is in Spanish
        assert 'href="/es/source/windham-faq#s1-p1">Leer el original</a>' in page
        source = client.get("/es/source/windham-faq-es")
        assert source.status_code == 200 and FIRST in source.text and '<div class="document">' in source.text
        assert 'href="/es/source/windham-faq">Leer el original</a>' in source.text
        english = client.post("/en/ask", data={"question": "is prostitution illegal in connecticut"}).text
        assert FIRST not in english and "A reviewed translation." not in english
