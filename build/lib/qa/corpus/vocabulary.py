"""Words people use that the FAQ does not (``synonyms.yaml``) and questions it does not answer
(``out_of_scope.yaml``). Both files are optional; both shape retrieval and are never shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from qa.corpus import yamlfile
from qa.text import normalise

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SynonymsFile(_Strict):
    synonyms: list[Annotated[tuple[Text, ...], Field(min_length=2)]] = []


class OutOfScopeFile(_Strict):
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
