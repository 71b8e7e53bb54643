"""The served index, swapped for a newer build without dropping a request.

A request takes the current ``LiveIndex.snapshot`` (one attribute read) and works on it to the
end; ``refresh`` loads a newly published build off to the side and replaces the snapshot in one
assignment, so requests in flight finish on the old build and new ones see the new build.

Memory: the old build is freed as soon as the last request using it finishes (nothing in an
engine refers back to it in a cycle), and ``refresh`` then hands the freed memory back to the
system (``malloc_trim``), so a server that swaps builds again and again stays at the size of
one build. Should a part of an old build outlive its engine (a reference cycle), a full
garbage collection frees it and a warning says so. Builds share the live index's lexical
analyzer (its kiwipiepy model is loaded once).

Logging: every swap is logged once, with the old and the new build id. A build named in
``CURRENT`` that cannot be served is logged once and not tried again until ``CURRENT`` names
another build.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from index.loader import load_build
from index.manifest import Manifest
from index.memory import release_freed_memory, trim_freed_memory
from index.store import IndexStore
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.errors import IndexStoreError, RagError
from rag.retrieval.shards import DenseShards

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    folder: Path
    manifest: Manifest
    engine: SearchEngine
    load_s: float = 0.0  # seconds it took to load and warm up

    @property
    def build_id(self) -> str:
        return self.folder.name


# Parts of an engine that belong to its build alone (the encoder and analyzer are shared).
_BUILD_PARTS = ("translator", "corpus", "dense", "bm25", "ranker", "highlighter")


class _Retired:
    """A swapped-out engine, watched through weak references until it and its parts are gone."""

    def __init__(self, build_id: str, engine: SearchEngine) -> None:
        self.build_id = build_id
        self.engine = weakref.ref(engine)
        self.parts: dict[str, weakref.ref[object]] = {}
        for name in _BUILD_PARTS:
            part = getattr(engine, name, None)
            if part is not None:
                with contextlib.suppress(TypeError):  # an object without weak references
                    self.parts[name] = weakref.ref(part)

    def engine_alive(self) -> bool:
        return self.engine() is not None

    def parts_alive(self) -> list[str]:
        return [name for name, ref in self.parts.items() if ref() is not None]


class LiveIndex:
    def __init__(
        self, settings: Settings, encoder: Encoder, dense_shards: DenseShards | None = None
    ) -> None:
        """``dense_shards``: where each build's dense vectors are searched when they are
        served in shards (``rag.retrieval.shards``; None: in this process)."""
        self.settings = settings
        self.encoder = encoder
        self.dense_shards = dense_shards
        self.store = IndexStore(settings.service.index_dir)
        self._lock = threading.Lock()
        self.swaps = 0  # builds swapped in since start
        # What ``CURRENT`` named when it last could not be served (None: nothing rejected).
        self._rejected: str | None = None
        # Engines swapped out while requests still held them: once they are gone, the memory
        # they freed is handed back.
        self._retired: list[_Retired] = []
        folder = self.store.current()
        if folder is None:
            raise IndexStoreError(
                f"no index at {self.store.root}; build one with `rag build PATH...`"
            )
        self.snapshot = self._load(folder)

    def _load(self, folder: Path) -> Snapshot:
        started = time.perf_counter()
        shared = getattr(self, "snapshot", None)
        analyzer = shared.engine.analyzer if shared is not None else None
        manifest, engine = load_build(
            folder, self.settings, self.encoder, analyzer, self.dense_shards
        )
        engine.warm_up()
        return Snapshot(folder, manifest, engine, time.perf_counter() - started)

    def refresh(self) -> bool:
        """Serve the build named in ``CURRENT`` if it changed; True when a swap happened.

        A build that fails to load is logged (once) and skipped: the service keeps the build
        it has.
        """
        with self._lock:
            self._release_retired()
            try:
                folder = self.store.current()
            except IndexStoreError as exc:
                self._reject(str(exc), "not swapping index: %s", exc)
                return False
            if folder is None or folder == self.snapshot.folder:
                self._rejected = None
                return False
            if folder.name == self._rejected:
                return False
            try:
                fresh = self._load(folder)
            except RagError as exc:
                self._reject(
                    folder.name,
                    "index build %s named in CURRENT not served (still serving %s): %s",
                    folder.name,
                    self.snapshot.build_id,
                    exc,
                )
                return False
            old, self.snapshot = self.snapshot, fresh
            self._rejected = None
            self.swaps += 1
            log.info(
                "index swapped: %s -> %s (%d articles, %d passages; loaded in %.1f s)",
                old.build_id,
                fresh.build_id,
                fresh.manifest.counts.get("articles", 0),
                fresh.manifest.counts.get("chunks", 0),
                fresh.load_s,
            )
            self._retired.append(_Retired(old.build_id, old.engine))
            del old
            self._release_retired()
            return True

    def _reject(self, key: str, message: str, *args: object) -> None:
        if key != self._rejected:
            log.error(message, *args)
        self._rejected = key

    def _release_retired(self) -> None:
        """Hand back the memory of swapped-out engines once no request holds them (a cheap
        check while one does)."""
        freed = [r for r in self._retired if not r.engine_alive()]
        if not freed:
            return
        self._retired = [r for r in self._retired if r.engine_alive()]
        cyclic = {r.build_id: r.parts_alive() for r in freed}
        cyclic = {build: parts for build, parts in cyclic.items() if parts}
        if cyclic:
            # Only a reference cycle keeps a part alive once its engine is gone.
            log.warning("parts of swapped-out index builds outlived them: %s; collecting", cyclic)
            release_freed_memory()
        else:
            trim_freed_memory()
