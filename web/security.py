"""Headers on every response (pages, JSON, static files and errors alike), and no cookies on public pages.

The one place a cookie may be set is the staff console under ``/staff`` (its sign-in session); a
Set-Cookie on any other path is dropped, whatever a route or library tried to send.
"""

from __future__ import annotations

import inspect
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cache-control", b"no-store"),
]
_NAMES = {name for name, _ in HEADERS}
STAFF = "/staff"
# paths whose trailing slash is a route of its own: "/es/" is the Spanish home page, "/staff/" the console
SLASH_ROUTES = ("es", "en", "staff")


def cookies_allowed(path: str) -> bool:
    """Only the staff console may set a cookie; the public pages never do."""
    return path == STAFF or path.startswith(STAFF + "/")


class SecurityHeaders:
    """ASGI middleware: set the headers above on every response and drop Set-Cookie outside ``/staff``.

    Starlette answers an unhandled exception in its outermost layer, outside every middleware, so
    its 500 page would leave without these headers. An exception that reaches this layer before a
    response has started is therefore answered here, by the app's own handler for ``Exception``.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False
        dropped = _NAMES if cookies_allowed(scope.get("path", "")) else _NAMES | {b"set-cookie"}

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in dropped]
                message = {**message, "headers": kept + HEADERS}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            app = scope.get("app")
            handler = getattr(app, "exception_handlers", {}).get(Exception)
            if started or handler is None:
                raise
            response = handler(Request(scope, receive), exc)
            if inspect.isawaitable(response):
                response = await response
            await response(scope, receive, send_with_headers)


MAX_BODY = 64 * 1024  # a question is at most a few KB; the staff forms too
MAX_HEADERS = 16 * 1024  # all request headers together; browsers send 1-3 KB
MAX_COOKIE = 4 * 1024  # the staff session cookie is under 100 bytes


def _refuse(status: int, detail: str) -> list[Message]:
    body = f'{{"detail": "{detail}"}}'.encode()
    return [{"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                         (b"connection", b"close")]},
            {"type": "http.response.body", "body": body}]


class _TooLarge(HTTPException):
    """A body that grew past the limit while it was read: the app's own 413 answer (page or JSON)."""

    def __init__(self) -> None:
        super().__init__(413, "the request is too large")


class BodyLimit:
    """ASGI middleware: requests too large to be a question, refused before anything parses them.

    - Headers over ``MAX_HEADERS`` in all, or a Cookie header over ``MAX_COOKIE``: 431. A cookie is
      parsed by the framework on every route, and CPython's cookie unquoting is quadratic
      (CVE-2024-7592): one 60 KB header held a worker for seconds.
    - Outside ``/staff`` the Cookie header is removed: public pages set none and read none.
    - A body declared larger than ``limit``: 413, unread. A body with no declared length (chunked) is
      counted as it arrives and refused with a 413 the moment it passes ``limit``.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = scope.get("headers") or []
        size = sum(len(k) + len(v) + 4 for k, v in headers)
        cookie = sum(len(v) for k, v in headers if k.lower() == b"cookie")
        if size > MAX_HEADERS or cookie > MAX_COOKIE:
            for message in _refuse(431, "the request headers are too large"):
                await send(message)
            return None
        if not cookies_allowed(scope.get("path", "")):
            scope = {**scope, "headers": [(k, v) for k, v in headers if k.lower() != b"cookie"]}
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            for message in _refuse(413, "the request is too large"):
                await send(message)
            return None
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:  # stop reading: the rest is never asked for
                    raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            return await self.app(scope, counted, watch)
        except _TooLarge:
            if started:
                raise
            for message in _refuse(413, "the request is too large"):
                await send(message)
            return None


class RelativeSlashRedirect:
    """``GET /source/x/`` -> 307 to ``/source/x`` as a *relative* Location (and with its ``/es`` prefix
    kept). Starlette's own slash redirect builds an absolute URL from the request's ``Host`` header,
    so anyone could make this server send people to another site (``Host: evil.example``)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and len(path) > 1 and path.endswith("/")
                and path.strip("/") not in SLASH_ROUTES):
            target = "/" + path.strip("/")
            query = scope.get("query_string", b"")
            location = target.encode() + (b"?" + query if query else b"")
            await send({"type": "http.response.start", "status": 307,
                        "headers": [(b"location", location), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


class SameOriginStaffPosts:
    """A POST under ``/staff`` that a browser says came from another site (``Sec-Fetch-Site`` other than
    ``same-origin``/``none``; without it, an ``Origin`` whose host is not this request's) is refused with
    403 before any form is read: defence in depth beside the CSRF token and SameSite=Strict cookie.
    Clients that send neither header (scripts, old browsers) are left to the CSRF token."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and cookies_allowed(scope.get("path", "")):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            site = headers.get("sec-fetch-site")
            origin = headers.get("origin")
            if site is not None:  # the browser says where the form came from: believe it
                foreign = site not in ("same-origin", "none")
            else:
                # An older browser: only a named other origin counts. "Origin: null" is what a browser
                # sends for our own form under our "Referrer-Policy: no-referrer", so it proves nothing.
                foreign = origin not in (None, "null") and urlsplit(origin).netloc != headers.get("host", "")
            if foreign:
                for message in _refuse(403, "a staff form must be sent from this site"):
                    await send(message)
                return
        await self.app(scope, receive, send)
