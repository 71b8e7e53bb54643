"""``rag ask``: one question answered with cited passages, as text or JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cli.common import settings_from


def print_answer(answer: Any) -> None:
    print(f"Q: {answer.question}")
    if answer.corrections:
        searched = ", ".join(f"{typed} → {word}" for typed, word in answer.corrections.items())
        print(f"(searched with {searched})")
    if not answer.found:
        print(f"Not found. {answer.message}")
        if answer.passages:
            print("\nClosest passages (they do not answer the question):")
    elif answer.uncertain:
        print(f"Uncertain. {answer.message}")
    for passage in answer.passages:
        meta = ", ".join(x for x in (passage.source, passage.published) if x)
        print(
            f"\n[{passage.citation}] {passage.title or passage.article_id}"
            + (f" ({meta})" if meta else "")
        )
        if passage.url:
            print(f"    {passage.url}")
        if passage.answer is not None:
            print(
                f"    answer: {passage.answer.text} (characters {passage.answer.start}-"
                f"{passage.answer.end})"
            )
        for highlight in passage.highlights:
            print(f"    “{highlight.text}”")
        print(
            f"    article {passage.article_id}, characters {passage.start}-{passage.end}, "
            f"score {passage.score:.4f}"
        )
    if answer.trace:
        print("\nStages:")
        for record in answer.trace:
            print(f"    {record['stage']:<8} {record['ms']:>9.1f} ms")


def cmd_ask(args: argparse.Namespace) -> int:
    from index.loader import load_current
    from rag.corpus import Filters
    from rag.embedding.encoder import Encoder
    from rag.stages import Trace

    settings = settings_from(args)
    _, engine = load_current(settings, Encoder(settings))
    filters = Filters(
        source=args.source,
        lang=args.lang,
        published_from=args.published_from,
        published_to=args.published_to,
    )
    answer = engine.answer(
        args.question, args.top_k, filters, trace=Trace() if args.trace else None
    )
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)
    return 0
