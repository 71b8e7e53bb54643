"""Building, writing and reading the cross-lingual parts of a build: language means, lexicons."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.cache import embed_with_cache
from index.files import LANGUAGE_MEANS_FILE, LEXICON_VECTORS, LEXICON_WORDS, read_jsonl
from rag.config import Settings
from rag.crosslingual import Lexicon, lexicon_words
from rag.documents import Chunk
from rag.embedding.encoder import Encoder
from rag.lexical.analyzer import LexicalAnalyzer


def build_lexicons(
    chunks: Sequence[Chunk],
    settings: Settings,
    encoder: Encoder,
    analyzer: LexicalAnalyzer,
    *,
    progress: bool = False,
) -> dict[str, Lexicon]:
    """One lexicon per chunk language; word vectors come from the embedding cache if stored."""
    lexicons = {}
    for lang in sorted({c.lang for c in chunks}):
        texts = [c.text for c in chunks if c.lang == lang]
        words, terms = lexicon_words(texts, lang, analyzer, settings.lexicon_min_df)
        vectors, _ = embed_with_cache(
            words,
            encoder.encode_queries,
            encoder=encoder,
            settings=settings,
            namespace=f"word:{encoder.query_prompt}",
            desc=f"lexicon {lang}",
            unit="word",
            progress=progress,
        )
        lexicons[lang] = Lexicon(lang, words, terms, vectors)
    return lexicons


def write_crosslingual(
    folder: Path, means: dict[str, np.ndarray], lexicons: dict[str, Lexicon]
) -> None:
    np.savez(folder / LANGUAGE_MEANS_FILE, **means)  # type: ignore[arg-type]
    for lang, lexicon in lexicons.items():
        with (folder / LEXICON_WORDS.format(lang=lang)).open("w", encoding="utf-8") as handle:
            for word, terms in zip(lexicon.words, lexicon.terms, strict=True):
                handle.write(json.dumps({"word": word, "terms": terms}, ensure_ascii=False) + "\n")
        np.save(folder / LEXICON_VECTORS.format(lang=lang), lexicon.vectors)


def read_crosslingual(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, Lexicon]]:
    with np.load(folder / LANGUAGE_MEANS_FILE) as stored:
        means = {lang: stored[lang] for lang in stored.files}
    lexicons = {}
    for path in sorted(folder.glob(LEXICON_WORDS.format(lang="*"))):
        lang = path.stem.split("-", 1)[1]
        rows = list(read_jsonl(path))
        vectors = np.load(folder / LEXICON_VECTORS.format(lang=lang))
        lexicons[lang] = Lexicon(
            lang, [r["word"] for r in rows], [r["terms"] for r in rows], vectors
        )
    return means, lexicons
