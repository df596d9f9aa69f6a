"""Two undos of one tagging run at once (`musictagger undo` in a terminal while the window's Undo runs, or two
terminals): the second is refused, naming the first, until that one ends."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger.errors import MusictaggerError
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.journal import EntryState, Journal, RunStatus
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from tests.tagging.media import make_file, native_genres


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def tagged(folder: Path, journal: Journal) -> tuple[list[Path], int]:
    """Two files given the genre Rock by a tagging run; the run's id."""
    paths = [make_file(folder, "flac", name=name) for name in ("one", "two")]
    plan = make_plan(
        dict.fromkeys(paths, Prediction("rock", 0.9, uncertain=False)), mode=Mode.REPLACE, min_confidence=0.5
    )
    return paths, apply_plan(plan, journal).run_id


def test_an_undo_of_a_run_another_undo_is_restoring_is_refused_until_that_one_ends(
    tmp_path: Path, journal: Journal
) -> None:
    """Both undos took every file, each found half of them locked by the other or changed since it looked, and the one
    that came second marked the files the first had restored 'not restored': all 136 files of a run came back, and
    `undo --list` said 5 were not restored (found by the concurrency walk)."""
    paths, run = tagged(tmp_path, journal)
    with Journal() as other:  # another process's undo, going on (this process's id: alive)
        first = other.start_run("undo", undoes=run)

        with pytest.raises(MusictaggerError, match=rf"run {run} is being undone already \(run {first}, process \d+\)"):
            undo(journal, run)

        assert [native_genres(path) for path in paths] == [["Rock"], ["Rock"]]
        assert {entry.state for entry in journal.entries(run)} == {EntryState.WRITTEN}
        other.finish_run(first, RunStatus.FINISHED)

    report = undo(journal, run)

    assert [outcome.status for outcome in report.outcomes] == ["restored", "restored"]
    assert {entry.state for entry in journal.entries(run)} == {EntryState.RESTORED}


def test_an_undo_killed_before_its_end_does_not_hold_the_next_one_back(tmp_path: Path, journal: Journal) -> None:
    paths, run = tagged(tmp_path, journal)
    killed = journal.start_run("undo", undoes=run)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    journal.connection.execute("UPDATE runs SET pid = ? WHERE id = ?", (int(gone.stdout), killed))  # its process gone

    report = undo(journal, run)

    assert [outcome.status for outcome in report.outcomes] == ["restored", "restored"]
    assert [native_genres(path) for path in paths] == [[], []]
    assert journal.run(killed).status is RunStatus.INTERRUPTED
