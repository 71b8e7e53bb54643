"""The served index, swapped for a newer build without dropping a request.

A request takes the current ``LiveIndex.snapshot`` (one attribute read) and works on it to the
end; ``refresh`` loads a newly published build off to the side and replaces the snapshot in one
assignment, so requests in flight finish on the old build and new ones see the new build.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from index.loader import load_build
from index.manifest import Manifest
from index.store import IndexStore
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.errors import IndexStoreError, RagError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    folder: Path
    manifest: Manifest
    engine: SearchEngine


class LiveIndex:
    def __init__(self, settings: Settings, encoder: Encoder) -> None:
        self.settings = settings
        self.encoder = encoder
        self.store = IndexStore(settings.index_dir)
        self._lock = threading.Lock()
        folder = self.store.current()
        if folder is None:
            raise IndexStoreError(
                f"no index at {self.store.root}; build one with `rag build PATH...`"
            )
        self.snapshot = self._load(folder)

    def _load(self, folder: Path) -> Snapshot:
        manifest, engine = load_build(folder, self.settings, self.encoder)
        engine.warm_up()
        return Snapshot(folder, manifest, engine)

    def refresh(self) -> bool:
        """Serve the build named in ``CURRENT`` if it changed; True when a swap happened.

        A build that fails to load is logged and skipped: the service keeps the build it has.
        """
        with self._lock:
            try:
                folder = self.store.current()
            except IndexStoreError as exc:
                log.warning("not swapping index: %s", exc)
                return False
            if folder is None or folder == self.snapshot.folder:
                return False
            try:
                self.snapshot = self._load(folder)
            except RagError as exc:
                log.error("new index build %s not served: %s", folder.name, exc)
                return False
            log.info("now serving index build %s", folder.name)
            return True
