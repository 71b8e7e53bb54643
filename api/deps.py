"""Dependencies the routes receive: the settings and the live index of the running app."""

from __future__ import annotations

from fastapi import Request

from index.live import LiveIndex, Snapshot
from rag.config import Settings


def get_live_index(request: Request) -> LiveIndex:
    live: LiveIndex = request.app.state.live_index
    return live


def get_snapshot(request: Request) -> Snapshot:
    # One read per request: the whole request works on the same build even during a swap.
    return get_live_index(request).snapshot


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
