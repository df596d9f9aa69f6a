"""Indexing real generated audio into a real SQLite index: incremental, parallel, interruptible."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
from pathlib import Path

import mutagen.flac
import numpy as np
import pytest

from musictagger.audio import frontend
from musictagger.library import IndexProgress, Library, index_folders
from musictagger.library.store import AnalysisKey
from musictagger.model.runtime import analyze, load_model
from musictagger.userdirs import library_db_path
from tests.library.conftest import write_track


def analysed_at(library: Library) -> dict[str, float]:
    return {record.path: record.analysed_at for record in library.tracks()}


def test_first_run_stores_what_the_model_says_and_the_failures(music_folder: Path) -> None:
    progress: list[IndexProgress] = []
    summary = index_folders([music_folder], workers=2, on_progress=progress.append)

    assert summary.analysed == 5 and summary.skipped == 0 and not summary.interrupted
    assert [(Path(p).name, reason.split(" (")[0]) for p, reason in summary.failed] == [
        ("broken.mp3", "not an audio file, or damaged beyond use")
    ]
    assert progress[-1].done == progress[-1].total == 6 and progress[-1].rate > 0
    with Library() as library:
        assert library.counts().total == 6 and library.counts().failed == 1
        assert library.roots() == [music_folder]
        record = library.record(music_folder / "album1" / "01.flac")
    direct = analyze(music_folder / "album1" / "01.flac")
    assert record.key == AnalysisKey.of(load_model().manifest, None)
    assert record.genre == direct.genre
    np.testing.assert_array_equal(record.analysis.bits, direct.bits)
    np.testing.assert_allclose(record.analysis.relaxed_code, direct.relaxed_code, atol=1e-6)
    np.testing.assert_allclose(record.analysis.window_codes, direct.window_codes, atol=1e-6)
    assert record.analysis.probabilities == pytest.approx({s.label: s.probability for s in direct.ranking}, abs=1e-6)
    assert record.analysis.duration_s == pytest.approx(3.0, abs=0.01)


def test_second_run_skips_unchanged_files_including_known_failures(music_folder: Path) -> None:
    index_folders([music_folder], workers=1)
    with Library() as library:
        before = analysed_at(library)
    summary = index_folders([music_folder], workers=1)
    assert (summary.analysed, summary.skipped, summary.failed, summary.failed_before) == (0, 6, [], 1)
    with Library() as library:
        assert analysed_at(library) == before


def test_tracks_stored_without_window_codes_are_analysed_again(music_folder: Path) -> None:
    """A row an earlier release stored (no window codes) is analysed again by the next run, the others not."""
    index_folders([music_folder], workers=1)
    old = str(music_folder / "album2" / "03.wav")
    with contextlib.closing(sqlite3.connect(library_db_path())) as db, db:  # as a track indexed before
        db.execute("UPDATE tracks SET window_relaxed = NULL WHERE path = ?", (old,))
    with Library() as library:
        assert library.missing_window_codes() == {old}
    summary = index_folders([music_folder], workers=1)
    assert (summary.analysed, summary.skipped) == (1, 5)
    with Library() as library:
        assert library.missing_window_codes() == set()
        assert library.record(old).analysis.window_codes.shape == (1, 64)


def test_changed_new_and_removed_files(music_folder: Path) -> None:
    index_folders([music_folder], workers=1)
    with Library() as library:
        before = analysed_at(library)
    changed = music_folder / "album1" / "02.flac"
    write_track(changed, "flac", seed=2)  # different content and size
    (music_folder / "05.wav").unlink()
    added = write_track(music_folder / "album3" / "06.flac", "flac", seed=5)

    summary = index_folders([music_folder], workers=1)

    assert (summary.analysed, summary.skipped, summary.pruned) == (2, 4, 1)
    with Library() as library:
        after = analysed_at(library)
        assert library.record(changed).genre == analyze(changed).genre
    assert set(after) == set(before) - {str(music_folder / "05.wav")} | {str(added)}
    assert after[str(changed)] > before[str(changed)]
    assert after[str(music_folder / "album1" / "01.flac")] == before[str(music_folder / "album1" / "01.flac")]


def test_another_model_or_window_count_reanalyses(music_folder: Path) -> None:
    index_folders([music_folder], workers=1)
    path = str(music_folder / "album1" / "01.flac")
    with Library() as library:
        record = library.record(path)
        library.store_analysis(path, record.stamp, AnalysisKey("older-model@0123456789ab", 3), record.analysis)

    assert index_folders([music_folder], workers=1).analysed == 1
    with Library() as library:
        assert library.record(path).key == AnalysisKey.of(load_model().manifest, None)

    summary = index_folders([music_folder / "album1"], workers=1, n_windows=1)
    assert summary.analysed == 2
    with Library() as library:
        assert library.record(path).key.windows == 1


def test_retry_failed_tries_known_failures_again(music_folder: Path) -> None:
    index_folders([music_folder], workers=1)
    summary = index_folders([music_folder], workers=1, retry_failed=True)
    assert summary.analysed == 0 and len(summary.failed) == 1 and summary.skipped == 5 and summary.failed_before == 0


def test_unplugged_folder_prunes_nothing(music_folder: Path, tmp_path: Path) -> None:
    index_folders([music_folder], workers=1)
    moved = tmp_path / "elsewhere"
    shutil.move(music_folder, moved)
    summary = index_folders([music_folder], workers=1)
    assert summary.pruned == 0 and [reason for _path, reason in summary.problems] == [
        "no such folder, so its 6 indexed tracks are kept (a drive not mounted, or moved? `musictagger index "
        "NEW_FOLDER` takes those it finds there); `musictagger index --forget` removes a folder's tracks"
    ]
    with Library() as library:
        assert library.counts().total == 6


def test_rows_of_files_that_still_exist_but_were_not_seen_are_kept(music_folder: Path) -> None:
    hidden = write_track(music_folder / ".stash" / "kept.flac", "flac")
    index_folders([hidden], workers=1)  # indexed directly, invisible to a folder walk
    index_folders([music_folder], workers=1)
    with Library() as library:
        assert library.record(hidden) is not None


def test_cancel_keeps_what_was_stored_and_the_next_run_resumes(music_folder: Path) -> None:
    stored: list[str] = []

    def remember(progress: IndexProgress) -> None:
        if progress.current:
            stored.append(progress.current)

    summary = index_folders([music_folder], workers=1, on_progress=remember, should_stop=lambda: len(stored) >= 2)
    assert summary.interrupted and summary.analysed + len(summary.failed) == 2
    with Library() as library:
        first = analysed_at(library)
    assert set(first) == set(stored)

    summary = index_folders([music_folder], workers=1)
    assert not summary.interrupted and summary.skipped == 2 and summary.analysed + len(summary.failed) == 4
    with Library() as library:
        after = analysed_at(library)
    assert all(after[path] == first[path] for path in first)


def test_title_and_artist_come_from_the_tags(music_folder: Path) -> None:
    path = music_folder / "album1" / "01.flac"
    tags = mutagen.flac.FLAC(path)
    tags["title"], tags["artist"] = "Morning", "The Testers"
    tags.save()
    index_folders([path], workers=1)
    with Library() as library:
        record = library.record(path)
    assert (record.analysis.title, record.analysis.artist) == ("Morning", "The Testers")
    assert record.display_name == "The Testers – Morning"


def test_files_given_directly_and_relative_paths(music_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(music_folder)
    summary = index_folders([Path("album1")], workers=1)
    assert summary.analysed == 2
    with Library() as library:
        assert library.record(os.path.abspath("album1/01.flac")) is not None


def test_names_that_are_not_utf8_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    """A file or folder named in Latin-1 bytes (Python holds them as lone surrogates, which SQLite's text refuses):
    the first such file stopped the run with UnicodeEncodeError; each is now a problem naming it, a folder once."""
    music = tmp_path / "Music"
    plain = write_track(music / "plain.flac", "flac")
    odd_file = write_track(music / "cafe.flac", "flac", seed=1).rename(music / os.fsdecode(b"caf\xe9.flac"))
    write_track(music / "Bjork" / "01.flac", "flac", seed=2)
    write_track(music / "Bjork" / "02.flac", "flac", seed=3)
    odd_folder = (music / "Bjork").rename(music / os.fsdecode(b"Bj\xf6rk"))

    summary = index_folders([music, odd_folder], workers=1)

    assert summary.analysed == 1 and summary.failed == []
    not_utf8 = "its name is not UTF-8 text, which the library index cannot store: rename it to index it"
    assert sorted(summary.problems) == [
        (str(odd_folder), not_utf8),
        (str(odd_folder), f"{not_utf8} (its 2 audio files not indexed)"),
        (str(odd_file), not_utf8),
    ]
    with Library() as library:
        assert [record.path for record in library.tracks()] == [str(plain)] and library.roots() == [music]
        assert library.record(odd_file) is None


def test_a_bug_met_on_one_file_fails_that_file_and_the_run_goes_on(
    music_folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception no check raises on purpose (a bug; planted here in the reader, for one file) fails that file
    with its traceback logged, and the files after it are indexed: one file must not cost a run of hours."""
    real_open_reader = frontend.open_reader

    def open_reader_with_a_bug(path: str | Path) -> contextlib.AbstractContextManager:
        if Path(path).name == "02.flac":
            raise AttributeError("'NoneType' object has no attribute 'rate'")
        return real_open_reader(path)

    monkeypatch.setattr(frontend, "open_reader", open_reader_with_a_bug)
    summary = index_folders([music_folder], workers=1)  # in this process, where the bug is planted

    assert summary.analysed == 4 and not summary.interrupted  # the four other tracks (broken.mp3 fails as it did)
    failures = {Path(path).name: reason for path, reason in summary.failed}
    assert failures["02.flac"] == (
        "an error inside musictagger (AttributeError: 'NoneType' object has no attribute 'rate'), a bug: please report it"
    )
    [logged] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert logged.getMessage() == f"unexpected error analysing {music_folder / 'album1' / '02.flac'}"
    assert logged.exc_info is not None and "open_reader_with_a_bug" in logging.Formatter().formatException(
        logged.exc_info
    )  # the traceback, for the bug report
    with Library() as library:
        assert library.counts().total == 6 and library.counts().failed == 2
        assert library.record(music_folder / "album2" / "03.wav").genre is not None
