"""Read articles from JSON lines, plain text, Markdown and HTML files, or folders of them.

A record that cannot be used (invalid JSON, no text, binary or garbled data, too long: see
``rag.screening``) is reported with its file and line and skipped; reading goes on. Unknown JSON
fields are kept as the article's metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rag.cleaning import html_to_text
from rag.config import get_settings
from rag.documents import ARTICLE_FIELDS, Article
from rag.errors import InputError
from rag.language import normalize_language
from rag.screening import SNIFF_BYTES, TextScreen

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = JSONL_SUFFIXES | TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES

# Field aliases of common layouts (BEIR uses ``_id``; some dumps use ``contents``/``body``).
_ID_KEYS = ("id", "_id", "doc_id")
_TEXT_KEYS = ("text", "contents", "body", "content")
_DATE_KEYS = ("published", "publish_date", "date")
# Files that describe a folder rather than hold articles; skipped when a folder is walked.
_DOCUMENTATION_STEMS = frozenset(
    {"readme", "license", "licence", "provenance", "changelog", "notice"}
)
# Longest stand-in title taken from the first line of a document that has no title.
HEADING_MAX_CHARS = 100


@dataclass
class Skipped:
    origin: str  # "path:line" or "path"
    reason: str


@dataclass
class IngestReport:
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Supported files under ``paths`` in a stable order; a missing path is an input error."""
    for path in paths:
        if not path.exists():
            raise InputError(f"no such file or folder: {path}")
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and p.stem.lower() not in _DOCUMENTATION_STEMS
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path
        else:
            raise InputError(
                f"{path}: unsupported file type {path.suffix or '(none)'}; "
                f"expected one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )


def read_articles(paths: Iterable[Path], screen: TextScreen | None = None) -> IngestReport:
    """The articles under ``paths``; what ``screen`` (by default, the settings' limits)
    refuses is skipped with its reason, before any work is spent on it."""
    report = IngestReport()
    report.articles = list(iter_articles(paths, report, screen))
    return report


def iter_articles(
    paths: Iterable[Path], report: IngestReport, screen: TextScreen | None = None
) -> Iterator[Article]:
    """The articles under ``paths``, one at a time, so that a corpus larger than memory can be
    read; the files read and the records skipped are counted in ``report`` as they go."""
    screen = screen or TextScreen.from_settings(get_settings())
    for path in iter_files(paths):
        report.files += 1
        suffix = path.suffix.lower()
        try:
            reason = _file_reason(path, screen, whole=suffix not in JSONL_SUFFIXES)
            if reason:
                report.skipped.append(Skipped(str(path), reason))
            elif suffix in JSONL_SUFFIXES:
                yield from _read_jsonl(path, report, screen)
            else:
                yield from _read_file(path, report, screen)
        except OSError as exc:
            report.skipped.append(Skipped(str(path), f"cannot read: {exc}"))


def _file_reason(path: Path, screen: TextScreen, *, whole: bool) -> str | None:
    """Why a file is skipped unread (binary; too large to be one article if it is one), or
    ``None``."""
    if whole:
        reason = screen.file_size_reason(path.stat().st_size)
        if reason:
            return reason
    with path.open("rb") as handle:
        return screen.head_reason(handle.read(SNIFF_BYTES))


def _read_file(path: Path, report: IngestReport, screen: TextScreen) -> Iterator[Article]:
    raw = path.read_text(encoding="utf-8", errors="replace")
    reason = screen.size_reason(raw)
    if reason is None:
        article = _read_document(path, raw)
        reason = screen.content_reason(article.text) if article.text.strip() else "no text"
        if reason is None:
            yield article
            return
    report.skipped.append(Skipped(str(path), reason))


def _read_jsonl(path: Path, report: IngestReport, screen: TextScreen) -> Iterator[Article]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                report.skipped.append(Skipped(origin, f"invalid JSON: {exc.msg}"))
                continue
            if not isinstance(record, dict):
                report.skipped.append(Skipped(origin, "not a JSON object"))
                continue
            article = article_from_record(record, origin, fallback_id=f"{path.stem}-{number}")
            reason = "no text" if article is None else screen.reason(article.text)
            if reason or article is None:
                report.skipped.append(Skipped(origin, reason or "no text"))
            else:
                yield article


def article_from_record(record: dict[str, Any], origin: str, *, fallback_id: str) -> Article | None:
    """An article from one JSON record, or ``None`` when it has no usable text."""
    text = _first(record, _TEXT_KEYS)
    if not isinstance(text, str) or not text.strip():
        return None
    identifier = _first(record, _ID_KEYS)
    known = set(ARTICLE_FIELDS) | set(_ID_KEYS) | set(_TEXT_KEYS) | set(_DATE_KEYS)
    return Article(
        id=str(identifier) if identifier not in (None, "") else fallback_id,
        text=text,
        title=str(record.get("title") or ""),
        url=_optional_str(record.get("url")),
        published=parse_date(_first(record, _DATE_KEYS)),
        source=_optional_str(record.get("source")),
        lang=normalize_language(_optional_str(record.get("lang"))),
        metadata={k: v for k, v in record.items() if k not in known},
        origin=origin,
    )


def _read_document(path: Path, raw: str) -> Article:
    suffix = path.suffix.lower()
    title = ""
    if suffix in HTML_SUFFIXES:
        title, text = html_to_text(raw)
    elif suffix in MARKDOWN_SUFFIXES:
        title, text = _markdown_to_text(raw)
    else:
        text = raw
    return Article(id=path.stem, text=text, title=title or _lead(text), origin=str(path))


def _lead(text: str) -> str:
    """A stand-in title for a document without one: its first line, shortened."""
    first = " ".join(text.strip().split("\n", 1)[0].split())
    if len(first) <= HEADING_MAX_CHARS:
        return first
    return first[: HEADING_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


def _markdown_to_text(raw: str) -> tuple[str, str]:
    title = ""
    lines = []
    for line in raw.splitlines():
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
            title = title or line.strip()
        lines.append(_MD_EMPHASIS.sub("", _MD_LINK.sub(r"\1", line)))
    return title, "\n".join(lines)


def parse_date(value: Any) -> str | None:
    """ISO ``YYYY-MM-DD`` from a date or datetime string; ``None`` when absent or unreadable."""
    if value in (None, "", "None", "null"):
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        return None


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if record.get(key) not in (None, ""):
            return record[key]
    return None


def _optional_str(value: Any) -> str | None:
    return None if value in (None, "", "None") else str(value)
