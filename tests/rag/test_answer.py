from rag.answer import Passage, add_passage
from rag.lexical.analyzer import LexicalAnalyzer

TEXT = "First sentence here. Second sentence here. Third sentence here. Fourth one."


def _passage(article: str, start: int, end: int, score: float = 1.0) -> Passage:
    return Passage(
        0,
        article,
        f"{article}#{start}",
        "t",
        None,
        None,
        None,
        "en",
        start,
        end,
        TEXT[start:end],
        score,
    )


def test_overlapping_chunks_of_one_article_are_joined_not_repeated() -> None:
    chosen: list[Passage] = []
    assert add_passage(chosen, _passage("a", 0, 42), TEXT, max_chars=1000)
    assert not add_passage(chosen, _passage("a", 21, 63, 2.0), TEXT, max_chars=1000)
    assert len(chosen) == 1
    joined = chosen[0]
    assert (joined.start, joined.end, joined.score) == (0, 63, 2.0)
    assert joined.text == TEXT[0:63]


def test_a_joint_that_would_be_too_long_is_cited_without_the_shared_text() -> None:
    chosen = [_passage("a", 0, 42)]
    # Joining would make 75 characters: the chunk is cited on its own, minus what is quoted.
    assert add_passage(chosen, _passage("a", 21, 75), TEXT, max_chars=50)
    assert [(p.start, p.end) for p in chosen] == [(0, 42), (43, 75)]
    assert chosen[1].text == "Third sentence here. Fourth one."
    # A chunk already quoted in full adds nothing.
    assert not add_passage(chosen, _passage("a", 21, 42), TEXT, max_chars=50)
    assert len(chosen) == 2


def test_copies_in_other_articles_are_skipped() -> None:
    chosen = [_passage("a", 0, 42)]
    copy = _passage("b", 0, 42)
    assert not add_passage(chosen, copy, TEXT, max_chars=1000)
    assert add_passage(chosen, _passage("b", 43, 75), TEXT, max_chars=1000)
    assert len(chosen) == 2


def test_a_bridge_joins_two_passages_of_the_same_article() -> None:
    chosen = [_passage("a", 0, 20), _passage("a", 43, 63)]
    assert not add_passage(chosen, _passage("a", 15, 50), TEXT, max_chars=1000)
    assert [(p.start, p.end) for p in chosen] == [(0, 63)]


def test_chunks_separated_by_whitespace_only_are_joined() -> None:
    chosen = [_passage("a", 0, 20)]  # "First sentence here."
    assert not add_passage(chosen, _passage("a", 21, 42), TEXT, max_chars=1000)
    assert [(p.start, p.end) for p in chosen] == [(0, 42)]


def test_a_number_question_quotes_the_sentence_with_the_figure(analyzer: LexicalAnalyzer) -> None:
    from rag.answer import SentenceHighlighter

    text = "The trial enrolled patients in Boston. In the trial, 84 patients improved."
    passage = Passage(0, "a", "a#0", "t", None, None, None, "en", 0, len(text), text, 1.0)
    idf = {"trial": 1.0, "patient": 1.0, "boston": 1.0, "improv": 1.0}
    highlighter = SentenceHighlighter(analyzer, idf, encoder=None)
    # The first sentence shares more question terms; the second holds the figure asked for.
    highlighter.highlight([passage], ["trial", "patient", "boston"], None, 1)
    assert passage.highlights[0].text == "The trial enrolled patients in Boston."
    highlighter.highlight([passage], ["trial", "patient", "boston"], None, 1, number_bonus=0.5)
    assert passage.highlights[0].text == "In the trial, 84 patients improved."


def test_a_share_question_quotes_the_sentence_stating_a_share(analyzer: LexicalAnalyzer) -> None:
    from rag.answer import SentenceHighlighter
    from rag.question_type import asked_kind

    text = (
        "Of the 406 people in the online program, 335 finished in 12 months. "
        "Twenty-seven percent of the program group became depressed. "
        "The program ran in Germany."
    )
    passage = Passage(0, "a", "a#0", "t", None, None, None, "en", 0, len(text), text, 1.0)
    idf = {"program": 1.0, "onlin": 1.0, "depress": 1.2, "adult": 0.8}
    terms = list(idf)
    highlighter = SentenceHighlighter(analyzer, idf, encoder=None)
    kind = asked_kind("What share of adults in the online program became depressed?")
    # The first sentence shares about as much and has digits; the second states the share.
    highlighter.highlight([passage], terms, None, 1, number_bonus=0.2)
    assert passage.highlights[0].text.startswith("Of the 406 people")
    highlighter.highlight([passage], terms, None, 1, number_bonus=0.2, kind=kind, kind_bonus=0.2)
    assert passage.highlights[0].text.startswith("Twenty-seven percent")
    # A sentence sharing no term is not quoted for its share alone.
    by_place = SentenceHighlighter(analyzer, {"germani": 1.0}, encoder=None)
    by_place.highlight([passage], ["germani"], None, 1, kind=kind, kind_bonus=5.0)
    assert passage.highlights[0].text == "The program ran in Germany."


def test_the_question_focus_chooses_among_sentences_sharing_terms(
    analyzer: LexicalAnalyzer,
) -> None:
    from rag.answer import SentenceHighlighter

    text = "서울대병원은 보스턴에서 연구 과제를 소개했다. 서울대병원은 데이터 플랫폼을 공개했다."
    passage = Passage(0, "a", "a#0", "t", None, None, None, "ko", 0, len(text), text, 1.0)
    terms = analyzer.terms("서울대병원이 보스턴에서 소개한 플랫폼은?")
    assert terms[-1] == "플랫폼"
    highlighter = SentenceHighlighter(analyzer, dict.fromkeys(terms, 1.0), None)
    # The first sentence shares three of the question's terms, the second two, one the focus.
    highlighter.highlight([passage], terms, None, 1)
    assert passage.highlights[0].text.startswith("서울대병원은 보스턴에서")
    highlighter.highlight([passage], terms, None, 1, focus={"플랫폼"}, focus_bonus=2.0)
    assert passage.highlights[0].text == "서울대병원은 데이터 플랫폼을 공개했다."
