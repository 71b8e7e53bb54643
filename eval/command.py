"""How the evaluation's commands (``python -m eval.NAME``) end on bad input: one line on
standard error and exit status 2, as ``rag`` does, never a stack trace."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from rag.errors import RagError

EXIT_USER_ERROR = 2


def run(main: Callable[[], int | None], prog: str) -> None:
    """Run a command's ``main`` and exit with its status; a :class:`RagError` is reported
    as ``prog: error: ...``; a reader that closes the pipe early (``| head``) ends it quietly."""
    try:
        code = main() or 0
    except RagError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        code = EXIT_USER_ERROR
    except BrokenPipeError:  # the reader has all it wanted, as with `rag stats | head`
        # Python would report the pipe again flushing stdout at exit; point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    raise SystemExit(code)
