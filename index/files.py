"""Names of the corpus files in one build folder, and JSON-lines reading and writing."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ARTICLES_FILE = "articles.jsonl"
CHUNKS_FILE = "chunks.jsonl"
DUPLICATES_FILE = "duplicates.jsonl"
SKIPPED_FILE = "skipped.jsonl"
# Each part of the index (rag.parts) has a folder of its own, named after it.


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
