from rag.cleaning import EarlierArticleLines, clean_text, html_to_text, is_furniture
from rag.sentences import split_sentences
from tests.conftest import SEED

HEADLINES = ["ADC, 1차 치료제 시대 임박", "에이프로젠바이오로직스", "인기기사", "더보기"]


def test_seed_keeps_each_sentence_once_and_no_headlines() -> None:
    raw = SEED.read_text(encoding="utf-8")
    cleaned = clean_text(raw)
    sentences = split_sentences(cleaned)
    assert len(sentences) == len(set(sentences))
    # the body appears twice in the scrape: every body sentence survives exactly once
    assert cleaned.count("글로벌 데이터 플랫폼(NSTRI)") == 1
    assert cleaned.count("캠브리지 혁신 센터(CIC)") == 1
    assert len(cleaned) < len(raw) / 2
    for headline in HEADLINES:
        assert headline not in cleaned
    assert cleaned.endswith("힘써 돕겠다”고 전했다.")


def test_html_markup_scripts_and_navigation_are_removed() -> None:
    page = (
        "<html><head><title>Drug prices</title><style>p{}</style></head><body>"
        "<nav><a>Home</a> | <a>News</a></nav><script>var x = 1;</script>"
        "<p>Insulin costs rose &amp; patients paid more.</p><p>Second paragraph.</p>"
        "<footer>Copyright</footer></body></html>"
    )
    title, _text = html_to_text(page)
    assert title == "Drug prices"
    cleaned = clean_text(page)
    assert cleaned == "Insulin costs rose & patients paid more.\nSecond paragraph."


def test_furniture_rows_are_recognised_but_prose_with_a_pipe_is_not() -> None:
    assert is_furniture("3 | HLB파나진, 분자진단 매출 100억원 |")
    assert is_furniture("인터뷰 | 더보기 + |")
    assert is_furniture("What does depression feel like? | Tim Lott Read more")
    assert not is_furniture("The ratio was 3 | 4 in the trial, researchers said.")


def test_repeated_short_lines_are_kept_and_long_repeats_dropped() -> None:
    text = "Yes.\nA long sentence that repeats itself.\nYes.\nA long sentence that repeats itself."
    assert clean_text(text) == "Yes.\nA long sentence that repeats itself.\nYes."


def test_a_line_an_earlier_article_holds_is_dropped_and_the_first_keeps_it() -> None:
    furniture = "Get The Brief. Sign up to receive the top stories you need to know right now."
    repeats = EarlierArticleLines(min_chars=20)
    first = repeats.new_lines(f"Pink noise deepens sleep in older adults.\n{furniture}")
    second = repeats.new_lines(f"A new drug lowers blood pressure.\n{furniture}\nFever")
    third = repeats.new_lines(
        "  get the brief.  Sign up to receive the top stories you need to know right now.\nFever"
    )
    assert first.endswith(furniture)  # the first article keeps the line
    assert second == "A new drug lowers blood pressure.\nFever"
    # Compared as normalized (spacing, case); a line shorter than min_chars is never dropped.
    assert third == "Fever"
    assert repeats.dropped == 2
