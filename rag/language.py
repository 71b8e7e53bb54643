"""Script-based language identification for the two languages the service reads.

Korean text is recognised by its Hangul; everything else is treated as English. This is enough
to route text to the right tokenizer and to balance results across languages.
"""

from __future__ import annotations

import re

KOREAN = "ko"
ENGLISH = "en"
LANGUAGES = (KOREAN, ENGLISH)

# Hangul syllables, jamo and compatibility jamo.
HANGUL_CLASS = r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]"
_HANGUL = re.compile(HANGUL_CLASS)
HANGUL_RUN = re.compile(HANGUL_CLASS + "+")
_LETTER = re.compile(r"[^\W\d_]")

# Share of letters that must be Hangul for a text to count as Korean. Korean news mixes in
# Latin acronyms (AI, MIT, NSTRI), so a minority of Hangul already marks a Korean text.
KOREAN_LETTER_SHARE = 0.3


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def in_another_script(text: str) -> bool:
    """Whether most of ``text``'s letters are neither Hangul nor Latin (a question in
    Japanese, Chinese, Russian...): the service reads Korean and English only."""
    letters = len(_LETTER.findall(text))
    read = len(_HANGUL.findall(text)) + len(_LATIN.findall(text))
    return letters > 0 and read < letters / 2


def detect_language(text: str) -> str:
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return ENGLISH
    return KOREAN if len(_HANGUL.findall(text)) / letters >= KOREAN_LETTER_SHARE else ENGLISH


def normalize_language(code: str | None) -> str | None:
    """Map codes such as ``ko-KR``, ``kor`` or ``EN`` onto the service's two languages."""
    if not code:
        return None
    head = code.strip().lower()[:2]
    return {"ko": KOREAN, "en": ENGLISH}.get(head)
