from pathlib import Path
from types import SimpleNamespace

import bm25s
import numpy as np
import pytest

from rag.lexical import bm25_matrix
from rag.lexical.bm25_matrix import bm25_model, lucene_idf
from rag.lexical.term_rows import EMPTY_TERM, TermRows


def _reference(rows: TermRows, k1: float, b: float) -> bm25s.BM25:
    """bm25s's own index of the same ids and vocabulary."""
    model = bm25s.BM25(k1=k1, b=b)
    ids = [rows.row_ids(i) for i in range(len(rows))]
    model.index(SimpleNamespace(ids=ids, vocab=dict(rows.vocab)), show_progress=False)
    return model


@pytest.mark.parametrize("with_empty_rows", [True, False])
def test_matrix_is_bm25s_own_to_the_bit(
    with_empty_rows: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 7 rows, so that rows are counted over several blocks.
    monkeypatch.setattr(bm25_matrix, "BLOCK_ROWS", 7)
    rng = np.random.default_rng(11)
    vocabulary = [f"t{i}" for i in range(60)]
    smallest = 0 if with_empty_rows else 1
    corpus = [
        list(rng.choice(vocabulary, size=int(rng.integers(smallest, 40)))) for _ in range(250)
    ]
    rows = TermRows.of(corpus)
    ours, reference = bm25_model(rows, k1=1.3, b=0.7), _reference(rows, 1.3, 0.7)
    for key in ("data", "indices", "indptr"):
        assert ours.scores[key].dtype == reference.scores[key].dtype, key
        assert np.array_equal(ours.scores[key], reference.scores[key]), key
    assert ours.scores["num_docs"] == reference.scores["num_docs"] == 250
    assert ours.vocab_dict == reference.vocab_dict
    assert (EMPTY_TERM in ours.vocab_dict) and ours.nonoccurrence_array is None
    queries = [["t1"], ["t2", "t3", "t59"]] + ([[EMPTY_TERM]] if with_empty_rows else [])
    for query in queries:
        assert np.array_equal(ours.get_scores(query), reference.get_scores(query))


def test_saved_files_are_bm25s_own(tmp_path: Path) -> None:
    rows = TermRows.of([["보험", "price", "보험"], [], ["zika", "price"]])
    bm25_model(rows, k1=1.2, b=0.75).save(str(tmp_path / "ours"), show_progress=False)
    _reference(rows, 1.2, 0.75).save(str(tmp_path / "theirs"), show_progress=False)
    for name in sorted(p.name for p in (tmp_path / "theirs").iterdir()):
        assert (tmp_path / "ours" / name).read_bytes() == (tmp_path / "theirs" / name).read_bytes()
    loaded = bm25s.BM25.load(str(tmp_path / "ours"), load_vocab=True)
    assert loaded.get_scores(["price"])[1] == 0.0 and loaded.get_scores(["price"])[2] > 0


def test_lucene_idf_is_zero_for_an_absent_term_and_falls_with_frequency() -> None:
    idf = lucene_idf(np.array([0, 1, 2, 10]), 10)
    assert idf[0] == 0.0 and idf[1] > idf[2] > idf[3] > 0
    assert idf.dtype == np.float32
