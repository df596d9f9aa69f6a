"""A track of the library named by a path relative to the working folder, as a script names it."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from musictagger.library import Library, find_similar, index_folders
from musictagger.model import codes
from tests.library.conftest import write_track
from tests.library.test_search import store_random_tracks


def test_a_relative_path_finds_its_row_and_is_left_out_of_its_own_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``library.record("album/01.flac")`` found no row (indexing stores absolute paths), and
    ``find_similar(..., exclude_path="album/01.flac")`` listed the query's own track first, at distance 0."""
    relaxed = np.random.default_rng(3).random((4, 64), dtype=np.float32)
    with Library() as library:
        paths = store_random_tracks(library, 0, relaxed, folder=str(tmp_path / "album"))
        monkeypatch.chdir(tmp_path)

        record = library.record("album/00001.flac")
        assert record is not None and record.path == paths[1]
        assert library.record("./album/../album/00001.flac").id == record.id  # type: ignore[union-attr]
        matches = find_similar(library, codes.binarize(relaxed[1]), relaxed[1], k=3, exclude_path="album/00001.flac")
        assert paths[1] not in [match.record.path for match in matches]
        assert len(matches) == 3


def test_one_folder_given_alone_is_indexed_by_its_relative_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``index_folders("Music")`` took each letter of the name for a folder: 'M', 'u', 's', 'i', 'c', no such file or
    folder, and indexed nothing."""
    for seed in range(2):
        write_track(tmp_path / "Music" / f"{seed:02}.flac", "flac", seed=seed)
    monkeypatch.chdir(tmp_path)

    summary = index_folders("Music", workers=1)

    assert (summary.analysed, summary.problems) == (2, [])
    with Library() as library:
        assert library.roots() == [tmp_path / "Music"]
        assert library.record("Music/01.flac") is not None


def test_a_loop_over_the_tracks_reads_them_as_it_goes(tmp_path: Path) -> None:
    """``tracks()`` held every record at once (3.7 KB a track: 3.7 GB for a million-track archive) before a script's
    loop saw the first."""
    relaxed = np.random.default_rng(5).random((500, 64), dtype=np.float32)
    with Library() as library:
        paths = store_random_tracks(library, 0, relaxed, windows=np.stack([relaxed] * 3, axis=1))

        tracemalloc.start()
        try:
            for record in library.each_track():
                assert record.analysis is not None
            _, lazily = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            everything = library.tracks()
            _, at_once = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert [record.path for record in everything] == paths
    assert lazily * 20 < at_once, (lazily, at_once)
