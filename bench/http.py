"""``/ask`` over HTTP against a real server process, beside the bare model's query encoding."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.stats import median, percentile
from rag.config import QueryParams
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.stages import STAGES, Trace, answer_query, prepare

STARTUP_TIMEOUT_S = 180
REQUEST_TIMEOUT_S = 60
WARM_UP_REQUESTS = 8


@dataclass
class LatencyRow:
    what: str
    concurrency: int
    median_ms: float
    p95_ms: float
    per_s: float
    # Median bare query encoding timed beside this row's requests, one before each (same
    # machine state); None: compare with the in-process bare row.
    bare_ms: float | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """``rag serve`` in its own process on 127.0.0.1, stopped on exit."""

    def __init__(
        self, index_dir: Path, env: dict[str, str] | None = None, args: Sequence[str] = ()
    ) -> None:
        """``env``: settings of the server process (``RAG_*`` variables) besides ours;
        ``args``: more arguments of ``rag serve`` (``--ray ADDRESS``)."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed in __exit__)
        self.stop_s: float | None = None  # set on exit
        env = {**os.environ, "RAG_RELOAD_INTERVAL_S": "0", **(env or {})}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "serve",
                "--no-build",
                "--index-dir",
                str(index_dir),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                *args,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,  # a file: a chatty server never blocks on a full pipe
        )

    def __enter__(self) -> Server:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        self.process.kill()
        self.log.seek(0)
        raise RuntimeError(f"server did not start in time: {self.log.read().decode()[-2000:]}")

    def __exit__(self, *_: object) -> None:
        stopping = time.perf_counter()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.stop_s = time.perf_counter() - stopping  # SIGTERM to exit (a graceful stop)
        self.log.close()


def _timed_ask(
    client: httpx.Client, base: str, question: str, *, trace: bool = False
) -> tuple[float, httpx.Response]:
    """One ``/ask`` of five passages: its milliseconds as this client times it, and the
    response."""
    started = time.perf_counter()
    response = client.post(
        f"{base}/ask",
        json={"question": question, "top_k": 5, "trace": trace},
        timeout=REQUEST_TIMEOUT_S,
    )
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000, response


def _ask(client: httpx.Client, base: str, question: str) -> float:
    return _timed_ask(client, base, question)[0]


def load_test(
    base: str,
    questions: Sequence[str],
    requests: int,
    concurrency: int,
    encoder: Encoder | None = None,
) -> LatencyRow:
    """``/ask`` latency at ``concurrency``; one request at a time with ``encoder``, each after
    a bare query encoding of the same question in this process, timed too."""
    prompts = [questions[i % len(questions)] for i in range(requests)]
    with httpx.Client() as client:
        for question in questions[:WARM_UP_REQUESTS]:
            _ask(client, base, question)
        if encoder is not None and concurrency == 1:
            bare, latencies = [], []
            for question in prompts:
                bare.append(_time_ms(lambda q: encoder.encode_queries([q]), question))
                latencies.append(_ask(client, base, question))
            per_s = 1000 / median(latencies)
            return LatencyRow(
                "/ask over HTTP",
                1,
                median(latencies),
                percentile(latencies, 95),
                per_s,
                median(bare),
            )
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            latencies = list(pool.map(lambda q: _ask(client, base, q), prompts))
        wall = time.perf_counter() - started
    return LatencyRow(
        "/ask over HTTP", concurrency, median(latencies), percentile(latencies, 95), requests / wall
    )


def stage_breakdown(base: str, questions: Sequence[str], requests: int) -> dict[str, float]:
    """Where ``/ask``'s time goes, one request at a time: the median milliseconds of each
    stage as the server's trace reports it (``"trace": true``), of the whole request as this
    client times it, and of what is outside the stages (HTTP, validation, JSON, the thread
    hop), the request minus its stages, median over requests."""
    stages: dict[str, list[float]] = {stage: [] for stage in STAGES}
    totals, outside = [], []
    with httpx.Client() as client:
        for question in questions[:WARM_UP_REQUESTS]:
            _ask(client, base, question)
        for i in range(requests):
            total, response = _timed_ask(client, base, questions[i % len(questions)], trace=True)
            trace = response.json()["trace"] or []
            for record in trace:
                stages[record["stage"]].append(record["ms"])
            totals.append(total)
            outside.append(total - sum(record["ms"] for record in trace))
    medians = {stage: median(times) for stage, times in stages.items() if times}
    return {**medians, "outside the stages": median(outside), "request": median(totals)}


def _row(what: str, latencies: Sequence[float]) -> LatencyRow:
    middle = median(latencies)
    return LatencyRow(what, 1, middle, percentile(latencies, 95), 1000 / middle)


def _time_ms(run: Callable[[str], object], question: str) -> float:
    started = time.perf_counter()
    run(question)
    return (time.perf_counter() - started) * 1000


def in_process_search(
    engine: SearchEngine, encoder: Encoder, questions: Sequence[str], rounds: int
) -> list[LatencyRow]:
    """The bare model's query encoding beside the answer path that serves (``rag.stages``:
    prepare, rank, judge, cite; no HTTP), timed on each question in turn so that every row
    sees the same machine state (these machines are noisy).

    A first pass meets the question's words for the first time: those not in the index's
    lexicon are embedded for translation, either in one packed forward pass with the question
    (the default) or in a second call; the translator's word cache is emptied before each.
    Repeated passes find the words in the cache. Each kind of pass runs ``rounds`` times.
    The packed first pass is also timed stage by stage (the stages' medians need not add up
    to the median of their sums).
    """
    translator = engine.translator
    packed_params = engine.params
    separate_params = packed_params.but(pack_queries=False)
    stages: dict[str, list[float]] = {stage: [] for stage in STAGES}

    def retrieve(
        question: str,
        stages: dict[str, list[float]] | None = None,
        params: QueryParams = packed_params,
    ) -> None:
        trace = None if stages is None else Trace()
        query = prepare(engine, question, trace=trace, params=params)
        answer_query(engine, query, params.top_k, trace=trace, params=params)
        if stages is not None and trace is not None:
            for record in trace.stages:
                stages[record.stage].append(record.ms)

    def retrieve_separately(question: str) -> None:
        retrieve(question, params=separate_params)

    def retrieve_by_stage(question: str) -> None:
        retrieve(question, stages)

    def encode(question: str) -> None:
        encoder.encode_queries([question])

    encoder.encode_queries(list(questions[:WARM_UP_REQUESTS]))
    engine.warm_up()  # a Korean and an English question: lazy loads are not timed
    bare: list[float] = []
    separate: list[float] = []
    packed: list[float] = []
    repeated: list[float] = []
    passes = ((separate, retrieve_separately), (packed, retrieve_by_stage))
    for _ in range(rounds):  # a first pass is a first pass each round: the cache is emptied
        for question in questions:
            bare.append(_time_ms(encode, question))
            for latencies, run in passes:
                if translator is not None:
                    translator.forget()
                latencies.append(_time_ms(run, question))
    # The first-pass loop emptied the word cache before each question: one untimed pass fills
    # it with every question's words, so that each repeated round finds them all.
    for question in questions:
        retrieve(question)
    for _ in range(rounds):
        for question in questions:
            bare.append(_time_ms(encode, question))
            repeated.append(_time_ms(retrieve, question))
    return [
        _row("bare query encoding", bare),
        _row("retrieval in process, first pass, words embedded separately", separate),
        _row("retrieval in process, first pass, words packed with the question", packed),
        _row("  of which query preparation (analysis, encoding, translation)", stages["prepare"]),
        _row("  of which hybrid ranking", stages["rank"]),
        _row("  of which the answer decision", stages["judge"]),
        _row("  of which citing (passages, quoted sentences)", stages["cite"]),
        _row("retrieval in process, repeated", repeated),
    ]
