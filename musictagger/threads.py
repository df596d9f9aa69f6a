"""How many threads NumPy's BLAS may use in the app's processes: one.

NumPy's OpenBLAS starts a thread for every core.  The app's BLAS work is small (the front end's
product with the mel filterbank, a few milliseconds a window), while onnxruntime's threads and the
index's other worker process need those cores: with OpenBLAS's own threads, two index workers each
ran 40–50 % slower than one alone, and a track's analysis with the model's two threads 25–40 %
slower (README, "How fast it is").  Every process that analyses (the command, the window, each
spawned worker) calls :func:`limit_blas_threads` at its start; an ``OPENBLAS_NUM_THREADS`` set in
the environment wins, and is how the benchmark measures the difference.
"""

from __future__ import annotations

import os

import numpy  # noqa: F401  (loads NumPy's OpenBLAS, so that the limit reaches it even in a process that has not)
from threadpoolctl import threadpool_limits

BLAS_THREADS_ENV_VAR = "OPENBLAS_NUM_THREADS"


def limit_blas_threads() -> None:
    """Run BLAS on one thread in this process from now on, unless ``OPENBLAS_NUM_THREADS`` is set."""
    if not os.environ.get(BLAS_THREADS_ENV_VAR):
        threadpool_limits(1, user_api="blas")
