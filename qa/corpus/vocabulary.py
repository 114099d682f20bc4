"""Words people use that the FAQ does not (``synonyms.yaml``), Spanish words and the English ones
they search for (``lexicon.yaml``), and questions the FAQ does not answer (``out_of_scope.yaml``).
All three files are optional; all shape retrieval and are never shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from qa.corpus import yamlfile
from qa.corpus.yamlfile import Strict, Text
from qa.text import fold, normalise


class SynonymsFile(Strict):
    synonyms: list[Annotated[tuple[Text, ...], Field(min_length=2)]] = []


class LexiconEntry(Strict):
    es: Annotated[tuple[Text, ...], Field(min_length=1)]
    en: Annotated[tuple[Text, ...], Field(min_length=1)]


class LexiconFile(Strict):
    lexicon: list[LexiconEntry] = []


class OutOfScopeFile(Strict):
    out_of_scope: list[Text] = []


def load_synonyms(path: Path) -> tuple[tuple[str, ...], ...]:
    """Groups of words or phrases that mean the same to a person asking, normalised."""
    data = yamlfile.read(path, "synonyms file", required=False)
    if data is None:
        return ()
    parsed = yamlfile.validate(SynonymsFile, data, path)
    return tuple(tuple(normalise(t) for t in group) for group in parsed.synonyms)


def load_out_of_scope(path: Path) -> tuple[str, ...]:
    """Questions the corpus does not answer."""
    data = yamlfile.read(path, "out-of-scope file", required=False)
    if data is None:
        return ()
    return tuple(yamlfile.validate(OutOfScopeFile, data, path).out_of_scope)


def load_lexicon(path: Path) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Spanish terms -> the English words they search for: ((es terms, accents folded), (en terms)) pairs."""
    data = yamlfile.read(path, "lexicon file", required=False)
    if data is None:
        return ()
    parsed = yamlfile.validate(LexiconFile, data, path)
    return tuple((tuple(dict.fromkeys(fold(t) for t in e.es)), tuple(normalise(t) for t in e.en))
                 for e in parsed.lexicon)
