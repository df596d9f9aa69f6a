"""Indexing on a real local Dask cluster (a scheduler and two workers started by ``dask``'s own command line)."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from musictagger.errors import MusictaggerError
from musictagger.library import IndexProgress, Library, TrackRecord, index_folders
from musictagger.library.cluster import WORKERS_DIED, ClusterError
from musictagger.model.runtime import MODEL_ENV_VAR
from tests.library.conftest import write_track
from tests.library.dask_cluster import ClusterStartError, DaskCluster
from tests.library.dask_worker_crash import CRASH_MARK
from tests.model.variants import shipped_model

pytest.importorskip("distributed", reason="indexing on a cluster needs the archive extra (Dask distributed)")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    try:
        running = DaskCluster(tmp_path_factory.mktemp("dask"))
    except ClusterStartError as exc:
        pytest.skip(str(exc))
    yield running
    running.stop()


def comparable(record: TrackRecord) -> dict[str, object]:
    """Everything stored about a track but its row id, when it was written, and its relaxed code and
    embedding (compared to float rounding, see below)."""
    analysis = record.analysis and dataclasses.asdict(record.analysis)
    if analysis:
        analysis["bits"] = analysis["bits"].tolist()
        del analysis["relaxed_code"], analysis["embedding"], analysis["window_codes"]
    return {"path": record.path, "stamp": record.stamp, "key": record.key, "error": record.error, "analysis": analysis}


def relaxed_codes(library: Library) -> np.ndarray:
    """Each analysed track's relaxed code and its windows', one row each."""
    return np.concatenate(
        [np.vstack([r.analysis.relaxed_code, r.analysis.window_codes]) for r in library.tracks() if r.analysis]
    )


def embeddings(library: Library) -> np.ndarray:
    return np.stack([r.analysis.embedding for r in library.tracks() if r.analysis]).astype(np.float32)


def test_an_index_made_on_the_cluster_equals_a_local_one_row_for_row(
    cluster: DaskCluster, music_folder: Path, tmp_path: Path
) -> None:
    progress: list[IndexProgress] = []
    on_cluster = index_folders(
        [music_folder], library_path=tmp_path / "cluster.sqlite3", cluster=cluster.address, on_progress=progress.append
    )
    here = index_folders([music_folder], library_path=tmp_path / "local.sqlite3", workers=1, threads=1)

    assert on_cluster.analysed == here.analysed == 5
    assert on_cluster.failed == here.failed and [path for path, _ in here.failed] == [
        str(music_folder / "album2" / "broken.mp3")
    ]
    assert progress[-1].done == progress[-1].total == 6 and progress[-1].rate > 0
    with Library(tmp_path / "cluster.sqlite3") as a, Library(tmp_path / "local.sqlite3") as b:
        assert [comparable(r) for r in a.tracks()] == [comparable(r) for r in b.tracks()]
        # Dask's workers run numpy's BLAS single-threaded, which sums the front end's products in
        # another order: the relaxed codes and embeddings agree to float rounding, the codes and verdicts exactly.
        np.testing.assert_allclose(relaxed_codes(a), relaxed_codes(b), rtol=0, atol=1e-6)
        np.testing.assert_allclose(embeddings(a), embeddings(b), rtol=2e-3, atol=1e-4)  # stored as float16


N_FILES = 12


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """More files than the run keeps in flight (4 per worker thread), so a fault after the first result lands mid-run."""
    for i in range(N_FILES):
        write_track(tmp_path / "Folder" / f"{i:02d}.wav", "wav-pcm16", seed=i, seconds=8.0)
    return tmp_path / "Folder"


def test_a_worker_killed_mid_run_loses_nothing(cluster: DaskCluster, folder: Path, tmp_path: Path) -> None:
    victim = cluster.worker_pids()[0]
    killed: list[int] = []

    def kill_a_worker_after_the_first_result(progress: IndexProgress) -> None:
        if progress.analysed == 1 and not killed:  # both workers have files in flight now
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    summary = index_folders(
        [folder],
        library_path=tmp_path / "index.sqlite3",
        cluster=cluster.address,
        on_progress=kill_a_worker_after_the_first_result,
    )

    assert killed and victim not in cluster.worker_pids()  # its nanny started a new one
    assert (summary.analysed, summary.failed, summary.interrupted) == (N_FILES, [], False)
    with Library(tmp_path / "index.sqlite3") as library:
        records = library.tracks()
    assert sorted(r.path for r in records) == sorted(str(p) for p in folder.iterdir())
    assert all(r.ok for r in records)


def test_a_worker_with_another_model_is_refused_before_anything_is_analysed(
    cluster: DaskCluster, music_folder: Path, tmp_path: Path, use_model: Callable[[Path], Path], unknown_model: Path
) -> None:
    use_model(unknown_model)  # this machine's model differs from the workers' by its verdict policy

    with pytest.raises(ClusterError, match=r"worker tcp://127\.0\.0\.1:\d+ has model .* this machine "):
        index_folders([music_folder], library_path=tmp_path / "index.sqlite3", cluster=cluster.address)

    with Library(tmp_path / "index.sqlite3") as library:
        assert library.counts().total == 0


def test_local_workers_and_a_cluster_are_refused_together(music_folder: Path) -> None:
    with pytest.raises(MusictaggerError, match="workers and threads are for a local run"):
        index_folders([music_folder], cluster="tcp://127.0.0.1:1", workers=2)


def test_losing_the_scheduler_ends_the_run_clearly_keeping_what_was_stored_and_the_rerun_resumes(
    cluster: DaskCluster, folder: Path, tmp_path: Path
) -> None:
    def stop_the_scheduler_after_the_second_result(progress: IndexProgress) -> None:
        if progress.analysed == 2 and cluster.scheduler.poll() is None:
            cluster.kill_scheduler()

    database = tmp_path / "index.sqlite3"
    with pytest.raises(ClusterError, match=r"lost the scheduler at tcp://.*everything analysed so far is kept"):
        index_folders(
            [folder],
            library_path=database,
            cluster=cluster.address,
            on_progress=stop_the_scheduler_after_the_second_result,
        )
    with Library(database) as library:
        records = library.tracks()
    stored = {r.path: r.analysed_at for r in records}
    assert 2 <= len(stored) < N_FILES and all(r.ok for r in records)

    cluster.start()  # again at the same address: Dask's workers end with their scheduler
    summary = index_folders([folder], library_path=database, cluster=cluster.address)

    assert (summary.skipped, summary.analysed, summary.failed) == (len(stored), N_FILES - len(stored), [])
    with Library(database) as library:
        after = {r.path: r.analysed_at for r in library.tracks()}
    assert len(after) == N_FILES and all(after[p] == t for p, t in stored.items())


def test_a_file_that_kills_every_worker_it_reaches_is_recorded_once_and_the_run_goes_on(
    cluster: DaskCluster, folder: Path, tmp_path: Path
) -> None:
    crasher = write_track(folder / f"000-{CRASH_MARK}.wav", "wav-pcm16", seed=5, seconds=8.0)

    summary = index_folders([folder], library_path=tmp_path / "index.sqlite3", cluster=cluster.address)

    assert (summary.analysed, summary.interrupted) == (N_FILES, False)
    assert summary.failed == [(str(crasher), WORKERS_DIED)]
    with Library(tmp_path / "index.sqlite3") as library:
        records = library.tracks()
    assert [r.path for r in records if not r.ok] == [str(crasher)]
    assert sorted(r.path for r in records if r.ok) == sorted(str(p) for p in folder.iterdir() if p != crasher)


def test_a_worker_with_another_model_joining_mid_run_stores_nothing_and_stops_the_run_clearly(
    cluster: DaskCluster, folder: Path, tmp_path: Path
) -> None:
    joined: list[subprocess.Popen] = []

    def a_worker_with_the_shipped_model_joins_after_the_check(progress: IndexProgress) -> None:
        if not joined:  # the first report: the workers are checked and the files found, none analysed yet
            joined.append(cluster.start_worker("worker-shipped-model", **{MODEL_ENV_VAR: str(shipped_model())}))
            cluster.wait_for_workers(3)  # an idle worker beside two: the scheduler gives it files

    database = tmp_path / "index.sqlite3"
    try:
        with pytest.raises(ClusterError) as refused:
            index_folders(
                [folder],
                library_path=database,
                cluster=cluster.address,
                on_progress=a_worker_with_the_shipped_model_joins_after_the_check,
            )
    finally:
        for worker in joined:
            cluster.stop_worker(worker)

    assert re.match(
        r"a worker that joined during the run refused its file, so the run stopped: worker tcp://127\.0\.0\.1:\d+ "
        r"has model \S+, this machine \S+: every worker must run the same model .* Everything analysed so far is kept",
        str(refused.value),
    )
    here = index_folders([folder], library_path=tmp_path / "local.sqlite3", workers=1, threads=1)
    with Library(database) as a, Library(tmp_path / "local.sqlite3") as b:
        stored = [comparable(r) for r in a.tracks()]
        local = {r.path: comparable(r) for r in b.tracks()}
    assert here.analysed == N_FILES and len(stored) < N_FILES
    assert all(row == local[row["path"]] for row in stored)  # the shipped model's verdicts and codes would differ

    summary = index_folders([folder], library_path=database, cluster=cluster.address)

    assert (summary.skipped, summary.analysed, summary.failed) == (len(stored), N_FILES - len(stored), [])
