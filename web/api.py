"""JSON routes: ``POST /api/ask`` and ``GET /healthz``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import BaseModel, Field

from qa.answering.engine import question_schema
from qa.records import Answer, AskRequest, Safety
from web.deps import EngineDep

router = APIRouter()


class IndexHealth(BaseModel):
    version: str
    built_at: str
    chunks: int
    refused: dict[str, Any] | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="'degraded' (HTTP 503): answers still come from the "
                                                          "version in service, but its files no longer verify "
                                                          "or a newer version was refused")
    index: IndexHealth
    problems: list[str] = Field(default=[], description="What is degraded, without server paths")


class Problem(BaseModel):
    """Why a request was not answered (every 4xx and 5xx of the JSON routes has this shape)."""

    detail: str = Field(description="What is wrong, in plain English")


class QuestionProblem(Problem):
    safety: Safety | None = Field(None, description="A refused question that signals danger still gets the banner")


@router.post("/api/ask", response_model=Answer, responses={
    400: {"model": Problem, "description": "The body could not be read (not UTF-8)"},
    413: {"model": Problem, "description": "The body is over 64 KB (counted as it arrives)"},
    422: {"model": QuestionProblem, "description": "The question is empty, too long or holds control characters, "
                                                   "or the body is not the JSON described"},
    431: {"model": Problem, "description": "The request headers are too large"},
    503: {"model": Problem, "description": "No usable index is in service"},
})
def ask(body: AskRequest, request: Request, engine: EngineDep) -> Response:
    """Answer a question with verbatim passages, service cards and the crisis banner when it applies."""
    answer = engine.answer(body.question, body.top_k or request.app.state.settings.default_top_k, body.lang,
                           exact=True)
    # the Answer is the response model already: serialised once, not validated again and dumped twice
    return Response(answer.model_dump_json(), media_type="application/json")


def document(app: FastAPI, max_question_chars: int) -> Callable[[], dict[str, Any]]:
    """``app.openapi``: FastAPI's document, with the question's real limits (they are a setting)."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default()
            schema["components"]["schemas"]["AskRequest"]["properties"]["question"].update(
                question_schema(max_question_chars))
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


@router.get("/healthz", response_model=Health, responses={503: {"model": Health, "description": "Degraded"}})
@router.head("/healthz", include_in_schema=False)
def healthz(request: Request, response: Response, engine: EngineDep) -> Health:
    live = request.app.state.live
    refused = live.refused
    problems = live.problems
    if problems:
        response.status_code = 503
    return Health(status="degraded" if problems else "ok", problems=problems, index=IndexHealth(
        version=engine.version.id, built_at=engine.version.built_at, chunks=len(engine.version.chunks),
        refused=refused.__dict__ if refused else None))
