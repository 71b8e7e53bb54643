from pathlib import Path

import pytest

from index.store import IndexStore
from rag.errors import IndexStoreError


def _publish(store: IndexStore, name: str) -> Path:
    with store.writing() as staging:
        (staging / "data").write_text(name)
        return store.publish(staging, name)


def test_publish_switches_current_and_prune_keeps_the_newest(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    assert store.current() is None
    for name in ("b1", "b2", "b3"):
        _publish(store, name)
        assert store.current() == tmp_path / "builds" / name
    assert store.prune(keep=2) == ["b1"]
    assert sorted(p.name for p in store.builds.iterdir()) == ["b2", "b3"]


def test_an_abandoned_build_changes_nothing(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    _publish(store, "good")
    with pytest.raises(RuntimeError), store.writing() as staging:
        (staging / "half").write_text("x")
        raise RuntimeError("crash")
    assert store.current() == tmp_path / "builds" / "good"
    assert [p.name for p in store.builds.iterdir()] == ["good"]


def test_two_builds_cannot_write_at_once(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    with store.writing(), pytest.raises(IndexStoreError, match="another build"), store.writing():
        pass


def test_a_pointer_to_a_missing_build_is_reported(tmp_path: Path) -> None:
    (tmp_path / "CURRENT").write_text("gone\n")
    with pytest.raises(IndexStoreError, match="does not exist"):
        IndexStore(tmp_path).current()
