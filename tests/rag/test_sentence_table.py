import numpy as np
import pytest

from rag.answer import Passage, SentenceHighlighter
from rag.documents import Article
from rag.lexical.analyzer import LexicalAnalyzer
from rag.sentence_table import ARRAYS, SentenceTable

ENGLISH = (
    "The trial enrolled patients in Boston. In the trial, 84 patients improved. Dr. Kim led it."
)
KOREAN = "서울대병원은 보스턴에서 플랫폼을 소개했다.이번 행사에는 특허 기술 8건이 나왔다."


@pytest.fixture(scope="module")
def table(analyzer: LexicalAnalyzer) -> SentenceTable:
    articles = [Article(id="en", title="t", text=ENGLISH), Article(id="ko", title="t", text=KOREAN)]
    return SentenceTable.build(articles, analyzer, batch_size=1)


def test_whole_sentences_carry_the_terms_the_analyzer_gives_them(
    table: SentenceTable, analyzer: LexicalAnalyzer
) -> None:
    for article_id, text in (("en", ENGLISH), ("ko", KOREAN)):
        found = table.sentences(article_id, 0, len(text))
        assert len(found) == (3 if article_id == "en" else 2)  # "Dr." does not end one
        for sentence in found:
            expected = list(dict.fromkeys(analyzer.terms(text[sentence.start : sentence.end])))
            assert sentence.terms == expected


def test_a_span_that_cuts_a_sentence_gets_it_cut_and_without_terms(table: SentenceTable) -> None:
    start = ENGLISH.index("84")
    end = ENGLISH.index("Dr.") + 3
    found = table.sentences("en", start, end)
    assert [(s.start, s.end) for s in found] == [
        (start, ENGLISH.index("improved.") + 9),
        (ENGLISH.index("Dr."), end),
    ]
    assert found[0].terms is None and found[1].terms is None


def test_round_trip_through_arrays_and_inconsistent_arrays_are_refused(
    table: SentenceTable, analyzer: LexicalAnalyzer
) -> None:
    arrays = table.to_arrays()
    assert set(arrays) == set(ARRAYS)
    again = SentenceTable.from_arrays(arrays)
    assert again.sentences("ko", 0, len(KOREAN)) == table.sentences("ko", 0, len(KOREAN))
    odd = SentenceTable.build([Article(id='a"\n 기사', title="t", text=ENGLISH)], analyzer)
    assert SentenceTable.from_arrays(odd.to_arrays()).article_ids == ['a"\n 기사']
    broken = {**arrays, "starts": arrays["starts"][:-1]}
    with pytest.raises(ValueError, match="do not fit"):
        SentenceTable.from_arrays(broken)


def test_the_table_quotes_what_analysing_the_passage_would(
    table: SentenceTable, analyzer: LexicalAnalyzer
) -> None:
    idf = {"trial": 1.0, "patient": 1.0, "boston": 1.0, "improv": 1.0, "특허": 2.0, "기술": 1.0}
    with_table = SentenceHighlighter(analyzer, idf, encoder=None, table=table)
    without = SentenceHighlighter(analyzer, idf, encoder=None)
    for article_id, text, start in (("en", ENGLISH, 0), ("en", ENGLISH, 4), ("ko", KOREAN, 0)):
        quoted = []
        for highlighter in (with_table, without):
            passage = Passage(
                0, article_id, "c", "t", None, None, None, "en", start, len(text),
                text[start:], 1.0,
            )  # fmt: skip
            highlighter.highlight([passage], ["trial", "patient", "특허", "기술"], None, 1)
            quoted.append([(h.start, h.end, h.text) for h in passage.highlights])
        assert quoted[0] == quoted[1]
        assert quoted[0][0][2] == text[quoted[0][0][0] : quoted[0][0][1]]
    assert np.all(table.ends > table.starts)
