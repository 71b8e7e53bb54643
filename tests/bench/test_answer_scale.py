from pathlib import Path

import numpy as np
import pytest

from bench.answer_scale import TIMED, WARM_UP_QUESTIONS, measure, shaped_vectors, table
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


def test_shaped_stand_ins_are_seeded_unit_copies_of_real_vectors() -> None:
    rng = np.random.default_rng(1)
    real = rng.standard_normal((50, 384)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    encode = shaped_vectors(real, 0.45)
    vectors = encode(["a passage", "another", "a passage"], "passage")
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[2])  # the same text, the same vector
    nearest = (vectors @ real.T).max(axis=1)
    assert np.all(nearest > 0.85)  # a copy of one real vector, noise of norm 0.45
    assert not np.array_equal(encode(["a passage"], "query")[0], vectors[0])
