"""A real Dask cluster on this machine, started by Dask's own command line: a scheduler and worker processes.

Each command runs in its own session (process group), so stopping the cluster reaches the
worker processes its nannies spawned too, and nothing outlives a test module.  The workers
analyse with the first model in float32 (as the library tests do locally), keep their caches
in a temporary folder, and die on a file named to crash them (:mod:`tests.library.dask_worker_crash`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from musictagger.model.precision import PRECISION_ENV_VAR
from musictagger.model.runtime import MODEL_ENV_VAR
from tests.model.variants import first_model

CRASH_PRELOAD = str(Path(__file__).with_name("dask_worker_crash.py"))
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_groups_alive(groups: list[int]) -> list[int]:
    """Pids of live processes (not zombies) in any of ``groups``, from /proc."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) in groups:
            alive.append(int(entry.name))
    return alive


class ClusterStartError(Exception):
    """The cluster's processes did not come up (the test module skips, saying why)."""


class DaskCluster:
    """``dask scheduler`` on a local port and ``workers`` × ``dask worker --nthreads 1``; :meth:`stop` ends them all."""

    def __init__(self, folder: Path, *, workers: int = 2) -> None:
        self.folder, self.port = folder, free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = os.environ | {
            MODEL_ENV_VAR: str(first_model()),
            PRECISION_ENV_VAR: "float32",
            **{name: str(folder / name.lower()) for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")},
        }
        self.started: list[subprocess.Popen] = []
        self.n_workers = workers
        self.start()

    def start(self) -> None:
        """Start the scheduler (at :attr:`address`, again after it stopped) and the workers; raises :class:`ClusterStartError` if they do not come up."""
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", str(self.port))
        for i in range(self.n_workers):
            self.start_worker(f"worker-{i}")
        self.wait_for_workers(self.n_workers)

    def start_worker(self, name: str, **env: str) -> subprocess.Popen:
        """One more ``dask worker`` process (its nanny), with ``env`` added to the cluster's environment."""
        arguments = ("--nthreads", "1", "--local-directory", str(self.folder), "--preload", CRASH_PRELOAD)
        return self._start(name, self.address, *arguments, env=self.env | env)

    def _start(self, name: str, *arguments: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("a")
        command = name.split("-")[0]
        process = subprocess.Popen(
            [sys.executable, "-m", "dask", command, *arguments, "--no-dashboard"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env or self.env,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        try:
            with Client(self.address, timeout=START_TIMEOUT_S, set_as_default=False) as client:
                client.wait_for_workers(count, timeout=START_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            self.stop()
            logs = "\n".join(log.read_text()[-800:] for log in sorted(self.folder.glob("*.log")))
            raise ClusterStartError(f"a local Dask cluster did not start ({exc}):\n{logs}") from exc

    def worker_pids(self) -> list[int]:
        """The pids of the processes that run the tasks (the nannies' children)."""
        from distributed import Client

        with Client(self.address, set_as_default=False) as client:
            return sorted(client.run(os.getpid).values())

    def kill_scheduler(self) -> None:
        self.scheduler.kill()
        self.scheduler.wait()

    def stop(self) -> None:
        """Stop every process the cluster started; none may survive."""
        _stop_groups(self.started)

    def stop_worker(self, worker: subprocess.Popen) -> None:
        """Stop one worker that :meth:`start_worker` started (its nanny closes it, and it leaves the scheduler)."""
        self.started.remove(worker)
        _stop_groups([worker])


def _stop_groups(started: list[subprocess.Popen]) -> None:
    """SIGTERM every process group (nannies close their workers), then SIGKILL what is left; none may survive."""
    groups = [process.pid for process in started]
    for group in groups:
        _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while process_groups_alive(groups) and time.monotonic() < deadline:
        time.sleep(0.1)
    for group in groups:
        _signal_group(group, signal.SIGKILL)
    for process in started:
        process.wait()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while (left := process_groups_alive(groups)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == [], f"cluster processes outlived the cluster: {left}"


def _signal_group(group: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has ended
        os.killpg(group, signum)
