from rag.sentences import sentence_spans, split_sentences


def test_korean_sentences_split_without_a_space_after_the_period() -> None:
    text = "서울대병원은 지정됐다.이는 최초다. 그리고 “좋다”고 밝혔다."
    assert split_sentences(text) == [
        "서울대병원은 지정됐다.",
        "이는 최초다.",
        "그리고 “좋다”고 밝혔다.",
    ]


def test_english_abbreviations_and_decimals_do_not_end_sentences() -> None:
    text = "Dr. Smith said the U.S. FDA approved it. Costs rose 3.5% in 2019. Really?"
    assert split_sentences(text) == [
        "Dr. Smith said the U.S. FDA approved it.",
        "Costs rose 3.5% in 2019.",
        "Really?",
    ]


def test_spans_are_offsets_into_the_text() -> None:
    text = "  First one.  Second one.\n두 번째 줄이다."
    for start, end in sentence_spans(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end]
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "First one.",
        "Second one.",
        "두 번째 줄이다.",
    ]
