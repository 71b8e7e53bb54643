"""POST /admin/reindex through a real server: key checks, one job at a time, and the swap."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from index.live import LiveIndex
from rag.config import Settings
from rag.embedding.encoder import Encoder
from tests.conftest import SEED, index_with_copies, running_server

KEY = "test-admin-key-0123456789"


@pytest.fixture(scope="module")
def admin_server(
    settings: Settings,
    encoder: Encoder,
    seed_build: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """A server with an admin key, on an index of its own (the seed article's build)."""
    target = settings.but(
        index_dir=tmp_path_factory.mktemp("admin") / "index",
        admin_api_key=SecretStr(KEY),
        reload_interval_s=0,  # only the reindex itself makes the server swap
    )
    index_with_copies(seed_build, target.service.index_dir, ["seed"])
    with running_server(create_app(target, live=LiveIndex(target, encoder))) as base:
        yield base


def test_without_a_key_configured_the_admin_routes_do_not_exist(server: str) -> None:
    for response in (
        httpx.post(f"{server}/admin/reindex", headers={"X-API-Key": KEY}, timeout=10),
        httpx.get(f"{server}/admin/reindex/anything", headers={"X-API-Key": KEY}, timeout=10),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}],
)
def test_a_missing_or_wrong_key_is_refused(admin_server: str, headers: dict[str, str]) -> None:
    response = httpx.post(f"{admin_server}/admin/reindex", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    status = httpx.get(f"{admin_server}/admin/reindex/x", headers=headers, timeout=10)
    assert status.status_code == 401


def test_paths_outside_the_allowed_roots_are_refused(admin_server: str) -> None:
    response = httpx.post(
        f"{admin_server}/admin/reindex",
        json={"paths": [str(SEED.parent)]},  # no RAG_ADMIN_ALLOWED_ROOTS: no path is allowed
        headers={"X-API-Key": KEY},
        timeout=10,
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_a_reindex_runs_once_at_a_time_and_the_server_serves_its_build(admin_server: str) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    before = httpx.get(f"{admin_server}/health", timeout=10).json()["build"]
    started = httpx.post(f"{admin_server}/admin/reindex", headers=auth, timeout=10)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "running" and job["paths"] == [str(SEED)]  # the build's own inputs

    again = httpx.post(f"{admin_server}/admin/reindex", headers={"X-API-Key": KEY}, timeout=10)
    assert again.status_code == 409
    assert again.json()["error"] == "conflict" and job["id"] in again.json()["detail"]

    done = httpx.get(
        f"{admin_server}/admin/reindex/{job['id']}", params={"wait": 120}, headers=auth, timeout=130
    ).json()
    assert done["status"] == "succeeded", done
    assert done["build_id"] and done["build_id"] != before and done["served"] is True
    assert done["duration_s"] > 0 and done["exit_code"] == 0
    assert any(line.startswith(f"built {done['build_id']}") for line in done["log"])
    assert httpx.get(f"{admin_server}/health", timeout=10).json()["build"] == done["build_id"]

    metrics = httpx.get(f"{admin_server}/metrics", timeout=10).text
    assert 'rag_reindex_jobs_total{status="succeeded"} 1.0' in metrics
    assert "rag_index_swaps_total 1.0" in metrics

    unknown = httpx.get(f"{admin_server}/admin/reindex/nope", headers=auth, timeout=10)
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
