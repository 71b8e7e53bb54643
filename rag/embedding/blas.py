"""numpy's BLAS threads, kept from the cores the encoder needs.

numpy's OpenBLAS runs its products on a pool of its own threads, which spin, waiting for the
next product, for a while after each one. The answer path multiplies small matrices between
two encoder runs (centring, titles, sentences), so the next question's encoding found one of
the two cores busy with a spinning thread: in process, the prepare stage took 1.33 times as
long on ONNX Runtime and 1.68 times on OpenVINO as with one BLAS thread (``python -m
bench.blas``, ``docs/encoders.md``, "numpy's BLAS threads"). Products as small as the answer
path's take no longer on one thread.

Only pools that spin on threads of their own (OpenBLAS's ``pthreads`` layer, numpy's wheel)
are limited; FAISS's OpenBLAS runs on OpenMP and keeps its threads for k-means and large
batch searches.
"""

from __future__ import annotations

import functools

SPINNING_LAYER = "pthreads"


@functools.cache
def limit_numpy_blas(threads: int) -> int:
    """Limit the BLAS pools that spin on threads of their own to ``threads`` (0: leave them);
    how many pools were limited. Once a process: the limit is the process's."""
    if threads <= 0:
        return 0
    import numpy  # noqa: F401  (its BLAS must be loaded to be found)
    from threadpoolctl import ThreadpoolController

    pools = ThreadpoolController().select(threading_layer=SPINNING_LAYER)
    pools.limit(limits=threads)
    return len(pools.lib_controllers)
