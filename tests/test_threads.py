"""Every analysing process of the app runs NumPy's BLAS on one thread (``musictagger.threads``), unless
``OPENBLAS_NUM_THREADS`` says otherwise: the spawned workers of ``index`` and the window, and the command."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor

import pytest

from musictagger.threads import BLAS_THREADS_ENV_VAR
from musictagger.workers import spawn_pool

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS takes one thread by itself on one core")


def blas_threads() -> int:
    """The threads NumPy's BLAS uses in this process (NumPy loaded first: only loaded libraries are seen)."""
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_info

    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


def ready() -> None:
    """A worker initialiser with nothing to prepare."""


def test_a_spawned_worker_runs_blas_on_one_thread_where_a_plain_process_takes_every_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BLAS_THREADS_ENV_VAR, raising=False)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as plain:
        assert plain.submit(blas_threads).result() > 1
    with spawn_pool(1, ready) as pool:
        assert pool.submit(blas_threads).result() == 1


def test_openblas_num_threads_in_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BLAS_THREADS_ENV_VAR, "2")
    with spawn_pool(1, ready) as pool:
        assert pool.submit(blas_threads).result() == 2


def test_the_command_runs_blas_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BLAS_THREADS_ENV_VAR, raising=False)
    script = textwrap.dedent(
        """
        import contextlib, io
        from musictagger.cli.main import main
        from tests.test_threads import blas_threads

        before = blas_threads()
        with contextlib.redirect_stdout(io.StringIO()):
            main(["models"])
        print(before, blas_threads())
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, after = completed.stdout.split()
    assert int(before) > 1
    assert int(after) == 1
