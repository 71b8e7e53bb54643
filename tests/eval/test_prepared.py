from eval.prepared import PreparedQueries, recording
from rag.config import QueryParams
from rag.engine import SearchEngine


def test_a_recording_copy_notes_the_settings_read_and_holds_the_same_values() -> None:
    params = QueryParams()
    copy, read = recording(params)
    assert read == set()
    assert copy.translate == params.translate and copy.top_k == params.top_k
    assert read == {"translate", "top_k"}
    assert isinstance(copy, QueryParams)


def test_a_method_reuses_a_preparation_only_when_what_it_read_is_the_same() -> None:
    calls: list[QueryParams] = []

    def prepare(params: QueryParams) -> str:
        calls.append(params)
        return "translated" if params.translate else "plain"

    cache: PreparedQueries[str] = PreparedQueries()
    base = QueryParams()
    assert cache.get("index", base, prepare) == ("translated", True)
    # A setting the preparation never read: the same questions, prepared once.
    assert cache.get("index", base.model_copy(update={"top_k": 9}), prepare) == (
        "translated",
        False,
    )
    # One it read: prepared again, and both kept.
    off = base.model_copy(update={"translate": False})
    assert cache.get("index", off, prepare) == ("plain", True)
    assert cache.get("index", off, prepare) == ("plain", False)
    assert cache.get("index", base, prepare) == ("translated", False)
    # Another index never shares.
    assert cache.get("other", base, prepare) == ("translated", True)
    assert len(calls) == 3


def test_the_engines_preparation_reads_its_question_settings_not_its_ranking_ones(
    engine: SearchEngine,
) -> None:
    copy, read = recording(engine.params)
    engine.make_queries(["How much does NSTRI cost?", "서울대병원의 플랫폼은?"], params=copy)
    # A --compare of these must prepare its own questions (the quantifier setting was once
    # left out of a hand-kept list, and its compare ran the default's questions) ...
    assert {"question_quantifiers_dropped", "translate", "translation_threshold"} <= read
    # ... and one of how passages are ranked or judged need not.
    assert not {"top_k", "rrf_k", "abstain"} & read
