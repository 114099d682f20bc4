"""Shared route dependencies: the engine in service and the staff database, one read per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from qa.answering.engine import Engine
from qa.staff.db import Store


async def get_engine(request: Request) -> Engine:
    """The engine in service, read once per request (a publish mid-request does not affect it). A
    coroutine, though it awaits nothing: FastAPI runs a plain function's dependency in its thread pool,
    a hop to another thread and back on every request (about 0.04 ms in process, docs/performance.md, stop 34)."""
    engine: Engine = request.app.state.live.engine
    return engine


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


EngineDep = Annotated[Engine, Depends(get_engine)]
StoreDep = Annotated[Store, Depends(get_store)]
