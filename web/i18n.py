"""Which language a public page is in: a path prefix the reader chose, else their browser's preference.

``/es/...`` and ``/en/...`` are the same pages as ``/...`` in a language the reader chose with the
switch on every page; the prefix is the only place the choice is kept (public pages set no cookie).
A page without a prefix follows the question's language when it is one we speak, else the
browser's ``Accept-Language``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.i18n import LANGUAGES, Lang, as_lang, negotiate

NOT_LOCALISED = ("/staff", "/api/", "/static/", "/healthz")  # staff pages and the API are not in /es/


class LanguagePath:
    """ASGI middleware: route ``/es/ask`` as ``/ask`` with ``request.state.lang == "es"``."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for lang in LANGUAGES:
                if path == f"/{lang}" or path.startswith(f"/{lang}/"):
                    rest = path[len(lang) + 1:] or "/"
                    scope = dict(scope, state={**scope.get("state", {}), "lang": lang})
                    if not rest.startswith(NOT_LOCALISED):  # those stay unrouted: a 404 page in that language
                        scope.update(path=rest, raw_path=rest.encode())
                    break
        await self.app(scope, receive, send)


def chosen(request: Request) -> Lang | None:
    """The language the reader chose with the path (``/es/...``), or None."""
    return as_lang(getattr(request.state, "lang", None))


def page_language(request: Request, question_lang: str | None = None) -> Lang:
    """The language of the page: the reader's choice, else the question's, else the browser's."""
    return chosen(request) or as_lang(question_lang if question_lang != "en" else None) or negotiate(
        request.headers.get("accept-language"))
