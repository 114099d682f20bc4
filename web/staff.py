"""The staff console under ``/staff``: sign in and out, check an answer, review flags, quality.

Every page needs a signed-in session: a GET without one is sent to the sign-in page, a POST without
one gets 401, and every POST must carry the session's CSRF token (403). No GET changes anything.

The cookie is ``__Host-staff_session``: Secure, HttpOnly, SameSite=Strict, Path=/, no Max-Age (it
ends with the browser; the server ends the session sooner, after ``QA_SESSION_IDLE_MINUTES``
unused). For local use over plain http on 127.0.0.1 / localhost (``QA_STAFF_HTTP_LOOPBACK``, on by
default) it is ``staff_session`` without Secure, because Firefox and Safari refuse a Secure or
``__Host-`` cookie over plain http even there. Plain http anywhere else is refused (403): the cookie
would travel in the clear. Behind a TLS proxy, have it send ``X-Forwarded-Proto`` (uvicorn trusts
it from 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from qa.answering.engine import Engine
from qa.errors import QuestionError
from qa.staff import accounts, console, flags, sessions
from qa.staff import review as review_queue
from qa.staff.db import Store, StoreUnavailableError
from qa.staff.sessions import CsrfRefused, NotSignedIn, Session
from qa.staff.throttle import ClientThrottle
from web.deps import EngineDep, StoreDep
from web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)

SECURE_COOKIE = "__Host-staff_session"
LOOPBACK_COOKIE = "staff_session"
REVIEW_FILTERS = {"open": "To review", **flags.STATUSES, "all": "All"}
REVIEW_PAGE = 50  # flags listed per page of the review queue
LOGIN_WAIT = 5.0  # seconds a sign-in waits for its turn to be checked before a 429


class NeedsHttps(Exception):  # noqa: N818 - named for what the person must do
    """A staff request over plain http from somewhere other than this machine."""


def cookie_settings(request: Request) -> tuple[str, bool]:
    """(cookie name, Secure) for this request; NeedsHttps over plain http off the loopback address."""
    if request.url.scheme == "https":
        return SECURE_COOKIE, True
    client = request.client.host if request.client else None
    if request.app.state.settings.staff_http_loopback and _loopback(request.url.hostname) and _loopback(client):
        return LOOPBACK_COOKIE, False
    raise NeedsHttps()


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _token(request: Request) -> str | None:
    return request.cookies.get(cookie_settings(request)[0])


def _idle(request: Request) -> int:
    return int(request.app.state.settings.session_idle_minutes) * 60


def current_session(request: Request, store: StoreDep) -> Session:
    """The signed-in session of this request (NotSignedIn otherwise)."""
    return sessions.load(store, _token(request), _idle(request))


SessionDep = Annotated[Session, Depends(current_session)]


def checked_session(session: SessionDep, csrf: Annotated[str, Form()] = "") -> Session:
    """The signed-in session of a POST whose form carries the session's CSRF token."""
    sessions.verify_csrf(session, csrf)
    return session


PostDep = Annotated[Session, Depends(checked_session)]


def _page(request: Request, name: str, context: dict[str, Any], session: Session | None = None,
          status_code: int = 200) -> HTMLResponse:
    return render(request, f"staff/{name}", context | {"session": session}, status_code, lang="en")  # staff work in English


def _set_cookie(request: Request, response: Response, value: str) -> None:
    name, secure = cookie_settings(request)
    response.set_cookie(name, value, path="/", secure=secure, httponly=True, samesite="strict")


def _clear_cookie(request: Request, response: Response) -> None:
    name, secure = cookie_settings(request)
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="strict")


# -- signing in and out -------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, store: StoreDep, expired: bool = False) -> Response:
    """The sign-in form; its nonce goes in the cookie and in the form (see qa/staff/sessions.py)."""
    token = _token(request)
    if token and not token.startswith("login-"):  # a nonce from an earlier visit is not a session
        try:
            sessions.load(store, token, _idle(request))
            return RedirectResponse("/staff/check", status_code=303)
        except NotSignedIn:
            pass
    nonce = sessions.login_nonce()
    response = _page(request, "login.html", {"csrf": nonce, "name": "", "expired": expired})
    _set_cookie(request, response, nonce)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, store: StoreDep, name: Annotated[str, Form()] = "",
                password: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    """At most ``QA_LOGIN_CONCURRENCY`` sign-ins are checked at once (each Argon2 check costs 64 MiB
    and a core); the others wait up to ``LOGIN_WAIT`` seconds on the event loop, holding no worker
    thread, and then get a 429. So a flood of sign-ins cannot starve the public pages."""
    gate: asyncio.Semaphore = request.app.state.login_gate
    try:
        await asyncio.wait_for(gate.acquire(), timeout=LOGIN_WAIT)
    except TimeoutError:
        busy = accounts.LoginBusy()
        form = {"csrf": _token(request), "name": name[:64], "expired": False}
        response = _page(request, "login.html", form | {"error": "Too many sign-ins are being checked right now. "
                                                                 "Try again in a few seconds."}, None, 429)
        response.headers["Retry-After"] = str(busy.retry_after)
        return response
    try:
        return await run_in_threadpool(_login, request, store, name, password, csrf)
    finally:
        gate.release()


def _login(request: Request, store: Store, name: str, password: str, csrf: str) -> Response:
    """Check the nonce, then the name and password; on success a new session id replaces the cookie."""
    settings = request.app.state.settings
    cookie = _token(request)
    sessions.verify_login_nonce(cookie, csrf)
    form = {"csrf": cookie, "name": name[:64], "expired": False}
    client = request.client.host if request.client else ""
    throttle: ClientThrottle = request.app.state.login_clients
    wait = throttle.retry_after(client)
    if wait is not None:
        response = _page(request, "login.html", form | {"error": f"Too many failed sign-ins from this device. Try again "
                                                                  f"in {wait // 60 + 1} minute(s)."}, None, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        member = accounts.authenticate(store, name, password, settings.login_max_failures,
                                       settings.login_window_minutes * 60)
    except accounts.LoginThrottled as e:
        response = _page(request, "login.html", form | {"error": f"Too many failed sign-ins for this name. Try again "
                                                                  f"in {e.retry_after // 60 + 1} minute(s)."}, None, 429)
        response.headers["Retry-After"] = str(e.retry_after)
        return response
    except accounts.LoginRefused:
        throttle.record(client)
        return _page(request, "login.html", form | {"error": "That name and password do not match an account."},
                     None, 401)
    throttle.forget(client)
    started = sessions.start(store, member.id, _idle(request), replacing=cookie)
    flags.purge(store, settings.feedback_retention_days)
    done = RedirectResponse("/staff/check", status_code=303)
    _set_cookie(request, done, started.token)
    return done


@router.post("/logout")
def logout(request: Request, store: StoreDep, session: PostDep) -> Response:
    sessions.end(store, _token(request))
    response = RedirectResponse("/staff/login", status_code=303)
    _clear_cookie(request, response)
    return response


@router.get("")
@router.get("/")
def home(session: SessionDep) -> Response:
    return RedirectResponse("/staff/check", status_code=303)


# -- checking an answer -------------------------------------------------------------------------

@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, "check.html", {"question": "", "check": None}, session)


@router.post("/check", response_class=HTMLResponse)
def check(request: Request, session: PostDep, engine: EngineDep,
          question: Annotated[str, Form()] = "") -> HTMLResponse:
    """Everything behind the public answer to ``question``; the question arrives in the body, never the URL."""
    try:
        result = console.check(engine, question, request.app.state.settings.page_passages)
    except QuestionError as e:
        return _page(request, "check.html", {"question": question, "check": None, "error": str(e)}, session, 422)
    return _page(request, "check.html", {"question": result.question, "check": result,
                                         "version": engine.version}, session)


# -- the review queue ---------------------------------------------------------------------------

@router.get("/review", response_class=HTMLResponse)
def review(request: Request, session: SessionDep, store: StoreDep, status: str = "open",
           before: str = "") -> HTMLResponse:
    """Flags from the public page, newest first, ``REVIEW_PAGE`` at a time (``before``: older than that id).

    A ``before`` that is not a flag id shows the first page, as an unknown ``status`` shows "open".
    """
    status = status if status in REVIEW_FILTERS else "open"
    digits = before.isascii() and before.isdigit() and len(before) <= 19  # MAX_ID has 19 digits
    start = int(before) if digits and 0 < int(before) <= flags.MAX_ID else None
    days = request.app.state.settings.feedback_retention_days
    listed = flags.queue(store, status, REVIEW_PAGE + 1, days, start)
    older = listed[REVIEW_PAGE - 1].id if len(listed) > REVIEW_PAGE else None  # where the next page starts
    return _page(request, "review.html", {
        "flags": listed[:REVIEW_PAGE], "status": status, "filters": REVIEW_FILTERS, "older": older,
        "paged": start is not None, "counts": flags.counts(store, days), "pending": review_queue.pending(store),
        "days": days, "labels": flags.STATUSES}, session)


@router.get("/review/{flag_id:int}", response_class=HTMLResponse)
def flag_page(request: Request, flag_id: int, session: SessionDep, store: StoreDep,
              engine: EngineDep) -> HTMLResponse:
    return _flag_page(request, session, store, engine, flags.get(store, flag_id))


@router.post("/review/{flag_id:int}/status")
def mark(request: Request, flag_id: int, session: PostDep, store: StoreDep, engine: EngineDep,
         status: Annotated[str, Form()] = "") -> Response:
    """Mark a flag fixed or not a problem."""
    try:
        flags.resolve(store, flag_id, status, session.staff_name)
    except flags.FlagNotFound:
        raise
    except flags.FlagError as e:
        return _flag_page(request, session, store, engine, flags.get(store, flag_id), error=str(e))
    return RedirectResponse("/staff/review", status_code=303)


@router.post("/review/{flag_id:int}/phrasing")
def add_phrasing(request: Request, flag_id: int, session: PostDep, store: StoreDep, engine: EngineDep,
                 target: Annotated[str, Form()] = "", question: Annotated[str, Form()] = "") -> Response:
    """Store the question as an alternate phrasing of the chosen section (exported by ``qa staff export-phrasings``)."""
    flag = flags.get(store, flag_id)
    try:
        document, section, paragraph = review_queue.parse_target(target)
        review_queue.add_phrasing(store, flag_id, engine.version, document, section, paragraph, question,
                              session.staff_name, request.app.state.settings.max_question_chars)
    except flags.FlagNotFound:
        raise
    except (flags.FlagError, QuestionError) as e:
        return _flag_page(request, session, store, engine, flag, error=str(e), typed=question, target=target)
    return RedirectResponse("/staff/review", status_code=303)


def _flag_page(request: Request, session: Session, store: Store, engine: Engine, flag: flags.Flag,
               error: str | None = None, typed: str | None = None, target: str | None = None) -> HTMLResponse:
    """One flag: what was shown then, the answer now, and the three ways to close it."""
    chunks = {c.id: c for c in engine.version.chunks}
    try:
        now, now_error = console.check(engine, flag.question, request.app.state.settings.page_passages), None
    except QuestionError as e:
        now, now_error = None, str(e)
    if target is None:
        first = next((chunks[i] for i in flag.passages if i in chunks), None)
        if first is None and now is not None and now.candidates:
            first = chunks.get(now.candidates[0].id)
        target = f"{first.document}|{first.section_number}|{first.paragraph}" if first else ""
    return _page(request, "flag.html", {
        "flag": flag, "then": [(i, chunks.get(i)) for i in flag.passages], "now": now, "now_error": now_error,
        "documents": engine.version.corpus.documents, "target": target, "typed": flag.question if typed is None else typed,
        "error": error, "labels": flags.STATUSES}, session, 422 if error else 200)


# -- quality ------------------------------------------------------------------------------------

@router.get("/quality", response_class=HTMLResponse)
def quality(request: Request, session: SessionDep, engine: EngineDep) -> HTMLResponse:
    """The ``qa eval`` figures of the index in service and the labelled questions it gets wrong."""
    report = request.app.state.quality.get(engine)
    return _page(request, "quality.html", {"quality": report, "headline": console.HEADLINE, "explained": console.EXPLAINED,
                                           "version": engine.version},
                 session)


# -- errors -------------------------------------------------------------------------------------

def add_handlers(app: FastAPI) -> None:
    """One handler per staff error type (registered by web.app.create_app)."""

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.method in ("GET", "HEAD"):
            response: Response = RedirectResponse("/staff/login" + ("?expired=true" if exc.expired else ""),
                                                  status_code=303)
        else:
            response = _message(request, 401, "Please sign in",
                                "Your session has ended or you are not signed in, so nothing was changed. "
                                "Sign in and try again.")
        if exc.expired:
            _clear_cookie(request, response)
        return response

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return _message(request, 403, "This form has expired",
                        "The form did not carry this session's security token (it may be from an older page or "
                        "another site), so nothing was changed. Go back, reload the page and try again.")

    @app.exception_handler(NeedsHttps)
    async def needs_https(request: Request, exc: NeedsHttps) -> Response:
        return _message(request, 403, "Staff pages need HTTPS",
                        "Sign-in cookies are only sent over HTTPS, or over plain http on this computer "
                        "(http://127.0.0.1). Open this page with https:// instead.", link=False)

    @app.exception_handler(StoreUnavailableError)
    async def store_unavailable(request: Request, exc: StoreUnavailableError) -> Response:
        # 409, not 5xx: the server works; the database's state (missing, read-only) prevents this request.
        # The page may be anyone's (the sign-in page): the database's name and the reason go to the log.
        logging.getLogger("web").error("staff database: %s", exc)
        return _message(request, 409, "The staff database cannot be used right now",
                        "Nothing was changed. Ask the maintainer to look at the server's log "
                        "(\"staff database\") and fix it.")

    @app.exception_handler(flags.FlagNotFound)
    async def flag_not_found(request: Request, exc: flags.FlagNotFound) -> Response:
        return _message(request, 404, "No such flag", f"{str(exc).capitalize()}.")


def _message(request: Request, status_code: int, title: str, text: str, link: bool = True) -> HTMLResponse:
    return _page(request, "message.html", {"title": title, "text": text, "link": link}, None, status_code)
