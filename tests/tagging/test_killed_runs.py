"""A tagging run killed (SIGKILL, a crash, the power lost) whose process id another process has taken since: the run is
interrupted, and its undo goes on, however long that other process lives.  A ``tag`` or ``undo`` killed (a real SIGKILL
to a child process) right after replacing a file: the next run brings the library index in line with the files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.library import Library
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.journal import EntryState, Journal, RunStatus
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from tests.tagging.media import make_file, native_genres
from tests.tagging.test_stopped_at_replace import N_FILES, STOPPED_AT, tag_all
from tests.tagging.test_stopped_at_replace import files as files  # a fixture

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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


# Loaded by the child process alone (its PYTHONPATH): SIGKILL the moment the STOPPED_AT-th file replaced has its new
# version in place, at the next thing the run does (it syncs the file's folder), before it journals it written.
KILLED_AFTER_REPLACING = f"""
import os, signal, sys

replaced = [0]

def _killed_after_replacing(event, args):
    if event == "os.rename" and os.fsdecode(args[1]).endswith(".flac"):
        replaced[0] += 1
    elif replaced[0] == {STOPPED_AT}:
        replaced[0] = -1  # os.kill is audited too: this hook is called again for it
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(_killed_after_replacing)
"""

TAG_ALL = """
import sys
from pathlib import Path

from musictagger.tagging.journal import Journal
from tests.tagging.test_stopped_at_replace import tag_all

tag_all([Path(path) for path in sys.argv[1:]], Journal())
"""
"""``tag``'s run on the files named by its arguments, the library index told after."""


def killed_after_replacing(tmp_path: Path, *arguments: str) -> None:
    """``python ARGUMENTS`` (this test's user dirs, from the project root), SIGKILLed once it replaced the
    :data:`STOPPED_AT`-th file."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILLED_AFTER_REPLACING)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, *arguments], cwd=PROJECT_ROOT, env=environment, capture_output=True)
    assert done.returncode == -signal.SIGKILL, done.stderr


def index_in_line(paths: list[Path]) -> list[tuple[tuple[str, ...] | None, bool]]:
    """For each of ``paths``, the genres the library index holds for it (None: never read) and whether its row is of
    the file as it is now (its size and mtime): a row of another version is analysed again by the next ``index``."""
    with Library() as library:
        genres = {Path(row.path): row.tag_genres for row in library.tag_rows()}
        stamps = library.stamps()
    stamp = {path: stamps[str(path)][0] for path in paths}
    return [(genres[path], (stamp[path].size, stamp[path].mtime_ns) == _now(path)) for path in paths]


def _now(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def test_a_tag_run_killed_after_a_replace_is_learnt_by_the_index_at_the_next_run(
    tmp_path: Path, files: list[Path]
) -> None:
    """A killed ``tag`` never told the library index the tags it wrote, nor of the file it was replacing: the next
    ``tag`` told it of its own files alone, and the index showed the old genres (and analysed the files again at the
    next ``index``).  The next run tells it of the killed run's files too."""
    killed_after_replacing(tmp_path, "-c", TAG_ALL, *map(str, files))
    with Journal() as journal:
        assert [entry.state for entry in journal.entries(1)] == [EntryState.WRITTEN] * (STOPPED_AT - 1) + [
            EntryState.PLANNED
        ]
    assert [native_genres(path) for path in files] == [["Rock"]] * STOPPED_AT + [[]] * (N_FILES - STOPPED_AT)

    with Journal() as journal:
        tag_all(files, journal)  # the files not reached are written; those the killed run wrote are as planned

    assert index_in_line(files) == [(("Rock",), True)] * N_FILES


def test_an_undo_killed_after_a_replace_is_learnt_by_the_index_at_the_next_undo(
    tmp_path: Path, files: list[Path]
) -> None:
    """The next ``undo`` finished the killed one, marking its files restored, but told the library index of the files
    it restored itself alone: the index kept the run's genre for the others until the next ``index``."""
    with Journal() as journal:
        tag_all(files, journal)
    killed_after_replacing(tmp_path, "-m", "musictagger", "undo")
    assert [native_genres(path) for path in files] == [[]] * STOPPED_AT + [["Rock"]] * (N_FILES - STOPPED_AT)

    assert main(["undo"]) == 0

    assert [native_genres(path) for path in files] == [[]] * N_FILES
    assert index_in_line(files) == [((), True)] * N_FILES
