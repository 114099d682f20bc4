from qa.corpus.documents import load_documents
from qa.index.chunks import chunk_document, chunk_id, sentence_spans
from tests.conftest import CORPUS


def test_every_chunk_is_a_verbatim_slice_of_its_file_at_its_offsets():
    for doc in load_documents(CORPUS):
        raw = doc.path.read_text(encoding="utf-8")
        chunks = chunk_document(doc)
        assert chunks
        for c in chunks:
            assert raw[c.start : c.end] == c.text
            assert c.citation.start == c.start and c.citation.end == c.end
            assert c.text.strip() == c.text and c.text


def test_chunks_never_cross_a_question_heading():
    for doc in load_documents(CORPUS):
        for c in chunk_document(doc, max_chars=300):
            assert "\n## " not in c.text and not c.text.startswith("#")
            section = doc.section(c.section)
            para = section.paragraphs[c.paragraph - 1]
            assert para.start <= c.start and c.end <= para.end


def test_long_paragraphs_split_at_sentence_ends_only():
    doc = load_documents(CORPUS)[0]
    chunks = chunk_document(doc, max_chars=300)
    assert len(chunks) > len(chunk_document(doc))
    for c in chunks:
        assert c.text[-1] in ".?!)" or c.text.endswith("”")


def test_sentence_spans_cover_the_text_in_order():
    text = "Minors (under 18) are victims under U.S. federal law. It is 24/7! Call now? Yes."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Minors (under 18) are victims under U.S. federal law.", "It is 24/7!", "Call now?", "Yes."]


def test_chunk_ids_are_stable_and_depend_on_text():
    assert chunk_id("d", "S?", "text") == chunk_id("d", "S?", "text")
    assert chunk_id("d", "S?", "text") != chunk_id("d", "S?", "text.")
    doc = load_documents(CORPUS)[0]
    assert [c.id for c in chunk_document(doc)] == [c.id for c in chunk_document(doc)]


def test_sentence_offsets_are_inside_the_chunk():
    for c in chunk_document(load_documents(CORPUS)[0]):
        for s, e in c.sentences:
            assert 0 <= s < e <= len(c.text)
            assert c.text[s:e].strip() == c.text[s:e]
