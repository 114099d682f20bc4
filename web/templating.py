"""Templates: one Jinja2 environment for every page, its filters, and ``render`` with the context every page needs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from qa.answering.crisis import emergency_contacts
from qa.records import Phone

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


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


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Template ``name`` with ``context`` and what every page shows (quick exit, emergency numbers)."""
    settings = request.app.state.settings
    base = {"exit_url": settings.exit_url, "max_chars": settings.max_question_chars,
            "emergency": _emergency_contacts(request)}
    return templates.TemplateResponse(request, name, base | context, status_code=status_code)
