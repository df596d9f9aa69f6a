"""Every analysing process of the app (``musictagger.process``): the spawned workers of ``index`` and the
window, and the command.  Each runs NumPy's BLAS on one thread unless ``OPENBLAS_NUM_THREADS`` says
otherwise, and on glibc keeps the memory it frees for the next analysis unless the environment
configures malloc."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import platform
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from musictagger.process import BLAS_THREADS_ENV_VAR
from musictagger.workers import spawn_pool

several_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS takes one thread by itself on one core")
glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="the malloc setting is glibc's"
)

# Larger than anything freed while a process starts (so glibc's own threshold has not risen to it),
# smaller than the 32 MiB up to which the app has malloc serve blocks from its heap.
BLOCK_BYTES = 24 << 20


def blas_threads() -> int:
    """The threads NumPy's BLAS uses in this process (NumPy loaded first: only loaded libraries are seen)."""
    from threadpoolctl import threadpool_info

    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2``: ``fordblks`` is the free memory malloc holds in its heap."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def freed_block_kept() -> bool:
    """Whether a freed block of :data:`BLOCK_BYTES` stays in this process's heap (glibc's ``mallinfo2``)
    rather than going back to the kernel."""
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = _MallInfo2
    block = np.ones(BLOCK_BYTES, np.uint8)
    del block
    return mallinfo2().fordblks >= BLOCK_BYTES


def ready() -> None:
    """A worker initialiser with nothing to prepare."""


def plain_process() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


@several_cores
def test_a_spawned_worker_runs_blas_on_one_thread_where_a_plain_process_takes_every_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BLAS_THREADS_ENV_VAR, raising=False)
    with plain_process() as plain:
        assert plain.submit(blas_threads).result() > 1
    with spawn_pool(1, ready) as pool:
        assert pool.submit(blas_threads).result() == 1


@several_cores
def test_openblas_num_threads_in_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BLAS_THREADS_ENV_VAR, "2")
    with spawn_pool(1, ready) as pool:
        assert pool.submit(blas_threads).result() == 2


@glibc
def test_a_spawned_worker_keeps_freed_memory_where_a_plain_process_returns_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    with plain_process() as plain:
        assert not plain.submit(freed_block_kept).result()
    with spawn_pool(1, ready) as pool:
        assert pool.submit(freed_block_kept).result()


@glibc
def test_a_malloc_setting_in_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=7")  # glibc's default: malloc as it comes
    with spawn_pool(1, ready) as pool:
        assert not pool.submit(freed_block_kept).result()


@several_cores
@glibc
def test_the_command_runs_blas_on_one_thread_and_keeps_freed_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BLAS_THREADS_ENV_VAR, raising=False)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    script = textwrap.dedent(
        """
        import contextlib, io
        from musictagger.cli.main import main
        from tests.test_process import blas_threads, freed_block_kept

        before = blas_threads(), freed_block_kept()
        with contextlib.redirect_stdout(io.StringIO()):
            main(["models"])
        print(*before, blas_threads(), freed_block_kept())
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    blas_before, kept_before, blas_after, kept_after = completed.stdout.split()
    assert int(blas_before) > 1 and kept_before == "False"
    assert int(blas_after) == 1 and kept_after == "True"
