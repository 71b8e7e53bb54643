"""numpy's BLAS threads beside the encoder: ``python -m bench.blas [--index-dir DIR]``.

In one process, over the same questions in turn, for each question backend: the bare query
encoding, and the answer path's stages (``rag.stages``, as ``/ask`` runs them without HTTP),
with numpy's OpenBLAS on every core (its default) and limited to one thread
(``RAG_ENCODER__NUMPY_BLAS_THREADS``, default 1). The two settings alternate block by block
(all the questions, a second's pause between: OpenBLAS's threads spin for a while after
their last product), so that both see the same machine state; medians and their ratios.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from threadpoolctl import ThreadpoolController

from bench.run import _questions, _table
from bench.stats import median
from index.loader import load_current
from rag.config import Settings
from rag.embedding.blas import SPINNING_LAYER
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.stages import Trace

BACKENDS = ("onnx", "openvino")
SETTLE_S = 1.0
THREADS = {"numpy BLAS on every core": os.cpu_count() or 1, "numpy BLAS on one thread": 1}


def _ms(run: Callable[..., object], *args: object, **kwargs: object) -> float:
    started = time.perf_counter()
    run(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def measure(
    engine: SearchEngine,
    encoder: Encoder,
    questions: Sequence[str],
    rounds: int,
    settle_s: float = SETTLE_S,
) -> dict[str, dict[str, float]]:
    """Median ms per setting of the bare encoding (after the previous question's answer), the
    prepare stage and the whole answer (after a ranking, as a server under load runs them)."""
    pools = ThreadpoolController().select(threading_layer=SPINNING_LAYER)
    samples: dict[str, dict[str, list[float]]] = {
        name: {"bare encoding": [], "prepare": [], "answer": []} for name in THREADS
    }
    for question in questions:  # words met for the first time are embedded once, untimed
        engine.answer(question, 5)
    for _ in range(rounds):
        for name, threads in THREADS.items():
            # OpenBLAS's threads spin on after a limit falls: let them stop before the block.
            time.sleep(settle_s)
            with pools.limit(limits=threads):
                times = samples[name]
                for question in questions:
                    times["bare encoding"].append(_ms(encoder.encode_queries, [question]))
                    engine.answer(questions[0], 5)  # ranking's products run before, as in use
                    trace = Trace()
                    times["answer"].append(_ms(engine.answer, question, 5, trace=trace))
                    times["prepare"].append(trace.stages[0].ms)
    return {
        name: {what: median(values) for what, values in times.items()}
        for name, times in samples.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.blas", description=__doc__)
    parser.add_argument("--index-dir", type=Path, help="the served index (default: settings')")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    args = parser.parse_args(argv)
    settings = Settings().but(numpy_blas_threads=0)  # the bench sets the threads itself
    if args.index_dir:
        settings = settings.but(index_dir=args.index_dir)
    questions = _questions()[: args.questions]
    rows = []
    for backend in args.backends:
        encoder = Encoder(settings.but(encoder_backend=backend))
        _, engine = load_current(settings, encoder)
        engine.warm_up()
        figures = measure(engine, encoder, questions, args.rounds)
        default, limited = (figures[name] for name in THREADS)
        for name, row in figures.items():
            rows.append([backend, name, *(f"{value:.1f}" for value in row.values())])
        rows.append(
            [backend, "one thread ÷ every core", *(f"{limited[k] / default[k]:.2f}" for k in row)]
        )
    print(_table(["backend", "numpy's BLAS", "bare encoding", "prepare", "answer"], rows))
    print(f"median ms over {len(questions)} questions x {args.rounds} rounds, in process")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
