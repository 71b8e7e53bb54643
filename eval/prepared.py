"""Questions prepared once for the methods that would prepare them alike.

Preparing a set's questions (analysis, encoding, translation) is most of what a method costs
`rag eval`; methods that differ only in how queries are ranked share one preparation. Which
settings a preparation depends on is not a hand-kept list (one that lacked a setting made a
``--compare`` of it run the default's questions): a preparation records the settings it
reads, and a method reuses it only when its own values of every one of them are the same.
Preparation is deterministic, so equal values of what it read mean the same path and the same
queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from rag.config import QueryParams

Prepared = TypeVar("Prepared")


def recording(params: QueryParams) -> tuple[QueryParams, set[str]]:
    """A copy of ``params`` that notes each setting read from it, and the set it notes into."""
    fields = set(type(params).model_fields)
    read: set[str] = set()

    class Recording(type(params)):  # type: ignore[misc,valid-type]
        def __getattribute__(self, name: str) -> Any:
            if name in fields:
                read.add(name)
            return super().__getattribute__(name)

    copy = Recording.model_construct(**{name: getattr(params, name) for name in fields})
    read.clear()  # the copy's construction read nothing of interest
    return copy, read


class PreparedQueries(Generic[Prepared]):
    """Prepared questions by index, each with the settings its preparation read."""

    def __init__(self) -> None:
        self._variants: dict[str, list[tuple[dict[str, Any], Prepared]]] = {}

    def get(
        self, index_key: str, params: QueryParams, prepare: Callable[[QueryParams], Prepared]
    ) -> tuple[Prepared, bool]:
        """The questions as ``prepare`` makes them with ``params`` on the index of
        ``index_key``: an earlier preparation whose every read setting has the same value
        here, or a new one; and whether it is new."""
        variants = self._variants.setdefault(index_key, [])
        for read_values, prepared in variants:
            if all(getattr(params, name) == value for name, value in read_values.items()):
                return prepared, False
        copy, read = recording(params)
        prepared = prepare(copy)
        variants.append(({name: getattr(params, name) for name in read}, prepared))
        return prepared, True
