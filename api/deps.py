"""Dependencies the routes receive: the settings and the live index of the running app.

They only read the app's state, so they are coroutines: a plain function would be run in
the thread pool, a round trip between threads for each, on every request.
"""

from __future__ import annotations

from fastapi import Request

from index.live import LiveIndex, Snapshot
from rag.config import Settings


def get_live_index(request: Request) -> LiveIndex:
    live: LiveIndex = request.app.state.live_index
    return live


async def get_snapshot(request: Request) -> Snapshot:
    # One read per request: the whole request works on the same build even during a swap.
    return get_live_index(request).snapshot


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
