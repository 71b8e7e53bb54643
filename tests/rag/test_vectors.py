"""Vector helpers: centring a block of rows at a time gives what centring all at once does."""

import numpy as np
import pytest

from rag import vectors
from rag.vectors import center, language_means, unit_rows


def _all_at_once(
    rows: np.ndarray, languages: list[str], means: dict[str, np.ndarray], alpha: float
) -> np.ndarray:
    fallback = np.mean(list(means.values()), axis=0)
    shift = np.stack([means.get(lang, fallback) for lang in languages])
    return unit_rows(rows - alpha * shift)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_centring_in_blocks_is_centring_at_once(
    alpha: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(7)
    rows = unit_rows(rng.standard_normal((50, 16)).astype(np.float32))
    languages = ["ko", "en", "en", "ja", "en"] * 10  # "ja" has no mean: the fallback
    means = language_means(rows[:40], languages[:40])
    means.pop("ja")
    monkeypatch.setattr(vectors, "CENTRE_BLOCK_ROWS", 7)  # blocks that cut the rows unevenly
    centred = center(rows, languages, means, alpha)
    assert centred.dtype == np.float32 and centred.shape == rows.shape
    np.testing.assert_array_equal(centred, _all_at_once(rows, languages, means, alpha))
    np.testing.assert_allclose(np.linalg.norm(centred, axis=1), 1.0, rtol=1e-6)
    assert center(rows[:0], [], means, alpha).shape == (0, 16)
