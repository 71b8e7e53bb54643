"""Tables, a Markdown report and PNG plots from evaluation results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from eval.fitting import HeldOutRates
from eval.metrics import answer_hit_at_k, mean
from eval.runner import QuestionResult, SetResult

RECALL_KS = (1, 5, 10, 100)
HIT_KS = (1, 5, 10)


def _fmt(value: float) -> str:
    return "—" if value != value else f"{value:.3f}"  # NaN -> dash


def summarize(results: Sequence[QuestionResult]) -> dict[str, float]:
    """Mean metrics of one method on one set (document-level on answerable questions)."""
    answerable = [r for r in results if r.answerable]
    graded = [r for r in answerable if r.recall is not None]
    with_spans = [r for r in answerable if r.has_answers]
    unanswerable = [r for r in results if not r.answerable]
    row: dict[str, float] = {
        "n": float(len(results)),
        "nDCG@10": mean([r.ndcg10 for r in graded]),
        "MRR@10": mean([r.mrr10 for r in graded]),
    }
    for k in RECALL_KS:
        row[f"R@{k}"] = mean([r.recall[k] for r in graded])
    for k in HIT_KS:
        row[f"hit@{k}"] = mean([answer_hit_at_k(r.answer_rank, k) for r in with_spans])
    row["quote@1"] = mean([1.0 if r.quoted else 0.0 for r in with_spans])
    row["span@1"] = mean([1.0 if r.spanned else 0.0 for r in with_spans])
    # The first document is a gold one (recall@1 counts a share of several gold documents).
    row["P@1"] = mean([1.0 if r.recall[1] > 0 else 0.0 for r in graded])
    row["served nDCG@10"] = mean([r.served_ndcg10 for r in graded])
    row["served hit@5"] = mean([answer_hit_at_k(r.served_answer_rank, 5) for r in with_spans])
    row["abstain"] = mean([1.0 if r.abstained else 0.0 for r in unanswerable])
    row["false-abstain"] = mean([1.0 if r.abstained else 0.0 for r in answerable])
    row["uncertain"] = mean([1.0 if r.uncertain else 0.0 for r in answerable])
    row["warned"] = mean([1.0 if r.abstained or r.uncertain else 0.0 for r in unanswerable])
    # Passages in another language than the question's among the first five, all questions.
    row["other@5"] = mean([float(r.other_language_5) for r in results])
    row["ms/q"] = mean([r.latency_ms for r in results])
    return row


def _group(
    results: Iterable[QuestionResult], *keys: str
) -> dict[tuple[str, ...], list[QuestionResult]]:
    groups: dict[tuple[str, ...], list[QuestionResult]] = defaultdict(list)
    for result in results:
        groups[tuple(getattr(result, key) for key in keys)].append(result)
    return groups


MAIN_COLUMNS = (
    "n",
    "nDCG@10",
    "R@1",
    "R@5",
    "R@10",
    "R@100",
    "MRR@10",
    "hit@1",
    "quote@1",
    "span@1",
    "hit@5",
    "hit@10",
    "abstain",
    "abstain (gold out)",
    "false-abstain",
    "ms/q",
)
LANGUAGE_COLUMNS = (
    "n",
    "nDCG@10",
    "P@1",
    "R@10",
    "hit@1",
    "hit@5",
    "false-abstain",
    "other@5",
)
SERVED_COLUMNS = (
    "n",
    "nDCG@10",
    "served nDCG@10",
    "hit@5",
    "served hit@5",
    "P@1",
    "false-abstain",
    "uncertain",
    "abstain",
    "warned",
    "abstain (gold out)",
)
HELD_OUT_COLUMNS = (
    "answerable",
    "false-abstain",
    "unanswerable",
    "abstain",
    "gold out",
    "abstain (gold out)",
)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main_table(outcomes: Sequence[SetResult]) -> str:
    rows = []
    for outcome in outcomes:
        for (method,), results in _group(outcome.results, "method").items():
            summary = summarize(results)
            removed = [r.abstained for r in outcome.gold_removed if r.method == method]
            summary["abstain (gold out)"] = mean([1.0 if a else 0.0 for a in removed])
            cells = [f"{int(summary['n'])}"] + [_fmt(summary[c]) for c in MAIN_COLUMNS[1:]]
            rows.append([outcome.eval_set.name, method, *cells])
    return markdown_table(["set", "method", *MAIN_COLUMNS], rows)


def served_table(outcomes: Sequence[SetResult]) -> str:
    """What a user gets from ``/ask`` (a "not found" answer cites nothing) beside what the
    ranking finds, for the hybrid methods."""
    rows = []
    for outcome in outcomes:
        for (method,), results in _group(outcome.results, "method").items():
            if not method.startswith("hybrid"):
                continue
            summary = summarize(results)
            removed = [r.abstained for r in outcome.gold_removed if r.method == method]
            summary["abstain (gold out)"] = mean([1.0 if a else 0.0 for a in removed])
            cells = [f"{int(summary['n'])}"] + [_fmt(summary[c]) for c in SERVED_COLUMNS[1:]]
            rows.append([outcome.eval_set.name, method, *cells])
    return markdown_table(["set", "method", *SERVED_COLUMNS], rows)


def held_out_table(rows: Sequence[HeldOutRates]) -> str:
    """The leave-one-set-out abstention rates: each set scored by a model fitted without it."""
    cells = [
        [
            row.suite,
            str(row.answerable),
            _fmt(row.false_abstention),
            str(row.unanswerable),
            _fmt(row.not_found),
            str(row.gold_removed),
            _fmt(row.not_found_gold_removed),
        ]
        for row in rows
    ]
    return markdown_table(["set (held out)", *HELD_OUT_COLUMNS], cells)


def language_table(outcomes: Sequence[SetResult]) -> str:
    rows = []
    for outcome in outcomes:
        groups = _group(outcome.results, "method", "lang", "gold_lang")
        for (method, lang, gold_lang), results in sorted(groups.items()):
            summary = summarize(results)
            pair = f"{lang}→{gold_lang or '?'}"
            cells = [f"{int(summary['n'])}"] + [_fmt(summary[c]) for c in LANGUAGE_COLUMNS[1:]]
            rows.append([outcome.eval_set.name, method, pair, *cells])
    return markdown_table(["set", "method", "question→article", *LANGUAGE_COLUMNS], rows)


def plot_recall_curves(outcome: SetResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    ks = sorted(next(iter(outcome.results)).recall) if outcome.results else []
    for (method,), results in _group(outcome.results, "method").items():
        answerable = [r for r in results if r.answerable]
        axis.plot(
            ks, [mean([r.recall[k] for r in answerable]) for k in ks], marker="o", label=method
        )
    axis.set_xscale("log")
    axis.set_xlabel("k (documents)")
    axis.set_ylabel("recall@k")
    axis.set_title(f"{outcome.eval_set.name}: recall@k")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_languages(outcome: SetResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = _group(outcome.results, "lang", "gold_lang", "method")
    pairs = sorted({(lang, gold) for lang, gold, _ in groups})
    methods = sorted({method for _, _, method in groups})
    metric = "hit@5" if any(r.has_answers for r in outcome.results) else "R@10"
    figure, axis = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(len(methods), 1)
    for index, method in enumerate(methods):
        values = [summarize(groups.get((lang, gold, method), []))[metric] for lang, gold in pairs]
        axis.bar([p + index * width for p in range(len(pairs))], values, width, label=method)
    axis.set_xticks([p + width * (len(methods) - 1) / 2 for p in range(len(pairs))])
    axis.set_xticklabels([f"{lang}→{gold or '?'}" for lang, gold in pairs])
    axis.set_ylabel(metric)
    axis.set_ylim(0, 1.05)
    axis.set_title(f"{outcome.eval_set.name}: {metric} by question → article language")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(
    outcomes: Sequence[SetResult],
    folder: Path,
    command: str,
    held_out: Sequence[HeldOutRates] = (),
    held_out_note: str = "",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sections = [
        "# Retrieval evaluation",
        f"Command: `{command}`",
        "Document-level nDCG@10, recall@k and MRR@10 (each document counted once, at its best "
        "passage); hit@k: a gold answer span in the first k passages; quote@1: a gold answer "
        "span in the sentence the first passage quotes; abstain: share of "
        "unanswerable questions answered 'not found'; abstain (gold out): the same on "
        "answerable questions asked with their gold documents left out of the index "
        "(`--gold-removed`); false-abstain: the same on answerable questions; ms/q: mean "
        "query latency (encoding + ranking).",
        "## Results",
        main_table(outcomes),
        "## Served: what `/ask` returns, beside the ranking",
        "served nDCG@10 and served hit@5 count a 'not found' answer as citing nothing; "
        "P@1: the first document is a gold one; uncertain: answerable questions answered "
        "but marked uncertain (cited, with a word that they may not answer); warned: "
        "unanswerable questions answered 'not found' or marked uncertain.",
        served_table(outcomes),
        "## By question language → article language",
        language_table(outcomes),
    ]
    if held_out:
        sections += ["## Abstention, each set held out of the fit", held_out_note]
        sections.append(held_out_table(held_out))
    for outcome in outcomes:
        name = outcome.eval_set.name
        plot_recall_curves(outcome, folder / f"{name}-recall.png")
        plot_languages(outcome, folder / f"{name}-languages.png")
        sections += [
            f"## {name}",
            f"![recall]({name}-recall.png)",
            f"![languages]({name}-languages.png)",
        ]
    report = folder / "report.md"
    report.write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    return report
