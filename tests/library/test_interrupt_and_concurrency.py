"""A real `musictagger index` process killed mid-run, interrupted with Ctrl-C, and read from meanwhile."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.library import Library, index_folders
from musictagger.userdirs import library_db_path
from tests.library.conftest import write_track
from tests.processes import HAS_PROC, alive, assert_workers_die_with, musictagger_process, wait_for_workers

N_FILES = 12


@pytest.fixture
def big_folder(tmp_path: Path) -> Path:
    """Enough work (12 × 30 s, three windows each) that a signal sent after the first rows lands mid-batch.

    On an idle machine the first rows arrive after ~2 s of start-up and each further file
    takes ~0.3 s or more, so several seconds of work remain when the test interrupts.
    """
    root = tmp_path / "Big"
    for i in range(N_FILES):
        write_track(root / f"{i:02d}.wav", "wav-pcm16", seed=i, seconds=30.0)
    return root


def start_indexing(folder: Path, workers: int = 1) -> subprocess.Popen:
    """``musictagger index FOLDER`` in its own process, with this test's isolated user dirs, Ctrl-C as a terminal's."""
    return musictagger_process("index", str(folder), "--workers", str(workers))


def rows_stored() -> int:
    path = library_db_path()
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def wait_for_rows(process: subprocess.Popen, at_least: int, timeout_s: float = 120.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"indexer ended early: {process.communicate()}"
        count = rows_stored()
        if count >= at_least:
            return count
        time.sleep(0.05)
    raise AssertionError("the indexer stored nothing in time")


def test_killed_run_keeps_its_rows_and_the_next_run_resumes(big_folder: Path) -> None:
    process = start_indexing(big_folder)
    wait_for_rows(process, 2)
    process.kill()
    process.wait()

    with Library() as library:  # opens cleanly after a SIGKILL (WAL recovery)
        first = {r.path: r.analysed_at for r in library.tracks()}
    assert 2 <= len(first) < N_FILES

    summary = index_folders([big_folder], workers=1)
    assert summary.skipped == len(first) and summary.analysed == N_FILES - len(first)
    with Library() as library:
        after = {r.path: r.analysed_at for r in library.tracks()}
    assert len(after) == N_FILES and all(after[p] == t for p, t in first.items())


def test_ctrl_c_stops_cleanly_with_status_130(big_folder: Path) -> None:
    process = start_indexing(big_folder)
    wait_for_rows(process, 1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "resume" in stderr
    assert 1 <= rows_stored() < N_FILES


def test_sigterm_stops_like_ctrl_c_keeping_the_results_and_saying_so(big_folder: Path) -> None:
    process = start_indexing(big_folder)
    wait_for_rows(process, 1)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143  # 128 + SIGTERM, as a shell gives a program SIGTERM ends (it said 130)
    assert "interrupted: everything analysed so far is kept" in stderr and "Traceback" not in stderr
    assert 1 <= rows_stored() < N_FILES


def test_readers_see_a_consistent_growing_index_while_it_is_written(big_folder: Path) -> None:
    process = start_indexing(big_folder)
    wait_for_rows(process, 1)
    seen = []
    with Library() as reader:
        while process.poll() is None:
            counts = reader.counts()
            records = reader.tracks()
            assert len(records) >= counts.total  # rows are only added while indexing a new folder
            assert all(r.analysis is not None and len(r.analysis.bits) == 64 for r in records)
            seen.append(counts.total)
            time.sleep(0.02)
    assert process.returncode == 0, process.communicate()
    assert seen == sorted(seen) and seen[-1] >= 1
    assert rows_stored() == N_FILES


def test_a_second_run_on_the_same_index_is_refused_naming_the_first(big_folder: Path) -> None:
    """Two runs at once took the same files still to be analysed, in the same order, and analysed each twice (833
    of a walk's 3,008 files twice over, both runs at half speed, nothing said).  The second is refused at once, the
    first goes on; once it has ended (stopped here), the library is free for the next run."""
    first = start_indexing(big_folder)
    try:
        wait_for_rows(first, 1)
        second = subprocess.run(
            [sys.executable, "-m", "musictagger", "index", str(big_folder)], capture_output=True, text=True, timeout=60
        )
        assert first.poll() is None
    finally:
        first.terminate()
        first.communicate(timeout=60)
    assert second.returncode == 1 and second.stdout == ""
    said = " ".join(second.stderr.split())
    assert said.startswith(f"error: {library_db_path()} is being indexed by process {first.pid}: wait for that run")
    assert first.returncode == 143  # stopped by SIGTERM
    assert index_folders([write_track(big_folder.parent / "Next" / "0.wav", "wav-pcm16")], workers=1).analysed == 1


def test_an_index_whose_folder_cannot_be_made_is_an_error_not_a_traceback(
    music_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The indexing lock beside the index is opened first: where the index's folder cannot be made (a file in its
    place), that is the database's error, as it was before there was a lock (NotADirectoryError's traceback), and it
    says what is in the way."""
    in_the_way = tmp_path / "data"
    in_the_way.write_bytes(b"")
    monkeypatch.setenv("XDG_DATA_HOME", str(in_the_way))

    assert main(["index", str(music_folder)]) == 1

    said = " ".join(capsys.readouterr().err.split())
    assert said.startswith(f"error: {library_db_path()}")
    assert f"cannot open the database ({in_the_way} is a file, where a folder should be)" in said


@pytest.mark.skipif(not HAS_PROC, reason="finds processes through /proc")
def test_the_workers_die_when_the_command_is_killed(big_folder: Path) -> None:
    process = start_indexing(big_folder, workers=2)
    wait_for_rows(process, 1)  # the workers have their model and are analysing
    workers = wait_for_workers(process, 2)

    assert_workers_die_with(process, workers)


def test_a_second_ctrl_c_while_the_workers_stop_does_not_hang_the_command(big_folder: Path) -> None:
    """Pressed twice, Ctrl-C cut the pool's shutdown short, and the process waited for its workers forever."""
    process = start_indexing(big_folder, workers=2)
    try:
        wait_for_rows(process, 1)
        process.send_signal(signal.SIGINT)
        time.sleep(0.2)  # the pool is shutting down, waiting for the files in flight
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and 1 <= rows_stored() < N_FILES


# Loaded by every Python process started with the test's PYTHONPATH: a spawned worker takes 10 s to start, as its
# interpreter, imports and model take seconds on a loaded machine or a cold disk.
SLOW_TO_START = """
import sys, time

if "--multiprocessing-fork" in sys.argv:
    time.sleep(10)
"""


@pytest.mark.skipif(not HAS_PROC, reason="finds processes through /proc")
def test_a_ctrl_c_while_the_workers_start_ends_the_command_at_once_leaving_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C in an ``index``'s first seconds waited for its workers to start (spawn, imports, the model: about
    2 s each on a loaded machine) and to analyse the files already handed to them, none of which is stored: 2-4 s
    where a user expects the command to end.  The workers are ended at once, and gone when the command is."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SLOW_TO_START)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]))
    music = tmp_path / "Music"
    for i in range(4):
        write_track(music / f"{i}.wav", "wav-pcm16", seed=i)
    process = start_indexing(music, workers=2)
    try:
        workers = wait_for_workers(process, 2)
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        _, stderr = process.communicate(timeout=60)
        took_s = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    left = [pid for pid in workers if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    assert took_s < 1.5 and left == [], (took_s, left)
    assert rows_stored() == 0


# Loaded by every Python process started with the test's PYTHONPATH (the index's spawned workers): a worker that
# opens the file named so is killed, as a decoder crashing on its damaged data, or the system out of memory, kills it.
KILLS_ITS_WORKER = """
import os, signal, sys

def _die_on(event, args):
    if event == "open" and str(args[0]).endswith("kills-its-worker.wav"):
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(_die_on)
"""


def test_a_file_on_which_a_worker_dies_is_a_failure_and_the_others_are_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first worker to die stopped the whole run with a BrokenProcessPool traceback, the files after it not
    indexed; tag stopped so too.  The files in flight then are analysed again one by one, and the one the worker
    dies on again is reported."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILLS_ITS_WORKER)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]))
    music = tmp_path / "Music"
    fine = [write_track(music / f"{i}.wav", "wav-pcm16", seed=i) for i in range(4)]
    killer = write_track(music / "kills-its-worker.wav", "wav-pcm16", seed=4)

    summary = index_folders([music], workers=2)

    assert summary.failed == [(str(killer), "the analysis process crashed on this file")]
    assert summary.analysed == len(fine) and not summary.interrupted
    with Library() as library:
        assert library.counts().total == 5 and library.counts().failed == 1
