"""The on-disk layout of an index root, and the atomic switch between builds.

    <root>/
      CURRENT             name of the build being served (replaced atomically)
      builds/<build-id>/  one complete build each: manifest.json, articles.jsonl, ...
      builds/.staging-*   a build being written; never served, removed if abandoned
      .lock               held for a whole build (index.lock), so two builds never race

A build is written into a staging folder, renamed to ``builds/<id>`` once complete, and only
then named in ``CURRENT``. A crash at any point leaves the previous build serving.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.lock import BuildLock
from rag.errors import IndexStoreError

CURRENT_FILE = "CURRENT"
BUILDS_DIR = "builds"
STAGING_PREFIX = ".staging-"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    def __init__(self, root: Path) -> None:
        self.root = root.expanduser()
        self.builds = self.root / BUILDS_DIR
        self._lock: BuildLock | None = None  # the build lock, while :meth:`building` holds it
        self._lock_depth = 0
        self._staging: Path | None = None

    def current(self) -> Path | None:
        """Folder of the build being served, or ``None`` when there is none yet."""
        pointer = self.root / CURRENT_FILE
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        folder = self.builds / name
        if not name or not folder.is_dir():
            raise IndexStoreError(f"{pointer} names build {name!r}, which does not exist")
        return folder

    def current_name(self) -> str | None:
        folder = self.current()
        return folder.name if folder else None

    @contextmanager
    def building(self) -> Iterator[IndexStore]:
        """Hold the root's build lock for a whole build, from before the model loads to the
        end: another build of this root (another process, or another store of this root)
        is refused at once. Re-entrant on this store, so :meth:`writing` works inside it."""
        if self._lock_depth == 0:
            self._lock = BuildLock(self.root)
        self._lock_depth += 1
        try:
            yield self
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and self._lock is not None:
                self._lock.release()
                self._lock = None

    @contextmanager
    def writing(self) -> Iterator[Path]:
        """A staging folder for a new build, under the root's build lock.

        The caller fills the folder and calls :meth:`publish`; if it raises instead (an
        interrupt included), the staging folder is removed and ``CURRENT`` is untouched.
        """
        with self.building():
            if self._staging is not None:
                raise IndexStoreError(f"another build is writing to {self.root}")
            self.builds.mkdir(parents=True, exist_ok=True)
            self._remove_stale_staging()
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.builds))
            self._staging = staging
            try:
                yield staging
            finally:
                self._staging = None
                if staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)

    def publish(self, staging: Path, build_id: str) -> Path:
        """Move a complete staging folder into place and make it the served build."""
        for file in staging.rglob("*"):
            if file.is_file():
                with file.open("rb") as handle:
                    os.fsync(handle.fileno())
        final = self.builds / build_id
        if final.exists():
            raise IndexStoreError(f"build {build_id} already exists")
        os.replace(staging, final)
        _fsync_dir(self.builds)
        self.point_to(build_id)
        return final

    def point_to(self, build_id: str) -> None:
        """Name an existing build in ``CURRENT`` (atomically): it becomes the served build."""
        if not (self.builds / build_id).is_dir():
            raise IndexStoreError(f"build {build_id} does not exist")
        pointer = self.root / CURRENT_FILE
        temporary = self.root / f".{CURRENT_FILE}.tmp"
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(build_id + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, pointer)
        _fsync_dir(self.root)

    def prune(self, keep: int) -> list[str]:
        """Remove all but the ``keep`` newest builds; the served build is always kept."""
        current = self.current_name()
        builds = (
            sorted(
                (p for p in self.builds.iterdir() if p.is_dir() and not p.name.startswith(".")),
                key=lambda p: p.name,
                reverse=True,
            )
            if self.builds.is_dir()
            else []
        )
        removed = []
        for folder in builds[keep:]:
            if folder.name != current:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return removed

    def _remove_stale_staging(self) -> None:
        for folder in self.builds.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(folder, ignore_errors=True)
