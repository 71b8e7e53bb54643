"""The domain's records: an article as ingested and cleaned, and a chunk of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Article fields the service understands; any other field of a source record is metadata.
ARTICLE_FIELDS = ("id", "title", "text", "url", "published", "source", "lang")


@dataclass
class Article:
    id: str
    text: str
    title: str = ""
    url: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    source: str | None = None
    lang: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # file (and line) the article came from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Chunk:
    """A passage of one article; ``start``/``end`` are offsets in the cleaned article text."""

    article_id: str
    ordinal: int
    start: int
    end: int
    text: str
    lang: str

    @property
    def id(self) -> str:
        return f"{self.article_id}#{self.ordinal}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
