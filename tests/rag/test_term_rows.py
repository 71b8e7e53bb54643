import bm25s
import numpy as np
import pytest

from rag.lexical.bm25 import build_bm25
from rag.lexical.term_rows import EMPTY_TERM, TermRows


def test_rows_give_back_their_terms_and_an_empty_row_the_empty_term() -> None:
    rows = [["보험", "price", "보험"], [], ["zika"], ["price"]]
    terms = TermRows.of(rows)
    assert len(terms) == 4
    assert terms[0] == ["보험", "price", "보험"] and terms[1] == [EMPTY_TERM]
    assert terms[-1] == ["price"] and terms[1:3] == [[EMPTY_TERM], ["zika"]]
    assert [terms.row_ids(i) for i in range(4)] == [[0, 1, 0], [2], [3], [1]]
    assert terms.vocab == {"보험": 0, "price": 1, EMPTY_TERM: 2, "zika": 3}
    with pytest.raises(IndexError):
        terms[4]


def test_bm25_of_term_rows_scores_as_bm25s_does_from_lists_of_terms() -> None:
    rng = np.random.default_rng(5)
    vocabulary = [f"t{i}" for i in range(40)]
    corpus = [list(rng.choice(vocabulary, size=int(rng.integers(0, 9)))) for _ in range(300)]
    ours = build_bm25(TermRows.of(corpus), k1=1.2, b=0.75)
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([terms or [EMPTY_TERM] for terms in corpus], show_progress=False)
    for query in (["t1"], ["t2", "t3", "t39"], ["t7", "t7", "absent"]):
        assert np.array_equal(ours.get_scores(query), reference.get_scores(query))
