"""Choose ``lead_coverage_slack``: ``python -m eval.lead_coverage --fit SUITE... [--report
SUITE...] [--keywords 2 3] [--keyword-report 1]``.

A passage in another language than the question's can top the merged ranking because its
partition's best passage stands out there, or because the encoder places a short question
near much of the other language's text ("zika" near Korean science news). With slack s it
keeps the lead only if it holds the question's concepts (the share of its terms, or their
translations, anywhere in the passage, IDF-weighted) at least as much as the best passage in
the question's language, less s; else that one leads. Translations cover a question only in
part, hence the slack.

Each question is ranked once with the rule off; where another language leads, the two
candidates' coverages and which is gold say what every slack would do. The slack chosen gives
the ``--fit`` suites (sentence questions) together their best precision@1, and
among those slacks leads the most ``--keywords`` questions (``eval.keywords``: title words of
the news corpus) with a gold passage; the largest of equals. ``--report`` suites and
``--keyword-report`` word counts are printed, not fitted.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.command import run
from eval.report import markdown_table
from rag.config import Settings
from rag.engine import SearchEngine

GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class LeadCase:
    lead_coverage: float  # of the first passage with the rule off
    rival_coverage: float  # of the best passage in the question's language
    lead_gold: bool
    rival_gold: bool

    def hit(self, slack: float) -> bool:
        """Whether the first passage is gold under ``slack`` (1: the rule off)."""
        keeps = slack >= 1 or self.lead_coverage >= self.rival_coverage - slack
        return self.lead_gold if keeps else self.rival_gold


def lead_cases(engine: SearchEngine, questions: Sequence[tuple[str, set[str]]]) -> list[LeadCase]:
    """The questions (text, gold articles) that another language leads with the rule off."""
    params = engine.params.but(lead_coverage_slack=1.0)
    matcher = engine.ranker.sentences
    if matcher is None:
        return []
    cases = []
    for text, gold in questions:
        query = engine.make_query(text, params=params)
        hits = engine.rank(query, params=params).hits
        own = [engine.corpus.chunks[h.position].lang == query.lang for h in hits]
        if not hits or own[0] or not any(own):
            continue
        lead, rival = hits[0].position, hits[own.index(True)].position
        held, rival_held = matcher.passage_coverage(query, [lead, rival])
        cases.append(
            LeadCase(
                float(held),
                float(rival_held),
                engine.corpus.chunks[lead].article_id in gold,
                engine.corpus.chunks[rival].article_id in gold,
            )
        )
    return cases


def hits(cases: Sequence[LeadCase], slack: float) -> int:
    return sum(case.hit(slack) for case in cases)


def choose(fit: dict[str, list[LeadCase]], keywords: dict[str, list[LeadCase]]) -> float:
    """The slack with the most gold first passages over the fitted suites together (each
    one's best, where one slack gives all of them theirs), then over the keyword questions;
    the largest of equals."""

    def fitted(slack: float) -> int:
        return sum(hits(cases, slack) for cases in fit.values())

    most = max(fitted(s) for s in GRID)
    keeping = [s for s in GRID if fitted(s) == most]
    return max(keeping, key=lambda s: (sum(hits(c, s) for c in keywords.values()), s))


def main(argv: list[str] | None = None) -> int:
    from eval.datasets import load_eval_set
    from eval.keywords import KEYWORD_ARTICLES, keyword_questions
    from eval.runner import engine_for, fill_gold_from_answers
    from rag.embedding.encoder import Encoder

    parser = argparse.ArgumentParser(prog="python -m eval.lead_coverage", description=__doc__)
    parser.add_argument("--fit", nargs="+", required=True, metavar="SUITE")
    parser.add_argument("--report", nargs="*", default=[], metavar="SUITE")
    parser.add_argument("--keywords", type=int, nargs="*", default=[2, 3], metavar="WORDS")
    parser.add_argument("--keyword-report", type=int, nargs="*", default=[1], metavar="WORDS")
    parser.add_argument("--articles", type=int, default=KEYWORD_ARTICLES)
    args = parser.parse_args(argv)
    settings = Settings()
    corpus = [Path(p) for p in settings.eval.eval_news_corpus]
    encoder = Encoder(settings)
    cases: dict[str, list[LeadCase]] = {}
    engine = None
    for path in [*args.fit, *args.report]:
        eval_set = load_eval_set(Path(path), corpus)
        engine, _ = engine_for(eval_set, settings, encoder, progress=True)
        questions = [q for q in eval_set.questions if q.answerable]
        fill_gold_from_answers(questions, engine)
        cases[eval_set.name] = lead_cases(engine, [(q.text, set(q.gold)) for q in questions])
    fit_names = list(cases)[: len(args.fit)]
    keyword_names = []
    if engine is not None:
        for words in [*args.keywords, *args.keyword_report]:
            name = f"keywords-{words}"
            found = keyword_questions(engine, args.articles, words)
            cases[name] = lead_cases(engine, [(q.text, {q.article_id}) for q in found])
            if words in args.keywords:
                keyword_names.append(name)
    slack = choose({n: cases[n] for n in fit_names}, {n: cases[n] for n in keyword_names})
    rows = []
    for name, group in cases.items():
        part = "fitted" if name in fit_names or name in keyword_names else "reported"
        rows.append(
            [name, part, str(len(group))]
            + [f"{hits(group, s)}{' *' if s == slack else ''}" for s in GRID]
        )
    header = ["set (questions another language leads)", "part", "n"]
    print(markdown_table(header + [f"slack {s:g}" for s in GRID], rows))
    print(f"\nfirst passage gold, by slack (* chosen); RAG_LEAD_COVERAGE_SLACK={slack:g}")
    return 0


if __name__ == "__main__":
    run(main, "python -m eval.lead_coverage")
