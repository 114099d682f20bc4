"""Headers on every response (pages, JSON, static files and errors alike), and no cookies on public pages.

The one place a cookie may be set is the staff console under ``/staff`` (its sign-in session); a
Set-Cookie on any other path is dropped, whatever a route or library tried to send.
"""

from __future__ import annotations

import inspect

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


class BodyLimit:
    """ASGI middleware: refuse a request body declared larger than ``MAX_BODY`` with a 413, unread."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
            if not declared.isdigit() or int(declared) > self.limit:
                body = b'{"detail": "the request is too large"}'
                await send({"type": "http.response.start", "status": 413,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return None
        return await self.app(scope, receive, send)
