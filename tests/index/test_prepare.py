import random
import tracemalloc
from pathlib import Path

from index.files import ARTICLES_FILE
from index.prepare import REPEATS_ONLY, SPOOL_FOLDER, prepare_files
from rag.config import Settings
from rag.documents import Article
from rag.embedding.encoder import Encoder

WORDS = (
    "hospital ministry vaccine patients clinic screening doctors budget insurance policy "
    "nurses rural children elderly cancer trial drug approval regulator data platform"
).split()
ARTICLE_CHARS = 2000


def _articles(count: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    articles = []
    for number in range(count):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < ARTICLE_CHARS:
            words.append(rng.choice(WORDS))
        text = ". ".join(" ".join(words[i : i + 12]) for i in range(0, len(words), 12)) + "."
        articles.append(Article(id=f"a{seed}-{number}", title=f"Report {number}", text=text))
    return articles


def _peak_bytes(articles: list[Article], settings: Settings, encoder: Encoder, root: Path) -> int:
    root.mkdir()
    texts = iter(articles)  # handed over one at a time, as files are read
    tracemalloc.start()
    try:
        prepared = prepare_files(texts, settings, encoder, root, progress=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert prepared.read == len(articles) and len(prepared.articles) == len(articles)
    assert len(prepared.chunks) == len(prepared.passages) >= len(articles)
    prepared.close()
    return peak


def test_preparing_streams_the_corpus_through_files(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    """Six times the articles must not cost six times the memory: what stays in memory per
    article is a few hundred bytes (its id, file offsets), never a copy of its text (2,000
    characters), let alone its chunks and passages."""
    settings = settings.but(drop_duplicates=False)
    small, large = _articles(25, 1), _articles(150, 2)
    _peak_bytes(small[:3], settings, encoder, tmp_path / "warm")  # tokenizer caches, imports
    grown = _peak_bytes(large, settings, encoder, tmp_path / "large") - _peak_bytes(
        small, settings, encoder, tmp_path / "small"
    )
    per_article = grown / (len(large) - len(small))
    assert per_article < ARTICLE_CHARS / 2, f"{per_article:.0f} bytes held per article"
    # What the parts read is on disk: the kept articles, their chunks and the passage spool.
    assert (tmp_path / "large" / ARTICLES_FILE).stat().st_size > len(large) * ARTICLE_CHARS
    assert (tmp_path / "large" / SPOOL_FOLDER).is_dir()


def test_duplicates_are_dropped_before_chunking(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    (original,) = _articles(1, 3)
    copy = Article(id="copy", title="Copy", text=original.text.upper())
    prepared = prepare_files(iter([original, copy]), settings, encoder, tmp_path, progress=False)
    assert [a.id for a in prepared.articles] == [original.id]
    assert [(d.article_id, d.duplicate_of) for d in prepared.duplicates] == [("copy", original.id)]
    assert {c.article_id for c in prepared.chunks} == {original.id}
    prepared.close()


def test_an_article_that_comes_again_replaces_its_earlier_version(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    (original,) = _articles(1, 4)
    (other,) = _articles(1, 5)
    correction = Article(
        id=original.id,
        title=original.title,
        text=original.text + " Correction: the budget figure was revised.",
        origin="corrections.jsonl:1",
    )
    prepared = prepare_files(
        iter([original, other, correction]), settings, encoder, tmp_path, progress=False
    )
    # The correction is kept in its own place, not dropped as a near copy of what it replaces.
    assert [a.id for a in prepared.articles] == [other.id, original.id]
    assert prepared.articles[1].text.endswith("the budget figure was revised.")
    assert prepared.duplicates == []
    (replaced,) = prepared.skipped
    assert (
        replaced.reason == f"replaced by a later version of {original.id!r} (corrections.jsonl:1)"
    )
    texts = [c.text for c in prepared.chunks if c.article_id == original.id]
    assert any("revised" in text for text in texts)
    prepared.close()


def test_lines_of_earlier_articles_are_dropped_and_an_article_of_them_only_is_skipped(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    box = "Newsletter Sign Up Continue reading the main story. Please verify you're not a robot."
    ad = "Advertisement Continue reading the main story"
    stories = [
        Article(
            id="sleep", title="Sleep", text=f"Pink noise deepened sleep in older adults.\n{box}"
        ),
        Article(
            id="pressure", title="Pressure", text=f"A new pill lowered blood pressure.\n{ad}\n{box}"
        ),
        Article(id="furniture", title="Furniture", text=f"{box}\n{ad}"),
    ]
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    on = settings.but(drop_earlier_article_lines=True)
    prepared = prepare_files(iter(stories), on, encoder, tmp_path / "on", progress=False)
    texts = {article.id: article.text for article in prepared.articles}
    assert texts == {
        "sleep": f"Pink noise deepened sleep in older adults.\n{box}",  # the first keeps it
        "pressure": f"A new pill lowered blood pressure.\n{ad}",
    }
    assert [s.reason for s in prepared.skipped] == [REPEATS_ONLY]
    assert prepared.earlier_lines == 3  # the box once, the box and the ad of the last
    pairs = zip(prepared.chunks, prepared.passages, strict=True)
    pressure = [passage for chunk, passage in pairs if chunk.article_id == "pressure"]
    assert pressure and not any(box in passage for passage in pressure)
    prepared.close()

    again = prepare_files(iter(stories), settings, encoder, tmp_path / "off", progress=False)
    assert len(again.articles) == 3 and not again.skipped and again.earlier_lines is None
    again.close()
