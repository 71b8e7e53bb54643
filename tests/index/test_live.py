import json
from pathlib import Path

from index.builder import build_index
from index.live import LiveIndex
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.parts.dense import INDEX_FILE
from tests.conftest import SEED


def test_a_new_build_is_swapped_in_and_a_broken_one_is_not(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    target = settings.but(index_dir=tmp_path / "live")
    build_index([SEED], target, encoder, progress=False)
    live = LiveIndex(target, encoder)
    old = live.snapshot
    assert live.refresh() is False

    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        json.dumps({"id": "n1", "title": "Insulin", "text": "Insulin prices rose.", "lang": "en"})
        + "\n"
    )
    build_index([SEED, extra], target, encoder, progress=False)
    assert live.refresh() is True
    assert live.snapshot.manifest.counts["articles"] == 2
    assert old.engine.search("NSTRI", 1)[0].article_id == SEED.stem  # old snapshot still works

    current = live.snapshot.folder
    (current / "manifest.json").write_text("{}")  # a damaged build is published next
    (target.service.index_dir / "CURRENT").write_text(old.folder.name)
    (old.folder / "dense" / INDEX_FILE).write_bytes(b"garbage")
    assert live.refresh() is False
    assert live.snapshot.folder == current
