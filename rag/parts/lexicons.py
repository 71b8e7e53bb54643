"""The lexicons part: each corpus language's words with their BM25 terms and embeddings, which
translate a question's words into the other languages (``rag.crosslingual.Translator``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.crosslingual import Lexicon, Translator, lexicon_words
from rag.dictionary import load_dictionary
from rag.errors import MissingDependencyError
from rag.language import ENGLISH, KOREAN
from rag.parts.base import BuildContext, IndexPart, LoadContext

logger = logging.getLogger(__name__)

WORDS_FILE = "{lang}.jsonl"
VECTORS_FILE = "{lang}.npy"

Lexicons = dict[str, Lexicon]


class LexiconsPart(IndexPart[Lexicons]):
    name = "lexicons"

    def params(self, settings: Settings) -> dict[str, Any]:
        return {"lexicon_min_df": settings.index.lexicon_min_df}

    def build(self, context: BuildContext, params: dict[str, Any]) -> Lexicons:
        lexicons = {}
        for lang in sorted(set(context.languages)):
            texts = (c.text for c in context.chunks if c.lang == lang)
            words, terms = lexicon_words(texts, lang, context.terms, int(params["lexicon_min_df"]))
            vectors = context.embed(
                words,
                context.encoder.encode_queries,
                namespace=f"word:{context.encoder.query_prompt}",
                desc=f"lexicon {lang}",
                unit="word",
            )
            lexicons[lang] = Lexicon(lang, words, terms, vectors)
        return lexicons

    def save(self, built: Lexicons, folder: Path) -> None:
        for lang, lexicon in built.items():
            with (folder / WORDS_FILE.format(lang=lang)).open("w", encoding="utf-8") as handle:
                for word, terms in zip(lexicon.words, lexicon.terms, strict=True):
                    row = {"word": word, "terms": terms}
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            np.save(folder / VECTORS_FILE.format(lang=lang), lexicon.vectors)

    def load(self, folder: Path, params: dict[str, Any], context: LoadContext) -> Lexicons:
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

    def counts(self, built: Lexicons) -> dict[str, int]:
        return {f"lexicon_{lang}": len(lexicon.words) for lang, lexicon in built.items()}

    def serve(self, loaded: Lexicons, context: LoadContext) -> Translator:
        settings = context.settings
        dictionary = english_dictionary = None
        # The dictionary translates Korean questions into English terms, and reversed English
        # ones into Korean: only a corpus with both languages needs it (reading it costs
        # start-up time and memory).
        if settings.query.translation_dictionary and {KOREAN, ENGLISH} <= set(loaded):
            try:
                dictionary = load_dictionary()
            except MissingDependencyError as exc:  # translation still works by embeddings
                logger.warning("%s", exc)
            else:
                english_dictionary = dictionary.reversed()
        return Translator(
            loaded,
            context.analyzer,
            context.encoder.encode_queries,
            cache_size=settings.service.translation_cache,
            factory=settings.service.lexicon_faiss_factory,
            ef_search=settings.service.faiss_ef_search,
            dictionary=dictionary,
            english_dictionary=english_dictionary,
        )
