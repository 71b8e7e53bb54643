"""Stored chunk boundaries, so that a rebuild or ``rag build --add`` cuts only new and changed
articles into chunks.

Cutting is most of what a rebuild from the embedding cache does (the splitter counts the
tokens of every piece it tries; docs/scale.md, "The archive"). One SQLite
file beside the embedding cache holds, for each article, the character spans and languages
of its chunks, keyed by a hash of the article (id, title, cleaned text) and of everything
that decides where chunks fall: the chunk plan, the model's tokenizer (its fingerprint) and
the code that cuts and detects languages. An article met again unchanged gets its chunks
from the stored spans; any change to it or to how chunks are cut is a new key.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from index.cache import open_cache_db
from rag import chunking, language
from rag.chunking import Chunker
from rag.config import Settings
from rag.documents import Article, Chunk
from rag.embedding.encoder import Encoder

CHUNK_CACHE_FILE = "chunks.sqlite"  # under ``settings.service.cache_dir``
_SCHEMA = "CREATE TABLE IF NOT EXISTS spans (key BLOB PRIMARY KEY, spans TEXT NOT NULL)"
WRITE_BATCH = 256  # articles' spans stored together (an interrupted build keeps the rest)


def chunking_fingerprint(chunker: Chunker, encoder: Encoder) -> bytes:
    """What decides where an article's chunks fall, besides the article."""
    code = b"".join(Path(module.__file__ or "").read_bytes() for module in (chunking, language))
    described = json.dumps(
        {
            "chunk_tokens": chunker.plan.chunk_tokens,
            "overlap_tokens": chunker.plan.overlap_tokens,
            "tokenizer": encoder.fingerprint,
            "splitter": version("langchain-text-splitters"),
        },
        sort_keys=True,
    ).encode()
    return hashlib.sha256(described + b"\0" + code).digest()


class ChunkCache:
    """The chunks of articles, cut by ``chunker`` or read back from the stored spans."""

    def __init__(self, path: Path, chunker: Chunker, encoder: Encoder) -> None:
        self.chunker = chunker
        self._fingerprint = chunking_fingerprint(chunker, encoder)
        self._db = open_cache_db(path, _SCHEMA)
        self._pending: list[tuple[bytes, str]] = []
        self.cut = 0  # articles cut by the chunker

    @classmethod
    def for_build(cls, settings: Settings, chunker: Chunker, encoder: Encoder) -> ChunkCache:
        return cls(settings.service.cache_dir.expanduser() / CHUNK_CACHE_FILE, chunker, encoder)

    def key(self, article: Article) -> bytes:
        article_part = json.dumps([article.id, article.title, article.text]).encode()
        return hashlib.sha256(self._fingerprint + b"\0" + article_part).digest()

    def split(self, article: Article) -> list[Chunk]:
        """The chunks of ``article`` (cleaned), as ``chunker.split`` cuts them."""
        kept = self.lookup(article)
        if kept is not None:
            return kept
        chunks = self.chunker.split(article.id, article.text)
        self.cut += 1
        self.store(article, chunks)
        return chunks

    def lookup(self, article: Article) -> list[Chunk] | None:
        """The kept chunks of ``article``, or None when it was never cut this way."""
        key = self.key(article)
        row = self._db.execute("SELECT spans FROM spans WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return [
            Chunk(article.id, ordinal, start, end, article.text[start:end], lang)
            for ordinal, (start, end, lang) in enumerate(json.loads(row[0]))
        ]

    def store(self, article: Article, chunks: list[Chunk]) -> None:
        """Keep the chunks ``chunker`` cut ``article`` into (here, or on a Ray worker)."""
        spans = [[chunk.start, chunk.end, chunk.lang] for chunk in chunks]
        self._pending.append((self.key(article), json.dumps(spans)))
        if len(self._pending) >= WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO spans (key, spans) VALUES (?, ?)", self._pending
            )
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        self._db.close()
