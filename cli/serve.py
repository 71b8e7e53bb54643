"""``rag serve``: the HTTP API, on this machine or as a Ray Serve application."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import settings_from


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from index.live import LiveIndex
    from index.store import IndexStore
    from rag.embedding.encoder import Encoder

    settings = settings_from(args)
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
