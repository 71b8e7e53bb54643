"""The ONNX export run by OpenVINO instead of ONNX Runtime: the same file, the same inputs.

OpenVINO reads the fused export as it is (ONNX Runtime's ``Attention``,
``EmbedLayerNormalization`` and the packing inputs included) and compiles it for the CPU.
At float32 it gives ONNX Runtime's vectors (cosine 0.9999999); where the CPU multiplies in
bfloat16 (AVX-512 BF16, AMX) the ``bf16`` precision runs the matrix products in it, with
float32 sums: vectors within a cosine of about 1e-5 of float32's, in much less time
(docs/encoders.md, "OpenVINO"). On a CPU without bfloat16 OpenVINO runs float32 whatever
is asked.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import sys
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rag.embedding.onnx import Precision
from rag.errors import MissingDependencyError

_MADV_DONTNEED = 4  # Linux's madvise advice: the pages may be dropped, and re-read on access
# Every session alive, closed at exit while the interpreter is whole: OpenVINO objects left to
# the interpreter's teardown may be freed after the plugin they belong to (a crash at exit).
_OPEN: weakref.WeakSet[OpenVinoSession] = weakref.WeakSet()


@functools.cache
def _core() -> Any:
    """One OpenVINO runtime a process (it holds the device plugins)."""
    try:
        import openvino
    except ImportError as exc:
        raise MissingDependencyError(
            f"the openvino encoder backends need {exc.name}: pip install openvino"
        ) from exc
    return openvino.Core()


class OpenVinoSession:
    """An exported model compiled by OpenVINO for the CPU, run like an ONNX Runtime session
    (``run(None, feed)`` gives the outputs in a list)."""

    def __init__(self, path: Path, *, threads: int = 0, precision: Precision = "f32") -> None:
        core = _core()
        config: dict[str, Any] = {
            "PERFORMANCE_HINT": "LATENCY",  # one request at a time, on every thread it has
            "INFERENCE_PRECISION_HINT": precision,
        }
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = core.compile_model(str(path), "CPU", config)
        # Compiling reads every page of the weights file, which stays mapped: the pages the
        # runs need come back on access (the embedding rows of the words met), the rest are
        # not held (a server's resident memory as on ONNX Runtime, which reads them lazily).
        release_mapped_pages(*path.parent.iterdir())
        self.input_names = frozenset(
            name for port in self._compiled.inputs for name in port.get_names()
        )
        # Each thread its own request: a request holds its buffers, and questions are
        # answered in the server's threads.
        self._local = threading.local()
        _OPEN.add(self)

    def close(self) -> None:
        """Free the compiled model and its requests (every thread's)."""
        self._local = threading.local()
        self._compiled = None

    def run(self, _outputs: None, feed: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        results = request.infer(dict(feed))
        # The request reuses its output buffer on the next run: the caller gets a copy.
        return [np.array(results[self._compiled.output(0)], copy=True)]


@atexit.register
def _close_all() -> None:
    for session in list(_OPEN):
        session.close()
    _core.cache_clear()


def release_mapped_pages(*paths: Path) -> int:
    """Drop from this process the pages it holds of its read-only mappings of ``paths`` (bytes
    released). Nothing is lost: such pages are the files', read again when next touched."""
    if not sys.platform.startswith("linux"):
        return 0
    targets = {str(path.resolve()) for path in paths}
    libc = ctypes.CDLL(None, use_errno=True)
    released = 0
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 6 or fields[5] not in targets or "w" in fields[1]:
            continue  # another file, or a writable mapping whose pages may hold changes
        start, end = (int(address, 16) for address in fields[0].split("-"))
        if libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), _MADV_DONTNEED) == 0:
            released += end - start
    return released
