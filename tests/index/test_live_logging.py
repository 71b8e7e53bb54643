"""What a live index logs: each swap once, a build it cannot serve once per CURRENT change."""

import logging
from pathlib import Path

import pytest

from index.live import LiveIndex
from index.store import CURRENT_FILE
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.parts.dense import INDEX_FILE
from tests.conftest import index_with_copies

LOGGER = "index.live"


def _messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


@pytest.fixture
def live(settings: Settings, encoder: Encoder, seed_build: Path, tmp_path: Path) -> LiveIndex:
    target = settings.but(index_dir=tmp_path / "live", highlight_dense_max_sentences=0)
    store = index_with_copies(
        seed_build, target.service.index_dir, ["build-a", "build-b", "broken"]
    )
    (store.builds / "broken" / "dense" / INDEX_FILE).write_bytes(b"garbage")
    return LiveIndex(target, encoder)


def test_every_swap_is_logged_once_with_the_old_and_the_new_build(
    live: LiveIndex, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    live.store.point_to("build-b")
    assert live.refresh() is True
    assert live.refresh() is False  # nothing new: nothing logged
    live.store.point_to("build-a")
    assert live.refresh() is True
    swaps = _messages(caplog, logging.INFO)
    assert len(swaps) == 2, swaps
    assert "build-a -> build-b" in swaps[0] and "build-b -> build-a" in swaps[1]
    assert not _messages(caplog, logging.ERROR)


def test_a_broken_build_is_logged_once_until_current_changes(
    live: LiveIndex, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    live.store.point_to("broken")
    for _ in range(3):  # three reload intervals
        assert live.refresh() is False
    errors = _messages(caplog, logging.ERROR)
    assert len(errors) == 1, errors
    assert "broken" in errors[0] and "build-a" in errors[0]  # the build refused, the one kept
    assert live.snapshot.build_id == "build-a"

    live.store.point_to("build-b")  # CURRENT changes: served, then the broken one is news again
    assert live.refresh() is True
    live.store.point_to("broken")
    assert live.refresh() is False and live.refresh() is False
    assert len(_messages(caplog, logging.ERROR)) == 2

    # CURRENT naming a build that does not exist: once, too.
    (live.store.root / CURRENT_FILE).write_text("vanished\n")
    for _ in range(3):
        assert live.refresh() is False
    errors = _messages(caplog, logging.ERROR)
    assert len(errors) == 3 and "vanished" in errors[2], errors
    assert live.snapshot.build_id == "build-b"
