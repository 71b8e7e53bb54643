"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    # Pydantic alone also takes a number (or a string of digits) as a Unix timestamp.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


# A date as the schema says (``format: date``): YYYY-MM-DD, nothing else.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, description="only articles from this source (e.g. npr.org)")
    lang: Literal["ko", "en"] | None = Field(None, description="only passages in this language")
    published_from: IsoDate | None = Field(None, description="earliest publication date, inclusive")
    published_to: IsoDate | None = Field(None, description="latest publication date, inclusive")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., min_length=1, examples=["what is NSTRI?"])
    # Strict: JSON true is not 1.
    top_k: StrictInt | None = Field(
        None, ge=1, description="passages to return (default from settings)"
    )
    filters: FiltersIn = Field(default_factory=FiltersIn)
    trace: StrictBool = Field(
        False, description="also return each stage's time and output (prepare, rank, judge, cite)"
    )


class StageOut(BaseModel):
    stage: Literal["prepare", "rank", "judge", "cite", "read"]
    ms: float = Field(description="milliseconds the stage took")
    output: dict[str, Any] = Field(description="a summary of what the stage made")


class HighlightOut(BaseModel):
    text: str
    start: int
    end: int


class PassageOut(BaseModel):
    citation: int
    article_id: str
    chunk_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    lang: str
    start: int = Field(description="offset of the passage in the cleaned article text")
    end: int
    text: str
    score: float = Field(description="fused retrieval score")
    highlights: list[HighlightOut]
    answer: HighlightOut | None = Field(
        None,
        description="the answer span the reader found in this passage (offsets in the cleaned "
        "article text); null when the reader is off or found none here",
    )


class AnswerOut(BaseModel):
    question: str
    found: bool = Field(
        description="true: the passages answer the question; false: the articles do not "
        "answer it, and the passages are only the closest ones, for a person to judge"
    )
    message: str
    confidence: float = Field(description="the engine's probability that the passages answer")
    uncertain: bool = Field(
        False,
        description="true: found, but with a confidence under the caution threshold or a "
        "question that seems off the articles' subject: the passages are cited and may not "
        "answer the question; check them before relying on them",
    )
    passages: list[PassageOut] = Field(
        description="cited passages, best first; with found=false the closest passages, "
        "which do not answer the question"
    )
    corrections: dict[str, str] = Field(
        default_factory=dict,
        description="words of the question taken for typing slips, each with the word searched "
        "instead (vacine: vaccine); the encoder still read the question as typed",
    )
    trace: list[StageOut] | None = Field(
        None, description="each stage's time and output, when the request asked for it"
    )


class SearchOut(BaseModel):
    query: str
    passages: list[PassageOut]


class ArticleOut(BaseModel):
    id: str
    title: str
    text: str
    url: str | None
    published: str | None
    source: str | None
    lang: str | None
    metadata: dict[str, Any]


class HealthOut(BaseModel):
    status: Literal["ok"]
    build: str
    manifest: dict[str, Any]


class ErrorOut(BaseModel):
    error: str
    detail: Any
