import pytest

from rag.config import QueryParams


def test_ranking_parameters_refuse_a_name_they_do_not_have() -> None:
    assert QueryParams().but(lead_margin=2.0).lead_margin == 2.0
    with pytest.raises(ValueError, match="'chunk_tokens'"):
        QueryParams().but(chunk_tokens=128)
