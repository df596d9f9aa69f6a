"""The music's drive unplugged after a tagging run: its undo says so, and restores the files once the drive is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger.tagging.apply import apply_plan
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import Action, Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from tests.tagging.media import make_file, native_genres
from tests.users import POSIX, as_a_user


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def test_an_undo_while_the_files_drive_is_away_says_so_and_the_next_undo_restores_them(
    tmp_path: Path, journal: Journal
) -> None:
    """The files of a run on a drive unplugged since: the undo said each was 'no longer there (moved, renamed or
    deleted since run 12)', as of files gone for good, though the same undo restored them all once the drive was back
    (found by the concurrency walk, on a loop-mounted drive)."""
    drive = tmp_path / "drive"
    path = make_file(drive / "Album", "flac")
    plan = make_plan({path: Prediction("rock", 0.9, uncertain=False)}, mode=Mode.REPLACE, min_confidence=0.5)
    run = apply_plan(plan, journal).run_id
    drive.rename(tmp_path / "unplugged")

    (away,) = undo(journal, run).outcomes

    assert away.status == "skipped"
    assert away.reason == (
        f"is no longer there, nor is its folder {drive / 'Album'} (a drive not mounted?): "
        f"`musictagger undo {run}` restores it once it is back"
    )
    (tmp_path / "unplugged").rename(drive)
    assert [outcome.status for outcome in undo(journal, run).outcomes] == ["restored"] and native_genres(path) == []


@POSIX
def test_an_undo_whose_files_cannot_be_reached_says_why_and_restores_the_others(
    tmp_path: Path, journal: Journal
) -> None:
    """A folder of the run's files that cannot be read (its permissions; a drive failing with I/O errors alike) ended
    the undo with a traceback (`OSError: [Errno 5] Input/output error` from its check that a file is there), and the
    undo run was left interrupted, having restored nothing (found by the concurrency walk, on a loop-mounted drive)."""
    locked, free = make_file(tmp_path / "locked", "flac"), make_file(tmp_path / "free", "flac")
    plan = make_plan(dict.fromkeys([locked, free], Prediction("rock", 0.9, uncertain=False)), mode=Mode.REPLACE)
    run = apply_plan(plan, journal).run_id
    locked.parent.chmod(0)
    try:
        with as_a_user():
            report = undo(journal, run)
    finally:
        locked.parent.chmod(0o755)

    assert [(o.path, o.status, o.reason) for o in report.outcomes] == [
        (locked, "skipped", "cannot read it (Permission denied)"),
        (free, "restored", ""),
    ]
    assert [outcome.status for outcome in undo(journal, run).outcomes] == ["restored"] and native_genres(locked) == []


@POSIX
def test_a_file_out_of_reach_when_planned_is_an_error_saying_why_not_a_file_gone(tmp_path: Path) -> None:
    """A folder made unreadable (or a drive failing) while `tag` analysed the others: its files were `skip: is no
    longer there (moved, renamed or deleted since it was found)`, as of files deleted, since any error of the check
    that a file is there read as its absence."""
    song = make_file(tmp_path / "locked", "flac")
    song.parent.chmod(0)
    try:
        with as_a_user():
            (item,) = make_plan({song: Prediction("rock", 0.9, uncertain=False)}, mode=Mode.REPLACE).items
    finally:
        song.parent.chmod(0o755)

    assert (item.action, item.skip) == (Action.ERROR, None)
    assert item.reason.startswith("cannot read its tags ([Errno 13] Permission denied"), item.reason
