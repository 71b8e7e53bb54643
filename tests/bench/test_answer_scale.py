from pathlib import Path

import pytest

from bench.answer_scale import TIMED, WARM_UP_QUESTIONS, measure, table
from bench.build_memory import stand_in_vectors
from rag.embedding.encoder import Encoder


def test_each_stage_is_timed_on_a_synthetic_archive_built_once(
    encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session's model for the questions, stand-in vectors for what the build encodes (as
    # bench.answer_scale.stand_in_encoder makes them).
    monkeypatch.setattr(encoder, "_encode", stand_in_vectors(encoder.dimension))
    monkeypatch.setattr(encoder, "fingerprint", "stand-in-" + encoder.fingerprint)
    row = measure(tmp_path / "small", 40, encoder, limit=WARM_UP_QUESTIONS + 2)
    assert row["passages"] >= 20 and row["index"] == "Flat"
    assert row["questions"] == 2
    assert set(row["ms"]) == {*TIMED, "answer"}
    assert all(0 < p50 <= p95 for p50, p95 in row["ms"].values())
    assert f"| {row['passages']:,} | Flat |" in table([row])
    # A second run asks the index the first one built.
    monkeypatch.setattr("bench.answer_scale.build_index", None)
    assert measure(tmp_path / "small", 40, encoder, limit=WARM_UP_QUESTIONS + 1)["questions"] == 1
