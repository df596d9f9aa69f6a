"""Preloaded into the test cluster's workers (``dask worker --preload``): a worker process dies, as by a
decoder's segfault or the kernel's out-of-memory killer, whenever it starts analysing a file whose
name holds :data:`CRASH_MARK`, on every worker and every retry.

Test-only: no generated audio reliably crashes the analysis (every failure we can provoke is
caught and recorded as the file's error), and musictagger ships no crash hook.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from distributed import Worker, WorkerPlugin

CRASH_MARK = "kills-its-worker"


class _DieOnMarkedFile(WorkerPlugin):
    """SIGKILLs its own worker process when a task whose arguments name a marked file starts executing."""

    def setup(self, worker: Worker) -> None:
        self.worker = worker

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish == "executing" and CRASH_MARK in repr(getattr(self.worker.state.tasks[key].run_spec, "args", ())):
            os.kill(os.getpid(), signal.SIGKILL)


async def dask_setup(worker: Worker) -> None:
    await worker.plugin_add(_DieOnMarkedFile(), name="die-on-marked-file")
