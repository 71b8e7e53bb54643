"""The process's resident memory, and handing freed memory back to the system.

A swapped-out index build frees hundreds of megabytes of small and mid-sized allocations
(analysed sentences, BM25 vocabularies, FAISS graphs). glibc keeps freed memory in its arenas
for reuse, so without ``malloc_trim`` the resident size of a server that swaps builds stays
at its high-water mark; with it, the memory goes back to the system.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable
from pathlib import Path


def rss_bytes() -> int:
    """Resident memory of this process (``VmRSS`` of ``/proc/self/status``), in bytes; 0 where
    there is no ``/proc`` (not Linux)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        return None
    return trim


def trim_freed_memory() -> None:
    """Return the allocator's free memory to the system (glibc only; milliseconds)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def release_freed_memory() -> None:
    """Collect unreachable reference cycles, then trim. A full garbage collection pauses every
    thread for a fraction of a second in a process holding a model and an index: call it only
    when something large is known to be held by a cycle."""
    gc.collect()
    trim_freed_memory()
