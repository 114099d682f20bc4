"""What an index version embeds: the keys (texts) that stand for each chunk, made at build time.

A chunk has several keys; a question's dense score for a chunk is the best of its keys' cosines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qa.corpus import Corpus
from qa.index.chunks import Chunk

KeyKind = Literal["passage", "sentence", "highlight", "window", "phrasing", "translation", "negative", "danger",
                  "calm"]
CRISIS_KINDS = ("danger", "calm")  # keys of the crisis detector; they point to no chunk and never rank one


@dataclass(frozen=True)
class Key:
    """One embedded text and the chunk it points to (a chunk may have several keys; a "negative" none)."""

    chunk: str  # chunk id; "" for the keys that point to no chunk ("negative", "danger", "calm")
    kind: KeyKind  # see make_keys
    text: str
    sentence: int | None = None  # for "sentence" and "highlight" keys: which sentence of the chunk
    sign: str | None = None  # for "danger" keys: the danger sign (corpus/safety.yaml) the example says
    lang: str | None = None  # for "danger", "calm", "phrasing" and "translation" keys: "en" or "es"


def make_keys(chunks: list[Chunk], corpus: Corpus, window: int = 2) -> list[Key]:
    """The texts to embed for each chunk.

    - "passage": the section question and the chunk text (the question carries the topic);
    - "sentence": the question and each sentence, so one sentence that answers is not drowned by the
      rest of a long paragraph;
    - "highlight": each sentence alone; these choose the highlighted sentence and do not rank chunks
      (under a shared heading, sentences differ too little);
    - "window": the question and each run of ``window`` sentences (when ``window`` > 1);
    - "phrasing": each alternate phrasing of the chunk's section (or paragraph);
    - "translation": the paragraph of a reviewed translation that pairs with the chunk's, under its
      translated heading (``translation_keys``);
    - "negative": questions the corpus does not answer (``out_of_scope.yaml``), pointing to no chunk;
    - "danger": the example sentences of each danger sign (``safety.yaml``), for the crisis detector;
    - "calm": informational questions with alarming words (``safety.yaml``), for the crisis detector.
    """
    keys: list[Key] = []
    for c in chunks:
        keys.append(Key(c.id, "passage", f"{c.section}\n{c.text}"))
        for i, (lo, hi) in enumerate(c.sentences):
            keys.append(Key(c.id, "sentence", f"{c.section}\n{c.text[lo:hi]}", i))
            keys.append(Key(c.id, "highlight", c.text[lo:hi], i))
        if window > 1 and len(c.sentences) > window:
            for i in range(len(c.sentences) - window + 1):
                lo, hi = c.sentences[i][0], c.sentences[i + window - 1][1]
                keys.append(Key(c.id, "window", f"{c.section}\n{c.text[lo:hi]}"))
        for p in corpus.phrasings:
            if p.document == c.document and p.section == c.section and p.paragraph in (None, c.paragraph):
                keys.append(Key(c.id, "phrasing", p.question, lang=p.lang))
        keys += [Key(c.id, "translation", text, lang=lang) for lang, text in translated(c, corpus)]
    keys += [Key("", "negative", q) for q in corpus.out_of_scope]
    for sign in corpus.safety.signs:
        keys += [Key("", "danger", x, sign=sign.id, lang="en") for x in sign.examples]
        keys += [Key("", "danger", x, sign=sign.id, lang="es") for x in sign.examples_es]
    keys += [Key("", "calm", x) for x in corpus.safety.calm]
    return keys



def translated(chunk: Chunk, corpus: Corpus) -> list[tuple[str, str]]:
    """(language, heading and text) of each reviewed translation of ``chunk``'s paragraph."""
    out: list[tuple[str, str]] = []
    for doc in corpus.documents:
        if doc.translation_of != chunk.document:
            continue
        pair = doc.paragraph(chunk.section_number, chunk.paragraph)
        if pair is not None:
            section, para = pair
            out.append((doc.lang, f"{section.heading}\n{doc.text[para.start:para.end]}"))
    return out
