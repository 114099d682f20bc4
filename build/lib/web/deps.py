"""Shared route dependencies: the engine in service and the staff database, one read per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from qa.answering.engine import Engine
from qa.staff.db import Store


def get_engine(request: Request) -> Engine:
    """The engine in service, read once per request (a publish mid-request does not affect it)."""
    engine: Engine = request.app.state.live.engine
    return engine


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


EngineDep = Annotated[Engine, Depends(get_engine)]
StoreDep = Annotated[Store, Depends(get_store)]
