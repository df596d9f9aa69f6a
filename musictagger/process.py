"""How every analysing process of the app is set up: one BLAS thread, and freed memory kept for reuse.

Every process that analyses (the command, the window, each spawned worker) calls
:func:`prepare_analysing_process` at its start.

**One BLAS thread.** NumPy's OpenBLAS starts a thread for every core.  The app's BLAS work is small
(the front end's product with the mel filterbank, a few milliseconds a window), while onnxruntime's
threads and the index's other worker process need those cores: with OpenBLAS's own threads, two index
workers each ran 40–50 % slower than one alone, and a track's analysis with the model's two threads
25–40 % slower (``reports/speed.md``).  An ``OPENBLAS_NUM_THREADS`` set in the environment wins,
and is how the benchmark measures the difference.

**Freed memory kept.** Each analysis allocates and frees the same few dozen arrays of 1–20 MB (decoded
excerpts, spectrograms, layer maps).  glibc's malloc hands blocks that large to the kernel on every
free and takes them back, zero-filled page by page, on the next allocation; that cost 6–13 % of a
track's analysis on one thread.  :func:`keep_freed_memory` makes malloc serve blocks up to its ceiling
of 32 MiB from its heap and keep up to :data:`KEPT_FREE_BYTES` of freed heap, so the next track reuses
the pages; the process's peak memory is unchanged, it only keeps what it peaked at.  Only on glibc
(Linux); a malloc setting in the environment (``GLIBC_TUNABLES`` naming one, or glibc's
``MALLOC_*_`` variables) wins, and is how the benchmark measures the difference.
"""

from __future__ import annotations

import ctypes
import os
import platform

import numpy  # noqa: F401  (loads NumPy's OpenBLAS, so that the limit reaches it even in a process that has not)
from threadpoolctl import threadpool_limits

BLAS_THREADS_ENV_VAR = "OPENBLAS_NUM_THREADS"

# mallopt(3) parameters and glibc's ceiling for the first (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_CEILING = 32 << 20
KEPT_FREE_BYTES = 512 << 20
"""Freed heap memory a process keeps rather than returning it to the kernel."""


def limit_blas_threads() -> None:
    """Run BLAS on one thread in this process from now on, unless ``OPENBLAS_NUM_THREADS`` is set."""
    if not os.environ.get(BLAS_THREADS_ENV_VAR):
        threadpool_limits(1, user_api="blas")


def malloc_set_by_environment() -> bool:
    """Whether the environment configures glibc's malloc (then the app leaves it alone)."""
    return "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", "") or any(
        name.startswith("MALLOC_") and name.endswith("_") for name in os.environ
    )


def keep_freed_memory() -> bool:
    """Make glibc's malloc keep freed blocks of up to 32 MiB for reuse (see the module docstring);
    True if it now does, False where this is not glibc or the environment configures malloc."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or malloc_set_by_environment():
        return False
    mallopt = ctypes.CDLL(None).mallopt
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_CEILING) and mallopt(_M_TRIM_THRESHOLD, KEPT_FREE_BYTES))


def prepare_analysing_process() -> None:
    """What every analysing process does at its start: :func:`limit_blas_threads`, :func:`keep_freed_memory`."""
    limit_blas_threads()
    keep_freed_memory()
