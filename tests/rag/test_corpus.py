from rag.corpus import Corpus, Filters
from rag.documents import Article, Chunk


def _corpus() -> Corpus:
    articles = [
        Article("a", "one two", lang="en", source="x.com"),
        Article("b", "three", lang="en", source="y.com"),
    ]
    chunks = [
        Chunk("a", 0, 0, 3, "one", "en"),
        Chunk("a", 1, 4, 7, "two", "en"),
        Chunk("b", 0, 0, 5, "three", "en"),
    ]
    return Corpus(articles, chunks)


def test_without_articles_leaves_out_every_chunk_of_them() -> None:
    corpus = _corpus()
    assert corpus.without_articles({"a"}).tolist() == [False, False, True]
    assert corpus.without_articles(["a", "b"]).tolist() == [False, False, False]
    assert corpus.without_articles([]).tolist() == [True, True, True]
    assert corpus.without_articles(["missing"]).tolist() == [True, True, True]


def test_source_filter_masks_by_article() -> None:
    mask = _corpus().mask(Filters(source="Y.com"))
    assert mask is not None and mask.tolist() == [False, False, True]
