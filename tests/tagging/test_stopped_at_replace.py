"""``tag`` and ``undo`` stopped by a real Ctrl-C (SIGINT to this process) in the instant a file's new version has just
replaced it, before its run has journalled and reported it: the file, the journal, the library index and the report
must still agree, and the undo must give the file back."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from musictagger.cli.main import main
from musictagger.library import Library
from musictagger.library.store import FileStamp
from musictagger.tagging import atomic
from musictagger.tagging.apply import RunReport, apply_plan
from musictagger.tagging.index_sync import update_library_index
from musictagger.tagging.journal import EntryState, Journal
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from tests.library.test_search import store_random_tracks
from tests.tagging.media import make_file, native_genres

N_FILES = 4
STOPPED_AT = 2
"""The file whose replace the Ctrl-C follows (the second)."""


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    """Untagged FLAC files the library index holds, as analysing them would store them."""
    folder = tmp_path / "Music"
    paths = [make_file(folder, "flac", name=f"{i:05d}", seconds=0.5, seed=i) for i in range(N_FILES)]
    with Library() as library:
        store_random_tracks(
            library, 0, np.random.default_rng(0).random((N_FILES, 16), dtype=np.float32), folder=str(folder)
        )
        library.restamp({str(path): FileStamp(path.stat().st_size, path.stat().st_mtime_ns) for path in paths})
    return paths


@pytest.fixture
def ctrl_c_handled() -> Iterator[None]:
    """Ctrl-C's handler as a terminal gives it (even under nohup, which ignores SIGINT) for the test."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ctrl_c_in(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, *, at_call: int = 1) -> None:
    """From now on, a real SIGINT to this process as ``owner.name`` is called the ``at_call``-th time, once it has done
    its work."""
    calls = [0]
    original = getattr(owner, name)

    def then_ctrl_c(*args: object, **kwargs: object) -> object:
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] == at_call:
            os.kill(os.getpid(), signal.SIGINT)
        return result

    monkeypatch.setattr(owner, name, then_ctrl_c)


def ctrl_c_after_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, a real SIGINT to this process the moment the :data:`STOPPED_AT`-th file replaced has its new version
    in place: its folder synced, the step right after ``os.replace``."""
    ctrl_c_in(monkeypatch, atomic, "_fsync_folder", at_call=STOPPED_AT)


def indexed_genres(paths: list[Path]) -> list[tuple[str, ...] | None]:
    """The tag genres the library index holds for ``paths`` (None: never read)."""
    with Library() as library:
        indexed = {Path(row.path): row.tag_genres for row in library.tag_rows()}
    return [indexed[path] for path in paths]


def tag_all(paths: list[Path], journal: Journal) -> RunReport:
    """``tag``'s run on ``paths`` (rock for each), the library index told: the report."""
    plan = make_plan(
        {path: Prediction("rock", 0.9, uncertain=False) for path in paths}, mode=Mode.REPLACE, min_confidence=0.5
    )
    report = apply_plan(plan, journal)
    update_library_index(journal, report)
    return report


def test_tag_stopped_right_after_a_replace_journals_reports_and_indexes_that_file(
    files: list[Path], monkeypatch: pytest.MonkeyPatch, ctrl_c_handled: None
) -> None:
    """The file replaced as Ctrl-C came was left out of the run's report and stayed ``planned`` in the journal, so the
    library index kept its old genre: '1 written' for two files changed.  Now the stop waits for the file's journal
    entry and its outcome, and the files after it are left as they were."""
    before = {path: path.read_bytes() for path in files}
    ctrl_c_after_replace(monkeypatch)
    with Journal() as journal:
        report = tag_all(files, journal)
        entries = journal.entries(report.run_id)

    assert report.interrupted
    assert [native_genres(path) for path in files] == [["Rock"]] * STOPPED_AT + [[]] * (N_FILES - STOPPED_AT)
    assert [(o.path, o.status) for o in report.outcomes] == [(path, "written") for path in files[:STOPPED_AT]]
    assert [entry.state for entry in entries] == [EntryState.WRITTEN] * STOPPED_AT
    assert indexed_genres(files) == [("Rock",)] * STOPPED_AT + [None] * (N_FILES - STOPPED_AT)  # None: never read

    with Journal() as journal:  # and undo gives every file back, byte for byte
        restored = undo(journal)
    assert restored.counts() == {"restored": STOPPED_AT}
    assert {path: path.read_bytes() for path in files} == before


def test_undo_stopped_right_after_a_replace_counts_marks_and_indexes_that_file(
    files: list[Path], monkeypatch: pytest.MonkeyPatch, ctrl_c_handled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """``undo`` stopped as a file's old tags had just been put back said one file fewer restored than it had (as a
    CI run saw: '1 restored' for two), left its run's entry unrestored and the library index with the run's genre
    for it.  Now it says, marks and indexes every file it put back; the same command then restores the rest."""
    before = {path: path.read_bytes() for path in files}
    with Journal() as journal:
        tag_all(files, journal)  # run 1; its undo, run 2

    synced = atomic._fsync_folder
    ctrl_c_after_replace(monkeypatch)
    status = main(["undo"])

    out = " ".join(capsys.readouterr().out.split())
    assert status == 130
    assert [native_genres(path) for path in files] == [[]] * STOPPED_AT + [["Rock"]] * (N_FILES - STOPPED_AT)
    not_reached = N_FILES - STOPPED_AT
    assert re.search(
        rf"undo of run 1 \(run 2\): {STOPPED_AT} restored, 0 not restored \(interrupted: {not_reached} not", out
    )
    with Journal() as journal:
        assert [entry.state for entry in journal.entries(1)] == [EntryState.RESTORED] * STOPPED_AT + [
            EntryState.WRITTEN
        ] * not_reached
    assert indexed_genres(files) == [()] * STOPPED_AT + [("Rock",)] * not_reached

    monkeypatch.setattr(atomic, "_fsync_folder", synced)
    assert main(["undo"]) == 0
    assert {path: path.read_bytes() for path in files} == before
    assert indexed_genres(files) == [()] * N_FILES


@pytest.mark.parametrize(
    ("stopped_in", "warned"),
    [
        ((Journal, "bound_kept_bytes"), ""),
        ((Library, "store_tags"), "warning: stopped before the library index learnt the new tags of every file"),
    ],
    ids=["recording-the-run-s-end", "telling-the-index"],
)
def test_undo_stopped_once_every_file_is_restored_still_says_so(
    files: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    ctrl_c_handled: None,
    capsys: pytest.CaptureFixture[str],
    stopped_in: tuple[object, str],
    warned: str,
) -> None:
    """A Ctrl-C once the last file was restored, as the run's end was recorded (the journal's kept bytes bound) or as
    the library index was told, said 'interrupted' alone: not that every file was restored; and in the first case the
    index was never told.  Now the report is said whole, and the index follows (or the warning says it did not)."""
    with Journal() as journal:
        tag_all(files, journal)
    ctrl_c_in(monkeypatch, *stopped_in)

    status = main(["undo"])

    out, err = (" ".join(text.split()) for text in capsys.readouterr())
    assert status == 130
    assert [native_genres(path) for path in files] == [[]] * N_FILES
    assert f"undo of run 1 (run 2): {N_FILES} restored, 0 not restored (interrupted: 0 not reached)" in out
    assert warned in err
    with Journal() as journal:
        assert [entry.state for entry in journal.entries(1)] == [EntryState.RESTORED] * N_FILES
    if not warned:
        assert indexed_genres(files) == [()] * N_FILES


def test_tag_stopped_while_a_file_is_being_written_stops_at_once(
    files: list[Path], monkeypatch: pytest.MonkeyPatch, ctrl_c_handled: None
) -> None:
    """The stop waits for a file's journal entry once the file is being replaced alone: a Ctrl-C while its new version
    is still being made and checked (the long part of a large file) stops the run there, that file as it was and no
    copy of it left."""
    before = {path: path.read_bytes() for path in files}
    ctrl_c_in(monkeypatch, atomic, "_verify", at_call=STOPPED_AT)
    with Journal() as journal:
        report = tag_all(files, journal)

    assert report.interrupted
    assert [(o.path, o.status) for o in report.outcomes] == [(files[0], "written")]
    assert {path: path.read_bytes() for path in files[1:]} == {path: before[path] for path in files[1:]}
    assert sorted(files[0].parent.iterdir()) == files
