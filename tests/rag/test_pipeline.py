"""Articles over the build's limits are skipped with a reason before they cost any more work."""

from rag.chunking import Chunker, ChunkingPlan
from rag.config import Settings
from rag.documents import Article
from rag.pipeline import chunk_articles, clean_articles

SENTENCE = "Hospitals report fewer flu cases this winter than last year. "


def _words(text: str) -> int:
    return len(text.split())


def test_an_article_over_the_passage_limit_is_skipped_before_embedding() -> None:
    settings = Settings(max_article_passages=3)
    chunker = Chunker(ChunkingPlan(chunk_tokens=20, overlap_tokens=0), _words)
    short = Article(id="short", text=SENTENCE * 4, title="Flu", origin="a.jsonl:1")
    long = Article(id="long", text=SENTENCE * 40, title="Flu", origin="a.jsonl:2")
    kept, chunks, passages, skipped = chunk_articles([short, long], chunker, settings)
    assert [a.id for a in kept] == ["short"]
    assert {c.article_id for c in chunks} == {"short"} and len(passages) == len(chunks) == 2
    (reason,) = skipped
    assert reason.origin == "a.jsonl:2"
    assert reason.reason.startswith("too many passages: ")
    assert reason.reason.endswith("more than max_article_passages (3)")


def test_cleaning_skips_an_article_over_the_size_limit_of_any_source() -> None:
    # Articles handed to the builder directly (as the evaluation does) skip rag.ingest.
    settings = Settings(max_article_chars=200)
    articles = [
        Article(id="fits", text=SENTENCE * 3, origin="set:1"),
        Article(id="dump", text=SENTENCE * 4, origin="set:2"),
    ]
    kept, skipped = clean_articles(articles, settings)
    assert [a.id for a in kept] == ["fits"]
    assert [(s.origin, s.reason) for s in skipped] == [
        ("set:2", "too long: 244 characters, more than max_article_chars (200)")
    ]
