"""Analyses from the index when current, fresh otherwise, errors per file."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from musictagger.errors import FileError
from musictagger.library import Library, index_folders
from musictagger.library.lookup import analyses_for


def test_current_rows_answer_and_changed_or_unknown_files_are_analysed(music_folder: Path, tmp_path: Path) -> None:
    indexed = music_folder / "album1" / "01.flac"
    index_folders([indexed], workers=1)
    with Library() as library:
        record = library.record(indexed)
        verdict = dataclasses.replace(record.analysis.verdict, genre="from-the-index")
        marked = dataclasses.replace(record.analysis, verdict=verdict)
        library.store_analysis(record.path, record.stamp, record.key, marked)

        outsider = music_folder / "album1" / "02.flac"
        broken = music_folder / "album2" / "broken.mp3"
        progress: list[tuple[int, int]] = []
        results = analyses_for(
            library, [indexed, outsider, broken], workers=2, on_progress=lambda *p: progress.append(p)
        )

        assert results[str(indexed)].genre == "from-the-index"
        assert results[str(outsider)].genre in {"classical", "electronic", "pop", "rock"}
        assert isinstance(results[str(broken)], FileError) and results[str(broken)].path == broken
        assert progress[0] == (1, 3) and progress[-1] == (3, 3)
        assert library.record(outsider) is None  # not added to the library

        fine = record.stamp.mtime_ns // 10**9 * 10**9 + 123_456_789  # indexed at an mtime to the nanosecond
        library.restamp({record.path: dataclasses.replace(record.stamp, mtime_ns=fine)})
        os.utime(indexed, ns=(fine, fine - fine % 10**9))  # restored from a tar backup: the second alone
        assert analyses_for(library, [indexed], workers=1)[str(indexed)].genre == "from-the-index"  # as it was

        os.utime(indexed, ns=(record.stamp.mtime_ns + 10**9, record.stamp.mtime_ns + 10**9))
        assert analyses_for(library, [indexed], workers=1)[str(indexed)].genre != "from-the-index"


def test_the_analyses_come_in_the_order_of_the_paths_asked(music_folder: Path) -> None:
    """A tagging preview lists its files in this order: the indexed ones came first, then the others as their
    analyses ended, so a folder's files were listed out of order, and differently from run to run."""
    paths = [music_folder / "album1" / "01.flac", music_folder / "album1" / "02.flac", music_folder / "05.wav"]
    index_folders([paths[1]], workers=1)
    with Library() as library:
        results = analyses_for(library, [*paths, paths[0]], workers=2)
    assert list(results) == [str(path) for path in paths]
