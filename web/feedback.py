"""``POST /feedback``: the optional "Did this help?" on the public answer page.

The form sends the question, the ids of the passages shown and yes or no; the route passes exactly
those to ``qa.staff.flags.submit`` - never an address, header or cookie - and answers with a page.
The sender's address is used once, in memory: a salted hash counts the flags it sent this hour
(``QA_FEEDBACK_MAX_PER_CLIENT``), so one sender cannot use up the day's cap for everyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from qa.i18n import N_
from qa.staff import flags
from qa.staff.db import StoreUnavailableError
from qa.staff.throttle import ClientThrottle
from qa.text import language
from web.deps import EngineDep, StoreDep
from web.i18n import page_language
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.post("/feedback", response_class=HTMLResponse)
def send(request: Request, engine: EngineDep, store: StoreDep, question: Annotated[str, Form()] = "",
         passage: Annotated[list[str] | None, Form()] = None, helpful: Annotated[str, Form()] = "") -> HTMLResponse:
    """Keep the flag; a changed index or an unusable database gets a page that offers the question again."""
    settings = request.app.state.settings
    if helpful not in ("yes", "no"):
        return _page(request, 422, N_("Please press Yes or No"), N_("Nothing was sent."), question)
    client = request.client.host if request.client else ""
    throttle: ClientThrottle = request.app.state.feedback_clients
    wait = throttle.retry_after(client)
    if wait is not None:
        response = _page(request, 429, N_("You sent a lot of feedback"),
                         N_("You sent a lot of feedback in the last hour, so we did not keep this one. Thank you all "
                            "the same. You can send more later."), question)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        flags.submit(store, engine.version, question, passage or [], helpful == "yes", settings.max_question_chars,
                        settings.feedback_max_per_day)
        flags.purge(store, settings.feedback_retention_days)
    except flags.StalePassageError as e:
        return _page(request, 409, N_("Our information changed"),
                     N_("Our information was updated since this answer was shown, so your feedback could not be "
                        "matched to it and nothing was kept. You can ask again to see the current answer."), e.question)
    except flags.QueueFullError:
        return _page(request, 429, N_("We cannot take more feedback today"),
                     N_("So much feedback arrived today that we stopped keeping more; nothing was kept. Thank you all "
                        "the same."), question)
    except flags.FlagError:
        return _page(request, 422, N_("That did not work"), N_("Your feedback could not be read, so nothing was kept."),
                     question)
    except StoreUnavailableError:
        # A clear page, not a 5xx: the answer service works, only feedback cannot be kept right now.
        return _page(request, 409, N_("We could not keep your feedback"),
                     N_("Feedback cannot be saved right now, so nothing was kept. You can ask again below."), question)
    throttle.record(client)
    return _page(request, 200, N_("Thank you"), N_("Your feedback was sent. It helps us improve our answers."), "")


@router.get("/feedback", include_in_schema=False)
def feedback_get() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


def _page(request: Request, status_code: int, title: str, text: str, question: str) -> HTMLResponse:
    """``title`` and ``text`` are message ids, said in the page's language."""
    return render(request, "feedback.html", {"title": title, "text": text, "question": question[:5000]}, status_code,
                  page_language(request, language(question)))
