"""The sealed evaluation sets (eval/crisis*.yaml, wording*.yaml, spanish*.yaml) stay sealed.

Their test questions were written by someone who never read corpus/; nothing in corpus/ may be
written from them. A test question that is a near-copy of anything in corpus/ (token Jaccard >= 0.7,
or cosine >= 0.9 with the bundled model) means that rule was broken, and the figures measured on
that question are not figures.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from qa.config import ROOT
from qa.corpus import yamlfile
from qa.text import normalise
from tests.conftest import CORPUS

SEALED = ("crisis.yaml", "crisis2.yaml", "crisis3.yaml", "crisis4.yaml", "crisis5.yaml", "crisis6.yaml", "crisis7.yaml",
          "crisis8.yaml", "crisis9.yaml", "crisis10.yaml", "wording.yaml", "wording2.yaml", "wording3.yaml",
          "wording4.yaml", "wording5.yaml", "wording6.yaml", "spanish.yaml", "spanish2.yaml", "spanish3.yaml",
          "crisis11.yaml", "wording7.yaml", "spanish4.yaml", "crisis12.yaml", "crisis13.yaml", "wording8.yaml",
          "wording9.yaml", "crisis14.yaml", "crisis15.yaml", "wording10.yaml", "wording11.yaml", "crisis16.yaml",
          "crisis17.yaml", "wording12.yaml", "crisis18.yaml", "wording13.yaml", "crisis19.yaml", "wording14.yaml",
          "crisis20.yaml", "wording15.yaml", "wording16.yaml", "wording17.yaml", "wording18.yaml",
          "wording19.yaml", "wording20.yaml", "wording21.yaml", "wording22.yaml", "wording23.yaml", "crisis21.yaml",
          "crisis22.yaml", "crisis23.yaml", "crisis24.yaml", "wording24.yaml", "crisis25.yaml", "crisis26.yaml",
          "crisis27.yaml", "wording25.yaml")
# smaller later sets, half of each test
MIN_TEST = {"crisis2.yaml": 60, "wording3.yaml": 55, "wording4.yaml": 60, "crisis5.yaml": 70, "wording5.yaml": 70,
            "spanish2.yaml": 60, "wording6.yaml": 70, "spanish3.yaml": 60, "wording7.yaml": 60, "spanish4.yaml": 55,
            "crisis12.yaml": 60, "crisis13.yaml": 70, "wording8.yaml": 60,
            "wording9.yaml": 60, "crisis14.yaml": 70, "crisis15.yaml": 75, "wording10.yaml": 70,
            "wording11.yaml": 60, "crisis16.yaml": 70, "crisis17.yaml": 75, "wording12.yaml": 60,
            "crisis18.yaml": 75, "wording13.yaml": 65, "crisis19.yaml": 75, "wording14.yaml": 70,
            "crisis20.yaml": 80, "wording15.yaml": 75, "wording16.yaml": 70, "wording17.yaml": 75,
            "wording18.yaml": 70, "wording19.yaml": 70, "wording20.yaml": 70, "wording21.yaml": 70,
            "wording22.yaml": 75, "wording23.yaml": 80, "crisis21.yaml": 85, "crisis22.yaml": 85,
            "crisis23.yaml": 85, "crisis24.yaml": 80,
            "wording24.yaml": 70, "crisis25.yaml": 80, "crisis26.yaml": 60, "crisis27.yaml": 55,
            "wording25.yaml": 65}
JACCARD = 0.7
COSINE = 0.9


def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", normalise(text)))


def sealed_questions(name: str) -> list[str]:
    data = yamlfile.read(ROOT / "eval" / name, name)
    return [q["q"] for q in data["questions"] if q["split"] == "test"]


def corpus_texts(corpus) -> list[str]:
    """Every piece of text a maintainer wrote in corpus/ that retrieval or crisis detection reads."""
    safety = corpus.safety
    texts = [p.question for p in corpus.phrasings] + list(corpus.out_of_scope)
    texts += [w for t in corpus.topics for w in t.words]
    texts += [t for group in corpus.synonyms for t in group] + [t for pair in corpus.plain for t in pair]
    texts += [t for es, _ in corpus.lexicon for t in es]
    texts += [x for r in safety.rules for x in (*r.phrases, *r.phrases_es)]
    texts += [x for r in safety.rules for t in r.also for x in (*t.phrases, *t.phrases_es)]
    texts += [x for s in safety.signs for x in (*s.examples, *s.examples_es)] + list(safety.calm)
    texts += list(safety.police_fear.phrases)
    texts += [d.text[p.start:p.end] for d in corpus.documents for s in d.sections for p in s.paragraphs]
    return texts


@pytest.mark.parametrize("name", SEALED)
def test_sealed_sets_have_a_test_half(name):
    n = len(sealed_questions(name))  # a count only: a failing test must not print sealed questions
    assert n >= MIN_TEST.get(name, 70), f"{name}: {n} test questions"


@pytest.mark.parametrize("name", SEALED)
def test_no_test_question_is_a_near_copy_of_the_corpus_by_words(name):
    from qa.corpus import load_corpus

    texts = [(t, words(t)) for t in corpus_texts(load_corpus(CORPUS))]
    copies = []
    for i, q in enumerate(sealed_questions(name)):
        w = words(q)
        for text, tw in texts:
            if w and tw and len(w & tw) / len(w | tw) >= JACCARD:
                copies.append((f"test question {i}", text))  # its place, never its words
    assert not copies, copies


@pytest.mark.parametrize("name", SEALED)
def test_no_test_question_is_a_near_copy_of_the_corpus_by_meaning(name, version, encoder):
    embedded = [i for i, k in enumerate(version.keys) if k.kind in ("danger", "calm", "phrasing", "negative")]
    corpus = np.stack([version.vectors.reconstruct(i) for i in embedded])
    questions = sealed_questions(name)
    similarity = encoder.encode(questions) @ corpus.T
    worst = similarity.max(axis=1)
    # the test question's place, never its words: whoever reads a failure may be editing corpus/
    copies = [(f"test question {i}", version.keys[embedded[int(similarity[i].argmax())]].text, round(float(worst[i]), 3))
              for i in range(len(questions)) if worst[i] >= COSINE]
    assert not copies, copies


def test_the_check_itself_catches_a_copy(version, encoder):
    """A question copied from corpus/ must be caught, or the two tests above prove nothing."""
    example = next(k.text for k in version.keys if k.kind == "danger")
    copied = example.upper() + "!"
    assert len(words(copied) & words(example)) / len(words(copied) | words(example)) >= JACCARD
    vectors = encoder.encode([copied, example])
    assert float(vectors[0] @ vectors[1]) >= COSINE
