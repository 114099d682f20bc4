"""HTML routes for the public: home, answer, source document, and friendly error pages.

Every word a person reads is either a fixed UI string in the templates (or ``EXAMPLES`` and
``ERRORS`` here), translated from the catalogs of ``qa.i18n``, or comes from an ``Answer`` record and
the corpus; nothing is generated. ``/es/...`` serves the same routes in Spanish (``web.i18n``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from qa.i18n import N_
from qa.records import Safety
from qa.text import language
from web.deps import EngineDep
from web.i18n import chosen, page_language
from web.templating import render

router = APIRouter(include_in_schema=False)  # pages for people; the OpenAPI document is the JSON API's

EXAMPLES = (  # questions a person can send with one tap; each language's are its own, in the catalog
    N_("Can I get arrested for selling sex in Windham?"),
    N_("Where can I get tested for HIV or STDs?"),
    N_("Someone took my ID and says I owe them"),
    N_("Where can I get Narcan?"),
)
ERRORS = {
    400: (N_("We could not read that"), N_("Your browser sent something we could not read. Please ask your question "
                                         "again below.")),
    404: (N_("We can't find that page"), N_("The link may be old or mistyped. You can ask your question here instead.")),
    405: (N_("That page can't be opened this way"), N_("Please use the question box below to ask.")),
    422: (N_("Please check your question"), N_("We could not read that question. Please type it again.")),
    500: (N_("Sorry, something went wrong on our side"),
          N_("It was not something you did. Please try again in a moment.")),
    503: (N_("Sorry, this service is not ready yet"),
          N_("Our information is being updated. Please try again in a few minutes.")),
}


def home(request: Request, error: str | None = None, status_code: int = 200, question: str = "",
         safety: Safety | None = None, lang: str | None = None) -> HTMLResponse:
    """The question page; with ``error`` (already in ``lang``) it is the friendly answer to a question
    we could not take (with the crisis banner when the refused text itself signals danger)."""
    return render(request, "home.html", {"examples": EXAMPLES, "error": error, "question": question,
                                          "safety": safety}, status_code, lang)


def error_page(request: Request, status_code: int, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """A friendly page for an HTTP error, in the site's layout, with the question box; ``headers``
    the error's own (a 405's ``Allow``). A 4xx without its own words reads as the 400 page, never as
    "something went wrong on our side"."""
    title, text = ERRORS.get(status_code, ERRORS[400] if 400 <= status_code < 500 else ERRORS[500])
    response = render(request, "error.html", {"title": title, "text": text}, status_code)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    # browsers ask for it on pages that name no icon (JSON answers): serve ours, not a 404
    return FileResponse(Path(__file__).resolve().parent / "static" / "icon.svg", media_type="image/svg+xml")


@router.get("/", response_class=HTMLResponse)
@router.head("/")
def index(request: Request) -> HTMLResponse:
    return home(request)


@router.post("/ask", response_class=HTMLResponse)
def ask(request: Request, engine: EngineDep, question: Annotated[str, Form()] = "") -> HTMLResponse:
    """The answer page. The question arrives in the POST body, never in the URL."""
    lang = page_language(request, language(question))
    answer = engine.answer(question, request.app.state.settings.page_passages, lang)
    # A card already shown in the emergency banner is not repeated further down the page.
    in_banner = {card.id for card in answer.safety.services} if answer.safety else set()
    services = [card for card in answer.services if card.id not in in_banner]
    reviewed = {d.id: d.last_reviewed for d in engine.version.corpus.documents}  # shown with each citation
    return render(request, "answer.html", {"answer": answer, "services": services, "reviewed": reviewed,
                                            "corpus": engine.version.corpus, "switch_question": answer.question},
                  lang=lang)


@router.get("/ask")
def ask_get(request: Request) -> RedirectResponse:
    # A reload or a bookmark of /ask: questions are never taken from URLs, so go back to the form.
    choice = chosen(request)
    return RedirectResponse(f"/{choice}/" if choice else "/", status_code=303)


@router.get("/source/{document}", response_class=HTMLResponse)
@router.head("/source/{document}")
def source(request: Request, document: str, engine: EngineDep) -> HTMLResponse:
    """The whole document, each paragraph with an anchor (``#s<section>-p<paragraph>``)."""
    doc = engine.version.corpus.document(document)
    if doc is None:
        raise HTTPException(status_code=404)
    return render(request, "source.html", {"doc": doc})


@router.get("/about", response_class=HTMLResponse)
@router.head("/about")
def about(request: Request, engine: EngineDep) -> HTMLResponse:
    """Who runs the service and what its information is (``corpus/about.yaml``), and the documents it quotes."""
    corpus = engine.version.corpus
    return render(request, "about.html", {"about": corpus.about, "documents": corpus.originals})
