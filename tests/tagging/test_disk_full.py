"""A full disk under the music, the tagging journal or the user's settings: nothing is lost or half-written, and what
is said names the file and the problem.

The disks are made full portably (no root, no mounts): a child process with a file size limit (writes past it fail
with EFBIG, as on a full disk with ENOSPC), SQLite's own page limit (``PRAGMA max_page_count``: the journal's writes
fail with SQLITE_FULL, "database or disk is full", as on a full disk), or the one copy a full disk cuts short."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger import userdirs
from musictagger.cli.lines import path_line
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.atomic import TEMP_MARK
from musictagger.tagging.index_sync import update_library_index
from musictagger.tagging.journal import Journal, RunStatus
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from tests.processes import limited_to
from tests.tagging.media import make_file, pretag

ROCK = Prediction("rock", 0.9, uncertain=False)


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def leftovers(folder: Path) -> list[str]:
    """The temporary files a write left in ``folder``."""
    return [path.name for path in folder.iterdir() if TEMP_MARK in path.name or path.name.endswith(".tmp")]


def fill_up(journal: Journal) -> None:
    """Leave the journal no room for one more entry: its file may not grow (SQLite's page limit), and the entries'
    pages are filled; a run can still begin (its row fits beside the others)."""
    db = journal.connection
    filler_run = journal.start_run("tag")
    journal.finish_run(filler_run, RunStatus.FINISHED)
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        for number in range(10_000):
            db.execute(
                "INSERT INTO entries (run_id, path, old_genres, new_genres, fingerprint_before, state, updated_at)"
                " VALUES (?, ?, '[]', '[]', '', 'failed', 0)",
                (filler_run, f"/filler/{number:05d}" + "x" * 500),
            )


def test_a_journal_that_fills_up_stops_the_run_before_touching_a_file_it_cannot_record(
    tmp_path: Path, journal: Journal
) -> None:
    paths = [make_file(tmp_path, fmt) for fmt in ("mp3", "flac", "wav")]
    originals = {path: path.read_bytes() for path in paths}
    plan = make_plan(dict.fromkeys(paths, ROCK), mode=Mode.REPLACE, min_confidence=0.5)
    fill_up(journal)

    report = apply_plan(plan, journal)  # a raw sqlite3.OperationalError escaped the run before

    assert report.outcomes == []
    assert "the tagging journal cannot be written" in report.stopped
    assert f"{journal.path}: database or disk is full" in report.stopped
    assert {path: path.read_bytes() for path in paths} == originals
    assert leftovers(tmp_path) == []
    assert journal.run(report.run_id).status is RunStatus.INTERRUPTED  # listed all the same

    journal.connection.execute("PRAGMA max_page_count = 1000000")  # space freed: the same plan goes through
    assert [o.status for o in apply_plan(plan, journal).outcomes] == ["written"] * 3


def test_an_undo_whose_second_copy_meets_a_full_disk_leaves_no_copy_behind(
    tmp_path: Path, journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An undo keeps the file as its run left it in a second copy (to try the forms its tag may have had); a full
    disk cutting that copy short left it beside the file, and named the copies in a '[Errno 28] …' message."""
    path = make_file(tmp_path, "mp3")
    pretag(path, genres=["Jazz"])
    apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)
    tagged = path.read_bytes()
    copy = shutil.copyfile

    def copy_onto_a_full_disk(source: str, destination: str, **kwargs: object) -> str:
        if "-as-tagged" not in str(destination):
            return copy(source, destination, **kwargs)
        Path(destination).write_bytes(Path(source).read_bytes()[:4096])  # what fitted
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(source), None, str(destination))

    monkeypatch.setattr(shutil, "copyfile", copy_onto_a_full_disk)
    report = undo(journal)

    assert [(o.path, o.status, o.reason) for o in report.outcomes] == [
        (path, "skipped", f"cannot write its ID3 tags ({os.strerror(errno.ENOSPC)})")
    ]
    assert path.read_bytes() == tagged
    assert leftovers(tmp_path) == []


def test_the_library_index_that_cannot_take_a_runs_tags_is_a_warning_not_the_report_lost(
    tmp_path: Path, journal: Journal
) -> None:
    """After a run the library takes the files' new tags; an index that cannot be written (here: not a database file
    at all; a full disk alike) ended `tag` and `undo` with that error alone, before their report."""
    path = make_file(tmp_path, "flac")
    report = apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)
    userdirs.library_db_path().mkdir(parents=True)

    update_library_index(journal, report)

    assert report.index_problem.startswith(
        f"the library index could not take the new tags ({userdirs.library_db_path()}: "
    )
    assert report.index_problem.endswith("the next `musictagger index` reads them")


def test_a_setting_that_cannot_be_saved_is_said_and_the_old_one_kept_whole() -> None:
    """`models --base` on a full disk ended in a traceback, its temporary file cut short beside the setting."""
    command = [sys.executable, "-m", "musictagger", "models", "--base"]
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([*command, "accurate"], check=True, capture_output=True, env=environment, timeout=120)
    setting = userdirs.config_dir() / "base-model.json"
    before = setting.read_bytes()

    completed = subprocess.run(
        [*command, "fast"],
        capture_output=True,
        text=True,
        env=environment,
        preexec_fn=lambda: limited_to(8),
        timeout=120,
    )

    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    assert path_line("error", setting, "cannot be saved (File too large); it is as it was") in completed.stderr
    assert setting.read_bytes() == before
    assert leftovers(setting.parent) == []
