"""Stored passage embeddings, keyed by model and passage content, so rebuilds skip encoding.

One SQLite file holds the vectors of every model; the key is a hash of the model's
fingerprint, the passage prompt and the exact passage text. A rebuild of an unchanged corpus
finds every key and encodes nothing; a changed chunk gets a new key and is encoded anew.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import IndexStoreError
from rag.parts.base import EmbedTexts

CACHE_FILE = "embeddings.sqlite"  # under ``settings.service.cache_dir``
_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
_LOOKUP_BATCH = 500  # SQLite's default limit on host parameters is 999
EMBED_SLICE = 1024  # texts looked up, encoded and stored together


def open_cache_db(path: Path, schema: str) -> sqlite3.Connection:
    """The SQLite file of a build cache at ``path`` (made if missing), with ``schema``; a file
    that is not a readable database is an :class:`IndexStoreError` saying what to do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(schema)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise IndexStoreError(
            f"the build cache {path} cannot be read ({exc}); it only keeps what earlier "
            "builds computed: remove it and build again"
        ) from exc
    return db


def passage_namespace(encoder: Encoder) -> str:
    """The namespace of passages' vectors in the cache (the key it has always used)."""
    return f"{encoder.passage_prompt}"


class EmbeddingCache:
    def __init__(self, path: Path, model_key: str, dimension: int) -> None:
        self.path = path
        self.model_key = model_key.encode()
        self.dimension = dimension
        self._db = open_cache_db(path, _SCHEMA)

    @classmethod
    def for_encoder(cls, settings: Settings, encoder: Encoder, namespace: str) -> EmbeddingCache:
        """The settings' cache, its vectors keyed by what decides a build's vectors (the
        encoder's ``build_fingerprint``) and ``namespace`` (what kind of text, which prompt)."""
        return cls(
            settings.service.cache_dir.expanduser() / CACHE_FILE,
            f"{encoder.build_fingerprint}:{namespace}",
            encoder.dimension,
        )

    def close(self) -> None:
        self._db.close()

    def key(self, text: str) -> bytes:
        return hashlib.sha256(self.model_key + b"\0" + text.encode()).digest()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for begin in range(0, len(keys), _LOOKUP_BATCH):
            batch = list(keys[begin : begin + _LOOKUP_BATCH])
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch
            )
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape[0] == self.dimension:
                    found[key] = vector
        return found

    def put_many(self, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items],
            )

    def embed(
        self,
        texts: Sequence[str],
        encode: Callable[[Sequence[str]], np.ndarray],
        *,
        on_cached: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Vectors of ``texts``, encoding only those not stored; returns (vectors, encoded).

        Texts are taken a slice at a time (they may be rows on disk) and each slice's new
        vectors are stored before the next, so that an interrupted build keeps its progress
        and a text met again in a later slice is found stored."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        encoded = 0
        for begin in range(0, len(texts), EMBED_SLICE):
            batch = texts[begin : begin + EMBED_SLICE]
            keys = [self.key(t) for t in batch]
            stored = self.get_many(keys)
            rows_of: dict[bytes, list[int]] = {}
            for offset, key in enumerate(keys):
                if key in stored:
                    out[begin + offset] = stored[key]
                else:
                    rows_of.setdefault(key, []).append(begin + offset)
            found = len(keys) - sum(len(rows) for rows in rows_of.values())
            if on_cached is not None and found:
                on_cached(found)
            if not rows_of:
                continue
            missing = list(rows_of)
            vectors = encode([batch[rows_of[key][0] - begin] for key in missing])
            for key, vector in zip(missing, vectors, strict=True):
                out[rows_of[key]] = vector
            self.put_many(list(zip(missing, vectors, strict=True)))
            encoded += len(missing)
        return out, encoded


# An encoder method that reports its progress: ``encoder.encode_passages`` and its siblings.
ProgressEncode = Callable[..., np.ndarray]


def embed_with_cache(
    texts: Sequence[str],
    encode: ProgressEncode,
    *,
    encoder: Encoder,
    settings: Settings,
    namespace: str,
    desc: str,
    unit: str,
    progress: bool,
) -> tuple[np.ndarray, int]:
    """Vectors of ``texts`` from the settings' embedding cache, under the encoder's fingerprint
    and ``namespace`` (what kind of text, with which prompt), encoding the missing ones with
    ``encode(batch, progress=...)`` behind a progress bar; (vectors, how many were encoded)."""
    cache = EmbeddingCache.for_encoder(settings, encoder, namespace)
    try:
        with tqdm(
            total=len(texts), desc=desc, unit=unit, disable=not progress, dynamic_ncols=True
        ) as bar:

            def encode_batch(batch: Sequence[str]) -> np.ndarray:
                return encode(batch, progress=bar.update)

            return cache.embed(texts, encode_batch, on_cached=bar.update)
    finally:
        cache.close()


def cached_embedder(encoder: Encoder, settings: Settings, *, progress: bool) -> EmbedTexts:
    """What a build's parts embed their texts with (``rag.parts.BuildContext.embed``): the
    settings' embedding cache, encoding only what it does not hold."""

    def embed(
        texts: Sequence[str], encode: ProgressEncode, *, namespace: str, desc: str, unit: str
    ) -> np.ndarray:
        vectors, _ = embed_with_cache(
            texts,
            encode,
            encoder=encoder,
            settings=settings,
            namespace=namespace,
            desc=desc,
            unit=unit,
            progress=progress,
        )
        return vectors

    return embed
