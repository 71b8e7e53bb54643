"""``rag build`` and ``rag delete``: a new build of the served inputs, published atomically."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from cli.common import EXIT_INTERRUPTED, settings_from


def cmd_build(args: argparse.Namespace) -> int:
    settings = settings_from(args)
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

    settings = settings_from(args)
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
