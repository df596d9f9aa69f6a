"""The window's analysis process ends with the window's process, even when that is SIGKILLed (see
``musictagger.workers``; the pool of ``index`` and ``tag`` is tested in tests/library), and a Ctrl-C that
reaches a worker while it starts leaves it running."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from musictagger.workers import spawn_pool
from tests.processes import GONE_WITHIN_S, HAS_PROC, assert_workers_die_with, wait_for_workers


def ready() -> None:
    """A worker initialiser with nothing to prepare."""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signals")
def test_a_ctrl_c_while_a_worker_starts_neither_ends_it_nor_prints_a_traceback(capfd: pytest.CaptureFixture) -> None:
    """A terminal's Ctrl-C reaches every process of the command.  One that came while a worker was still
    starting (its interpreter and the app's imports, half a second before the initialiser ignores Ctrl-C)
    ended that worker with a KeyboardInterrupt traceback, or a "Fatal Python error" in its site import,
    two of them on the screen for an `index` interrupted early."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even under nohup
    try:
        with spawn_pool(1, ready) as pool:
            future = pool.submit(os.getpid)
            (worker,) = multiprocessing.active_children()  # started by submit, still starting
            os.kill(worker.pid, signal.SIGINT)
            assert future.result(timeout=60) == worker.pid
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


class CtrlCWhenPickled:
    """An initialiser's argument that presses Ctrl-C (a real SIGINT to this process) as it is pickled for a worker
    process, that is while the pool starts the worker."""

    def __reduce__(self) -> tuple[type, tuple[()]]:
        os.kill(os.getpid(), signal.SIGINT)
        return (CtrlCWhenPickled, ())


def ready_with(_argument: object) -> None:
    """A worker initialiser taking one argument, with nothing to prepare."""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signals")
def test_a_ctrl_c_while_the_pool_starts_a_worker_leaves_none_behind_its_shutdown() -> None:
    """A pool counted a worker it started only once started: a Ctrl-C meanwhile (a terminal's, as ``index`` began)
    left a worker the pool did not know of, which took the stop meant for another at the shutdown, and ``index`` hung
    after its last line; or one cut off from its start, which died with a traceback.  The Ctrl-C comes once the pool
    has counted its workers, and its shutdown stops them all."""
    earlier = set(multiprocessing.active_children())  # those of tests before this one in the same session
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even under nohup
    pool = spawn_pool(2, ready_with, (CtrlCWhenPickled(),))
    try:
        with pytest.raises(KeyboardInterrupt):
            pool.submit(os.getpid)
    finally:
        signal.signal(signal.SIGINT, previous)
    workers = [p for p in multiprocessing.active_children() if p not in earlier]  # the pool's counted or not
    stopping = threading.Thread(target=pool.shutdown, daemon=True)  # a shutdown that hangs fails the test, no more
    stopping.start()
    stopping.join(timeout=GONE_WITHIN_S)
    for worker in workers:
        worker.join(timeout=max(0.0, GONE_WITHIN_S))
    left = [worker for worker in workers if worker.is_alive()]
    for worker in left:
        worker.kill()
        worker.join()
    assert workers and not stopping.is_alive() and left == []


@pytest.mark.skipif(not HAS_PROC, reason="finds processes through /proc")
def test_the_windows_analysis_process_dies_when_the_window_is_killed() -> None:
    script = textwrap.dedent(
        """
        import time
        from musictagger.gui.analysis_process import AnalysisProcess
        from musictagger.model.runtime import default_model_path

        analyser = AnalysisProcess(default_model_path())
        analyser.warm_up()
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        workers = wait_for_workers(process, 1)
    except BaseException:
        process.kill()
        raise

    assert_workers_die_with(process, workers)
