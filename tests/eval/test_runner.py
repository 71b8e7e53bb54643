from pathlib import Path

from eval.datasets import load_eval_set
from eval.report import language_table, main_table, summarize, write_report
from eval.runner import Method, run_set, sample_questions
from rag.config import Settings
from rag.embedding.encoder import Encoder
from tests.conftest import SEED, SHARED


def test_seed_questions_through_three_methods_and_a_report(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    eval_set = load_eval_set(SHARED / "evalsets" / "seed-qa", [SEED.parent])
    local = settings.but(eval_index_dir=tmp_path / "eval")
    methods = [
        Method("bm25"),
        Method("dense"),
        Method("hybrid"),
        Method("hybrid", (("rrf_k", "10"),)),
    ]
    outcome = run_set(
        eval_set, methods, local, encoder, gold_removed=3, progress=False, log=lambda _: None
    )
    assert len(outcome.results) == 9 * 4
    hybrid = summarize([r for r in outcome.results if r.method == "hybrid"])
    assert hybrid["R@10"] == 1.0  # one article: every answerable question finds it
    assert hybrid["hit@10"] == 1.0
    # A quoted answer sentence lies in the first passage, so quote@1 can only trail hit@1.
    assert 0 < hybrid["quote@1"] <= hybrid["hit@1"]
    assert all(r.answer_rank == 1 for r in outcome.results if r.quoted)
    assert {r.gold_lang for r in outcome.results if r.answerable} == {"ko"}
    # Without its one article the corpus is empty: every gold-removed question is "not found".
    assert len(outcome.gold_removed) == 3 * 2  # hybrid methods only
    assert all(r.abstained for r in outcome.gold_removed)
    assert len({r.question_id for r in outcome.gold_removed}) == 3
    table = main_table([outcome])
    assert "abstain (gold out)" in table
    assert "hybrid[rrf_k=10]" in table
    assert "en→ko" in language_table([outcome]) and "other@5" in language_table([outcome])
    # One Korean article: an English question's passages are all in the other language.
    for result in (r for r in outcome.results if r.method == "hybrid"):
        assert (result.other_language_5 > 0) == (result.lang == "en"), result.question_id
    report = write_report([outcome], tmp_path / "out", "rag eval seed-qa")
    assert (tmp_path / "out" / "seed-qa-recall.png").stat().st_size > 1000
    assert "nDCG@10" in report.read_text()
    # the second run reuses the cached index
    again = run_set(eval_set, [Method("bm25")], local, encoder, progress=False, log=lambda _: None)
    assert again.build_seconds == {"bm25": 0.0}


def test_sampling_is_reproducible() -> None:
    items = list(range(100))
    assert sample_questions(items, 10) == sample_questions(items, 10)  # type: ignore[arg-type]
    assert len(sample_questions(items, 10)) == 10  # type: ignore[arg-type]
    assert sample_questions(items, None) == items  # type: ignore[arg-type]
