"""Pools of analysis worker processes that die with the process that started them.

An analysis worker holds a model and gigabytes of audio; one left behind by a killed ``index``,
``tag`` or window lives on for minutes or for good.  Every worker therefore watches its parent:
``multiprocessing`` gives each child a *sentinel* of its parent (on POSIX the read end of a pipe
whose other end only the parent holds, so the kernel closes it when the parent exits in any way,
SIGKILL included; on Windows a handle to the parent process), and a daemon thread in the worker
waits on it and ends the worker at once.  This works for the spawn start method on every platform.

Linux's ``prctl(PR_SET_PDEATHSIG)`` is not used: its "parent" is the *thread* that started the
worker, and the window starts its worker from a pool thread that Qt retires after 30 s idle,
which would kill a healthy worker.  Qt-free.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from musictagger.process import prepare_analysing_process

ORPHAN_EXIT_STATUS = 1


def spawn_pool(
    max_workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A process pool of ``max_workers`` spawned workers, each running ``initializer(*initargs)`` at start
    (after :func:`~musictagger.process.prepare_analysing_process`) and ending as soon as this process ends.

    Spawned, not forked: the window's process has Qt threads, which a fork would copy half-way.
    """
    return ProcessPoolExecutor(
        max_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(initializer, initargs),
    )


def exit_with_parent() -> None:
    """In a child process: end it (status 1, no clean-up) the moment its parent process is gone."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_after, args=(parent,), name="exit-with-parent", daemon=True).start()


def _start_worker(initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    exit_with_parent()
    prepare_analysing_process()
    initializer(*initargs)


def _exit_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the parent's sentinel signals: the parent has exited
    os._exit(ORPHAN_EXIT_STATUS)
