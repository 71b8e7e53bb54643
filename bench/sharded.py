"""Sharded serving against one index: the same answers, checked question by question.

    python -m bench.sharded --english 300 --shards 2 4 --ray --out bench-out

Builds the Korean news corpus, the English articles the dev sets ask about and the first
``--english`` other English articles with text (the default embedding cache is used, so a
second run encodes nothing). Every question of the three dev sets in ``eval/sets`` is then
answered by the unsharded index and by the same build with its dense vectors in N shards
(``rag.retrieval.shards``), in this process and, with ``--ray``, over HTTP from
``rag serve --ray`` on a local Ray cluster of two one-CPU nodes (``api.ray_serve``). A row
counts the questions whose whole answer (passages, order, scores, offsets, found or not) is
the unsharded one's, and whose dense top ``candidates`` are the same rows with the same
scores; the times are medians over the questions after 20 untimed ones, one run (noisy
machines: read the ratios). "stop s" is the time from SIGTERM to the exit of ``rag serve
--ray``, which takes its application down (Serve draining the replicas,
``RAG_RAY_DRAIN_POLL_S``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.http import Server
from bench.ray_build import NEWS, local_cluster
from bench.results import write_results
from bench.stats import median
from eval.command import run as run_command
from eval.report import markdown_table
from index.builder import build_index
from index.files import read_jsonl
from index.loader import load_build
from rag.config import get_settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.parts.dense import load_dense_shard
from rag.retrieval.shards import LocalDenseShards

SETS = Path(__file__).resolve().parent.parent / "eval" / "sets"
DEV_SETS = ("crosslingual-dev", "paraphrase-dev", "unanswerable-dev")
TOP_K = 10
WARM_UP_QUESTIONS = 20


def questions() -> list[dict[str, Any]]:
    return [row for name in DEV_SETS for row in read_jsonl(SETS / name / "questions.jsonl")]


def write_corpus(folder: Path, english: int, asked: list[dict[str, Any]]) -> Path:
    """The Korean corpus, the English articles the questions name, then ``english`` more."""
    korean, english_news = (list(read_jsonl(path)) for path in NEWS)
    named = {str(q.get("article_id")) for q in asked}
    chosen = [r for r in english_news if r.get("text") and r.get("id") in named]
    others = [r for r in english_news if r.get("text") and r.get("id") not in named]
    rows = [r for r in korean if r.get("text")] + chosen + others[:english]
    path = folder / "news.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _timed(run: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = run()
    return result, (time.perf_counter() - started) * 1000


def warm_up(engine: SearchEngine, texts: list[str]) -> None:
    """A freshly loaded engine's first questions pay for its caches: not timed."""
    for text in texts[:WARM_UP_QUESTIONS]:
        engine.answer(text, TOP_K)


def reference(engine: SearchEngine, texts: list[str]) -> list[dict[str, Any]]:
    """The unsharded index's answers, dense top candidates and times."""
    warm_up(engine, texts)
    out = []
    for text in texts:
        query = engine.make_query(text)
        dense, dense_ms = _timed(lambda q=query: engine.dense.search(q, engine.params.candidates))
        answer, answer_ms = _timed(lambda t=text: engine.answer(t, TOP_K).to_dict())
        out.append(
            {
                "query": query,
                "dense": dense,
                "answer": answer,
                "dense_ms": dense_ms,
                "answer_ms": answer_ms,
                "stop_s": None,
            }
        )
    return out


def compare_in_process(
    engine: SearchEngine, texts: list[str], one: list[dict[str, Any]]
) -> dict[str, Any]:
    warm_up(engine, texts)
    same_answers = same_dense = 0
    dense_ms, answer_ms = [], []
    for text, ref in zip(texts, one, strict=True):
        dense, ms = _timed(lambda q=ref["query"]: engine.dense.search(q, engine.params.candidates))
        dense_ms.append(ms)
        same_dense += int(
            np.array_equal(dense.positions, ref["dense"].positions)
            and np.array_equal(dense.scores, ref["dense"].scores)
        )
        answer, ms = _timed(lambda t=text: engine.answer(t, TOP_K).to_dict())
        answer_ms.append(ms)
        same_answers += int(answer == ref["answer"])
    return {
        "same_answers": same_answers,
        "same_dense": same_dense,
        "dense_ms": median(dense_ms),
        "answer_ms": median(answer_ms),
        "stop_s": None,
    }


def http_answers(server: Server, texts: list[str]) -> tuple[list[Any], list[float]]:
    """Each question's ``/ask`` body from ``server`` (None where it failed), and the times."""
    answers, latencies = [], []
    with httpx.Client(timeout=120) as client:
        for text in texts:
            started = time.perf_counter()
            response = client.post(f"{server.base}/ask", json={"question": text, "top_k": TOP_K})
            latencies.append((time.perf_counter() - started) * 1000)
            answers.append(response.json() if response.status_code == 200 else None)
    return answers, latencies


def on_ray(index_dir: Path, shards: int, address: str) -> Server:
    """``rag serve --ray`` with ``shards`` shards on the cluster at ``address``: two one-CPU
    nodes, which the shards share (the API replica reserves none)."""
    env = {"RAG_RAY_SHARD_CPUS": str(2 / shards), "RAG_RAY_API_CPUS": "0"}
    return Server(index_dir, env, ["--ray", address, "--shards", str(shards)])


def run(english: int, shard_counts: Sequence[int], ray: bool) -> list[dict[str, Any]]:
    asked = questions()
    texts = [str(q["question"]) for q in asked]
    with tempfile.TemporaryDirectory(prefix="bench-sharded-") as tmp:
        root = Path(tmp)
        settings = get_settings().but(index_dir=root / "index")
        encoder = Encoder(settings)
        built = build_index([write_corpus(root, english, asked)], settings, encoder, progress=True)
        _, engine = load_build(built.folder, settings, encoder)
        one = reference(engine, texts)
        base = {
            "articles": built.manifest.counts["articles"],
            "passages": built.manifest.counts["chunks"],
            "questions": len(texts),
        }
        rows = [
            {
                **base,
                "served": "one index",
                "shards": 1,
                "same_answers": len(texts),
                "same_dense": len(texts),
                "dense_ms": median([r["dense_ms"] for r in one]),
                "answer_ms": median([r["answer_ms"] for r in one]),
                "stop_s": None,
            }
        ]
        for count in shard_counts:
            shards = LocalDenseShards(count, load_dense_shard)
            _, split = load_build(built.folder, settings, encoder, dense_shards=shards)
            rows.append(
                {
                    **base,
                    "served": "shards in this process",
                    "shards": count,
                    **compare_in_process(split, texts, one),
                }
            )
        if ray:
            rows += compare_over_http(settings.service.index_dir, shard_counts, texts, base)
        return rows


def compare_over_http(
    index_dir: Path, shard_counts: Sequence[int], texts: list[str], base: dict[str, Any]
) -> list[dict[str, Any]]:
    """``rag serve`` and ``rag serve --ray`` on a local two-node cluster, asked over HTTP."""
    with Server(index_dir) as plain:
        expected, latencies = http_answers(plain, texts)
    rows = [
        {
            **base,
            "served": "rag serve, over HTTP",
            "shards": 1,
            "same_answers": len(texts),
            "same_dense": None,
            "dense_ms": None,
            "answer_ms": median(latencies),
            "stop_s": None,
        }
    ]
    with local_cluster(nodes=2) as address:
        for count in shard_counts:
            with on_ray(index_dir, count, address) as sharded:
                answers, latencies = http_answers(sharded, texts)
            same = sum(a is not None and a == e for a, e in zip(answers, expected, strict=True))
            rows.append(
                {
                    **base,
                    "served": "rag serve --ray, over HTTP",
                    "shards": count,
                    "same_answers": same,
                    "same_dense": None,
                    "dense_ms": None,
                    "answer_ms": median(latencies),
                    "stop_s": sharded.stop_s,
                }
            )
    return rows


def table(rows: Sequence[dict[str, Any]]) -> str:
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}"

    def share(value: int | None, total: int) -> str:
        return "—" if value is None else f"{value}/{total}"

    return markdown_table(
        [
            "served",
            "shards",
            "passages",
            "same answer",
            "same dense top",
            "dense search ms p50",
            "answer ms p50",
            "stop s",
        ],
        [
            [
                r["served"],
                str(r["shards"]),
                str(r["passages"]),
                share(r["same_answers"], r["questions"]),
                share(r["same_dense"], r["questions"]),
                ms(r["dense_ms"]),
                ms(r["answer_ms"]),
                ms(r["stop_s"]),
            ]
            for r in rows
        ],
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--english", type=int, default=300, help="English articles besides those the questions name"
    )
    parser.add_argument("--shards", type=int, nargs="+", default=[2, 4])
    parser.add_argument(
        "--ray",
        action="store_true",
        help="also serve with rag serve --ray on a local two-node cluster",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    rows = run(args.english, args.shards, args.ray)
    write_results(args.out, "sharded", table(rows), rows)


if __name__ == "__main__":
    run_command(main, "python -m bench.sharded")
