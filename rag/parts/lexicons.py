"""The lexicons part: each corpus language's words with their BM25 terms and embeddings, which
translate a question's words into the other languages (``rag.crosslingual.Translator``), and
the names too rare for a lexicon, which translate by sound only (``names/``)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.crosslingual import Lexicon, Translator, rare_names, with_terms, word_counts
from rag.dictionary import load_dictionary
from rag.errors import MissingDependencyError
from rag.language import ENGLISH, KOREAN
from rag.parts.base import BuildContext, IndexPart, LoadContext

logger = logging.getLogger(__name__)

WORDS_FILE = "{lang}.jsonl"
VECTORS_FILE = "{lang}.npy"
NAMES_FOLDER = "names"


@dataclass
class Lexicons:
    """Each language's lexicon, and its rare names (empty where there are none)."""

    words: dict[str, Lexicon]
    names: dict[str, Lexicon] = field(default_factory=dict)


class LexiconsPart(IndexPart[Lexicons]):
    name = "lexicons"

    def params(self, settings: Settings) -> dict[str, Any]:
        return {
            "lexicon_min_df": settings.index.lexicon_min_df,
            "lexicon_names": settings.index.lexicon_names,
        }

    def build(self, context: BuildContext, params: dict[str, Any]) -> Lexicons:
        built = Lexicons({})
        min_df = int(params["lexicon_min_df"])
        for lang in sorted(set(context.languages)):
            texts = (c.text for c in context.chunks if c.lang == lang)
            frequency, capitalized = word_counts(texts, lang, context.terms)
            frequent = sorted(w for w, count in frequency.items() if count >= min_df)
            built.words[lang] = self._embedded(context, lang, frequent, f"lexicon {lang}")
            if params.get("lexicon_names"):
                names = rare_names(frequency, capitalized, min_df)
                if names:
                    built.names[lang] = self._embedded(context, lang, names, f"names {lang}")
        return built

    @staticmethod
    def _embedded(context: BuildContext, lang: str, words: list[str], desc: str) -> Lexicon:
        chosen, terms = with_terms(words, context.terms)
        vectors = context.embed(
            chosen,
            context.encoder.encode_queries,
            namespace=f"word:{context.encoder.query_prompt}",
            desc=desc,
            unit="word",
        )
        return Lexicon(lang, chosen, terms, vectors)

    def save(self, built: Lexicons, folder: Path) -> None:
        _save(built.words, folder)
        if built.names:
            (folder / NAMES_FOLDER).mkdir()
            _save(built.names, folder / NAMES_FOLDER)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> Lexicons:
        # A build made before rare names were kept has no names folder.
        return Lexicons(_load(folder), _load(folder / NAMES_FOLDER))

    def counts(self, built: Lexicons) -> dict[str, int]:
        return {
            **{f"lexicon_{lang}": len(lexicon.words) for lang, lexicon in built.words.items()},
            **{f"names_{lang}": len(names.words) for lang, names in built.names.items()},
        }

    def serve(self, loaded: Lexicons, context: LoadContext) -> Translator:
        settings = context.settings
        dictionary = english_dictionary = None
        # The dictionary translates Korean questions into English terms, and reversed English
        # ones into Korean: only a corpus with both languages needs it (reading it costs
        # start-up time and memory).
        if settings.query.translation_dictionary and {KOREAN, ENGLISH} <= set(loaded.words):
            try:
                dictionary = load_dictionary()
            except MissingDependencyError as exc:  # translation still works by embeddings
                logger.warning("%s", exc)
            else:
                english_dictionary = dictionary.reversed()
        return Translator(
            loaded.words,
            context.analyzer,
            context.encoder.encode_queries,
            cache_size=settings.service.translation_cache,
            factory=settings.service.lexicon_faiss_factory,
            ef_search=settings.service.faiss_ef_search,
            dictionary=dictionary,
            english_dictionary=english_dictionary,
            names=loaded.names,
        )


def _save(lexicons: dict[str, Lexicon], folder: Path) -> None:
    for lang, lexicon in lexicons.items():
        with (folder / WORDS_FILE.format(lang=lang)).open("w", encoding="utf-8") as handle:
            for word, terms in zip(lexicon.words, lexicon.terms, strict=True):
                row = {"word": word, "terms": terms}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        np.save(folder / VECTORS_FILE.format(lang=lang), lexicon.vectors)


def _load(folder: Path) -> dict[str, Lexicon]:
    lexicons = {}
    for path in sorted(folder.glob(WORDS_FILE.format(lang="*"))):
        lang = path.stem
        with path.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        vectors = np.load(folder / VECTORS_FILE.format(lang=lang))
        lexicons[lang] = Lexicon(
            lang, [r["word"] for r in rows], [r["terms"] for r in rows], vectors
        )
    return lexicons
