"""Tell text worth indexing from binary data, garbled bytes and oversized dumps, cheaply.

A build must not spend minutes chunking and embedding something that is not an article: the
bytes of an image saved as ``.txt``, a file in another encoding than UTF-8, a column of numbers,
or a whole corpus pasted into one record. Each check here runs before any of that work and
gives the reason a text is skipped, which the ingest report lists beside invalid JSON lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.config import Settings

# Bytes read from the head of a file to tell binary data (NUL bytes) before reading it whole,
# as ``git`` and ``file`` do.
SNIFF_BYTES = 8192
# UTF-8 spends at most four bytes on a character: a file larger than this many bytes per
# allowed character is over the size limit whatever its content, and is not read at all.
MAX_UTF8_BYTES_PER_CHAR = 4

# Control characters that are not whitespace (C0 but tab, newline, vertical tab, form feed and
# carriage return; DEL; C1), and U+FFFD, what an undecodable byte is read as.
_GARBLED = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
# What is neither a letter nor whitespace: digits, punctuation, symbols (counted rather than
# the letters, which are most of a text: fewer matches, several times faster).
_NOT_LETTER = re.compile(r"[^\w\s]|[\d_]")


@dataclass(frozen=True)
class TextScreen:
    """The limits a text must meet to be indexed (see their settings in ``rag.config``)."""

    max_chars: int
    max_garbled_share: float
    min_letter_share: float

    @classmethod
    def from_settings(cls, settings: Settings) -> TextScreen:
        return cls(
            max_chars=settings.index.max_article_chars,
            max_garbled_share=settings.index.max_garbled_share,
            min_letter_share=settings.index.min_letter_share,
        )

    def file_size_reason(self, size_bytes: int) -> str | None:
        """Why a file of ``size_bytes`` is too large to read, or ``None``."""
        if size_bytes > self.max_chars * MAX_UTF8_BYTES_PER_CHAR:
            return (
                f"too large: {size_bytes:,} bytes, so more than max_article_chars "
                f"({self.max_chars:,}) characters"
            )
        return None

    def head_reason(self, head: bytes) -> str | None:
        """Why a file whose first bytes are ``head`` is binary, or ``None``."""
        if b"\0" in head:
            return "binary data (NUL bytes), not UTF-8 text (a UTF-16 text file looks so too)"
        return None

    def size_reason(self, text: str) -> str | None:
        """Why ``text`` is too long to be one article, or ``None``."""
        if len(text) > self.max_chars:
            return (
                f"too long: {len(text):,} characters, more than max_article_chars "
                f"({self.max_chars:,})"
            )
        return None

    def content_reason(self, text: str) -> str | None:
        """Why ``text`` is not readable text, or ``None`` when it is."""
        if "\0" in text:
            return "binary data (NUL characters), not text"
        garbled = len(_GARBLED.findall(text))
        if garbled > self.max_garbled_share * len(text):
            return (
                f"not UTF-8 text: {garbled / len(text):.0%} of its characters are undecodable "
                f"bytes or control characters (max_garbled_share {self.max_garbled_share})"
            )
        visible = len("".join(text.split()))
        letters = visible - len(_NOT_LETTER.findall(text))
        if visible and letters < self.min_letter_share * visible:
            return (
                f"too few letters: {letters / visible:.1%} of its characters "
                f"(min_letter_share {self.min_letter_share})"
            )
        return None

    def reason(self, text: str) -> str | None:
        """Why ``text`` is skipped (too long, binary, garbled or without words), or ``None``."""
        return self.size_reason(text) or self.content_reason(text)
