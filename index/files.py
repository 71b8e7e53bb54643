"""Names of the files in one build folder, and JSON-lines reading and writing."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ARTICLES_FILE = "articles.jsonl"
CHUNKS_FILE = "chunks.jsonl"
DUPLICATES_FILE = "duplicates.jsonl"
SKIPPED_FILE = "skipped.jsonl"
VECTORS_FILE = "vectors.npy"
DENSE_FILE = "dense.faiss"
BM25_DIR = "bm25"
SYLLABLES_DIR = "bm25-syllables"
PHRASES_DIR = "bm25-phrases"
LANGUAGE_MEANS_FILE = "language_means.npz"
LEXICON_WORDS = "lexicon-{lang}.jsonl"
LEXICON_VECTORS = "lexicon-{lang}.npy"
SENTENCES_FILE = "sentences.npz"
TITLES_FILE = "titles.npz"


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
