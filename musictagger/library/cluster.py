"""Analysing files on a Dask cluster for the index, for archives too large for one machine.

The parent process (``musictagger index --cluster ADDRESS``) scans, prunes and stores exactly as a
local run does (:mod:`.index`); only the outcomes come from elsewhere: each file is one Dask task
running :func:`~musictagger.library.analyse.analyse_file` on a worker, which loads its model once
(:func:`_worker_model`, cached per process) and analyses many files.  Workers read the files by the
paths the parent found, so every worker must see the music at the same path (shared storage), and
no worker writes the database: outcomes stream back in completion order and the parent stores each
the moment it arrives.  At most :data:`~musictagger.library.index.IN_FLIGHT_PER_WORKER` files per
worker thread are in flight (recounted as workers join or leave), so a stop never waits for a whole queue.

Faults: a worker that dies mid-file has its files rescheduled elsewhere by the scheduler (up to
``distributed.scheduler.allowed-failures`` deaths per file, 3 by default).  Dask blames a death on
every file the worker held, so a file that outlives that is tried once more alone at the end of the
run, and recorded as failed only if its workers die again.  Losing the scheduler ends the run with
:class:`ClusterError`: every stored result stays, and the same command resumes.  Before anything is
analysed every worker's model id (weights, verdict policy, front-end version) must equal this
machine's; a worker that joins later checks it before each file and refuses the file on a
mismatch, which stops the run with :class:`ClusterError` (nothing it analysed is stored).

Dask (``distributed``) is in the optional ``archive`` extra: chosen over Ray for a sixth of the install,
a cluster started by two plain foreground commands, and a prompt, explicit error when the scheduler
goes; its larger per-task overhead (~5 ms against ~1 ms) is under 2 % of a file's analysis.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from musictagger.errors import MusictaggerError
from musictagger.library.analyse import Outcome, analyse_file
from musictagger.library.index import IN_FLIGHT_PER_WORKER, Analyser
from musictagger.library.scan import FoundFile
from musictagger.library.store import AnalysisKey
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import GenreModel, default_model_path

if TYPE_CHECKING:
    from distributed import Client

CONNECT_TIMEOUT_S = 30.0
THREADS_RECOUNT_S = 5.0
WORKERS_TIMEOUT_S = 60.0
"""How long to wait for a first worker to join a scheduler that has none."""
DASK_LOGGERS = ("distributed", "distributed.client", "tornado.application")
"""Dask's loggers with their own level and handler (see ``distributed.config``)."""
INSTALL_HINT = "pip install 'musictagger[archive]'"
WORKERS_DIED = "the worker analysing it died, again on every retry (out of memory, or a crash while decoding?)"
NOT_ON_WORKER = "a cluster worker cannot see this file: mount the shared storage at the same path on every worker"


class ClusterError(MusictaggerError):
    """The cluster cannot run (or go on with) this indexing run; what was stored is kept."""


@contextmanager
def on_cluster(address: str, model_path: Path | None, key: AnalysisKey) -> Iterator[Analyser]:
    """Connected to the Dask scheduler at ``address``, with every worker's model checked: an
    :data:`~musictagger.library.index.Analyser` of files on its workers, as they complete.

    ``model_path`` is sent to the workers (it must exist on each); None lets each worker use its
    own default model.  Raises :class:`ClusterError` when the scheduler cannot be reached or is
    lost, or a worker's model is not ``key``'s.
    """
    client = _connect(address)
    try:
        _check_workers(client, address, model_path, key)
        yield functools.partial(_stream, client, address, model_path, key)
    finally:
        client.close()


def _quiet_dask_logs() -> None:
    """Keep Dask's client from printing tracebacks of its reconnection attempts, for the rest of this process
    (its loop thread logs them even after the client is closed): :class:`ClusterError` says what happened."""
    for name in DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _connect(address: str) -> Client:
    try:
        from distributed import Client  # late: Dask is an optional extra
    except ImportError as exc:
        raise ClusterError(f"indexing on a cluster needs Dask: {INSTALL_HINT}") from exc
    _quiet_dask_logs()
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the scheduler at {address}: {exc}") from exc


def _check_workers(client: Client, address: str, model_path: Path | None, key: AnalysisKey) -> None:
    """Wait for a worker, and refuse unless every worker has ``key``'s model."""
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except TimeoutError as exc:
        raise ClusterError(
            f"no worker joined the scheduler at {address} in {WORKERS_TIMEOUT_S:.0f} s: "
            f"start some with `dask worker {address} --nthreads 1`"
        ) from exc
    path = None if model_path is None else str(model_path)
    for worker, found in sorted(client.run(worker_model_id, path, key.windows).items()):
        _require_same_model(worker, found, key)


def _require_same_model(worker: str, found: str, key: AnalysisKey) -> None:
    if found != key.model_id:
        raise ClusterError(
            f"worker {worker} {found if found.startswith('cannot') else f'has model {found}'}, "
            f"this machine {key.model_id}: every worker must run the same model and front end "
            "(the same musictagger release; --model with a path that exists on every worker, "
            "or MUSICTAGGER_PRECISION=float32 where CPUs differ)"
        )


def _stream(
    client: Client,
    address: str,
    model_path: Path | None,
    key: AnalysisKey,
    files: list[FoundFile],
    should_stop: Callable[[], bool],
) -> Iterator[Outcome]:
    """Analyse ``files``, yielding outcomes as they complete; then the suspects again, each alone.

    Dask blames a worker's death on every file it had been given (the one it was analysing and
    the one queued behind it), so a file whose workers died on every retry may only have been
    queued beside the file that crashed them.  Alone, with nothing else of this run in flight,
    its workers' deaths are its own.
    """
    run = _Run(client, address, None if model_path is None else str(model_path), key, should_stop)
    suspects: list[FoundFile] = []
    yield from run.outcomes(files, _InFlightLimit(client), suspects)
    for found in suspects:
        yield from run.outcomes([found], lambda: 1, None)


@dataclass(frozen=True)
class _Run:
    """One indexing run's submissions to the cluster."""

    client: Client
    address: str
    model_path: str | None
    key: AnalysisKey
    should_stop: Callable[[], bool]

    def outcomes(
        self, files: list[FoundFile], limit: Callable[[], int], suspects: list[FoundFile] | None
    ) -> Iterator[Outcome]:
        """Submit analyses of ``files``, ``limit()`` at a time, and yield their outcomes as they complete.

        A file whose workers died on every retry is added to ``suspects``; where that is None
        (the file ran alone) it is recorded as failed.
        """
        from distributed import KilledWorker, as_completed

        queue = iter(files)
        submitted: dict[str, FoundFile] = {}
        completed = as_completed(loop=self.client.loop)

        def top_up() -> None:
            try:
                while len(submitted) < limit() and not self.should_stop() and (found := next(queue, None)) is not None:
                    future = self.client.submit(_analyse_on_worker, found.path, self.model_path, self.key, pure=False)
                    submitted[future.key] = found
                    completed.add(future)
            except OSError as exc:  # Dask's comm errors: the scheduler is unreachable
                raise _lost(self.address, exc) from exc

        top_up()
        for future in completed:
            found = submitted.pop(future.key)
            try:
                outcome = future.result()
            except KilledWorker:
                if suspects is not None:
                    suspects.append(found)
                    top_up()
                    continue
                outcome = Outcome(found.path, found.stamp, error=WORKERS_DIED)
            except CancelledError as exc:  # Dask cancels every future when the scheduler is gone
                raise _lost(self.address, getattr(exc, "reason", None) or exc) from exc
            except ClusterError as exc:  # a worker that joined after the check refused the file: another model
                raise ClusterError(
                    f"a worker that joined during the run refused its file, so the run stopped: {exc}. "
                    "Everything analysed so far is kept; run the same command to resume once every worker has this model"
                ) from exc
            yield _checked(outcome, found)
            top_up()


def _lost(address: str, reason: object) -> ClusterError:
    return ClusterError(
        f"lost the scheduler at {address} ({reason}): everything analysed so far is kept; "
        "run the same command to resume once it is back"
    )


class _InFlightLimit:
    """How many files to keep in flight: a few per worker thread, recounted every few seconds as workers come and go."""

    def __init__(self, client: Client) -> None:
        self.client, self.limit, self.counted_at = client, 1, -THREADS_RECOUNT_S

    def __call__(self) -> int:
        if time.monotonic() - self.counted_at >= THREADS_RECOUNT_S:
            self.limit = IN_FLIGHT_PER_WORKER * max(sum(self.client.nthreads().values()), 1)
            self.counted_at = time.monotonic()
        return self.limit


def _checked(outcome: Outcome, found: FoundFile) -> Outcome:
    """A file a worker could not find though it is here is a worker without the shared storage, not a deleted file."""
    if outcome.vanished and os.path.exists(found.path):
        return Outcome(found.path, found.stamp, error=NOT_ON_WORKER)
    return outcome


# What runs on the workers.

_models: dict[str, GenreModel] = {}
_models_lock = threading.Lock()


def _worker_model(model_path: str | None) -> GenreModel:
    """This worker process's model for ``model_path`` (None: its default), loaded on first use.

    Single-threaded: a worker runs one analysis per thread (``dask worker --nthreads``), as a
    local run runs one per process.
    """
    path = str(model_path or default_model_path())
    with _models_lock:
        if path not in _models:
            _models[path] = GenreModel(path, threads=1)
        return _models[path]


def worker_model_id(model_path: str | None, windows: int) -> str:
    """The model id this worker would index with, or why it has no model (run on every worker)."""
    try:
        path = Path(model_path) if model_path else default_model_path()
        return AnalysisKey.of(load_manifest(path), windows).model_id
    except (MusictaggerError, OSError) as exc:
        return f"cannot load the model: {exc}"


def _analyse_on_worker(path: str, model_path: str | None, key: AnalysisKey) -> Outcome:
    """One Dask task: analyse ``path`` with this worker's model, which must be ``key``'s."""
    from distributed import get_worker

    model = _worker_model(model_path)
    _require_same_model(get_worker().address, AnalysisKey.of(model.manifest, key.windows).model_id, key)
    return analyse_file(model, path, n_windows=key.windows)
