"""JSON routes: ``POST /api/ask`` and ``GET /healthz``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from qa.records import Answer, AskRequest
from web.deps import EngineDep

router = APIRouter()


class IndexHealth(BaseModel):
    version: str
    built_at: str
    chunks: int
    refused: dict[str, Any] | None = None


class Health(BaseModel):
    status: str
    index: IndexHealth


@router.post("/api/ask", response_model=Answer)
def ask(body: AskRequest, request: Request, engine: EngineDep) -> Answer:
    """Answer a question with verbatim passages, service cards and the crisis banner when it applies."""
    return engine.answer(body.question, body.top_k or request.app.state.settings.default_top_k, body.lang)


@router.get("/healthz", response_model=Health)
@router.head("/healthz", include_in_schema=False)
def healthz(request: Request, engine: EngineDep) -> Health:
    refused = request.app.state.live.refused
    return Health(status="ok", index=IndexHealth(
        version=engine.version.id, built_at=engine.version.built_at, chunks=len(engine.version.chunks),
        refused=refused.__dict__ if refused else None))
