"""Rows of a JSON-lines file as a sequence read from disk on demand.

A streaming build writes its articles, chunks and passages to files as it goes and hands
them to the index parts as :class:`JsonlRows`: parts iterate and slice them like lists while
only each row's file offset (8 bytes) stays in memory, so the corpus never has to fit.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Generic, TypeVar, overload

T = TypeVar("T")


class JsonlRows(Sequence[T], Generic[T]):
    """The rows of ``path`` (one JSON value a line), each made by ``decode``."""

    def __init__(self, path: Path, decode: Callable[[Any], T]) -> None:
        self.path = path
        self._decode = decode
        self._offsets = array("q")
        position = 0
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    self._offsets.append(position)
                position += len(line)
        self._handle: IO[bytes] | None = None

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._read(start, max(stop - start, 0))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"row {index} of {len(self)} in {self.path}")
        return self._read(index, 1)[0]

    def __iter__(self) -> Iterator[T]:
        with self.path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    yield self._decode(json.loads(line))

    def _read(self, start: int, count: int) -> list[T]:
        if count == 0:
            return []
        if self._handle is None:
            self._handle = self.path.open("rb")
        self._handle.seek(self._offsets[start])
        rows: list[T] = []
        while len(rows) < count:
            line = self._handle.readline()
            if line.strip():
                rows.append(self._decode(json.loads(line)))
        return rows

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class JsonlWriter:
    """Appends JSON values to ``path``, one a line, counting them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle = path.open("w", encoding="utf-8")

    def write(self, value: Any) -> None:
        self._handle.write(json.dumps(value, ensure_ascii=False) + "\n")
        self.count += 1

    def write_all(self, values: Sequence[Any]) -> None:
        for value in values:
            self.write(value)

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
