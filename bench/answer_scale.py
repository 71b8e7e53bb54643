"""Where a question's time goes as the archive grows.

    python -m bench.answer_scale --passages 10000 100000 --out bench-out

Each size is ``bench.build_memory``'s synthetic corpus (articles of sentences drawn, seeded,
from the shared news corpora, Korean and English), built once into ``OUT/answer-scale/N``
and kept there, so a second run only asks. The passages' vectors are stand-ins (encoding 100k
passages takes hours on two cores): a seeded random unit vector per text, as in
``bench.build_memory``, or with ``--vectors`` (a build's ``dense/vectors.npy``) a seeded
pick of those real vectors plus Gaussian noise of norm ``--spread``, unit again, as
``bench.ann`` grows them (kept in ``OUT/answer-scale/N-shaped``): random vectors have no
clusters, and an IVF index over them must search most of its lists. The questions are
encoded by the model. Every question of the dev sets in
``eval/sets`` is then answered one at a time through the serving path (``engine.answer``),
each stage timed by a :class:`~rag.stages.Trace`; the table gives each stage's median and
p95 after ``WARM_UP_QUESTIONS`` untimed ones. The encoder's pass is in "prepare" and does not
depend on the archive (``bench.encoders`` measures it); what grows with it is the rest.
"""

from __future__ import annotations

import argparse
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.ann import perturbed_copies
from bench.build_memory import CHARS_PER_PASSAGE, with_stand_ins, write_corpus
from bench.results import write_results
from bench.sharded import questions
from bench.stats import median, percentile
from eval.report import markdown_table
from index.builder import build_index
from index.loader import load_build
from index.store import IndexStore
from rag.config import Settings, get_settings
from rag.embedding.encoder import Encoder
from rag.stages import Trace

WARM_UP_QUESTIONS = 20
TIMED = ("prepare", "rank", "judge", "cite")
SPREAD = 0.45  # bench.ann's noise norm: a copy's mean cosine to its real vector about 0.9


def shaped_vectors(real: np.ndarray, spread: float) -> Callable[..., np.ndarray]:
    """Stand-in vectors shaped like the model's: for each text a copy of one of ``real``,
    perturbed as ``bench.ann`` grows them, seeded by the text."""

    def encode(
        texts: Sequence[str], prompt_name: str | None = None, backend: str | None = None
    ) -> np.ndarray:
        seeds = (zlib.crc32(f"{prompt_name}\0{text}".encode()) for text in texts)
        copies = [perturbed_copies(real, 1, spread, np.random.default_rng(s)) for s in seeds]
        return np.vstack(copies) if copies else np.empty((0, real.shape[1]), np.float32)

    return encode


def stand_in_encoder(
    settings: Settings, real: np.ndarray | None = None, spread: float = SPREAD
) -> Encoder:
    """The model for questions, stand-in vectors for everything a build encodes (shaped like
    ``real`` vectors when given)."""
    encode = None if real is None else shaped_vectors(real, spread)
    return with_stand_ins(Encoder(settings), encode)


def built_index(folder: Path, passages: int, encoder: Encoder) -> Settings:
    """The settings serving the index of about ``passages`` passages in ``folder``, built
    there first when it is not."""
    settings = get_settings().but(index_dir=folder / "index", cache_dir=folder / "cache")
    if IndexStore(folder / "index").current() is None:
        corpus = folder / "corpus.jsonl"
        folder.mkdir(parents=True, exist_ok=True)
        write_corpus(corpus, passages, CHARS_PER_PASSAGE)
        build_index([corpus], settings, encoder, progress=False)
    return settings


def measure(
    folder: Path, passages: int, encoder: Encoder, limit: int | None = None
) -> dict[str, Any]:
    """Each stage's median and p95 ms over the dev sets' questions (the first ``limit``)."""
    settings = built_index(folder, passages, encoder)
    current = IndexStore(settings.service.index_dir).current()
    assert current is not None
    manifest, engine = load_build(current, settings, encoder)
    asked = [str(row["question"]) for row in questions()][:limit]
    times: dict[str, list[float]] = {stage: [] for stage in (*TIMED, "answer")}
    for number, question in enumerate(asked):
        trace = Trace()
        engine.answer(question, trace=trace)
        if number < WARM_UP_QUESTIONS:
            continue
        spent = {record.stage: record.ms for record in trace.stages}
        for stage in TIMED:
            times[stage].append(spent.get(stage, 0.0))
        times["answer"].append(sum(spent.values()))
    return {
        "passages": manifest.counts["chunks"],
        "index": engine.dense.factory,
        "questions": len(asked) - WARM_UP_QUESTIONS,
        "ms": {stage: [median(ms), percentile(ms, 95)] for stage, ms in times.items()},
    }


def table(rows: Sequence[dict[str, Any]]) -> str:
    header = ["passages", "dense index", *(f"{s} p50 / p95 ms" for s in (*TIMED, "answer"))]
    lines = [
        [
            f"{row['passages']:,}",
            row["index"],
            *(f"{p50:.1f} / {p95:.1f}" for p50, p95 in row["ms"].values()),
        ]
        for row in rows
    ]
    return markdown_table(header, lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_scale", description=__doc__)
    parser.add_argument("--passages", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--questions", type=int, help="the first N questions only")
    parser.add_argument("--vectors", type=Path, help="real passage vectors (.npy) to shape from")
    parser.add_argument("--spread", type=float, default=SPREAD, help="noise norm of a stand-in")
    args = parser.parse_args(argv)
    real = None if args.vectors is None else np.load(args.vectors).astype(np.float32)
    encoder = stand_in_encoder(get_settings(), real, args.spread)
    kind = "" if real is None else "-shaped"
    rows = [
        measure(args.out / "answer-scale" / f"{passages}{kind}", passages, encoder, args.questions)
        for passages in args.passages
    ]
    write_results(args.out, "answer-scale", table(rows), rows)


if __name__ == "__main__":
    main()
