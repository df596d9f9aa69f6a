"""Pools of analysis worker processes that die with the process that started them.

An analysis worker holds a model and gigabytes of audio; one left behind by a killed ``index``,
``tag`` or window lives on for minutes or for good.  Every worker therefore watches its parent:
``multiprocessing`` gives each child a *sentinel* of its parent (on POSIX the read end of a pipe
whose other end only the parent holds, so the kernel closes it when the parent exits in any way,
SIGKILL included; on Windows a handle to the parent process), and a daemon thread in the worker
waits on it and ends the worker at once.  This works for the spawn start method on every platform.

Linux's ``prctl(PR_SET_PDEATHSIG)`` is not used: its "parent" is the *thread* that started the
worker, and the window starts its worker from a pool thread that Qt retires after 30 s idle,
which would kill a healthy worker.

**Ctrl-C and a hang-up are the parent's business.**  A terminal sends Ctrl-C to every process of the command,
and SIGHUP as it closes, the workers included, and the parent decides what they mean (``index`` keeps what is
done and ends).  A worker ignores them from its first instruction: its interpreter and the app's imports take
half a second before the initialiser runs, and a Ctrl-C then ended the worker with a KeyboardInterrupt traceback,
or a "Fatal Python error" in its site import.  So the parent blocks them while it starts a worker (one that comes
meanwhile waits for it the few milliseconds that takes), the worker inherits the blocked signals through fork and
exec, and unblocks them once it ignores them, which discards one that came meanwhile (CPython starts its resource
tracker so, for SIGINT and SIGTERM).  The pool's resource tracker (the helper process that multiprocessing starts
with a pool's first queue) is started under the same block: it ignores SIGINT and SIGTERM but not SIGHUP, and a
terminal closing under the window killed it, which had the window start another as it closed, which printed a
KeyError traceback for each of the pool's semaphores; it keeps SIGHUP blocked.  Qt-free.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from musictagger.interrupts import TERMINAL_SIGNALS, interrupt_held, terminal_signals_blocked
from musictagger.process import prepare_analysing_process

ORPHAN_EXIT_STATUS = 1


def spawn_pool(max_workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...] = ()) -> WorkerPool:
    """A process pool of ``max_workers`` spawned workers, each running ``initializer(*initargs)`` at start
    (after :func:`~musictagger.process.prepare_analysing_process`) and ending as soon as this process ends.

    Spawned, not forked: the window's process has Qt threads, which a fork would copy half-way.
    """
    with terminal_signals_blocked():  # the resource tracker, if the pool's queues start it (module docstring)
        return WorkerPool(
            max_workers,
            mp_context=_SpawnContext(),
            initializer=_start_worker,
            initargs=(initializer, initargs),
        )


class WorkerPool(ProcessPoolExecutor):
    """A pool whose :meth:`submit`, :meth:`shutdown` and :meth:`end_now` a Ctrl-C (or SIGTERM, SIGHUP) does not cut
    short: it comes at their end (:func:`~musictagger.interrupts.interrupt_held`).

    ``submit`` starts the workers, and one started there was counted only once started; a Ctrl-C meanwhile (the
    terminal's, as ``index`` began) left a worker the pool did not know of, which took the stop meant for another at
    the shutdown, and the command hung after its last line (one ``index`` stuck for 10 minutes, joining a worker that
    waited for work), or one cut off from its start, which died with a traceback on the terminal.  ``shutdown`` cut
    short leaves its workers running as well."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with interrupt_held():
            return super().submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with interrupt_held():
            super().shutdown(wait, cancel_futures=cancel_futures)

    def end_now(self) -> None:
        """End the workers at once (SIGTERM), the work queued or in flight dropped, and return once they are gone.

        For a stop whose work no one will take: a shutdown waits for the work already handed to the workers, and
        for workers still starting to start first, and ``index`` stopped by Ctrl-C in its first seconds took 2-4 s
        to end, its workers loading the model to analyse files whose outcomes it would not store.  A worker ignores
        the terminal's signals (module docstring), not SIGTERM, which ends it without a word wherever it is.  The
        pool's thread takes the workers' end as a broken pool (the futures left fail with BrokenProcessPool), joins
        them and closes the queues, as when a worker dies; it is joined here, so none is left behind.  Python 3.14's
        ``terminate_workers``, for the Python this runs on."""
        with interrupt_held():
            workers = list((self._processes or {}).values())
            manager = self._executor_manager_thread
            super().shutdown(wait=False, cancel_futures=True)
            for worker in workers:
                worker.terminate()  # one already gone is passed over
            if manager is not None:
                manager.join()


def exit_with_parent() -> None:
    """In a child process: end it (status 1, no clean-up) the moment its parent process is gone."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_after, args=(parent,), name="exit-with-parent", daemon=True).start()


class _SpawnProcess(multiprocessing.context.SpawnProcess):
    """A spawned process that starts with Ctrl-C and SIGHUP blocked (see the module docstring), without the main
    script."""

    def start(self) -> None:
        with terminal_signals_blocked(), _main_script_left_out():
            super().start()


_starting = threading.Lock()


@contextmanager
def _main_script_left_out() -> Iterator[None]:
    """``__main__`` as a bare module while a worker starts, so that the worker does not run the main script again.

    The spawn start method imports the script that started this process in every worker (as ``__mp_main__``), for
    the functions it may define; a worker here runs musictagger's alone.  A researcher's script calling
    :func:`~musictagger.library.index.index_folders` outside ``if __name__ == "__main__":`` then indexed again in each
    worker as it started, which found the index held by the script and failed (``IndexingBusyError``), and the run
    ended in ``BrokenProcessPool``.  Starts are serialised: each puts back the ``__main__`` it found."""
    with _starting:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


class _SpawnContext(multiprocessing.context.SpawnContext):
    """The spawn start method, with :class:`_SpawnProcess` for its processes."""

    Process = _SpawnProcess


def _start_worker(initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    for number in TERMINAL_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, TERMINAL_SIGNALS)  # one held back meanwhile is dropped
    exit_with_parent()
    prepare_analysing_process()
    initializer(*initargs)


def _exit_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the parent's sentinel signals: the parent has exited
    os._exit(ORPHAN_EXIT_STATUS)
