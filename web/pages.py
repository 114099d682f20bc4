"""HTML routes for the public: home, answer, source document, and friendly error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from web.api import EngineDep

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

EXAMPLES = (
    "Can I get arrested for selling sex in Windham?",
    "Where can I get tested for HIV or STDs?",
    "Someone took my ID and says I owe them",
    "Where can I get Narcan?",
)
ERRORS = {
    404: ("We could not find that page", "The page may have moved. You can ask a question instead."),
    405: ("That did not work", "Please use the question box to ask."),
    422: ("Please check your question", "Something in the question could not be read."),
    500: ("Something went wrong on our side", "Please try again in a moment."),
    503: ("The service is not ready", "Our information is being updated. Please try again in a moment."),
}


def _render(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    settings = request.app.state.settings
    base = {"exit_url": settings.exit_url, "max_chars": settings.max_question_chars}
    return templates.TemplateResponse(request, name, base | context, status_code=status_code)


def home(request: Request, error: str | None = None, status_code: int = 200, question: str = "") -> HTMLResponse:
    return _render(request, "home.html", {"examples": EXAMPLES, "error": error, "question": question},
                   status_code)


def error_page(request: Request, status_code: int) -> HTMLResponse:
    title, text = ERRORS.get(status_code, ERRORS[500])
    return _render(request, "error.html", {"title": title, "text": text}, status_code)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return home(request)


@router.post("/ask", response_class=HTMLResponse)
def ask(request: Request, engine: EngineDep, question: Annotated[str, Form()] = "") -> HTMLResponse:
    """The answer page. The question arrives in the POST body, never in the URL."""
    answer = engine.answer(question)
    return _render(request, "answer.html", {"answer": answer})


@router.get("/ask", include_in_schema=False)
def ask_get() -> RedirectResponse:
    # A reload or a bookmark of /ask: questions are never taken from URLs, so go back to the form.
    return RedirectResponse("/", status_code=303)


@router.get("/source/{document}", response_class=HTMLResponse)
def source(request: Request, document: str, engine: EngineDep) -> HTMLResponse:
    """The whole document, each paragraph with an anchor (``#s<section>-p<paragraph>``)."""
    doc = engine.version.corpus.document(document)
    if doc is None:
        raise HTTPException(status_code=404)
    return _render(request, "source.html", {"doc": doc})
