"""Read articles from JSON lines, JSON, CSV/TSV, plain text, Markdown and HTML files, or
folders of them.

A record that cannot be used (invalid JSON, no text, binary or garbled data, too long: see
``rag.screening``) is reported with its file and line and skipped; reading goes on. Unknown JSON
fields are kept as the article's metadata.
"""

from __future__ import annotations

import csv
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
JSON_SUFFIXES = frozenset({".json"})
TABLE_SUFFIXES = frozenset({".csv", ".tsv"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = (
    JSONL_SUFFIXES
    | JSON_SUFFIXES
    | TABLE_SUFFIXES
    | TEXT_SUFFIXES
    | MARKDOWN_SUFFIXES
    | HTML_SUFFIXES
)
# Files of many records (each record an article): screened per record, not as one article.
_RECORD_SUFFIXES = JSONL_SUFFIXES | JSON_SUFFIXES | TABLE_SUFFIXES

# Field aliases of common layouts (BEIR uses ``_id``; some dumps use ``contents``/``body``).
_ID_KEYS = ("id", "_id", "doc_id")
_TEXT_KEYS = ("text", "contents", "body", "content")
_DATE_KEYS = ("published", "publish_date", "published_at", "pub_date", "pubDate", "date")
_TITLE_KEYS = ("title", "headline")
_URL_KEYS = ("url", "link")
_SOURCE_KEYS = ("source", "publisher", "outlet")
_LANG_KEYS = ("lang", "language")
# Files that describe a folder rather than hold articles; skipped when a folder is walked.
_DOCUMENTATION_STEMS = frozenset(
    {"readme", "license", "licence", "provenance", "changelog", "notice"}
)
_NO_JSON_RECORDS = (
    "no articles: expected an array of article objects, one article, or an object holding "
    "one array of them"
)
_MAX_CSV_FIELD = 2**31 - 1  # the csv module's limit is a C long
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
            reason = _file_reason(path, screen, whole=suffix not in _RECORD_SUFFIXES)
            if reason:
                report.skipped.append(Skipped(str(path), reason))
            elif suffix in JSONL_SUFFIXES:
                yield from _read_jsonl(path, report, screen)
            elif suffix in JSON_SUFFIXES:
                yield from _read_json(path, report, screen)
            elif suffix in TABLE_SUFFIXES:
                yield from _read_table(path, report, screen)
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
            yield from _screened(record, origin, f"{path.stem}-{number}", report, screen)


def _screened(
    record: Any, origin: str, fallback_id: str, report: IngestReport, screen: TextScreen
) -> Iterator[Article]:
    """The article of one record, or nothing, with the reason counted in ``report``."""
    if not isinstance(record, dict):
        report.skipped.append(Skipped(origin, "not a JSON object"))
        return
    article = article_from_record(record, origin, fallback_id=fallback_id)
    reason = "no text" if article is None else screen.reason(article.text)
    if reason or article is None:
        report.skipped.append(Skipped(origin, reason or "no text"))
    else:
        yield article


def _json_records(data: Any) -> list[Any] | None:
    """The records of a JSON document: an array of them, one article object, or an object
    holding one array of them (``{"articles": [...]}``); None when it is none of these."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if _first(data, _TEXT_KEYS) is not None:
            return [data]
        arrays = [value for value in data.values() if isinstance(value, list)]
        if len(arrays) == 1:
            return arrays[0]
    return None


def _read_json(path: Path, report: IngestReport, screen: TextScreen) -> Iterator[Article]:
    """A JSON document of articles (read whole: a corpus larger than memory belongs in JSON
    lines, which is read a line at a time)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        report.skipped.append(Skipped(f"{path}:{exc.lineno}", f"invalid JSON: {exc.msg}"))
        return
    records = _json_records(data)
    if records is None:
        report.skipped.append(Skipped(str(path), _NO_JSON_RECORDS))
        return
    for number, record in enumerate(records, start=1):
        yield from _screened(record, f"{path}[{number}]", f"{path.stem}-{number}", report, screen)


def _read_table(path: Path, report: IngestReport, screen: TextScreen) -> Iterator[Article]:
    """A CSV (or tab-separated) file with a header row naming the fields, an article a row."""
    # A row's text may be a whole article: fields of any length are read, and one too long
    # is skipped by the screen with its reason (the csv module would stop the file instead).
    csv.field_size_limit(_MAX_CSV_FIELD)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = csv.DictReader(handle, delimiter=delimiter)
        try:
            for row in rows:
                origin = f"{path}:{rows.line_num}"
                record = {k: v for k, v in row.items() if isinstance(k, str)}
                yield from _screened(record, origin, f"{path.stem}-{rows.line_num}", report, screen)
        except csv.Error as exc:
            report.skipped.append(Skipped(f"{path}:{rows.line_num}", f"invalid CSV: {exc}"))


def article_from_record(record: dict[str, Any], origin: str, *, fallback_id: str) -> Article | None:
    """An article from one JSON record, or ``None`` when it has no usable text."""
    text = _first(record, _TEXT_KEYS)
    if not isinstance(text, str) or not text.strip():
        return None
    identifier = _first(record, _ID_KEYS)
    aliases = (_ID_KEYS, _TEXT_KEYS, _DATE_KEYS, _TITLE_KEYS, _URL_KEYS, _SOURCE_KEYS, _LANG_KEYS)
    known = set(ARTICLE_FIELDS).union(*aliases)
    return Article(
        id=str(identifier) if identifier not in (None, "") else fallback_id,
        text=text,
        title=str(_first(record, _TITLE_KEYS) or ""),
        url=_optional_str(_first(record, _URL_KEYS)),
        published=parse_date(_first(record, _DATE_KEYS)),
        source=_optional_str(_first(record, _SOURCE_KEYS)),
        lang=normalize_language(_optional_str(_first(record, _LANG_KEYS))),
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
