"""The web app: ``create_app(settings)`` builds it; routes live in ``web.api`` and ``web.pages``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa import tense
from qa.config import Settings, get_settings
from qa.encoder import encoder_for
from qa.errors import IndexUnusableError, QuestionError
from qa.i18n import N_, gettext
from qa.inflight import Board
from qa.lifecycle.live import Live
from qa.staff.console import QualityCache
from qa.staff.db import Store
from qa.staff.throttle import ClientThrottle
from qa.text import language
from web import api, feedback, pages, staff
from web.i18n import LanguagePath, page_language
from web.security import BodyLimit, RelativeSlashRedirect, SameOriginStaffPosts, SecurityHeaders

HERE = Path(__file__).resolve().parent
QUESTION_MISSING = N_("please type a question")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app over the index version published in ``settings.index_dir``."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # one thread per question: two took 15x longer on a busy CPU (scripts/bench_threads.py)
        # ... and the spare cores to a question answered alone (ONNX Runtime does not collapse as torch did)
        encoder = encoder_for(settings, settings.encoder_threads, settings.idle_threads())
        # with several workers, a question is alone when no worker is answering another (qa.inflight)
        board = Board(settings.inflight_file) if settings.inflight_file else None
        encoder.share(board)
        live = Live(settings.index_dir, encoder, settings.max_question_chars)
        app.state.live = live
        tense.warm()  # the verb tables of crisis levels, read once the rest is loaded
        # the session a question answered alone runs on, made beside the first questions rather than before
        warmer = threading.Thread(target=encoder.warm, daemon=True)
        warmer.start()
        app.state.login_gate = asyncio.Semaphore(settings.login_concurrency)  # Argon2 checks at once (web.staff)
        stop = live.watch(settings.reload_seconds)  # follow newly published versions
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            # SIGHUP: look now rather than at the next tick (not on every platform or thread)
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, live.refresh))
        yield
        stop.set()
        warmer.join()  # onnxruntime aborts the process if it exits while a session is being made
        if board is not None:
            encoder.share(None)
            board.close()

    app = FastAPI(title="Windham Answers", version="1", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.state.store = Store(settings.database_url)  # staff console and flags; connects on first use only
    app.state.quality = QualityCache(settings.questions_file)
    # failed sign-ins per client, in memory only: twice the per-name limit, over the same window
    app.state.login_clients = ClientThrottle(2 * settings.login_max_failures, settings.login_window_minutes * 60)
    app.state.feedback_clients = ClientThrottle(settings.feedback_max_per_client, 3600)  # flags kept per hour
    app.include_router(feedback.router)
    app.include_router(staff.router)
    _handlers(app)
    staff.add_handlers(app)
    app.openapi = api.document(app, settings.max_question_chars)  # type: ignore[method-assign]
    app.add_middleware(LanguagePath)  # /es/ask is /ask in Spanish: inside the limits, so they see the real path
    app.router.redirect_slashes = False  # Starlette's builds its Location from the Host header
    app.add_middleware(RelativeSlashRedirect)  # outside LanguagePath: it keeps the /es prefix
    app.add_middleware(SameOriginStaffPosts)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)  # added last, so outermost: even a 413 carries the headers
    logging.getLogger("uvicorn.access").disabled = True  # never log request lines: they are people's business
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _handlers(app: FastAPI) -> None:
    """One place that turns each error into an HTTP answer: JSON for the API, a page for people."""

    @app.exception_handler(QuestionError)
    async def question_error(request: Request, exc: QuestionError) -> Response:
        safety = exc.safety  # a refused question can still signal danger: the banner shows all the same
        if _wants_json(request):
            return JSONResponse({"detail": str(exc), "safety": safety.model_dump() if safety else None},
                                status_code=422)
        # give the person back what they typed (cut to the limit), so nothing is lost
        typed = (await request.form()).get("question", "") if request.method == "POST" else ""
        typed = typed[: request.app.state.settings.max_question_chars] if isinstance(typed, str) else ""
        lang = page_language(request, language(typed))
        error = gettext(lang, exc.message).format(**exc.params)
        return pages.home(request, error=error, status_code=422, question=typed, safety=safety, lang=lang)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(_readable(e) for e in exc.errors())
        if _wants_json(request):
            return JSONResponse({"detail": detail}, status_code=422)
        lang = page_language(request)
        return pages.home(request, error=gettext(lang, QUESTION_MISSING), status_code=422, lang=lang)

    @app.exception_handler(IndexUnusableError)
    async def index_error(request: Request, exc: IndexUnusableError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=503)
        return pages.error_page(request, 503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return pages.error_page(request, exc.status_code, exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logging.getLogger("web").exception("unexpected error on %s %s", request.method, request.url.path)
        if _wants_json(request):
            return JSONResponse({"detail": "something went wrong on our side"}, status_code=500)
        return pages.error_page(request, 500)


def _readable(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
    if error.get("type") == "json_invalid":
        return "the body must be JSON like {\"question\": \"...\"}"
    return f"{where}: {error.get('msg', 'invalid')}"
