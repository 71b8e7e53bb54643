"""Load on ``POST /ask``: hold C requests open for D seconds and count what comes back.

    python -m bench.load --url http://127.0.0.1:8000 --concurrency 1,8,32 --duration 60
    python -m bench.load --index-dir var/index            # starts `rag serve` on it itself

Each of C workers asks a question, waits for the answer, and asks the next one (a mix of
Korean and English questions, or ``--questions FILE``), until D seconds are up. A refused
request (503) is followed by a pause of its ``Retry-After`` (``--ignore-retry-after``: none).
The report is a markdown table per concurrency: requests/s, status counts, p50/p95/p99 of the
admitted (200) requests, and how fast refusals came back. Everything stays on this machine:
the target is a server URL given by the caller, normally on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.stats import percentile
from eval.command import run as run_command

# A mix of the demo article's questions and the news corpora's, in Korean and English.
QUESTIONS = (
    "What is NSTRI?",
    "NSTRI는 무엇인가요?",
    "Where was BOSTON-SEOUL BIO & AI Night 2024 held?",
    "서울대병원이 보스턴에서 소개한 플랫폼은?",
    "서울대병원은 언제 특화연구소로 지정됐나?",
    "How many biotech companies pitched at the Boston event?",
    "What did researchers find about Alzheimer's risk?",
    "지카바이러스는 어떻게 전파되나?",
    "Does a flu shot work better for older people?",
    "고혈압 복합제를 복용한 환자의 목표 혈압 도달 비율은?",
)
DESCRIPTION = "Hold C requests to POST /ask open for D seconds and count what comes back."
ERROR_STATUS = -1  # a request that got no HTTP response (timeout, connection error)


@dataclass
class Run:
    """What came back at one concurrency."""

    concurrency: int
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    admitted_ms: list[float] = field(default_factory=list)
    refused_ms: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        """Everything but 200 and 503: other statuses and requests without a response."""
        return self.requests - self.statuses[200] - self.statuses[503]


def read_questions(path: Path | None) -> list[str]:
    """``path``'s questions (JSON lines with ``question``, or one per line); the mix above."""
    if path is None:
        return list(QUESTIONS)
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            questions.append(json.loads(line)["question"] if line.startswith("{") else line)
    if not questions:
        raise SystemExit(f"no questions in {path}")
    return questions


async def _worker(
    client: httpx.AsyncClient,
    run: Run,
    questions: Sequence[str],
    offset: int,
    deadline: float,
    top_k: int,
    retry_after: bool,
) -> None:
    turn = offset
    while time.monotonic() < deadline:
        question = questions[turn % len(questions)]
        turn += 1
        started = time.perf_counter()
        try:
            response = await client.post("/ask", json={"question": question, "top_k": top_k})
        except httpx.HTTPError:
            run.statuses[ERROR_STATUS] += 1
            continue
        elapsed_ms = (time.perf_counter() - started) * 1000
        run.statuses[response.status_code] += 1
        if response.status_code == 200:
            run.admitted_ms.append(elapsed_ms)
        elif response.status_code == 503:
            run.refused_ms.append(elapsed_ms)
            pause = float(response.headers.get("retry-after", "0") or 0) if retry_after else 0.0
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))


async def hold(
    base: str,
    concurrency: int,
    seconds: float,
    questions: Sequence[str],
    top_k: int = 5,
    timeout_s: float = 60.0,
    retry_after: bool = True,
) -> Run:
    """``concurrency`` workers asking ``/ask`` at ``base`` for ``seconds``; requests started
    before the end are waited for and counted."""
    run = Run(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=timeout_s, limits=limits) as client:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(
                _worker(client, run, questions, i, deadline, top_k, retry_after)
                for i in range(concurrency)
            )
        )
        run.seconds = time.monotonic() - started
    return run


def _ms(values: Sequence[float], q: float) -> str:
    return f"{percentile(values, q):.0f}" if values else "—"


def format_table(runs: Sequence[Run]) -> str:
    """The runs as a markdown table, one row per concurrency."""
    lines = [
        "| concurrency | seconds | requests/s | admitted/s | 200 | 503 | other | "
        "p50 ms | p95 ms | p99 ms | 503 p50 ms | 503 p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        per_s = run.requests / run.seconds if run.seconds else 0.0
        admitted_per_s = run.statuses[200] / run.seconds if run.seconds else 0.0
        lines.append(
            f"| {run.concurrency} | {run.seconds:.1f} | {per_s:.1f} | {admitted_per_s:.1f} | "
            f"{run.statuses[200]} | {run.statuses[503]} | {run.errors} | "
            f"{_ms(run.admitted_ms, 50)} | {_ms(run.admitted_ms, 95)} | "
            f"{_ms(run.admitted_ms, 99)} | {_ms(run.refused_ms, 50)} | "
            f"{_ms(run.refused_ms, 99)} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=DESCRIPTION)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    target.add_argument("--index-dir", type=Path, help="start `rag serve` on this index")
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(c) for c in text.split(",")],
        default=[1, 8, 32],
        help="comma-separated concurrencies, run in turn (default 1,8,32)",
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per concurrency")
    parser.add_argument("--questions", type=Path, help="JSON lines with `question`, or lines")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument(
        "--ignore-retry-after",
        action="store_true",
        help="ask again at once after a 503 instead of waiting its Retry-After",
    )
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    if any(c < 1 for c in args.concurrency) or args.duration <= 0:
        parser.error("concurrency and duration must be positive")
    return args


def _run_all(base: str, args: argparse.Namespace, questions: Sequence[str]) -> list[Run]:
    runs = []
    for concurrency in args.concurrency:
        print(f"concurrency {concurrency} for {args.duration:g} s ...", file=sys.stderr)
        run = asyncio.run(
            hold(
                base,
                concurrency,
                args.duration,
                questions,
                args.top_k,
                args.timeout,
                not args.ignore_retry_after,
            )
        )
        runs.append(run)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    questions = read_questions(args.questions)
    if args.url:
        runs = _run_all(args.url.rstrip("/"), args, questions)
    else:
        from bench.http import Server

        with Server(args.index_dir) as server:
            runs = _run_all(server.base, args, questions)
    table = format_table(runs)
    print(table)
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    run_command(main, "python -m bench.load")
