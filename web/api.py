"""JSON routes: ``POST /api/ask`` and ``GET /healthz``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from qa.records import Answer, AskRequest
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


@router.post("/api/ask", response_model=Answer)
def ask(body: AskRequest, request: Request, engine: EngineDep) -> Answer:
    """Answer a question with verbatim passages, service cards and the crisis banner when it applies."""
    return engine.answer(body.question, body.top_k or request.app.state.settings.default_top_k, body.lang)


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
