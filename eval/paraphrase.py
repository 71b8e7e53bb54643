"""Check that a question set paraphrases its articles: ``python -m eval.paraphrase FILE...``.

A question that reuses the words of the sentence that answers it measures word matching,
not understanding. The rule checked here: apart from names and numbers, no content term of
an answerable question (after the service's own analyzer: Korean content morphemes, stemmed
English words) appears in the sentence that holds its answer span. The answer sentence is
every sentence of the cleaned article (as the service indexes it) that the span overlaps.

Every line also needs the fields of an answer-span set (``id``, ``lang``, ``question``,
``answer``; an answerable one ``article_id`` and ``article_lang``) and a ``split`` (``tune``
or ``report``: what may be fitted on and what is reported).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.command import run
from eval.metrics import normalize_span
from rag.cleaning import clean_text
from rag.documents import Article
from rag.ingest import read_articles
from rag.lexical.analyzer import LexicalAnalyzer
from rag.sentences import sentence_spans

SPLITS = ("tune", "report")
REQUIRED = ("id", "lang", "question", "answer", "split")
ANSWERABLE_REQUIRED = ("article_id", "article_lang")


@dataclass(frozen=True)
class Violation:
    question_id: str
    problem: str


def answer_sentences(text: str, span: str) -> str | None:
    """The sentences of ``text`` that the first occurrence of ``span`` overlaps (whitespace
    runs collapsed in both), or None when the text does not hold the span."""
    flat = normalize_span(text)
    start = flat.find(normalize_span(span))
    if start < 0:
        return None
    end = start + len(normalize_span(span))
    chosen = [flat[a:b] for a, b in sentence_spans(flat) if a < end and b > start]
    return " ".join(chosen)


def _is_number(term: str) -> bool:
    return any(ch.isdigit() for ch in term)


def exempt_terms(analyzer: LexicalAnalyzer, question: str, lang: str) -> set[str]:
    """Terms of the question's names (and the numbers it holds), which may be shared."""
    terms: set[str] = set()
    for name in analyzer.names(question, lang):
        terms.update(analyzer.terms(name))
    return terms


def shared_terms(analyzer: LexicalAnalyzer, question: str, lang: str, sentence: str) -> list[str]:
    """Content terms of ``question`` that ``sentence`` holds too, names and numbers aside."""
    exempt = exempt_terms(analyzer, question, lang)
    held = set(analyzer.terms(sentence))
    found = [
        t for t in analyzer.terms(question) if t in held and t not in exempt and not _is_number(t)
    ]
    return list(dict.fromkeys(found))


def read_rows(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def check_rows(
    rows: Sequence[dict[str, object]],
    articles: Iterable[Article],
    analyzer: LexicalAnalyzer,
) -> list[Violation]:
    by_id = {article.id: article for article in articles}
    cleaned: dict[str, str] = {}
    problems: list[Violation] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        qid = str(row.get("id", f"line {number}"))
        missing = [key for key in REQUIRED if key not in row]
        if row.get("answer") is not None:
            missing += [key for key in ANSWERABLE_REQUIRED if key not in row]
        if missing:
            problems.append(Violation(qid, f"missing fields: {', '.join(missing)}"))
            continue
        if qid in seen:
            problems.append(Violation(qid, "duplicate id"))
        seen.add(qid)
        if row["split"] not in SPLITS:
            problems.append(Violation(qid, f"split must be one of {', '.join(SPLITS)}"))
        if row["answer"] is None:
            continue
        article = by_id.get(str(row["article_id"]))
        if article is None:
            problems.append(Violation(qid, f"no article {row['article_id']!r} in the corpus"))
            continue
        if article.id not in cleaned:
            cleaned[article.id] = clean_text(article.text)
        sentence = answer_sentences(cleaned[article.id], str(row["answer"]))
        if sentence is None:
            problems.append(Violation(qid, "the answer span is not in the cleaned article"))
            continue
        shared = shared_terms(analyzer, str(row["question"]), str(row["lang"]), sentence)
        if shared:
            problems.append(
                Violation(qid, f"shares content terms with its answer sentence: {shared}")
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.paraphrase", description=__doc__.splitlines()[0]
    )
    parser.add_argument("files", nargs="+", type=Path, help="questions.jsonl files")
    parser.add_argument(
        "--corpus",
        action="append",
        type=Path,
        help="articles (default: RAG_EVAL_NEWS_CORPUS, the seed and the news corpora)",
    )
    args = parser.parse_args(argv)
    from rag.config import Settings

    corpus = args.corpus or Settings().eval.eval_news_corpus
    articles = read_articles(corpus).articles
    analyzer = LexicalAnalyzer()
    failed = 0
    for path in args.files:
        rows = read_rows(path)
        problems = check_rows(rows, articles, analyzer)
        for problem in problems:
            print(f"{path}: {problem.question_id}: {problem.problem}")
        failed += len(problems)
        print(f"{path}: {len(rows)} questions, {len(problems)} problems", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    run(main, "python -m eval.paraphrase")
