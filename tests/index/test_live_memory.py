"""A live index that swaps builds again and again stays at the size of one build."""

import gc
import weakref
from pathlib import Path

from index.live import LiveIndex
from index.memory import rss_bytes
from rag.config import Settings
from rag.embedding.encoder import Encoder
from tests.conftest import english_translator, index_with_copies

SWAPS = 20


def test_memory_stays_flat_across_twenty_swaps_and_old_builds_are_freed(
    settings: Settings, encoder: Encoder, seed_build: Path, tmp_path: Path
) -> None:
    # No sentence embeddings for the quote: each swap's warm-up then costs a few query encodings.
    target = settings.but(index_dir=tmp_path / "live", highlight_dense_max_sentences=0)
    builds = ["build-a", "build-b"]  # the same build published under two ids
    store = index_with_copies(seed_build, target.service.index_dir, builds)
    live = LiveIndex(target, encoder)
    rss_after = []
    for n in range(SWAPS):
        old = live.snapshot
        engine, translator = weakref.ref(old.engine), weakref.ref(old.engine.translator)
        del old
        store.point_to(builds[(n + 1) % 2])
        assert live.refresh() is True
        # Freed by the swap itself, not by a later garbage collection.
        assert engine() is None, f"swap {n + 1}: the old engine is still alive"
        assert translator() is None, f"swap {n + 1}: the old translator is still alive"
        rss_after.append(rss_bytes())
    growth = rss_after[-1] / rss_after[0] - 1
    mib = [round(r / 2**20) for r in rss_after]
    assert growth < 0.10, f"RSS grew {growth:.0%} over {SWAPS} swaps (MiB: {mib})"
    assert live.swaps == SWAPS


def test_a_translator_is_freed_without_the_cycle_collector(encoder: Encoder) -> None:
    translator = english_translator(encoder, ["insulin", "price"])
    ref = weakref.ref(translator)
    gc.disable()
    try:
        del translator
        assert ref() is None, "the translator is kept alive by a reference cycle"
    finally:
        gc.enable()
