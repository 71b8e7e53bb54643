"""Terms for a second, analysis-free BM25 over Korean text: Hangul syllable bigrams.

The morpheme analyzer is right most of the time, but not on every name or loanword, and not in
the same way in every context: 번디의 can come out as 디 in one sentence while the question
keeps 번디, and a name standing alone on a title line can be split where the same name inside
a sentence is not. Overlapping syllable bigrams (the usual fallback of CJK retrieval) match
such words whatever the analyzer did with them. Latin-script words and numbers are kept whole,
lowercased, since the years and codes in Korean text are evidence too. Passages are indexed
whole; a question is matched by its words that hold a content morpheme (``LexicalAnalyzer.
query_terms_batch``), so that its question words and endings alone (무엇인가요) score nothing.
"""

from __future__ import annotations

import re

from rag.language import HANGUL_RUN

_LATIN_TOKEN = re.compile(r"[a-z0-9]+")


def syllable_terms(text: str) -> list[str]:
    """Syllable bigrams of every Hangul run, then the lowercased Latin words and numbers.

    A one-syllable run is a term only where it stands alone (암, 약): attached to Latin
    letters or digits it is a particle or a unit (NSTRI는, 2024년)."""
    terms: list[str] = []
    for match in HANGUL_RUN.finditer(text):
        run = match.group()
        if len(run) > 1:
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        elif not _touches_latin(text, match.start(), match.end()):
            terms.append(run)
    terms.extend(_LATIN_TOKEN.findall(text.lower()))
    return terms


def _touches_latin(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())
