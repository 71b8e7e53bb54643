"""Consonant skeletons: match a Korean loanword or name to its English spelling.

Korean writes foreign names by sound (트렘피어 = Tremfya, 맨시니 = Mancini, 터프츠 = Tufts),
and a word embedding of a rare name is often nowhere near its English spelling. Both
spellings keep the consonants in order, so each word is reduced to a skeleton of consonant
classes (vowels, h, w and y dropped; b/p/f/v one class, d/t one, g/k/c/q one, s/z/j/ch/th
one, l/r one; repeats collapsed): 트렘피어 and Tremfya are both ``TLMP``. The translator
offers the nearest words by embedding whose skeleton matches a question word's.
"""

from __future__ import annotations

import re

_SYLLABLE_BASE = 0xAC00
_SYLLABLE_LAST = 0xD7A3
_MEDIALS = 21
_FINALS = 28
# Classes of the 19 initial consonants: ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ
_INITIALS = ["K", "K", "N", "T", "T", "L", "M", "P", "P", "S", "S", "", "S", "S", "S", "K", "T",
             "P", ""]  # fmt: skip
# Classes of the 28 finals (index 0: none); ㅇ is "ng"
_FINAL_CLASSES = [
    "", "K", "K", "KS", "N", "NS", "N", "T", "L", "LK", "LM", "LP", "LS", "LT",
    "LP", "L", "M", "P", "PS", "S", "S", "NK", "S", "S", "K", "T", "P", "",
]  # fmt: skip

# English spelling to classes, longest patterns first.
_LATIN_RULES = [
    ("sch", "S"), ("tch", "S"), ("ch", "S"), ("sh", "S"), ("ts", "S"), ("tz", "S"),
    ("th", "S"), ("ph", "P"), ("ck", "K"), ("gh", ""), ("qu", "K"), ("x", "KS"),
    ("b", "P"), ("p", "P"), ("f", "P"), ("v", "P"), ("d", "T"), ("t", "T"),
    ("g", "K"), ("k", "K"), ("q", "K"), ("s", "S"), ("z", "S"), ("j", "S"),
    ("l", "L"), ("r", "L"), ("m", "M"), ("n", "N"),
]  # fmt: skip
_SOFT_C = re.compile(r"c(?=[eiy])")
_LATIN_PATTERN = re.compile("|".join(re.escape(p) for p, _ in _LATIN_RULES))
_LATIN_CLASSES = dict(_LATIN_RULES)


MIN_SKELETON = 3  # shorter skeletons (two consonants) match too many unrelated words


def _collapse(classes: str) -> str:
    return re.sub(r"(.)\1+", r"\1", classes)


def hangul_skeleton(word: str) -> str:
    """Consonant skeleton of a Hangul word ('' if it holds anything but Hangul syllables)."""
    out = []
    for char in word:
        code = ord(char)
        if not _SYLLABLE_BASE <= code <= _SYLLABLE_LAST:
            return ""
        index = code - _SYLLABLE_BASE
        initial, rest = divmod(index, _MEDIALS * _FINALS)
        out.append(_INITIALS[initial] + _FINAL_CLASSES[rest % _FINALS])
    return _collapse("".join(out))


def latin_skeleton(word: str) -> str:
    """Consonant skeleton of a Latin-script word."""
    text = _SOFT_C.sub("s", word.lower()).replace("c", "k")
    return _collapse("".join(_LATIN_CLASSES[m] for m in _LATIN_PATTERN.findall(text)))


def word_skeleton(word: str) -> str:
    """Skeleton of a Hangul or a Latin-script word ('' for anything else)."""
    return latin_skeleton(word) if word.isascii() else hangul_skeleton(word)
