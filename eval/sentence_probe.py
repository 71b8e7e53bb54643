"""Probe (dropped): does the best single sentence of the first passage tell near-misses apart?

``python -m eval.sentence_probe SUITE...`` asks up to 300 questions per suite, embeds each
sentence of the first passage and reads the best sentence's cosine with the question
(``sentence``) and its margin over the whole passage's (``margin``). It prints the AUC of
each among the questions the shipped model answers (answerable against unanswerable), and,
for a weight w added to the shipped logit, the unanswerable not-found rate at the highest
threshold where no suite wrongly abstains on more than 5% of its answerable questions
(the complete-match override ignored). The threshold is chosen on the questions reported,
so the rates are optimistic.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from eval.datasets import load_eval_set
from eval.runner import engine_for, fill_gold_from_answers, sample_questions
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.sentences import split_sentences

LIMIT = 300
MIN_SENTENCE_CHARS = 10
MAX_FALSE = 0.05
WEIGHTS = (0, 5, 10, 20, 40, 80)


def collect(paths: list[str]) -> list[dict[str, float | str | bool]]:
    settings = Settings()
    encoder = Encoder(settings)
    corpus = [Path(p) for p in settings.eval_news_corpus]
    rows: list[dict[str, float | str | bool]] = []
    for path in paths:
        eval_set = load_eval_set(Path(path), corpus)
        engine, _ = engine_for(eval_set, settings, encoder, progress=False)
        questions = sample_questions(eval_set.questions, LIMIT)
        fill_gold_from_answers(questions, engine)
        for question, query in zip(
            questions, engine.make_queries([q.text for q in questions]), strict=True
        ):
            ranking = engine.rank(query)
            signals = engine.signals(query, ranking)
            rows_of_first = engine.dense.rows([int(ranking.ranked.positions[0])])
            if signals is None or query.raw_vector is None or rows_of_first is None:
                continue
            chunk = engine.corpus.chunks[int(ranking.ranked.positions[0])]
            sentences = [s for s in split_sentences(chunk.text) if len(s) > MIN_SENTENCE_CHARS]
            best = float(
                (encoder.encode_passages(sentences or [chunk.text]) @ query.raw_vector).max()
            )
            passage = float((rows_of_first @ query.raw_vector)[0])
            rows.append(
                {
                    "suite": eval_set.name,
                    "answerable": question.answerable,
                    "p": engine.abstention.probability(signals),
                    "found": engine.decide(query, ranking).found,
                    "sentence": best,
                    "margin": best - passage,
                }
            )
        print(f"{eval_set.name}: {len(rows)} questions so far", file=sys.stderr)
    return rows


def auc(positives: list[float], negatives: list[float]) -> float:
    pairs = [(p > n) + 0.5 * (p == n) for p in positives for n in negatives]
    return float(np.mean(pairs)) if pairs else float("nan")


def logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def report(rows: list[dict[str, float | str | bool]]) -> None:
    suites = sorted({str(r["suite"]) for r in rows})
    found = [r for r in rows if r["found"]]
    for feature in ("sentence", "margin"):
        value = auc(
            [float(r[feature]) for r in found if r["answerable"]],
            [float(r[feature]) for r in found if not r["answerable"]],
        )
        print(f"AUC of {feature} among answered questions: {value:.3f}")
    print("\n| feature | w | unanswerable not-found | false abstention per suite |")
    print("|---|---|---|---|")
    for feature in ("sentence", "margin"):
        for weight in WEIGHTS:
            score = [logit(float(r["p"])) + weight * float(r[feature]) for r in rows]
            thresholds = []
            for suite in suites:
                answerable = np.sort(
                    [
                        s
                        for s, r in zip(score, rows, strict=True)
                        if r["suite"] == suite and r["answerable"]
                    ]
                )
                if len(answerable):
                    thresholds.append(
                        answerable[math.floor(MAX_FALSE * len(answerable))] - 1e-9
                    )
            cut = min(thresholds)
            unanswerable = [
                s < cut for s, r in zip(score, rows, strict=True) if not r["answerable"]
            ]
            false = {
                suite: np.mean(
                    [
                        s < cut
                        for s, r in zip(score, rows, strict=True)
                        if r["suite"] == suite and r["answerable"]
                    ]
                )
                for suite in suites
                if any(r["suite"] == suite and r["answerable"] for r in rows)
            }
            rates = ", ".join(f"{suite} {rate:.3f}" for suite, rate in false.items())
            print(f"| {feature} | {weight} | {np.mean(unanswerable):.3f} | {rates} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.sentence_probe", description=__doc__.splitlines()[0]
    )
    parser.add_argument("suites", nargs="+")
    report(collect(parser.parse_args(argv).suites))
    return 0


if __name__ == "__main__":
    sys.exit(main())
