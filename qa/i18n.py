"""The service's own words in each language it speaks: gettext catalogs read with Babel.

Every fixed sentence a person reads (the pages' text, the library's "why" lines, gap messages and
refusals) is an English message id; ``qa/locale/<lang>/LC_MESSAGES/messages.po`` holds its reviewed
translation. ``make catalog`` extracts the ids (``pybabel extract``) and merges them into each
catalog; a test fails when an id has no translation. English needs no catalog: its text is the id.
The ``.po`` files are the source of truth and are compiled in memory when first used, so there is
no binary to build or to forget.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from qa.errors import CorpusError

Lang = Literal["en", "es"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)
DEFAULT: Lang = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention, and a keyword of `pybabel extract`
    """Mark ``message`` for the catalog where it is defined; it is translated where it is shown."""
    return message


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> NullTranslations:
    """The translations into ``lang`` (English, or an unknown language: the ids themselves)."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return NullTranslations()
    path = catalog_path(lang)
    try:
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang)
    except (OSError, ValueError) as e:
        raise CorpusError([f"{path}: cannot read the '{lang}' message catalog ({e}) - run: make catalog"]) from e
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)  # a fuzzy (unreviewed) entry is never shown
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(lang: str, message: str) -> str:
    """``message`` in ``lang``."""
    return translations(lang).gettext(message)


def as_lang(value: str | None) -> Lang | None:
    """``value`` when it is a language the service speaks, else None."""
    return next((lang for lang in LANGUAGES if lang == value), None)


def negotiate(accept_language: str | None) -> Lang:
    """The language to use for an ``Accept-Language`` header: the first it prefers that we speak.

    Weights are read as RFC 9110 says (``es-MX;q=0.8, en;q=0.5``: Spanish); ``*`` and unknown
    tags are skipped; no header or nothing we speak gives English.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "")[:1000].split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, position, tag))
    for _, _, tag in sorted(ranked):
        try:
            language = Locale.parse(tag, sep="-").language
        except (ValueError, UnknownLocaleError):
            continue
        if (found := as_lang(language)) is not None:
            return found
    return DEFAULT
