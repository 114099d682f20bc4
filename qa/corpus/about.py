"""The about page's words in ``corpus/about.yaml``: who runs the service and what its information is.

A maintainer writes them, in English and optionally Spanish; they are the service's own words, not
a source's. ``operator`` and ``contact`` stay empty until the deploying organisation fills them in:
the page then says so rather than name anyone. The file is optional; without it every field is empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import StringConstraints

from qa.corpus import yamlfile
from qa.corpus.yamlfile import Strict, Text

Optional = Annotated[str, StringConstraints(strip_whitespace=True)]


class Said(Strict):
    """One text in each language the page is shown in (English is required)."""

    en: Text
    es: Text | None = None

    def in_(self, lang: str) -> tuple[str, str]:
        """The text in ``lang`` when there is one, else the English; with the language it is in."""
        return (self.es, "es") if lang == "es" and self.es else (self.en, "en")


class About(Strict):
    operator: Optional = ""  # who runs this deployment (an organisation), as it names itself
    contact: Optional = ""  # how to reach the operator: an email address, phone number or web page
    what_it_is: Said | None = None
    what_it_is_not: Said | None = None


def load_about(path: Path) -> About:
    """``corpus/about.yaml`` validated; an empty About when the file is absent."""
    data = yamlfile.read(path, "about file", required=False)
    if data is None:
        return About()
    return yamlfile.validate(About, data, path)
