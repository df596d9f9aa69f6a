"""A tagging run killed (SIGKILL, a crash, the power lost) whose process id another process has taken since: the run is
interrupted, and its undo goes on, however long that other process lives."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger.tagging.apply import apply_plan
from musictagger.tagging.journal import Journal, RunStatus
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from tests.tagging.media import make_file, native_genres


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


@pytest.fixture
def later_process() -> Iterator[subprocess.Popen]:
    """A process started now, living until the test ends."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="a process's start is read from /proc (Linux)")
def test_a_killed_runs_process_id_taken_by_another_process_does_not_keep_it_running(
    tmp_path: Path, journal: Journal, later_process: subprocess.Popen
) -> None:
    """With the process ids wrapped around (32768 on this machine), a `tag` run killed at pid 975 was listed as
    running and its undo refused ('run 22 is still running; wait for it or stop it first') while an unrelated
    `sleep` held pid 975 (found by the concurrency walk); after a restart, a system process may hold it for good."""
    path = make_file(tmp_path, "flac")
    plan = make_plan({path: Prediction("rock", 0.9, uncertain=False)}, mode=Mode.REPLACE, min_confidence=0.5)
    run = apply_plan(plan, journal).run_id
    killed_long_ago = time.time() - 3600  # the run, an hour ago, then killed: its id now the later process's
    journal.connection.execute(
        "UPDATE runs SET status = ?, pid = ?, started_at = ?, finished_at = NULL WHERE id = ?",
        (RunStatus.RUNNING, later_process.pid, killed_long_ago, run),
    )

    assert journal.run(run).status is RunStatus.INTERRUPTED
    report = undo(journal)

    assert [outcome.status for outcome in report.outcomes] == ["restored"] and native_genres(path) == []


def test_a_run_going_on_in_another_process_is_running(tmp_path: Path, journal: Journal) -> None:
    """The process that started a run, alive, keeps it running (its start is before the run's)."""
    path = make_file(tmp_path, "flac")
    plan = make_plan({path: Prediction("rock", 0.9, uncertain=False)}, mode=Mode.REPLACE, min_confidence=0.5)
    run = apply_plan(plan, journal).run_id
    journal.connection.execute(
        "UPDATE runs SET status = ?, finished_at = NULL WHERE id = ?", (RunStatus.RUNNING, run)
    )  # this process's run, not finished

    assert journal.run(run).status is RunStatus.RUNNING
