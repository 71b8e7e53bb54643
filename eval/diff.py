"""Two ``rag eval --out`` runs side by side, set by set: what each measured and how many
question results differ (e.g. an encoder backend against another)::

    python -m eval.diff var/eval-out/A/questions.jsonl var/eval-out/B/questions.jsonl

Per set: mean nDCG@10, answer-hit@5 (questions with answer spans), "not found" on answerable
questions (false abstention), on unanswerable ones and on answerable ones asked with their
gold articles removed, each as A / B; and the count of results whose nDCG@10 (beyond 1e-9),
answer rank, abstention or quote differ. Then answer-hit@5 by language pair.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.command import run as run_command
from eval.metrics import answer_hit_at_k, mean
from eval.results import Row, cell, results_by_set, split_questions

COLUMNS = (
    "set",
    "nDCG@10",
    "answer-hit@5",
    "false abstention",
    "unanswerable not found",
    "gold removed not found",
    "results",
    "nDCG differs",
    "answer rank differs",
    "abstention differs",
    "quote differs",
)


def figures(rows: list[Row]) -> dict[str, float]:
    answerable, unanswerable, removed = split_questions(rows)
    spanned = [r for r in answerable if r.get("has_answers")]
    return {
        "nDCG@10": mean([r["ndcg10"] for r in answerable]),
        "answer-hit@5": mean([answer_hit_at_k(r["answer_rank"], 5) for r in spanned]),
        "false abstention": mean([float(r["abstained"]) for r in answerable]),
        "unanswerable not found": mean([float(r["abstained"]) for r in unanswerable]),
        "gold removed not found": mean([float(r["abstained"]) for r in removed]),
    }


def _fmt(name: str, value: float) -> str:
    # nDCG to four decimals: backends are held to within 0.002 of each other.
    return f"{value:.4f}" if name == "nDCG@10" and value == value else cell(value)


def pair_table(first: Path, second: Path, method: str, second_method: str) -> str:
    """Answer-hit@5 by question language and answer language, A / B."""
    ours = results_by_set(first, method, "ndcg10", "nDCG@10")
    theirs = results_by_set(second, second_method, "ndcg10", "nDCG@10")
    lines = ["| set | pair | questions | answer-hit@5 |", "|---|---|---|---|"]
    for name in sorted(ours.keys() & theirs.keys()):
        by_pair: dict[str, list[list[Row]]] = {}
        for column, rows in enumerate((ours[name], theirs[name])):
            for row in split_questions(rows)[0]:
                if row.get("has_answers"):
                    pair = f"{row.get('lang')}→{row.get('gold_lang')}"
                    by_pair.setdefault(pair, [[], []])[column].append(row)
        for pair, (a, b) in sorted(by_pair.items()):
            hits = [figures(rows)["answer-hit@5"] for rows in (a, b)]
            lines.append(f"| {name} | {pair} | {len(a)} | {cell(hits[0])} / {cell(hits[1])} |")
    return "\n".join(lines)


def _key(row: Row) -> tuple[str, bool]:
    return str(row["question_id"]), bool(row.get("gold_removed"))


def differences(first: list[Row], second: list[Row]) -> dict[str, int]:
    """How many results of the same questions differ, by what."""
    theirs = {_key(r): r for r in second}
    counts = {"results": 0, "nDCG": 0, "answer rank": 0, "abstention": 0, "quote": 0}
    for row in first:
        other = theirs.get(_key(row))
        if other is None:
            continue
        counts["results"] += 1
        # A gold-removed result holds its abstention only.
        ndcg, other_ndcg = float(row.get("ndcg10", 0)), float(other.get("ndcg10", 0))
        counts["nDCG"] += abs(ndcg - other_ndcg) > 1e-9
        counts["answer rank"] += row.get("answer_rank") != other.get("answer_rank")
        counts["abstention"] += row["abstained"] != other["abstained"]
        counts["quote"] += row.get("quoted") != other.get("quoted")
    return counts


def table(first: Path, second: Path, method: str, second_method: str) -> str:
    ours = results_by_set(first, method, "ndcg10", "nDCG@10")
    theirs = results_by_set(second, second_method, "ndcg10", "nDCG@10")
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for name in sorted(ours.keys() & theirs.keys()):
        a, b = figures(ours[name]), figures(theirs[name])
        pairs = [f"{_fmt(k, a[k])} / {_fmt(k, b[k])}" for k in a]
        counts = differences(ours[name], theirs[name])
        lines.append("| " + " | ".join([name, *pairs, *map(str, counts.values())]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.diff", description=__doc__)
    parser.add_argument("first", type=Path, help="questions.jsonl of one rag eval --out (A)")
    parser.add_argument("second", type=Path, help="questions.jsonl of another (B)")
    parser.add_argument("--method", default="hybrid", help="the method of A's results")
    parser.add_argument(
        "--second-method",
        help="the method of B's results (default: --method), e.g. a --compare of the same run: "
        "'hybrid[abstain=false]'",
    )
    args = parser.parse_args(argv)
    second = args.second_method or args.method
    print(table(args.first, args.second, args.method, second))
    print()
    print(pair_table(args.first, args.second, args.method, second))
    return 0


if __name__ == "__main__":
    run_command(main, "python -m eval.diff")
