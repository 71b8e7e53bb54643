"""``/docs`` (Swagger UI) served offline.

FastAPI's own page loads its JavaScript and CSS from a CDN; this one loads the copies shipped in
the ``fastapi-offline`` package, served under ``/docs-assets``. Swagger UI's online spec
validator is switched off too, so opening the docs makes no request to another host. There is
no ``/redoc``: ReDoc's bundle fetches its logo from its vendor's CDN.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"


def add_docs(app: FastAPI, docs_url: str = "/docs") -> None:
    """Serve the API's documentation page from local assets (the app is made with
    ``docs_url=None, redoc_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
