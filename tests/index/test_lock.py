"""One build per index root: a second one, in any process, is refused at once."""

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from index.store import IndexStore
from rag.errors import IndexStoreError
from tests.conftest import ROOT

_HOLD = (
    "import sys; from pathlib import Path; from index.lock import BuildLock; "
    "lock = BuildLock(Path(sys.argv[1])); print('held', flush=True); sys.stdin.read()"
)


@contextmanager
def lock_held_elsewhere(root: Path) -> Iterator[int]:
    """The build lock of ``root`` held by another process until the block ends; its pid."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(root)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.communicate(timeout=30)  # closes its stdin: it exits, and the kernel unlocks


def test_a_build_lock_held_by_another_process_refuses_a_build_naming_it(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    with lock_held_elsewhere(tmp_path) as pid:
        refused = rf"another build is running on {re.escape(str(tmp_path))} \(process {pid}\)"
        with pytest.raises(IndexStoreError, match=refused), store.building():
            pass
        with pytest.raises(IndexStoreError, match="another build"), store.writing():
            pass
    with store.building(), store.writing() as staging:  # free again once the holder exits
        assert staging.is_dir()


def test_the_lock_is_held_from_building_to_the_end_and_released(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    other = IndexStore(tmp_path)
    with store.building():
        with pytest.raises(IndexStoreError, match="another build"), other.building():
            pass
        with store.writing() as staging:  # the holder itself writes
            (staging / "data").write_text("x")
            store.publish(staging, "b1")
        with pytest.raises(IndexStoreError, match="another build"), other.writing():
            pass
    with other.building():
        assert other.current_name() == "b1"
