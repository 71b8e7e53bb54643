"""The first half of a build, streamed: articles are read, cleaned, screened for duplicates
and chunked one at a time, and written to the staging folder as they go.

Passes over files keep memory flat whatever the corpus size. The first cleans each article
into a spool file (:class:`CleanedSpool`), keeping only its id, position and origin; the
second reads the spool back to skip the earlier versions of an id that came again (the last
one wins) and to screen the rest for duplicates (a MinHash signature of about a kilobyte
each, :class:`~rag.dedup.DuplicateFinder`); the third chunks what is kept and writes the
build's ``articles.jsonl`` and ``chunks.jsonl`` with a spool of the passages to embed. The
parts are then built from these files (:class:`~index.spool.JsonlRows`), never from lists in
memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from index.chunk_cache import ChunkCache
from index.files import ARTICLES_FILE, CHUNKS_FILE, read_jsonl
from index.spool import JsonlRows, JsonlWriter
from rag.cleaning import EarlierArticleLines
from rag.config import Settings
from rag.dedup import Duplicate, DuplicateFinder
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder
from rag.ingest import Skipped
from rag.pipeline import clean_article, make_chunker, with_passages
from rag.screening import TextScreen

SPOOL_FOLDER = ".spool"  # inside the staging folder; removed before the build is published
CLEANED_FILE = "cleaned.jsonl"
PASSAGES_FILE = "passages.jsonl"
REPEATS_ONLY = "every line of it is in an earlier article (page furniture)"


@dataclass
class PreparedFiles:
    """The prepared corpus, on disk: what the index parts are built from."""

    articles: JsonlRows[Article]
    chunks: JsonlRows[Chunk]
    passages: JsonlRows[str]  # the text embedded and indexed for each chunk
    read: int  # articles that came in, before cleaning
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    cut: int | None = None  # articles the chunker cut (the rest had kept chunks; None: not counted)
    earlier_lines: int | None = None  # lines dropped as an earlier article's (None: not asked)

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


def earlier_lines(settings: Settings) -> EarlierArticleLines | None:
    """What drops the lines an earlier article of the build holds, if the settings ask it."""
    if not settings.index.drop_earlier_article_lines:
        return None
    return EarlierArticleLines(settings.index.min_repeat_line_chars)


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
        self,
        read: int,
        duplicates: list[Duplicate],
        skipped: list[Skipped],
        cut: int | None = None,
        earlier_lines: EarlierArticleLines | None = None,
    ) -> PreparedFiles:
        self.close()
        return PreparedFiles(
            JsonlRows(self.staging / ARTICLES_FILE, Article.from_dict),
            JsonlRows(self.staging / CHUNKS_FILE, Chunk.from_dict),
            JsonlRows(self.staging / SPOOL_FOLDER / PASSAGES_FILE, str),
            read,
            duplicates,
            skipped,
            cut,
            None if earlier_lines is None else earlier_lines.dropped,
        )


class CleanedSpool:
    """Cleaned articles on disk in the order read, each with its duplicate hashes when they
    were made elsewhere. An id that comes again is a correction: its last version is kept, in
    its own place, and the earlier ones are skipped as replaced. Only each id's last position
    and origin stay in memory."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / CLEANED_FILE
        self._writer = JsonlWriter(self.path)
        self._last: dict[str, tuple[int, str]] = {}

    def add(self, article: Article, hashes: tuple[bytes, np.ndarray] | None = None) -> None:
        row: dict[str, Any] = {"article": article.to_dict()}
        if hashes is not None:
            row["digest"], row["signature"] = hashes[0].hex(), hashes[1].tobytes().hex()
        self._last[article.id] = (self._writer.count, article.origin)
        self._writer.write(row)

    def __len__(self) -> int:
        return len(self._last)

    def _rows(self) -> Iterator[tuple[bool, dict[str, Any]]]:
        """(is it its id's last version, row) of every article spooled."""
        for position, row in enumerate(read_jsonl(self.path)):
            yield self._last[row["article"]["id"]][0] == position, row

    def screen(self, settings: Settings) -> tuple[list[Duplicate], list[Skipped]]:
        """The duplicates among the last versions, and the earlier versions, skipped."""
        self._writer.close()
        finder = duplicate_finder(settings)
        replaced = []
        for last, row in self._rows():
            article = row["article"]
            if not last:
                _, later = self._last[article["id"]]
                replaced.append(
                    Skipped(
                        article["origin"],
                        f"replaced by a later version of {article['id']!r} ({later})",
                    )
                )
            elif finder is None:
                continue
            elif "digest" in row:
                signature = np.frombuffer(bytes.fromhex(row["signature"]), dtype=np.uint64)
                finder.add_hashed(article["id"], bytes.fromhex(row["digest"]), signature)
            else:
                finder.add(article["id"], article["text"])
        return (finder.duplicates() if finder is not None else []), replaced

    def kept(
        self, dropped: set[str], repeats: EarlierArticleLines | None
    ) -> Iterator[dict[str, Any] | Skipped]:
        """The last versions but those in ``dropped``, as article rows, in order, without the
        lines an earlier one holds when ``repeats`` is given (:func:`earlier_lines`); an
        article left with no text is skipped."""
        for last, row in self._rows():
            article = row["article"]
            if not last or article["id"] in dropped:
                continue
            if repeats is not None:
                text = repeats.new_lines(article["text"])
                if not text.strip():
                    yield Skipped(article["origin"], REPEATS_ONLY)
                    continue
                article = {**article, "text": text}
            yield article

    def remove(self) -> None:
        self._writer.close()
        self.path.unlink(missing_ok=True)


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
    spool_folder = staging / SPOOL_FOLDER
    spool_folder.mkdir(exist_ok=True)
    spool = CleanedSpool(spool_folder)
    screen = TextScreen.from_settings(settings)
    skipped: list[Skipped] = []
    read = 0
    with _bar(total, "clean", progress, "article") as bar:
        for article in articles:
            read += 1
            bar.update(1)
            result = clean_article(article, settings, screen)
            if isinstance(result, Skipped):
                skipped.append(result)
            else:
                spool.add(result)
    duplicates, replaced = spool.screen(settings)
    skipped.extend(replaced)
    dropped = {d.article_id for d in duplicates}

    chunker = make_chunker(
        settings,
        encoder.count_tokens,
        max_tokens=encoder.max_tokens,
        overhead_tokens=encoder.overhead_tokens(),
    )
    writer = CorpusWriter(staging)
    # An article cut by an earlier build, unchanged, is not cut again.
    cache = ChunkCache.for_build(settings, chunker, encoder)
    repeats = earlier_lines(settings)
    with _bar(len(spool) - len(dropped), "chunk", progress, "article") as bar:
        try:
            for row in spool.kept(dropped, repeats):
                if isinstance(row, Skipped):
                    bar.update(1)
                    skipped.append(row)
                    continue
                article = Article.from_dict(row)
                chunked = with_passages(article, cache.split(article), chunker, settings)
                bar.update(1)
                if isinstance(chunked, Skipped):
                    skipped.append(chunked)
                    continue
                writer.add(row, *chunked)
        finally:
            writer.close()
            cache.close()
    spool.remove()
    return writer.prepared(read, duplicates, skipped, cache.cut, repeats)
