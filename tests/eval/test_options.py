import pytest

from eval.options import compare_pairs
from rag.errors import InputError


def test_compare_specs_are_settings_by_name() -> None:
    assert compare_pairs("Lead_Margin=2, bm25_weight=0") == (
        ("lead_margin", "2"),
        ("bm25_weight", "0"),
    )
    with pytest.raises(InputError, match="KEY=VALUE"):
        compare_pairs("lead_margin")
    with pytest.raises(InputError, match="no setting is called 'lead_margn'"):
        compare_pairs("lead_margn=2")
