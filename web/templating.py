"""Templates: one Jinja2 environment for every page, its filters, and ``render`` with the context every page needs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from qa import i18n
from qa.answering.crisis import emergency_contacts
from qa.records import Phone
from web.i18n import chosen, page_language

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
templates.env.add_extension("jinja2.ext.i18n")


@pass_context
def _gettext(context: Context, message: str) -> str:
    """``message`` in the page's language (the ``lang`` every page's context holds)."""
    return i18n.gettext(context.get("lang", i18n.DEFAULT), message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(context.get("lang", i18n.DEFAULT)).ngettext(singular, plural, n)


templates.env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are not part of its id (babel.cfg)
# newstyle: translations are escaped and formatted by Jinja (``_("%(n)s passages", n=3)``)
templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


def _dial(number: str) -> str:
    """The digits of a phone number, for ``tel:`` and ``sms:`` links ("1-888-373-7888" -> "18883737888")."""
    return re.sub(r"\D", "", number)


def _sentence(text: str) -> str:
    """A library message as a sentence a person reads: capital first letter, closing full stop."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text[-1] in ".!?" else ".")


def _staff_date(epoch: int) -> str:
    """An epoch time as the day it fell on (UTC), for the staff pages."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d")


templates.env.filters.update(dial=_dial, sentence=_sentence, staff_date=_staff_date)


def _emergency_contacts(request: Request) -> list[Phone]:
    """The numbers the emergency rules of ``corpus/safety.yaml`` state (911), for the footer of every page.

    Empty when no index is in service (an error page must still render then).
    """
    live = getattr(request.app.state, "live", None)
    engine = getattr(live, "engine", None)
    if engine is None:
        return []
    return emergency_contacts(engine.version.corpus.rules)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200,
           lang: str | None = None) -> HTMLResponse:
    """Template ``name`` with ``context`` and what every page shows (quick exit, emergency numbers, the
    language switch), in ``lang`` (None: as ``web.i18n.page_language`` decides)."""
    settings = request.app.state.settings
    choice = chosen(request)
    base = {"exit_url": settings.exit_url, "max_chars": settings.max_question_chars,
            "emergency": _emergency_contacts(request), "lang": lang or page_language(request),
            # links and forms keep the reader's choice of language; without one, each page decides again
            "prefix": f"/{choice}" if choice else "", "languages": LANGUAGE_NAMES,
            "switch_path": request.url.path if request.method in ("GET", "HEAD") else "/"}
    response = templates.TemplateResponse(request, name, base | context, status_code=status_code)
    response.headers["Vary"] = "Accept-Language"
    return response


LANGUAGE_NAMES = {"en": "English", "es": "Español"}  # each in its own language, as a switch shows them
