"""Encoder backends side by side: ``python -m bench.encoders [--out bench-out]``.

One run, same machine state, ratios to sentence-transformers' PyTorch fp32 ``encode``:
- query encoding, one question at a time (median, p95), each backend over all the questions
  in a block of its own, and the least cosine of its vectors to PyTorch's;
- passages per second on news passages of up to 1,200 characters in batches of 16, and that
  throughput as a share of the machine's arithmetic limit (the model's FLOPs per passage,
  from its shape and each passage's tokens, over a measured float32 matmul rate);
- with an index (built on first use from the news corpora): the same top passage as PyTorch,
  ``/ask`` over HTTP at concurrency 1 (requests alone, then traced by stage) and its ratios to
  the bare encodings above, and the server's peak memory, a server per backend
  (``RAG_ENCODER_BACKEND``).
The quality figures per evaluation set come from ``rag eval`` run once per backend
(``docs/encoders.md`` gives the commands).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bench.http import Server, load_test, peak_rss_mb, stage_breakdown
from bench.run import _questions, _table
from bench.stats import median, percentile
from eval.command import run as run_command
from index.builder import build_index
from index.loader import load_current
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import IndexStoreError
from rag.ingest import read_articles

BACKENDS = ("torch", "onnx", "openvino", "openvino-bf16")  # torch first: the reference
PASSAGE_CHARS = 1200
PASSAGE_BATCH = 16
SAMPLE_SEED = 7
MATMUL_SIZE = 1024


@dataclass
class BackendRow:
    backend: str
    query_p50_ms: float
    query_p95_ms: float
    query_speedup: float  # PyTorch's median over this one's
    passages_per_s: float
    build_speedup: float
    limit_share: float  # passages/s x FLOPs per passage over the measured matmul rate
    min_cosine: float
    same_top: str = "—"
    ask_p50_ms: float = float("nan")
    ask_to_torch_bare: float = float("nan")
    ask_to_own_bare: float = float("nan")
    server_peak_mib: float = float("nan")
    # Median ms of each stage of /ask and of what is outside them (bench.http.stage_breakdown).
    ask_stages: dict[str, float] = field(default_factory=dict)


def matmul_gflops(repeats: int = 5) -> float:
    """The machine's float32 matrix-multiply rate (all cores), GFLOP/s, median of runs."""
    a = np.random.default_rng(0).standard_normal((MATMUL_SIZE, MATMUL_SIZE), dtype=np.float32)
    a @ a  # warm up
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        a @ a
        rates.append(2 * MATMUL_SIZE**3 / (time.perf_counter() - started) / 1e9)
    return median(rates)


def passage_flops(encoder: Encoder, texts: Sequence[str]) -> float:
    """Mean forward-pass FLOPs of a passage: per layer, the projections and feed-forward
    (2·T·(4H² + 2·H·I)) and attention (4·T²·H), T its tokens with prompt and specials."""
    config = json.loads((Path(encoder.path) / "config.json").read_text())
    hidden, inner = int(config["hidden_size"]), int(config["intermediate_size"])
    layers = int(config["num_hidden_layers"])
    total = 0.0
    for text in texts:
        tokens = min(encoder.count_tokens(text) + encoder.overhead_tokens(), encoder.max_tokens)
        dense = 2 * tokens * (4 * hidden**2 + 2 * hidden * inner)
        total += layers * (dense + 4 * tokens**2 * hidden)
    return total / max(len(texts), 1)


def _time(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _passages(corpus: Sequence[Path], count: int) -> list[str]:
    texts = [a.text[:PASSAGE_CHARS] for a in read_articles(list(corpus)).articles if a.text]
    return random.Random(SAMPLE_SEED).sample(texts, min(count, len(texts)))


def measure(
    encoders: dict[str, Encoder], questions: Sequence[str], passages: Sequence[str], repeats: int
) -> list[BackendRow]:
    reference = encoders["torch"].model  # sentence-transformers on PyTorch, fp32
    encode_reference: dict[str, Callable[[list[str]], np.ndarray]] = {
        "torch": lambda texts: reference.encode(
            texts, prompt_name="query", normalize_embeddings=True, batch_size=PASSAGE_BATCH
        ),
    }
    for name, encoder in encoders.items():
        encode_reference.setdefault(name, encoder.encode_queries)
    timings: dict[str, list[float]] = {name: [] for name in encoders}
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
    # Each backend in a block of its own: timed in turn per question, one backend's threads,
    # still spinning after its run, slowed the next one's (PyTorch's 32-34 ms became 45-51).
    for name, encode in encode_reference.items():
        for question in questions[:3]:  # warm up
            encode([question])
        for question in questions:
            started = time.perf_counter()
            vectors[name].append(encode([question])[0])
            timings[name].append((time.perf_counter() - started) * 1000)
    cosines = {
        name: [float(a @ b) for a, b in zip(vectors[name], vectors["torch"], strict=True)]
        for name in encoders
    }
    rates: dict[str, list[float]] = {name: [] for name in encoders}

    def encode_passages(name: str) -> object:
        if name == "torch":
            return reference.encode(
                list(passages),
                prompt_name="document",
                normalize_embeddings=True,
                batch_size=PASSAGE_BATCH,
            )
        encoders[name].batch_size = PASSAGE_BATCH
        return encoders[name].encode_passages(passages)

    for name in encoders:  # in blocks too
        for _ in range(repeats):
            seconds = _time(lambda name=name: encode_passages(name)) / 1000  # type: ignore[misc]
            rates[name].append(len(passages) / seconds)
    flops = passage_flops(encoders["torch"], passages)
    limit = matmul_gflops() * 1e9
    torch_query, torch_rate = median(timings["torch"]), median(rates["torch"])
    return [
        BackendRow(
            backend=name,
            query_p50_ms=median(timings[name]),
            query_p95_ms=percentile(timings[name], 95),
            query_speedup=torch_query / median(timings[name]),
            passages_per_s=median(rates[name]),
            build_speedup=median(rates[name]) / torch_rate,
            limit_share=median(rates[name]) * flops / limit,
            min_cosine=min(cosines[name]),
        )
        for name in encoders
    ]


def serve_figures(
    rows: list[BackendRow],
    encoders: dict[str, Encoder],
    settings: Settings,
    corpus: Sequence[Path],
    questions: Sequence[str],
    requests: int,
) -> str:
    """Same top passage as PyTorch, ``/ask`` p50 and the server's peak memory per backend;
    returns what index was served (its size decides the ranking's share of ``/ask``)."""
    try:
        manifest, _ = load_current(settings, encoders["torch"])
    except IndexStoreError:
        manifest = build_index(list(corpus), settings, encoders["onnx"]).manifest
    tops = {}
    for name, encoder in encoders.items():
        _, engine = load_current(settings, encoder)
        tops[name] = [engine.search(q, 1)[0].chunk_id for q in questions]
        del engine
    torch_bare = next(r for r in rows if r.backend == "torch").query_p50_ms
    for row in rows:
        same = sum(a == b for a, b in zip(tops[row.backend], tops["torch"], strict=True))
        row.same_top = f"{same}/{len(questions)}"
        with Server(settings.service.index_dir, {"RAG_ENCODER_BACKEND": row.backend}) as server:
            # Requests alone, one after the other: nothing else runs on the cores meanwhile.
            row.ask_p50_ms = load_test(server.base, questions, requests, 1).median_ms
            row.ask_stages = stage_breakdown(server.base, questions, requests)
            row.server_peak_mib = peak_rss_mb(server.process.pid)
        row.ask_to_torch_bare = row.ask_p50_ms / torch_bare
        row.ask_to_own_bare = row.ask_p50_ms / row.query_p50_ms
    counts = manifest.counts
    return (
        f"Served index: {settings.service.index_dir}, build {manifest.build_id}: "
        f"{counts.get('chunks', 0):,} passages of {counts.get('articles', 0):,} articles."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.encoders", description=__doc__)
    parser.add_argument("--out", default="bench-out")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--passages", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60, help="/ask requests per backend")
    parser.add_argument("--no-serve", action="store_true", help="skip the index and HTTP rows")
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=BACKENDS[1:],
        default=list(BACKENDS[1:]),
        help="backends beside PyTorch (default: all)",
    )
    parser.add_argument(
        "--index-dir",
        type=Path,
        help="serve this index (built there from the news corpora if it has none); "
        "default OUT/encoders-index",
    )
    args = parser.parse_args(argv)
    base = Settings()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = base.but(index_dir=args.index_dir or out / "encoders-index")
    names = ["torch", *args.backends]
    encoders = {name: Encoder(settings.but(encoder_backend=name)) for name in names}
    questions = _questions()[: args.questions]
    corpus = list(base.eval.eval_news_corpus)
    rows = measure(encoders, questions, _passages(corpus, args.passages), args.repeats)
    served = ""
    if not args.no_serve:
        served = serve_figures(rows, encoders, settings, corpus, questions, args.requests)
    table = _table(
        [
            "backend",
            "query ms p50",
            "p95",
            "× torch",
            "passages/s",
            "× torch",
            "share of arithmetic limit",
            "min cosine to torch",
            "same top passage",
            "/ask p50 ms",
            "÷ torch bare encoding",
            "÷ own bare encoding",
            "server peak MiB",
        ],
        [
            [
                r.backend,
                f"{r.query_p50_ms:.1f}",
                f"{r.query_p95_ms:.1f}",
                f"{r.query_speedup:.2f}",
                f"{r.passages_per_s:.2f}",
                f"{r.build_speedup:.2f}",
                f"{r.limit_share:.2f}",
                f"{r.min_cosine:.7f}",
                r.same_top,
                f"{r.ask_p50_ms:.1f}",
                f"{r.ask_to_torch_bare:.2f}",
                f"{r.ask_to_own_bare:.2f}",
                f"{r.server_peak_mib:.0f}",
            ]
            for r in rows
        ],
    )
    parts = list(dict.fromkeys(part for r in rows for part in r.ask_stages))
    if parts:
        table += "\n\nWhere `/ask`'s time goes (median ms over HTTP, from the server's trace):\n\n"
        table += _table(
            ["backend", "bare encoding", *parts],
            [
                [
                    r.backend,
                    f"{r.query_p50_ms:.1f}",
                    *(f"{r.ask_stages.get(p, 0):.1f}" for p in parts),
                ]
                for r in rows
                if r.ask_stages
            ],
        )
    if served:
        table += f"\n\n{served}"
    command = "python -m bench.encoders " + " ".join(sys.argv[1:] if argv is None else argv)
    print(table)
    (out / "results-encoders.md").write_text(f"Command: `{command}`\n\n{table}\n")
    (out / "results-encoders.json").write_text(json.dumps([asdict(r) for r in rows], indent=2))
    print(f"written to {out / 'results-encoders.md'}")
    return 0


if __name__ == "__main__":
    run_command(main, "python -m bench.encoders")
