"""``rag stats`` and ``rag model``: what the served index holds, and the model it needs."""

from __future__ import annotations

import argparse
import json
import time

from cli.common import settings_from

# The parts that search an index of their own (rag.ann): `rag stats` shows its type.
INDEXED_PARTS = ("dense", "titles")


def cmd_stats(args: argparse.Namespace) -> int:
    from index.manifest import Manifest
    from index.store import IndexStore
    from rag.errors import IndexStoreError
    from rag.parts.base import describe_search, read_search

    settings = settings_from(args)
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
    print(
        f"encoded   passages by {manifest.build_encoder_backend}, "
        f"questions by {manifest.encoder_backend} when built"
    )
    config = manifest.config
    print(
        f"chunking  {config['chunk_tokens']} tokens, {config['chunk_overlap_tokens']} overlap, "
        f"{config['title_tokens']} title"
    )
    print(f"config    {json.dumps(config, sort_keys=True)}")
    searches = [
        f"{part} {describe_search(search)}"
        for part in INDEXED_PARTS
        if (search := read_search(folder / part)) is not None
    ]
    if searches:
        print(f"search    {'; '.join(searches)}")
    print(f"corpus    {manifest.corpus_fingerprint} from {', '.join(manifest.inputs)}")
    for key, value in manifest.counts.items():
        print(f"  {key:<10} {value}")
    print(f"timings   {manifest.timings_s}")
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    from rag.config import DEFAULT_MODEL
    from rag.embedding.onnx import export_onnx
    from rag.embedding.provision import provision_e5_small

    settings = settings_from(args)
    started = time.perf_counter()
    target = provision_e5_small(
        settings.encoder.resolved_models_dir() / DEFAULT_MODEL, force=args.force
    )
    # The copy of the same weights that ONNX Runtime and OpenVINO run, exported here, offline.
    exported = export_onnx(target, force=args.force)
    print(
        f"{DEFAULT_MODEL} ready at {target}, ONNX export at {exported} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0
