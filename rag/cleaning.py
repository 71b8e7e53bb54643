"""Turn a scraped page into the article body: no markup, no page furniture, no repeats.

Scrapes of news sites carry navigation rows ("인기기사 | 더보기 +", "… | Read more"), photo
credits that recur, and sometimes the whole body twice. The cleaner works line by line:
- markup is removed (``html_to_text``) before anything else;
- link-list rows (cells separated by ``|``) are page furniture and go;
- a line or sentence that already appeared earlier in the article is dropped, so a body that
  a scrape repeats is kept once.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from html.parser import HTMLParser

from rag.sentences import sentence_spans

# Elements whose text is never article body.
_SKIPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "button",
        "svg",
        "iframe",
        "template",
        "select",
    ]
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "blockquote",
        "pre",
        "hr",
        "dd",
        "dt",
        "figcaption",
    ]
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skip_depth:
            self._skip_depth -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str]:
    """Return ``(title, text)`` of an HTML document; block elements become line breaks."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    title = " ".join("".join(parser.title_parts).split())
    return title, "".join(parser.parts)


_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


def looks_like_html(text: str) -> bool:
    return len(_TAG.findall(text[:5000])) >= 3


# A row of a link list: "cell | cell |", "3 | headline |", "Headline | Author Read more".
_MENU_ROW = re.compile(
    r"^(?:\d{1,3}\s*\|.*|.*\|\s*\+?\s*\|?\s*|.*\|.*\b(?:Read more|더보기)\s*\+?)$"
)
_SPACES = re.compile(r"[ \t\u00a0\u200b\u3000]+")


def is_furniture(line: str) -> bool:
    """A navigation or link-list row rather than prose."""
    stripped = line.strip()
    return "|" in stripped and _MENU_ROW.match(stripped) is not None


def _normalized(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


def clean_text(text: str, *, min_repeat_chars: int = 20) -> str:
    """The article body of ``text`` (plain text or HTML), each line and sentence kept once."""
    if looks_like_html(text):
        text = html_to_text(text)[1]
    text = html.unescape(unicodedata.normalize("NFC", text)).replace("\r\n", "\n")
    seen: set[str] = set()
    kept_lines: list[str] = []
    for raw_line in text.split("\n"):
        line = _SPACES.sub(" ", raw_line).strip()
        if not line or is_furniture(line):
            continue
        kept = _drop_repeated_sentences(line, seen, min_repeat_chars)
        if kept:
            kept_lines.append(kept)
    return "\n".join(kept_lines)


def _drop_repeated_sentences(line: str, seen: set[str], min_chars: int) -> str:
    """``line`` without the sentences already in ``seen``; records the new ones."""
    whole = _normalized(line)
    if len(whole) >= min_chars and whole in seen:
        return ""
    pieces: list[str] = []
    for start, end in sentence_spans(line):
        sentence = line[start:end]
        key = _normalized(sentence)
        if len(key) >= min_chars:
            if key in seen:
                continue
            seen.add(key)
        pieces.append(sentence)
    seen.add(whole)
    if len(pieces) == len(sentence_spans(line)):
        return line  # nothing dropped: keep the original spacing
    return " ".join(pieces)


class EarlierArticleLines:
    """Lines that an earlier article of the build holds word for word, dropped.

    A site's furniture (a sign-up box, a country list, "Advertisement Continue reading the main
    story", a contact line) comes with every page scraped from it, and a chunk of it ranks with
    the page's title for any question. The first article that holds a line keeps it, so text
    that several articles share (a syndicated paragraph, a background line) is still indexed
    once; only lines of at least ``min_chars`` (normalized) count, so a short list item is
    never dropped. Articles must be passed in build order; 8 bytes are kept per distinct line.
    """

    def __init__(self, min_chars: int) -> None:
        self.min_chars = min_chars
        self._seen: set[bytes] = set()
        self.dropped = 0  # lines dropped so far

    def new_lines(self, text: str) -> str:
        """``text`` without the lines an earlier article held; records its own."""
        kept: list[str] = []
        new: list[bytes] = []
        for line in text.split("\n"):
            key = _normalized(line)
            if len(key) >= self.min_chars:
                digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
                if digest in self._seen:
                    self.dropped += 1
                    continue
                new.append(digest)
            kept.append(line)
        self._seen.update(new)
        return "\n".join(kept)
