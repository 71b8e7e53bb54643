"""What the reader costs a user: ``/ask`` over HTTP with the reader off and on, against the
same server build and questions, beside the bare query encoding of each backend timed in this
process one before each request.

    python -m bench.reader --out bench-out
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.http import Server, load_test, peak_rss_mb
from bench.run import _questions, _table
from eval.command import run as run_command
from index.builder import build_index
from index.loader import load_current
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.errors import IndexStoreError

PASSES = {"reader off": {"RAG_READER": "false"}, "reader on": {"RAG_READER": "true"}}


@dataclass
class ReaderRow:
    what: str
    ask_p50_ms: float  # requests each timed after a PyTorch bare encoding
    ask_p95_ms: float
    torch_bare_ms: float
    ask_p50_ms_onnx_run: float  # requests each timed after an ONNX Runtime bare encoding
    onnx_bare_ms: float
    server_peak_mib: float


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reader", description=__doc__)
    parser.add_argument("--out", default="bench-out")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--requests", type=int, default=60, help="/ask requests per pass")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings().but(index_dir=out / "encoders-index")
    torch_encoder = Encoder(settings.but(encoder_backend="torch"))
    onnx_encoder = Encoder(settings.but(encoder_backend="onnx"))
    try:
        load_current(settings, onnx_encoder)
    except IndexStoreError:
        build_index(list(settings.eval.eval_news_corpus), settings, onnx_encoder)
    questions = _questions()[: args.questions]
    rows = []
    for what, env in PASSES.items():
        with Server(settings.service.index_dir, env) as server:
            torch_timed = load_test(server.base, questions, args.requests, 1, torch_encoder)
            onnx_timed = load_test(server.base, questions, args.requests, 1, onnx_encoder)
            rows.append(
                ReaderRow(
                    what,
                    torch_timed.median_ms,
                    torch_timed.p95_ms,
                    torch_timed.bare_ms or float("nan"),
                    onnx_timed.median_ms,
                    onnx_timed.bare_ms or float("nan"),
                    peak_rss_mb(server.process.pid),
                )
            )
    table = _table(
        [
            "pass",
            "/ask p50 ms",
            "p95",
            "torch bare ms",
            "÷ torch bare",
            "/ask p50 ms (2nd run)",
            "onnx bare ms",
            "÷ onnx bare",
            "server peak MiB",
        ],
        [
            [
                r.what,
                f"{r.ask_p50_ms:.1f}",
                f"{r.ask_p95_ms:.1f}",
                f"{r.torch_bare_ms:.1f}",
                f"{r.ask_p50_ms / r.torch_bare_ms:.2f}",
                f"{r.ask_p50_ms_onnx_run:.1f}",
                f"{r.onnx_bare_ms:.1f}",
                f"{r.ask_p50_ms_onnx_run / r.onnx_bare_ms:.2f}",
                f"{r.server_peak_mib:.0f}",
            ]
            for r in rows
        ],
    )
    command = "python -m bench.reader " + " ".join(sys.argv[1:] if argv is None else argv)
    print(table)
    (out / "results-reader.md").write_text(f"Command: `{command}`\n\n{table}\n")
    (out / "results-reader.json").write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    run_command(main, "python -m bench.reader")
