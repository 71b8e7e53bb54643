"""How the evaluation's commands (``python -m eval.NAME``) end on bad input: one line on
standard error and exit status 2, as ``rag`` does, never a stack trace."""

from __future__ import annotations

import sys
from collections.abc import Callable

from rag.errors import RagError

EXIT_USER_ERROR = 2


def run(main: Callable[[], int | None], prog: str) -> None:
    """Run a command's ``main`` and exit with its status; a :class:`RagError` is reported
    as ``prog: error: ...``."""
    try:
        code = main() or 0
    except RagError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        code = EXIT_USER_ERROR
    raise SystemExit(code)
