"""What every subcommand shares: exit statuses, settings from the command line, dates."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def settings_from(args: argparse.Namespace) -> Any:
    """The settings with the command's ``--index-dir`` and ``--set KEY=VALUE`` overrides (an
    unknown key exits with a one-line message)."""
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


def parse_date(text: str) -> date:
    """``--from``/``--to``: an ISO date, or argparse's usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
