"""The first half of a build, streamed: articles are read, cleaned, screened for duplicates
and chunked one at a time, and written to the staging folder as they go.

Two passes over files keep memory flat whatever the corpus size: the first cleans each
article, writes it to a spool file and keeps only its duplicate signature (about a kilobyte,
:class:`~rag.dedup.DuplicateFinder`); once every article is seen the duplicates are known,
and the second pass reads the spool back, chunks what is kept and writes the build's
``articles.jsonl`` and ``chunks.jsonl`` with a spool of the passages to embed. The parts are
then built from these files (:class:`~index.spool.JsonlRows`), never from lists in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from index.files import ARTICLES_FILE, CHUNKS_FILE, read_jsonl
from index.spool import JsonlRows, JsonlWriter
from rag.config import Settings
from rag.dedup import Duplicate, DuplicateFinder
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.ingest import Skipped
from rag.pipeline import ArticleCleaner, chunk_article, make_chunker

SPOOL_FOLDER = ".spool"  # inside the staging folder; removed before the build is published
CLEANED_FILE = "cleaned.jsonl"
PASSAGES_FILE = "passages.jsonl"


@dataclass
class PreparedFiles:
    """The prepared corpus, on disk: what the index parts are built from."""

    articles: JsonlRows[Article]
    chunks: JsonlRows[Chunk]
    passages: JsonlRows[str]  # the text embedded and indexed for each chunk
    read: int  # articles that came in, before cleaning
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def close(self) -> None:
        for rows in (self.articles, self.chunks, self.passages):
            rows.close()


def _bar(total: int | None, desc: str, enabled: bool, unit: str) -> Any:
    return tqdm(
        total=total, desc=desc, unit=unit, disable=not enabled, leave=True, dynamic_ncols=True
    )


def duplicate_finder(settings: Settings) -> DuplicateFinder | None:
    if not settings.index.drop_duplicates:
        return None
    return DuplicateFinder(
        threshold=settings.index.near_duplicate_jaccard,
        permutations=settings.index.minhash_permutations,
        shingle_words=settings.index.shingle_words,
    )


class CorpusWriter:
    """Writes the kept articles, their chunks and passages into a staging folder, in order."""

    def __init__(self, staging: Path) -> None:
        self.staging = staging
        (staging / SPOOL_FOLDER).mkdir(exist_ok=True)
        self._articles = JsonlWriter(staging / ARTICLES_FILE)
        self._chunks = JsonlWriter(staging / CHUNKS_FILE)
        self._passages = JsonlWriter(staging / SPOOL_FOLDER / PASSAGES_FILE)

    def add(self, article: dict[str, Any], chunks: list[Chunk], passages: list[str]) -> None:
        self._articles.write(article)
        self._chunks.write_all([chunk.to_dict() for chunk in chunks])
        self._passages.write_all(passages)

    def close(self) -> None:
        for writer in (self._articles, self._chunks, self._passages):
            writer.close()

    def prepared(
        self, read: int, duplicates: list[Duplicate], skipped: list[Skipped]
    ) -> PreparedFiles:
        self.close()
        return PreparedFiles(
            JsonlRows(self.staging / ARTICLES_FILE, Article.from_dict),
            JsonlRows(self.staging / CHUNKS_FILE, Chunk.from_dict),
            JsonlRows(self.staging / SPOOL_FOLDER / PASSAGES_FILE, str),
            read,
            duplicates,
            skipped,
        )


def prepare_files(
    articles: Iterable[Article],
    settings: Settings,
    encoder: Encoder,
    staging: Path,
    *,
    progress: bool,
    total: int | None = None,
) -> PreparedFiles:
    """Clean, de-duplicate and chunk ``articles`` into ``staging`` (``total``: how many there
    are, when known, for the progress bar)."""
    spool = staging / SPOOL_FOLDER
    spool.mkdir(exist_ok=True)
    cleaner = ArticleCleaner(settings)
    finder = duplicate_finder(settings)
    skipped: list[Skipped] = []
    read = 0
    with (
        JsonlWriter(spool / CLEANED_FILE) as cleaned,
        _bar(total, "clean", progress, "article") as bar,
    ):
        for article in articles:
            read += 1
            bar.update(1)
            result = cleaner.clean(article)
            if isinstance(result, Skipped):
                skipped.append(result)
                continue
            if finder is not None:
                finder.add(result.id, result.text)
            cleaned.write(result.to_dict())
    duplicates = finder.duplicates() if finder is not None else []
    dropped = {d.article_id for d in duplicates}

    chunker = make_chunker(
        settings,
        encoder.count_tokens,
        max_tokens=encoder.max_tokens,
        overhead_tokens=encoder.overhead_tokens(),
    )
    writer = CorpusWriter(staging)
    with _bar(cleaned.count - len(dropped), "chunk", progress, "article") as bar:
        try:
            for row in read_jsonl(spool / CLEANED_FILE):
                article = Article.from_dict(row)
                if article.id in dropped:
                    continue
                chunked = chunk_article(article, chunker, settings)
                bar.update(1)
                if isinstance(chunked, Skipped):
                    skipped.append(chunked)
                    continue
                writer.add(row, *chunked)
        finally:
            writer.close()
    (spool / CLEANED_FILE).unlink()
    return writer.prepared(read, duplicates, skipped)
