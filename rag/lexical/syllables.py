"""Terms for a second, analysis-free BM25 over Korean text: Hangul syllable bigrams.

The morpheme analyzer is right most of the time, but not on every name or loanword, and not in
the same way in every context: 번디의 can come out as 디 in one sentence while the question
keeps 번디, and a name standing alone on a title line can be split where the same name inside
a sentence is not. Overlapping syllable bigrams (the usual fallback of CJK retrieval) match
such words whatever the analyzer did with them. Latin-script words and numbers are kept whole,
lowercased, since the years and codes in Korean text are evidence too.
"""

from __future__ import annotations

import re

from rag.language import HANGUL_CLASS

_HANGUL_RUN = re.compile(HANGUL_CLASS + "+")
_LATIN_TOKEN = re.compile(r"[a-z0-9]+")


def syllable_terms(text: str) -> list[str]:
    """Syllable bigrams of every Hangul run (a one-syllable run stays whole), then the
    lowercased Latin words and numbers."""
    terms: list[str] = []
    for run in _HANGUL_RUN.findall(text):
        terms.extend([run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run])
    terms.extend(_LATIN_TOKEN.findall(text.lower()))
    return terms
