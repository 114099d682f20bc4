"""Words people use that the FAQ does not (``synonyms.yaml``), Spanish words and the English ones
they search for (``lexicon.yaml``), and questions and subjects the FAQ does not answer
(``out_of_scope.yaml``). All three files are optional; all shape retrieval, and only a subject's name
is ever shown ("Our information does not cover taxes.").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from qa.corpus import yamlfile
from qa.corpus.yamlfile import Strict, Text
from qa.errors import CorpusError
from qa.text import PhraseMatcher, fold, matcher, normalise

if TYPE_CHECKING:
    from qa.corpus.documents import Document


class SynonymsFile(Strict):
    synonyms: list[Annotated[tuple[Text, ...], Field(min_length=2)]] = []
    # street words of the field, read in plain words before search on both sides: plain words -> the street
    # words or phrases that stand for them ("police": ["5-0", "po po"]), as the model does not know them
    plain: dict[Text, Annotated[tuple[Text, ...], Field(min_length=1)]] = {}


class LexiconEntry(Strict):
    es: Annotated[tuple[Text, ...], Field(min_length=1)]
    en: Annotated[tuple[Text, ...], Field(min_length=1)]


class LexiconFile(Strict):
    lexicon: list[LexiconEntry] = []


class NotCoveredEntry(Strict):
    topic: Text  # its name, as a person reads it after "Our information does not cover"
    topic_es: Text | None = None  # the same in Spanish (the English name when there is none)
    words: Annotated[tuple[Text, ...], Field(min_length=1)]
    # a subject of everyday life (the weather, a recipe, a phone that will not charge): a sentence that
    # names it is not read by the crisis layer's example sentences, which with this model found an
    # emergency in "mi celular no carga q le hago"; a rule's own phrases still fire
    everyday: bool = False


class OutOfScopeFile(Strict):
    out_of_scope: list[Text] = []
    # questions near the corpus's subject that it does not answer: negatives like the list above, but
    # not calm examples for the crisis layer ("PEP after a bad night" sits close to danger's words)
    near_topic: list[Text] = []
    not_covered: list[NotCoveredEntry] = []


@dataclass(frozen=True)
class Topic:
    """A subject near the corpus's own that it does not cover, and the words that name it.

    A question that names it ("can i get deported for this", "is onlyfans legal here") is not
    answered, however well the passages on the law score: they answer another question. A word is
    matched whole (its "s" and "es" plurals too), with or without accents (``PhraseMatcher``), and no
    word may occur in the corpus's documents or service records (``load_topics`` refuses it), so a
    question the corpus answers is never turned away by it.
    """

    name: str
    name_es: str | None
    words: tuple[str, ...]
    everyday: bool = False  # a subject of everyday life, not near danger (NotCoveredEntry.everyday)

    @cached_property
    def matcher(self) -> PhraseMatcher:
        return _words_matcher(self.words)

    def named_in(self, text: str) -> str | None:
        """The first of this topic's words that a normalised ``text`` holds, if any."""
        return self.matcher.first(text)

    def name_in(self, lang: str) -> str:
        return self.name_es if lang == "es" and self.name_es else self.name


def _words_matcher(words: Sequence[str]) -> PhraseMatcher:
    return matcher([form for w in words for form in (w, f"{w}s", f"{w}es")])


Synonyms = tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, str], ...]]


def load_synonyms(path: Path, documents: Sequence[Document] = ()) -> Synonyms:
    """``synonyms.yaml``: its groups of words or phrases that mean the same to a person asking, and its ``plain``
    map as (street words, plain words) pairs, longest street words first; all normalised.

    CorpusError when street words are listed twice, or occur in one of ``documents``: a question would then
    be searched with other words than the FAQ's own.
    """
    data = yamlfile.read(path, "synonyms file", required=False)
    if data is None:
        return (), ()
    parsed = yamlfile.validate(SynonymsFile, data, path)
    groups = tuple(tuple(normalise(t) for t in group) for group in parsed.synonyms)
    pairs = [(normalise(street), normalise(plain)) for plain, streets in parsed.plain.items() for street in streets]
    problems, seen = [], set()
    texts = [(f"document {d.id!r}", normalise(d.text)) for d in documents]
    for street, plain in pairs:
        if street in seen:
            problems.append(f"{path.name}: plain: {street!r} is listed twice; keep it under one plain word")
        seen.add(street)
        found = matcher([street])
        problems += [f"{path.name}: plain: {street!r} occurs in {doc_id}, so the FAQ's own words would be read as "
                     f"{plain!r}; remove it" for doc_id, text in texts if found.first(text) is not None]
    if problems:
        raise CorpusError(problems)
    return groups, tuple(pairs)  # in the file's order: the Speller matches the longest street words first


def load_out_of_scope(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Questions the corpus does not answer (its ``out_of_scope`` list, then its ``near_topic`` one),
    and those of ``near_topic`` alone."""
    data = yamlfile.read(path, "out-of-scope file", required=False)
    if data is None:
        return (), ()
    parsed = yamlfile.validate(OutOfScopeFile, data, path)
    return tuple(parsed.out_of_scope + parsed.near_topic), tuple(parsed.near_topic)


def load_topics(path: Path, documents: Sequence[Document] = (), records: Sequence[tuple[str, str]] = ()
                ) -> tuple[Topic, ...]:
    """The subjects ``out_of_scope.yaml`` says the corpus does not cover (its ``not_covered`` list).

    CorpusError when a topic's word occurs in one of ``documents`` or of ``records`` ((name, text)
    pairs: the service records' own words): the corpus says something about it, so a question naming
    it may well be answered.
    """
    data = yamlfile.read(path, "out-of-scope file", required=False)
    if data is None:
        return ()
    entries = yamlfile.validate(OutOfScopeFile, data, path).not_covered
    texts = [(f"document {d.id!r}", normalise(d.text)) for d in documents] + [(name, normalise(t)) for name, t in records]
    # one search per text for all the words says where to look word by word (in a valid corpus: nowhere)
    anywhere = _words_matcher([w for e in entries for w in e.words])
    texts = [(doc_id, text) for doc_id, text in texts if anywhere.earliest(text) is not None]
    problems = []
    for e in entries if texts else ():
        for word in e.words:
            found = _words_matcher([word])
            for doc_id, text in texts:
                if found.first(text) is not None:
                    problems.append(f"{path.name}: not_covered topic {e.topic!r}: the word {word!r} occurs in "
                                    f"{doc_id}, so the corpus may answer a question that names it; "
                                    f"remove the word or the topic")
    if problems:
        raise CorpusError(problems)
    return tuple(Topic(e.topic, e.topic_es, tuple(e.words), e.everyday) for e in entries)


def load_lexicon(path: Path) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Spanish terms -> the English words they search for: ((es terms, accents folded), (en terms)) pairs."""
    data = yamlfile.read(path, "lexicon file", required=False)
    if data is None:
        return ()
    parsed = yamlfile.validate(LexiconFile, data, path)
    return tuple((tuple(dict.fromkeys(fold(t) for t in e.es)), tuple(normalise(t) for t in e.en))
                 for e in parsed.lexicon)
