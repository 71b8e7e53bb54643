"""The build lock of an index root: one build at a time, the second refused at once.

An advisory ``flock`` on ``<root>/.lock``, taken without waiting. The holder writes its process
id into the file, so that a refused build can say which process holds it. The kernel releases
the lock when its holder exits, however it exits: a crashed build never leaves it stuck.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from rag.errors import IndexStoreError

LOCK_FILE = ".lock"


class BuildLock:
    """``<root>/.lock`` held exclusively; :meth:`release` (or the process's exit) frees it."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.path = root / LOCK_FILE
        # Opened without truncating: the holder's process id must stay readable to others.
        handle: IO[str] = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            by = f" (process {holder})" if holder.isdigit() else ""
            raise IndexStoreError(
                f"another build is running on {root}{by}; wait for it to finish "
                "or build into another --index-dir"
            ) from None
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle: IO[str] | None = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
