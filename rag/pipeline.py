"""Articles to passages: cleaning, de-duplication and chunking, with no I/O of their own."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from rag.chunking import Chunker, ChunkingPlan, passage_text, title_prefix
from rag.cleaning import clean_text
from rag.config import Settings
from rag.dedup import Duplicate, find_duplicates
from rag.documents import Article, Chunk
from rag.ingest import Skipped
from rag.language import detect_language
from rag.screening import TextScreen

Tick = Callable[[int], None]
# Tokens kept free beside the title: the newline after it and a margin for token joins.
TITLE_SEPARATOR_TOKENS = 3


def _noop(_: int) -> None:
    return None


def clean_article(article: Article, settings: Settings, screen: TextScreen) -> Article | Skipped:
    """``article`` cleaned, with a language, or why it is skipped (too long, or no text left;
    an article over ``max_article_chars`` may come by other means than ``rag.ingest``)."""
    too_long = screen.size_reason(article.text)
    if too_long:
        return Skipped(article.origin, too_long)
    text = clean_text(article.text, min_repeat_chars=settings.index.min_repeat_line_chars)
    if not text:
        return Skipped(article.origin, "no text left after cleaning")
    return replace(article, text=text, lang=article.lang or detect_language(text))


def replaced_by(article: Article, later: Article) -> Skipped:
    return Skipped(
        article.origin, f"replaced by a later version of {article.id!r} ({later.origin})"
    )


def clean_articles(
    articles: Iterable[Article], settings: Settings, tick: Tick = _noop
) -> tuple[list[Article], list[Skipped]]:
    """Cleaned articles with a language each, and those skipped (see :func:`clean_article`).
    An id that comes again is a correction: its last version is kept, in its place."""
    screen = TextScreen.from_settings(settings)
    cleaned: list[Article] = []
    skipped: list[Skipped] = []
    for article in articles:
        tick(1)
        result = clean_article(article, settings, screen)
        if isinstance(result, Skipped):
            skipped.append(result)
        else:
            cleaned.append(result)
    last = {article.id: article for article in cleaned}
    kept = []
    for article in cleaned:
        if last[article.id] is article:
            kept.append(article)
        else:
            skipped.append(replaced_by(article, last[article.id]))
    return kept, skipped


def drop_duplicates(
    articles: Sequence[Article], settings: Settings
) -> tuple[list[Article], list[Duplicate]]:
    if not settings.index.drop_duplicates:
        return list(articles), []
    duplicates = find_duplicates(
        [a.id for a in articles],
        [a.text for a in articles],
        threshold=settings.index.near_duplicate_jaccard,
        permutations=settings.index.minhash_permutations,
        shingle_words=settings.index.shingle_words,
    )
    dropped = {d.article_id for d in duplicates}
    return [a for a in articles if a.id not in dropped], duplicates


def make_chunker(
    settings: Settings, count_tokens: Callable[[str], int], *, max_tokens: int, overhead_tokens: int
) -> Chunker:
    plan = ChunkingPlan.for_model(
        chunk_tokens=settings.index.chunk_tokens,
        overlap_tokens=settings.index.chunk_overlap_tokens,
        model_max_tokens=max_tokens,
        reserved_tokens=overhead_tokens + settings.index.title_tokens + TITLE_SEPARATOR_TOKENS,
    )
    return Chunker(plan, count_tokens)


def chunk_article(
    article: Article, chunker: Chunker, settings: Settings
) -> tuple[list[Chunk], list[str]] | Skipped:
    """The chunks of ``article`` and the passage of each (title in front), or why it is
    skipped: more than ``max_article_passages`` chunks (before anything is spent embedding)."""
    return with_passages(article, chunker.split(article.id, article.text), chunker, settings)


def with_passages(
    article: Article, pieces: list[Chunk], chunker: Chunker, settings: Settings
) -> tuple[list[Chunk], list[str]] | Skipped:
    """``pieces`` (the chunks ``chunker`` cuts ``article`` into) with their passages, or why
    the article is skipped (see :func:`chunk_article`)."""
    if len(pieces) > settings.index.max_article_passages:
        return Skipped(
            article.origin,
            f"too many passages: {len(pieces):,}, more than max_article_passages "
            f"({settings.index.max_article_passages:,})",
        )
    prefix = title_prefix(article.title, settings.index.title_tokens, chunker.count_tokens)
    return pieces, [passage_text(prefix, chunk.text) for chunk in pieces]


def chunk_articles(
    articles: Sequence[Article], chunker: Chunker, settings: Settings, tick: Tick = _noop
) -> tuple[list[Article], list[Chunk], list[str], list[Skipped]]:
    """The articles kept, their chunks and passages, and the articles skipped (see
    :func:`chunk_article`)."""
    kept: list[Article] = []
    chunks: list[Chunk] = []
    passages: list[str] = []
    skipped: list[Skipped] = []
    for article in articles:
        chunked = chunk_article(article, chunker, settings)
        tick(1)
        if isinstance(chunked, Skipped):
            skipped.append(chunked)
            continue
        kept.append(article)
        chunks.extend(chunked[0])
        passages.extend(chunked[1])
    return kept, chunks, passages, skipped
