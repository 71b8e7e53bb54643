"""Keyword questions: ``python -m eval.keywords [--articles N] [--words 1 2 3] [--compare K=V]``.

People also type a few words instead of a question ("zika", "insulin price"). The question
sets here are all sentences, so this builds keyword questions from the news corpus the
answer-span sets share: for each of ``--articles`` articles per language (a seeded sample),
the ``W`` words of its title whose analyzer terms are rarest in the corpus (highest IDF), in
title order. The article is the gold: hit@1 and hit@5 say whether its passages come first,
"other-language lead" how often a passage in the other language than the words' comes first.
Nothing is fitted on it; it reports how settings fare on a kind of question that the
sentence sets lack. The words come from the titles, so it measures keyword lookups, not
paraphrase.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.command import run
from eval.options import compare_pairs
from eval.report import markdown_table
from rag.config import QueryParams, Settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.errors import InputError
from rag.language import detect_language

SEED = 7
KEYWORD_ARTICLES = 150  # articles per language
_WORD = re.compile(r"[\w'’-]+")


@dataclass(frozen=True)
class KeywordQuestion:
    text: str
    lang: str
    article_id: str


def keyword_questions(engine: SearchEngine, articles: int, words: int) -> list[KeywordQuestion]:
    """``words``-word questions from the titles of ``articles`` articles per language."""
    idf = engine.bm25.idf
    by_lang: dict[str, list[tuple[str, str]]] = {}
    for article in engine.corpus.articles.values():
        lang = detect_language(article.title)
        by_lang.setdefault(lang, []).append((article.id, article.title))
    questions = []
    for _, titled in sorted(by_lang.items()):
        for article_id, title in random.Random(SEED).sample(titled, min(articles, len(titled))):
            scored = []
            for at, word in enumerate(_WORD.findall(title)):
                terms = engine.analyzer.word_terms(word)
                if terms:
                    scored.append((max(idf.get(t, 0.0) for t in terms), at, word))
            chosen = sorted(sorted(scored, reverse=True)[:words], key=lambda s: s[1])
            if len(chosen) == words:
                text = " ".join(word for _, _, word in chosen)
                questions.append(KeywordQuestion(text, detect_language(text), article_id))
    return questions


def score(
    engine: SearchEngine, questions: Sequence[KeywordQuestion], params: QueryParams
) -> dict[str, float]:
    hit1 = hit5 = foreign = 0
    for question in questions:
        query = engine.make_query(question.text, params=params)
        hits = engine.rank(query, params=params).hits[:5]
        chunks = [engine.corpus.chunks[h.position] for h in hits]
        hit1 += bool(chunks) and chunks[0].article_id == question.article_id
        hit5 += any(c.article_id == question.article_id for c in chunks)
        foreign += bool(chunks) and chunks[0].lang != question.lang
    n = len(questions) or 1
    return {"hit@1": hit1 / n, "hit@5": hit5 / n, "other-language lead": foreign / n}


def main(argv: list[str] | None = None) -> int:
    from eval.datasets import load_eval_set
    from eval.runner import engine_for

    parser = argparse.ArgumentParser(prog="python -m eval.keywords", description=__doc__)
    parser.add_argument(
        "--articles", type=int, default=KEYWORD_ARTICLES, help="articles per language"
    )
    parser.add_argument("--words", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--compare", action="append", default=[], metavar="KEY=VALUE[,...]")
    parser.add_argument("--set", default="eval/sets/crosslingual-dev", help="whose corpus")
    args = parser.parse_args(argv)
    settings = Settings()
    corpus = [Path(p) for p in settings.eval.eval_news_corpus]
    encoder = Encoder(settings)
    engine, _ = engine_for(load_eval_set(Path(args.set), corpus), settings, encoder, progress=True)
    variants = {"default": engine.params}
    for spec in args.compare:
        changes = dict(compare_pairs(spec))
        try:
            variants[spec] = engine.params.but(**changes)
        except ValueError as exc:  # a build setting, or a value of the wrong kind
            raise InputError(f"--compare {spec!r} (ranking settings only): {exc}") from None
    rows = []
    for words in args.words:
        questions = keyword_questions(engine, args.articles, words)
        for lang in sorted({q.lang for q in questions}):
            group = [q for q in questions if q.lang == lang]
            for name, params in variants.items():
                figures = score(engine, group, params)
                rows.append(
                    [str(words), lang, str(len(group)), name]
                    + [f"{figures[k]:.3f}" for k in ("hit@1", "hit@5", "other-language lead")]
                )
    header = ["words", "lang", "n", "settings", "hit@1", "hit@5", "other-language lead"]
    print(markdown_table(header, rows))
    return 0


if __name__ == "__main__":
    run(main, "python -m eval.keywords")
