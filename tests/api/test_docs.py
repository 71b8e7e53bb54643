"""/docs loads nothing from another host: its assets are served by the service."""

from __future__ import annotations

import re

import httpx

ASSET = re.compile(r"""(?:src|href)="([^"]+)"|url: '([^']+)'""")
KINDS = {".js": "javascript", ".css": "text/css", ".png": "image/png", ".json": "json"}


def test_docs_reference_only_local_assets(server: str) -> None:
    response = httpx.get(f"{server}/docs", timeout=10)
    assert response.status_code == 200
    assert "http://" not in response.text and "https://" not in response.text
    assert '"validatorUrl": null' in response.text  # no spec sent to an online validator
    assets = [a or b for a, b in ASSET.findall(response.text)]
    assert {a.rsplit(".", 1)[-1] for a in assets} == {"js", "css", "png", "json"}
    for asset in assets:
        assert asset.startswith("/"), asset
        loaded = httpx.get(f"{server}{asset}", timeout=10)
        assert loaded.status_code == 200, asset
        kind = next(kind for suffix, kind in KINDS.items() if asset.endswith(suffix))
        assert kind in loaded.headers["content-type"], asset
    # ReDoc's bundle would fetch its logo from a CDN: there is no /redoc.
    assert httpx.get(f"{server}/redoc", timeout=10).status_code == 404
