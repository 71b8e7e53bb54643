"""Learn ``lead_margin`` and ``lead_demotion``: ``python -m eval.lead --fit SUITE... --report
SUITE...``.

The merged ranking can put another language's passage first by a hair: the best passage of a
language partition stands out within it whether or not it is on the subject. With
``lead_margin`` m, a passage in another language than the question's leads only when it beats
the best passage in the question's language by m on the merged score.

Each answerable question is ranked once with the margin off; its precision@1 at any margin
follows from the gap between the two candidates for the lead and which of them is from a
gold article. The margin chosen is the one with the best mean precision@1 over the ``--fit``
suites (each weighs alike; the smallest of equals), and precision@1 by language pair is
printed for the ``--report`` suites, at margin 0 and at the chosen one.

When the question's language keeps the lead, the other partition's passages lose
``lead_demotion`` (its best passages are off the subject as often as its first was). With the
chosen margin, every answerable question with an answer span is ranked at each demotion of a
grid; the demotion chosen has the best mean answer-hit@5 (the span in one of the first five
cited passages) over the ``--fit`` suites, the smallest of equals; answer-hit@5 by language
pair is printed for the ``--report`` suites, at demotion 0 and at the chosen one.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from eval.command import run
from eval.datasets import EvalQuestion, load_eval_set
from eval.metrics import answer_hit_at_k, answer_rank
from eval.runner import ANSWER_DEPTH, engine_for, fill_gold_from_answers
from rag.config import Settings
from rag.corpus import Filters
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.types import Query

# Margins tried: the merged score is about merge_similarity_weight x cosine, so one unit is a
# hundredth of cosine at the default weight.
GRID = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, float("inf"))
DEMOTION_GRID = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 24.0)

Case = TypeVar("Case")
Asked = list[tuple[EvalQuestion, Query]]  # a suite's questions, each with its query


def ask(engine: SearchEngine, questions: Sequence[EvalQuestion]) -> Asked:
    """Every question with its query, prepared once for both fits."""
    return list(zip(questions, engine.make_queries([q.text for q in questions]), strict=True))


def grouped(cases: Sequence[Case], key: Callable[[Case], str]) -> dict[str, list[Case]]:
    """``cases`` by ``key`` (a suite, a language pair), in key order."""
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        groups[key(case)].append(case)
    return dict(sorted(groups.items()))


@dataclass(frozen=True)
class LeadCase:
    """One question's two candidates for the first place."""

    suite: str
    pair: str  # question language -> gold language, e.g. "ko->en"
    top_gold: bool  # the merged ranking's first passage is from a gold article
    gap: float  # by how much a foreign first passage leads the best own-language one (inf: n/a)
    own_gold: bool  # the best own-language passage is from a gold article

    def hit(self, margin: float) -> bool:
        return self.own_gold if self.gap < margin else self.top_gold

    def foreign_miss(self, margin: float) -> bool:
        """Led by a passage in another language than the question's, from no gold article."""
        return self.gap < float("inf") and self.gap >= margin and not self.top_gold


def lead_cases(suite: str, engine: SearchEngine, asked: Asked) -> list[LeadCase]:
    chunks = engine.corpus.chunks
    languages = {aid: a.lang or "" for aid, a in engine.corpus.articles.items()}
    cases = []
    for question, query in asked:
        if not question.answerable or not question.gold:
            continue
        ranked = engine.rank(query).ranked
        if not len(ranked):
            continue
        articles = [chunks[int(p)].article_id for p in ranked.positions]
        own = [languages.get(a) == query.lang for a in articles]
        gold_lang = next((languages.get(d, "") for d in question.gold), "")
        gap = float("inf")
        own_gold = articles[0] in question.gold
        if not own[0] and any(own):
            best_own = own.index(True)
            gap = float(ranked.scores[0] - ranked.scores[best_own])
            own_gold = articles[best_own] in question.gold
        cases.append(
            LeadCase(
                suite, f"{query.lang}->{gold_lang}", articles[0] in question.gold, gap, own_gold
            )
        )
    return cases


def foreign_misses(cases: list[LeadCase], margin: float) -> int:
    return sum(c.foreign_miss(margin) for c in cases)


def precision(cases: list[LeadCase], margin: float) -> float:
    return float(np.mean([c.hit(margin) for c in cases])) if cases else float("nan")


def choose_margin(cases: list[LeadCase], grid: tuple[float, ...] = GRID) -> float:
    """The margin with the best mean of the suites' precision@1 (the smallest of equals)."""
    by_suite = grouped(cases, lambda case: case.suite)
    scores = [np.mean([precision(c, m) for c in by_suite.values()]) for m in grid]
    return grid[int(np.argmax(scores))]


@dataclass(frozen=True)
class DemotionCase:
    """One question's answer-hit@5 at each demotion of ``DEMOTION_GRID``."""

    suite: str
    pair: str
    hits: tuple[float, ...]
    oracle: float  # answer-hit@5 ranked with only the gold article's language allowed


def demotion_cases(
    suite: str, engine: SearchEngine, asked: Asked, margin: float
) -> list[DemotionCase]:
    languages = {aid: a.lang or "" for aid, a in engine.corpus.articles.items()}
    cases = []
    for question, query in asked:
        if not (question.answerable and question.answers):
            continue
        hits = []
        for demotion in DEMOTION_GRID:
            params = engine.params.but(lead_margin=margin, lead_demotion=demotion)
            ranking = engine.rank(query, params=params)
            passages = engine.passages(ranking.hits, ANSWER_DEPTH, params)
            rank = answer_rank([p.text for p in passages], question.answers)
            hits.append(answer_hit_at_k(rank, 5))
        gold_lang = next((languages.get(d, "") for d in question.gold), "")
        # What the merge could give at best: nothing of the other language competes.
        ranking = engine.rank(query, engine.corpus.mask(Filters(lang=gold_lang)))
        passages = engine.passages(ranking.hits, ANSWER_DEPTH)
        oracle = answer_hit_at_k(answer_rank([p.text for p in passages], question.answers), 5)
        cases.append(DemotionCase(suite, f"{query.lang}->{gold_lang}", tuple(hits), oracle))
    return cases


def hit_rate(cases: list[DemotionCase], column: int) -> float:
    return float(np.mean([c.hits[column] for c in cases])) if cases else float("nan")


def choose_demotion(cases: list[DemotionCase]) -> int:
    """The column of ``DEMOTION_GRID`` with the best mean of the suites' answer-hit@5."""
    by_suite = grouped(cases, lambda case: case.suite)
    scores = [
        np.mean([hit_rate(c, column) for c in by_suite.values()])
        for column in range(len(DEMOTION_GRID))
    ]
    return int(np.argmax(scores))


def print_demotion(
    fit: list[str], report: list[str], cases: dict[str, list[DemotionCase]], chosen: int
) -> None:
    print("\n| demotion | " + " | ".join(Path(p).name for p in fit) + " |")
    print("|---" * (len(fit) + 1) + "|")
    for column, demotion in enumerate(DEMOTION_GRID):
        row = " | ".join(f"{hit_rate(cases[p], column):.3f}" for p in fit)
        print(f"| {demotion:g}{' (chosen)' if column == chosen else ''} | {row} |")
    print(f"\nRAG_LEAD_DEMOTION={DEMOTION_GRID[chosen]:g}")
    if report:
        print(
            "\n| reported set | pair | n | answer-hit@5 demotion 0 | chosen "
            "| only the gold article's language |"
        )
        print("|---|---|---|---|---|---|")
        for path in report:
            for pair, group in grouped(cases[path], lambda case: case.pair).items():
                print(
                    f"| {Path(path).name} | {pair} | {len(group)} | {hit_rate(group, 0):.3f} "
                    f"| {hit_rate(group, chosen):.3f} "
                    f"| {np.mean([c.oracle for c in group]):.3f} |"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.lead", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--fit", nargs="+", required=True, metavar="SUITE")
    parser.add_argument("--report", nargs="*", default=[], metavar="SUITE")
    parser.add_argument("--corpus", action="append", help="corpus of answer-span sets")
    args = parser.parse_args(argv)
    settings = Settings().but(lead_margin=0.0)
    corpus = [Path(p) for p in (args.corpus or settings.eval.eval_news_corpus)]
    encoder = Encoder(settings)
    cases: dict[str, list[LeadCase]] = {}
    suites: dict[str, tuple[str, SearchEngine, Asked]] = {}
    for path in [*args.fit, *args.report]:
        eval_set = load_eval_set(Path(path), corpus)
        engine, _ = engine_for(eval_set, settings, encoder, progress=True)
        questions = list(eval_set.questions)
        fill_gold_from_answers(questions, engine)
        suites[path] = (eval_set.name, engine, ask(engine, questions))
        cases[path] = lead_cases(*suites[path])
    fitted = [c for path in args.fit for c in cases[path]]
    margin = choose_margin(fitted)
    print("| margin | " + " | ".join(Path(p).name for p in args.fit) + " |")
    print("|---" * (len(args.fit) + 1) + "|")
    for m in GRID:
        row = " | ".join(f"{precision(cases[p], m):.3f}" for p in args.fit)
        print(f"| {m:g}{' (chosen)' if m == margin else ''} | {row} |")
    print(f"\nRAG_LEAD_MARGIN={margin:g}")
    if args.report:
        print(
            "\n| reported set | pair | n | P@1 margin 0 | P@1 chosen "
            "| led off-topic in the other language, margin 0 | chosen |"
        )
        print("|---|---|---|---|---|---|---|")
        for path in args.report:
            for pair, group in grouped(cases[path], lambda case: case.pair).items():
                print(
                    f"| {Path(path).name} | {pair} | {len(group)} | {precision(group, 0.0):.3f} "
                    f"| {precision(group, margin):.3f} | {foreign_misses(group, 0.0)} "
                    f"| {foreign_misses(group, margin)} |"
                )
    demotions = {path: demotion_cases(*suites[path], margin) for path in suites}
    chosen = choose_demotion([c for path in args.fit for c in demotions[path]])
    print_demotion(args.fit, args.report, demotions, chosen)
    return 0


if __name__ == "__main__":
    run(main, "python -m eval.lead")
