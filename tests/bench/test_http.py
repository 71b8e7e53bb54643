from bench.http import in_process_search, stage_breakdown
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine

QUESTIONS = ["what is NSTRI?", "서울대병원이 보스턴에서 소개한 플랫폼은?"]


def test_in_process_rows_time_the_first_pass_by_stage(
    engine: SearchEngine, encoder: Encoder
) -> None:
    rows = in_process_search(engine, encoder, QUESTIONS, rounds=1)
    by_what = {row.what.strip(): row for row in rows}
    first = by_what["retrieval in process, first pass, words packed with the question"]
    stages = [row for row in rows if row.what.strip().startswith("of which")]
    assert [row.what.strip() for row in stages] == [
        "of which query preparation (analysis, encoding, translation)",
        "of which hybrid ranking",
        "of which the answer decision",
        "of which citing (passages, quoted sentences)",
    ]
    # Each stage is timed inside the call timed as a whole, question by question.
    assert all(0 < row.median_ms <= first.median_ms for row in stages)
    assert by_what["bare query encoding"].median_ms > 0
    assert by_what["retrieval in process, repeated"].median_ms > 0


def test_the_stage_breakdown_of_ask_over_http_adds_up(server: str) -> None:
    got = stage_breakdown(server, QUESTIONS, requests=4)
    assert list(got) == ["prepare", "rank", "judge", "cite", "outside the stages", "request"]
    assert all(ms > 0 for ms in got.values())
    # The stages run inside the request the client times (medians need not add up exactly).
    assert got["prepare"] + got["rank"] < got["request"]
    assert got["outside the stages"] < got["request"]
