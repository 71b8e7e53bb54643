"""Train the reader (``rag.reader``) here, on CPU, reproducibly from a seed.

    python -m eval.train_reader --out rag/fitted/reader

The frozen lower layers run once over every training window and their output is kept; only
the adapted top layers and the span head run in the training steps. The adapter, its config
and a record of the run (data, split, seed, time, held-out figures) are written to ``--out``.
"""

from __future__ import annotations

import argparse
import copy
import glob
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.command import run
from eval.reader_data import (
    ReaderExample,
    cloze_examples,
    korquad_examples,
    referenced_articles,
    summary,
)
from eval.reader_score import score_reader
from rag.config import Settings
from rag.errors import InputError

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
DEFAULT_KORQUAD = SHARED / "evalsets/korquad-v1-dev/KorQuAD_v1.0_dev.json"
DEFAULT_ENGLISH = SHARED / "corpora/health-news-en/articles.jsonl"
QUESTION_SETS = ("eval/sets/*/questions.jsonl", str(SHARED / "evalsets/*/questions.jsonl"))


@dataclass
class Features:
    input_ids: np.ndarray
    attention: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def featurize(examples: list[ReaderExample], tokenizer: Any, config: Any) -> Features:
    """Windows of every (question, context) pair with their span labels (0: no answer)."""
    encoded = tokenizer(
        [e.question for e in examples],
        [e.context for e in examples],
        truncation="only_second",
        max_length=config.max_tokens,
        stride=config.stride_tokens,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="max_length",
        return_tensors="np",
    )
    rows: list[int] = []
    starts, ends = [], []
    for row, owner in enumerate(encoded["overflow_to_sample_mapping"].tolist()):
        example = examples[owner]
        start = end = 0
        if example.answerable:
            first, last = example.answer_start, example.answer_start + len(example.answer)
            sequence = encoded.sequence_ids(row)
            offsets = encoded["offset_mapping"][row]
            context = [i for i, sid in enumerate(sequence) if sid == 1]
            if context and offsets[context[0]][0] <= first and offsets[context[-1]][1] >= last:
                start = next(i for i in context if offsets[i][1] > first)
                end = next(i for i in reversed(context) if offsets[i][0] < last)
        if example.answerable and start == 0:
            continue  # a window that cut the answer off: the negatives teach "no answer"
        rows.append(row)
        starts.append(start)
        ends.append(end)
    ids, attention = encoded["input_ids"][rows], encoded["attention_mask"][rows]
    return Features(ids, attention, np.array(starts), np.array(ends))


def build_examples(args: argparse.Namespace, rng: random.Random) -> list[ReaderExample]:
    from rag.lexical.analyzer import LexicalAnalyzer

    korquad = korquad_examples(args.korquad, "train", LexicalAnalyzer(), rng)
    kept: list[ReaderExample] = []
    caps = {"korquad": args.answered, "near-paragraph": args.near, "altered": args.altered}
    for kind, cap in caps.items():
        chosen = [e for e in korquad if e.kind == kind]
        rng.shuffle(chosen)
        kept.extend(chosen[:cap])
    left_out = referenced_articles(Path(p) for pattern in QUESTION_SETS for p in glob.glob(pattern))
    kept.extend(cloze_examples(args.english, left_out, args.cloze, rng))
    rng.shuffle(kept)
    return kept


def train(args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from tqdm import tqdm
    from transformers import AutoModel, AutoTokenizer

    from rag.embedding.encoder import resolve_model_path
    from rag.reader.model import AdapterConfig, SpanReaderModel, save_adapter
    from rag.reader.read import Reader

    started = time.perf_counter()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    settings = Settings()
    model_dir = resolve_model_path(settings)
    config = AdapterConfig(
        base_model=settings.encoder.model,
        depth=args.depth,
        adapted_layers=args.adapted_layers,
        rank=args.rank,
        alpha=2.0 * args.rank,
        max_tokens=args.max_tokens,
        stride_tokens=args.stride_tokens,
        max_question_tokens=args.max_question_tokens,
    )
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = SpanReaderModel(AutoModel.from_pretrained(str(model_dir)), config)
    examples = build_examples(args, random.Random(args.seed))
    features = featurize(examples, tokenizer, config)
    print(
        f"{len(examples)} examples {summary(examples)}, {len(features.starts)} windows",
        file=sys.stderr,
    )

    # The frozen layers' output, once; kept in half precision.
    lower = np.empty((*features.input_ids.shape, model.encoder.config.hidden_size), np.float16)
    batch = args.batch_size
    for at in tqdm(range(0, len(lower), batch), desc="frozen layers", unit="batch"):
        ids = torch.from_numpy(features.input_ids[at : at + batch]).long()
        mask = torch.from_numpy(features.attention[at : at + batch]).long()
        lower[at : at + batch] = model.lower(ids, mask).numpy().astype(np.float16)
    lower_s = time.perf_counter() - started

    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(lower) + batch - 1) // batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / (0.06 * steps)) * max(0.0, 1 - step / steps)
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    order_rng = np.random.default_rng(args.seed)
    model.train()
    losses: list[float] = []
    progress = tqdm(total=steps, desc="training", unit="step")
    for _ in range(args.epochs):
        order = order_rng.permutation(len(lower))
        for at in range(0, len(order), batch):
            rows = np.sort(order[at : at + batch])
            hidden = torch.from_numpy(lower[rows].astype(np.float32))
            mask = torch.from_numpy(features.attention[rows]).long()
            start, end = model.upper(hidden, mask)
            loss = (
                loss_fn(start, torch.from_numpy(features.starts[rows]).long())
                + loss_fn(end, torch.from_numpy(features.ends[rows]).long())
            ) / 2
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            losses.append(float(loss))
            progress.update()
            progress.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
    progress.close()
    train_s = time.perf_counter() - started
    model.eval()
    record: dict[str, Any] = {
        "command": "python -m eval.train_reader " + " ".join(sys.argv[1:]),
        "seed": args.seed,
        "data": summary(examples),
        "windows": len(lower),
        "split": "KorQuAD v1 dev by article title (eval.datasets.squad_part): train part",
        "epochs": args.epochs,
        "batch_size": batch,
        "lr": args.lr,
        "frozen_pass_s": round(lower_s, 1),
        "train_s": round(train_s, 1),
        "final_loss": round(float(np.mean(losses[-100:])), 4),
    }
    save_adapter(model, args.out, record)
    merged = Reader(copy.deepcopy(model).merge(), tokenizer)  # the saved model stays unmerged
    record["heldout"] = score_reader(merged, args.korquad, args.report_limit, args.seed)
    save_adapter(model, args.out, record)  # again, with the held-out figures in its record
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.train_reader", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("rag/fitted/reader"))
    parser.add_argument("--korquad", type=Path, default=DEFAULT_KORQUAD)
    parser.add_argument("--english", type=Path, default=DEFAULT_ENGLISH)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--adapted-layers", type=int, default=3)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--stride-tokens", type=int, default=64)
    parser.add_argument("--max-question-tokens", type=int, default=40)
    parser.add_argument("--answered", type=int, default=2400, help="KorQuAD questions")
    parser.add_argument("--near", type=int, default=1000, help="near-paragraph negatives")
    parser.add_argument("--altered", type=int, default=600, help="altered-question negatives")
    parser.add_argument("--cloze", type=int, default=600, help="English cloze articles")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--report-limit",
        type=int,
        default=400,
        help="held-out KorQuAD questions scored after training",
    )
    args = parser.parse_args(argv)
    for path in (args.korquad, args.english):
        if not path.is_file():
            raise InputError(f"no such file: {path}")
    record = train(args)
    print({k: record[k] for k in ("data", "windows", "train_s", "final_loss", "heldout")})
    return 0


if __name__ == "__main__":
    run(main, "python -m eval.train_reader")
