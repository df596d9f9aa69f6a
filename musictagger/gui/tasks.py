"""The one way the window runs slow work: :meth:`TaskRunner.run` (after Picard's ``run_task``).

A worker function ``fn(task)`` runs on a :class:`~PySide6.QtCore.QThreadPool` thread and never
touches a widget.  Its result, its error, and any progress it reports come back on the UI
thread through queued signals, to the callbacks given to :meth:`TaskRunner.run`.  Each kind of
work has its own runner (and pool), so a long indexing run never delays the analysis of a file
the user has just dropped.  Workers learn that they should stop from :meth:`Task.should_stop`,
the same ``should_stop()`` the core's long operations accept.

An outcome goes only where it can still be shown, as Qt drops a queued call whose context object is gone:
each task names its ``owner`` (the widget whose methods its callbacks call), and its outcome is dropped when
that widget was deleted meanwhile (a dialog closed and deleted, the window deleted while the library was being
read), or when the runner was shut down (the window is closing: a result would only start more work, or pop up
a message, after the window has gone).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, SignalInstance, Slot

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05
"""Progress reports closer together than this are dropped, so a fast worker cannot flood the event loop."""


class _Relay(QObject):
    """Lives on the UI thread; worker threads emit its signals, its slots call the callbacks there while
    ``deliverable()`` holds."""

    done = Signal(object)
    failed = Signal(object)
    progressed = Signal(object)

    def __init__(
        self,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        on_progress: Callable[[Any], None] | None,
        on_finished: Callable[[], None],
        deliverable: Callable[[], bool],
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress
        self._on_finished = on_finished
        self._deliverable = deliverable
        self.done.connect(self._deliver_done, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)
        self.progressed.connect(self._deliver_progress, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver_done(self, result: Any) -> None:
        try:
            if self._deliverable():
                self._on_done(result)
        finally:
            self._on_finished()

    @Slot(object)
    def _deliver_error(self, error: BaseException) -> None:
        try:
            if self._deliverable():
                self._on_error(error)
        finally:
            self._on_finished()

    @Slot(object)
    def _deliver_progress(self, value: Any) -> None:
        if self._on_progress is not None and self._deliverable():
            self._on_progress(value)


class Task:
    """What a worker function gets: a way to report progress and to learn it should stop."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self._stop = threading.Event()
        self._last_progress = 0.0

    def cancel(self) -> None:
        """Ask the worker to stop at its next check (callable from any thread)."""
        self._stop.set()

    def should_stop(self) -> bool:
        """True once :meth:`cancel` was called; long workers poll it between items."""
        return self._stop.is_set()

    def progress(self, value: Any, *, milestone: bool = False) -> None:
        """Send ``value`` to the task's ``on_progress`` callback on the UI thread.

        Reports are rate-limited, except a ``milestone`` (a partial result the UI must get).
        """
        now = time.monotonic()
        if milestone or now - self._last_progress >= PROGRESS_INTERVAL_S:
            self._last_progress = now
            _send(self._relay.progressed, value)


def _send(signal: SignalInstance, value: Any) -> None:
    """Emit ``value`` on a relay's ``signal``; nowhere when the relay is gone.  The window waits 5 s for its runners'
    work as it closes, and work that takes longer (a learning fold over a large library, the write of a long
    recording) goes on: reporting or ending after the objects PySide deletes as the program ends, it printed
    'Error calling Python override of QRunnable::run()' and two tracebacks (``Signal source has been deleted``)."""
    try:
        signal.emit(value)
    except RuntimeError:
        log.debug("nowhere to send %r: the window has gone", value)


class _Runnable(QRunnable):
    """Runs ``fn(task)`` on a pool thread and hands the outcome to the relay."""

    def __init__(self, fn: Callable[[Task], Any], task: Task, relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._task = task
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn(self._task)
        except Exception as exc:  # every error goes back to the UI thread, none kills the pool
            log.debug("task %r failed", self._fn, exc_info=True)
            _send(self._relay.failed, exc)
        else:
            _send(self._relay.done, result)


class TaskRunner:
    """A named pool of worker threads for one kind of work.

    Parameters
    ----------
    name
        What the pool is for, used in thread names and logs.
    threads
        How many tasks of this kind run at once.
    """

    def __init__(self, name: str, *, threads: int = 1) -> None:
        self.name = name
        self._pool = QThreadPool()
        self._pool.setObjectName(name)
        self._pool.setMaxThreadCount(threads)
        self._active: dict[Task, _Relay] = {}
        self._shut_down = False

    def run(
        self,
        fn: Callable[[Task], Any],
        *,
        owner: QObject,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        on_progress: Callable[[Any], None] | None = None,
    ) -> Task:
        """Queue ``fn(task)``; exactly one of ``on_done(result)`` / ``on_error(exc)`` follows on the UI thread,
        unless ``owner`` (the widget the callbacks show the outcome in) has been deleted by then or the runner
        has been shut down.  A runner shut down starts nothing: the task returned is cancelled."""
        task: Task

        def finished() -> None:
            self._active.pop(task, None)

        def deliverable() -> bool:
            return not self._shut_down and shiboken6.isValid(owner)

        relay = _Relay(on_done, on_error, on_progress, finished, deliverable)
        task = Task(relay)
        if self._shut_down:
            task.cancel()
            return task
        self._active[task] = relay  # the relay must outlive the worker's last emit
        self._pool.start(_Runnable(fn, task, relay))
        return task

    @property
    def busy(self) -> bool:
        """True while any task of this runner has not delivered its outcome."""
        return bool(self._active)

    def cancel_all(self) -> None:
        """Ask every queued or running task to stop."""
        for task in list(self._active):
            task.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything, drop queued work and wait for running workers; False if they outlived the timeout.
        From then on the runner delivers no outcome and starts no work (the window is closing)."""
        self._shut_down = True
        self.cancel_all()
        self._pool.clear()
        return self._pool.waitForDone(timeout_ms)
