"""The codes file beside the library: read by a new process instead of SQLite while current, rebuilt
after any change of a code, never read half-written; and the migration that adds the codes stamp."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from musictagger.atomic_write import temporary_pattern
from musictagger.db import open_database
from musictagger.library import CodeIndex, Library, find_similar
from musictagger.library.code_sidecar import HEADER_BYTES, PARTIAL_AGE_S, read_codes, sidecar_path
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import AnalysisKey, FileStamp
from musictagger.model import codes
from musictagger.tags.formats import TagSummary
from musictagger.userdirs import library_db_path
from tests.library.test_search import store_random_tracks

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def assert_index_is_the_librarys(index: CodeIndex, library: Library) -> None:
    expected = library.packed_codes()
    assert np.array_equal(index.ids, expected.ids) and np.array_equal(index.packed, expected.packed)
    assert index.n_bits == expected.n_bits


def test_the_codes_are_read_from_the_file_while_it_is_current_with_the_same_results() -> None:
    relaxed = np.random.default_rng(3).random((300, 16), dtype=np.float32)
    with Library() as library:
        paths = store_random_tracks(library, 0, relaxed)
        assert not sidecar_path(library.path).exists()
        from_sqlite = CodeIndex.from_library(library)  # writes the file for the next process
        stored = read_codes(library.path, library.codes_stamp())
        assert stored is not None and isinstance(stored.packed, np.memmap)
        from_file = CodeIndex.from_library(library)
        assert isinstance(from_file.packed.base, np.memmap) and isinstance(from_file.ids.base, np.memmap)
        assert_index_is_the_librarys(from_file, library)
        assert sidecar_path(library.path).stat().st_size == HEADER_BYTES + 16 * 300
        assert sidecar_path(library.path).stat().st_mode == library.path.stat().st_mode  # not mkstemp's 0600
        bits = codes.binarize(relaxed[7])
        first = find_similar(library, bits, relaxed[7], k=20, exclude_path=paths[7], index=from_sqlite)
        second = find_similar(library, bits, relaxed[7], k=20, exclude_path=paths[7], index=from_file)
        assert [(m.record.id, m.distance, m.relaxed_distance) for m in first] == [
            (m.record.id, m.distance, m.relaxed_distance) for m in second
        ]


def test_every_change_of_a_code_makes_the_file_stale_and_it_is_rebuilt() -> None:
    """Added, re-analysed with another code, failed, removed, or written by plain SQL from another
    connection: each gets a new stamp, and the next index is the library's codes; tags do not."""
    relaxed = np.random.default_rng(4).random((60, 64), dtype=np.float32)
    with Library() as library:
        paths = store_random_tracks(library, 0, relaxed[:50])
        CodeIndex.from_library(library)
        stamps = [library.codes_stamp()]

        def changed() -> None:
            stamps.append(library.codes_stamp())
            assert stamps[-1] != stamps[-2]
            assert read_codes(library.path, stamps[-1]) is None  # the file is of the old codes
            assert_index_is_the_librarys(CodeIndex.from_library(library), library)
            assert read_codes(library.path, stamps[-1]) is not None  # and was rewritten

        store_random_tracks(library, 50, relaxed[50:51])
        changed()
        store_random_tracks(library, 3, relaxed[51:52])  # the same path, another code
        changed()
        library.store_error(paths[4], FileStamp(2, 2), AnalysisKey("test-model", 3), "damaged")
        changed()
        library.delete_paths([paths[5]])
        changed()
        with sqlite3.connect(library.path) as other:
            other.execute("UPDATE tracks SET code = ? WHERE path = ?", (np.uint64(12345).tobytes(), paths[6]))
        changed()
        assert library.store_tags(paths[8], TagSummary(title="t", artist="a", album="b", genres=("rock",)))
        store_random_tracks(library, 9, relaxed[9:10])  # the same code stored again
        assert library.codes_stamp() == stamps[-1]


def test_a_file_cut_short_or_of_another_kind_is_not_read() -> None:
    relaxed = np.random.default_rng(5).random((100, 64), dtype=np.float32)
    with Library() as library:
        store_random_tracks(library, 0, relaxed)
        CodeIndex.from_library(library)
        path, stamp = sidecar_path(library.path), library.codes_stamp()
        whole = path.read_bytes()
        for damaged in (whole[: len(whole) - 8], whole[:HEADER_BYTES], whole[:10], b"", b"X" + whole[1:]):
            path.write_bytes(damaged)
            assert read_codes(library.path, stamp) is None
            assert_index_is_the_librarys(CodeIndex.from_library(library), library)
            assert path.read_bytes() == whole  # rebuilt


CRASHING_WRITER = """
import resource, signal, sys
from pathlib import Path
from musictagger.library import CodeIndex, Library

with Library(Path(sys.argv[1])) as library:
    library.packed_codes()
    if sys.argv[2] == "killed":
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # the kernel kills it mid-write
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[3]), resource.RLIM_INFINITY))
    index = CodeIndex.from_library(library)  # a failed write is logged, the index is still served
    print(len(index))
"""


@pytest.mark.parametrize("how", ["killed", "write fails"])
def test_a_writer_that_dies_or_fails_midway_leaves_no_file_that_is_read(how: str) -> None:
    """A real process writes the file under a file-size limit: killed by SIGXFSZ midway, or its
    write failing (EFBIG); the previous file stays as it was, the partial one is never read and is
    removed once abandoned long enough, and the next search reads the library's codes."""
    relaxed = np.random.default_rng(6).random((2_000, 64), dtype=np.float32)
    with Library() as library:
        store_random_tracks(library, 0, relaxed[:1_000])
        CodeIndex.from_library(library)
        path = sidecar_path(library.path)
        previous = path.read_bytes()
        store_random_tracks(library, 1_000, relaxed[1_000:])
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(library_db_path()), how, str(HEADER_BYTES + 8_000)],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": str(PROJECT_ROOT)},
        timeout=120,
    )
    partials = list(path.parent.glob(temporary_pattern(path)))
    if how == "killed":
        assert child.returncode == -signal.SIGXFSZ, child.stderr
        assert len(partials) == 1 and partials[0].stat().st_size <= HEADER_BYTES + 8_000
    else:
        assert child.returncode == 0 and child.stdout.strip() == "2000", child.stderr
        assert "cannot write the codes file" in child.stderr and partials == []
    assert path.read_bytes() == previous
    with Library() as library:
        assert read_codes(library.path, library.codes_stamp()) is None
        assert_index_is_the_librarys(CodeIndex.from_library(library), library)  # not from the partial file
        assert len(read_codes(library.path, library.codes_stamp()).ids) == 2_000
        for partial in partials:
            assert partial.exists()  # too recent: its writer might still be at work
            old = time.time() - PARTIAL_AGE_S - 1
            os.utime(partial, (old, old))
        store_random_tracks(library, 2_000, relaxed[:1])
        CodeIndex.from_library(library)
        assert list(path.parent.glob(temporary_pattern(path))) == []


def test_the_file_a_writer_of_an_earlier_release_left_is_removed_once_abandoned() -> None:
    """Earlier releases named a killed writer's file ``library.sqlite3.codes.XXXX.partial``, 16 bytes a track: the
    writers that now name theirs otherwise (:func:`~musictagger.atomic_write.temporary_path`) left it for good."""
    with Library() as library:
        store_random_tracks(library, 0, np.random.default_rng(7).random((10, 64), dtype=np.float32))
        path = sidecar_path(library.path)
        earlier, recent = (path.with_name(f"{path.name}.{name}.partial") for name in ("k2j3h4", "m5n6p7"))
        for partial in (earlier, recent):
            partial.write_bytes(bytes(HEADER_BYTES))
        old = time.time() - PARTIAL_AGE_S - 1
        os.utime(earlier, (old, old))
        CodeIndex.from_library(library)
    assert not earlier.exists() and recent.exists()  # the recent one's writer might still be at work


def test_an_index_of_the_previous_schema_gains_the_codes_stamp_and_its_triggers() -> None:
    """A library written by the release before (schema 4, no stamp) is backed up, migrated, and its
    codes are served and stamped like a new one's."""
    packed = codes.pack(codes.binarize(np.random.default_rng(7).random((20, 64), dtype=np.float32)))
    db = open_database(library_db_path(), MIGRATIONS[:4])
    db.executemany(
        "INSERT INTO tracks (path, size, mtime_ns, model_id, windows, analysed_at, n_bits, code) "
        "VALUES (?, 1, 1, 'old', 3, 0, 64, ?)",
        [(f"/archive/{row}.flac", np.asarray(code, "<u8").tobytes()) for row, code in enumerate(packed)],
    )
    db.close()

    with Library() as library:
        assert library_db_path().with_name("library.sqlite3.v4.bak").is_file()
        index = CodeIndex.from_library(library)
        assert np.array_equal(index.ids, np.arange(1, 21)) and np.array_equal(index.packed, packed)
        stamp = library.codes_stamp()
        assert read_codes(library.path, stamp) is not None
        library.delete_paths(["/archive/3.flac"])
        assert library.codes_stamp() != stamp and read_codes(library.path, library.codes_stamp()) is None
    with sqlite3.connect(library_db_path()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"codes_added", "codes_removed", "codes_changed"} <= names
