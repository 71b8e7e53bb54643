"""Split cleaned articles into overlapping passages on sentence boundaries.

Sizes are counted in the embedding model's own tokens, so that a passage plus its prompt and
title always fits the model's window: nothing is silently truncated at encoding time.
Each chunk records its character offsets in the cleaned article text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.documents import Chunk
from rag.language import detect_language

TokenCounter = Callable[[str], int]
COUNT_CACHE_SIZE = 4096  # pieces of one article whose token counts a chunker remembers

# Coarse to fine: paragraphs, lines, sentences (Korean "다./요." may have no space after the
# period), clauses, words, characters.
SEPARATORS = [
    r"\n\s*\n",
    r"\n",
    r"(?<=[.!?…][”\"’')\]])\s+|(?<=[.!?…])\s+|(?<=[다요죠까음함됨][.?!])(?=[^\s.?!”\"’')\]])",
    r"(?<=[,;:])\s+",
    r"\s+",
    r"",
]


@dataclass(frozen=True)
class ChunkingPlan:
    """How many tokens a chunk may have, after the model's own overhead is set aside."""

    chunk_tokens: int
    overlap_tokens: int

    @classmethod
    def for_model(
        cls, *, chunk_tokens: int, overlap_tokens: int, model_max_tokens: int, reserved_tokens: int
    ) -> ChunkingPlan:
        budget = model_max_tokens - reserved_tokens
        if budget < 8:
            raise ValueError(f"model window {model_max_tokens} leaves no room for passages")
        size = min(chunk_tokens, budget)
        return cls(chunk_tokens=size, overlap_tokens=min(overlap_tokens, size // 2))


class Chunker:
    def __init__(self, plan: ChunkingPlan, count_tokens: TokenCounter) -> None:
        self.plan = plan
        # The splitter counts the same pieces of an article again and again (about 2.4
        # calls a distinct piece on news articles, bench.chunking), and counting is nearly
        # all of chunking's time: counts are remembered while one article is split, then
        # forgotten (a build's memory must not grow with the corpus).
        self._remembered = functools.lru_cache(maxsize=COUNT_CACHE_SIZE)(count_tokens)
        self.count_tokens: TokenCounter = self._remembered
        self._splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=plan.chunk_tokens,
            chunk_overlap=plan.overlap_tokens,
            length_function=self.count_tokens,
            strip_whitespace=True,
        )

    def split(self, article_id: str, text: str, lang: str | None = None) -> list[Chunk]:
        self._remembered.cache_clear()
        chunks: list[Chunk] = []
        search_from = 0
        for piece in self._pieces(text):
            start = text.find(piece, search_from)
            if start < 0:  # the splitter only ever returns substrings; guard all the same
                start = text.find(piece)
            if start < 0:
                raise ValueError(f"chunk of {article_id} not found in its text")
            end = start + len(piece)
            chunks.append(
                Chunk(
                    article_id=article_id,
                    ordinal=len(chunks),
                    start=start,
                    end=end,
                    text=piece,
                    lang=detect_language(piece) if lang is None else lang,
                )
            )
            search_from = start + 1
        return chunks

    def _pieces(self, text: str) -> list[str]:
        pieces: list[str] = []
        for piece in self._splitter.split_text(text):
            # Token counts of joined splits are summed by the splitter, which can be off by a
            # token or two at the joins: re-split anything that really is over the budget.
            if self.count_tokens(piece) > self.plan.chunk_tokens:
                pieces.extend(self._hard_split(piece))
            elif piece:
                pieces.append(piece)
        return pieces

    def _hard_split(self, piece: str) -> list[str]:
        out: list[str] = []
        rest = piece
        while rest:
            cut = len(rest)
            while self.count_tokens(rest[:cut]) > self.plan.chunk_tokens:
                cut = int(cut * 0.9)
            out.append(rest[:cut].strip())
            rest = rest[cut:]
        return [p for p in out if p]


def title_prefix(title: str, max_tokens: int, count_tokens: TokenCounter) -> str:
    """The article title cut to ``max_tokens`` tokens, to lead each passage of the article."""
    words = title.split()
    if max_tokens <= 0 or not words:
        return ""
    while words and count_tokens(" ".join(words)) > max_tokens:
        words.pop()
    return " ".join(words)


def passage_text(prefix: str, chunk_text: str) -> str:
    """What is embedded and indexed for a chunk: the title line, then the chunk itself."""
    return f"{prefix}\n{chunk_text}" if prefix else chunk_text
