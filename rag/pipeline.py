"""Articles to passages: cleaning, de-duplication and chunking, with no I/O of their own."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

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


@dataclass
class PreparedCorpus:
    articles: list[Article]
    chunks: list[Chunk]
    passages: list[str]  # the text embedded and indexed for each chunk
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def clean_articles(
    articles: Iterable[Article], settings: Settings, tick: Tick = _noop
) -> tuple[list[Article], list[Skipped]]:
    """Cleaned articles with a language each; repeated ids, empty bodies and articles over
    ``max_article_chars`` (read by other means than ``rag.ingest``) are skipped."""
    kept: list[Article] = []
    skipped: list[Skipped] = []
    seen_ids: set[str] = set()
    screen = TextScreen.from_settings(settings)
    for article in articles:
        tick(1)
        if article.id in seen_ids:
            skipped.append(Skipped(article.origin, f"duplicate id {article.id!r}"))
            continue
        too_long = screen.size_reason(article.text)
        if too_long:
            skipped.append(Skipped(article.origin, too_long))
            continue
        text = clean_text(article.text, min_repeat_chars=settings.index.min_repeat_line_chars)
        if not text:
            skipped.append(Skipped(article.origin, "no text left after cleaning"))
            continue
        seen_ids.add(article.id)
        kept.append(replace(article, text=text, lang=article.lang or detect_language(text)))
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


def chunk_articles(
    articles: Sequence[Article], chunker: Chunker, settings: Settings, tick: Tick = _noop
) -> tuple[list[Article], list[Chunk], list[str], list[Skipped]]:
    """The articles kept, their chunks and passages, and the articles skipped for having
    more than ``max_article_passages`` chunks (before anything is spent embedding them)."""
    kept: list[Article] = []
    chunks: list[Chunk] = []
    passages: list[str] = []
    skipped: list[Skipped] = []
    for article in articles:
        pieces = chunker.split(article.id, article.text)
        tick(1)
        if len(pieces) > settings.index.max_article_passages:
            skipped.append(
                Skipped(
                    article.origin,
                    f"too many passages: {len(pieces):,}, more than max_article_passages "
                    f"({settings.index.max_article_passages:,})",
                )
            )
            continue
        prefix = title_prefix(article.title, settings.index.title_tokens, chunker.count_tokens)
        kept.append(article)
        chunks.extend(pieces)
        passages.extend(passage_text(prefix, chunk.text) for chunk in pieces)
    return kept, chunks, passages, skipped
