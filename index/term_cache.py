"""Stored BM25 terms of passages and sentences, so that a rebuild or ``rag build --add``
analyses only new text.

Analysing every passage and sentence (kiwipiepy for Korean) was most of what the lexical
parts cost a rebuild whose vectors and chunks came from the caches (docs/scale.md, "Kept
terms"). One SQLite file beside the embedding cache holds the terms of each text analysed,
in order, keyed by a hash of the text and of everything that decides its terms: the code of
the analyzer and of language detection, and the versions of kiwipiepy, its model and the
stemmer. A text met again gets its terms from the file; any change to it or to the analysis
is a new key.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

from index.cache import open_cache_db
from rag import language
from rag.config import Settings
from rag.lexical import analyzer as analyzer_module
from rag.lexical.analyzer import LexicalAnalyzer

TERM_CACHE_FILE = "terms.sqlite"  # under ``settings.service.cache_dir``
_SCHEMA = "CREATE TABLE IF NOT EXISTS terms (key BLOB PRIMARY KEY, terms BLOB NOT NULL)"
_LOOKUP_BATCH = 500  # SQLite's default limit on host parameters is 999


def analysis_fingerprint() -> bytes:
    """What decides a text's terms, besides the text."""
    code = b"".join(
        Path(module.__file__ or "").read_bytes() for module in (analyzer_module, language)
    )
    described = json.dumps(
        {
            "kiwipiepy": version("kiwipiepy"),
            "kiwipiepy_model": version("kiwipiepy_model"),
            "stemmer": version("PyStemmer"),
        },
        sort_keys=True,
    ).encode()
    return hashlib.sha256(described + b"\0" + code).digest()


class TermCache:
    """The terms (and content words) of texts, analysed by ``analyzer`` or read back from the
    file: a drop-in for the analyzer's batch methods (the same lists, in the same order)."""

    def __init__(self, path: Path, analyzer: LexicalAnalyzer) -> None:
        self.analyzer = analyzer
        self._fingerprint = analysis_fingerprint()
        self._db = open_cache_db(path, _SCHEMA)
        self.analysed = 0  # distinct texts the analyzer ran on (per kind of analysis)

    @classmethod
    def for_build(cls, settings: Settings, analyzer: LexicalAnalyzer) -> TermCache:
        return cls(settings.service.cache_dir.expanduser() / TERM_CACHE_FILE, analyzer)

    def key(self, kind: str, text: str) -> bytes:
        return hashlib.sha256(self._fingerprint + b"\0" + f"{kind}\0{text}".encode()).digest()

    def _stored(self, keys: Sequence[bytes]) -> dict[bytes, list[str]]:
        found: dict[bytes, list[str]] = {}
        unique = list(dict.fromkeys(keys))
        for begin in range(0, len(unique), _LOOKUP_BATCH):
            batch = unique[begin : begin + _LOOKUP_BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT key, terms FROM terms WHERE key IN ({marks})", batch)
            for key, blob in rows:
                found[key] = json.loads(zlib.decompress(blob))
        return found

    def _lists(
        self, kind: str, texts: Sequence[str], analyse: Callable[[list[str]], list[list[str]]]
    ) -> list[list[str]]:
        """What ``analyse`` gives each text; only texts never analysed this way go to it, and
        what it gives is stored before this returns (an interrupted build keeps it)."""
        keys = [self.key(kind, text) for text in texts]
        found = self._stored(keys)
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        if missing:
            first_text = dict(zip(keys, texts, strict=True))
            analysed = analyse([first_text[key] for key in missing])
            found.update(zip(missing, analysed, strict=True))
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO terms (key, terms) VALUES (?, ?)",
                    [
                        (key, zlib.compress(json.dumps(terms, ensure_ascii=False).encode()))
                        for key, terms in zip(missing, analysed, strict=True)
                    ],
                )
        self.analysed += len(missing)
        return [list(found[key]) for key in keys]

    def terms_batch(self, texts: Sequence[str]) -> list[list[str]]:
        return self._lists("terms", texts, self.analyzer.terms_batch)

    def content_words_batch(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        return self._lists(
            f"words:{lang}", texts, lambda new: self.analyzer.content_words_batch(new, lang)
        )

    def close(self) -> None:
        self._db.close()
