"""Files that cannot be read while a run analyses them (their permissions, a drive failing: the file system's refusal,
not their content) keep what the index holds of them, and the next run tries them again."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from musictagger.cli.index import summary_document
from musictagger.cli.lines import path_line
from musictagger.cli.main import main
from musictagger.library import IndexProgress, Library, index_folders
from musictagger.library.analyse import analyse_file
from musictagger.library.store import TrackRecord
from musictagger.model.runtime import load_model
from tests.library.conftest import write_track
from tests.users import POSIX, as_a_user


def record(path: Path) -> TrackRecord:
    with Library() as library:
        found = library.record(str(path))
    assert found is not None, f"{path} is no longer in the index"
    return found


@pytest.fixture
def music(tmp_path: Path) -> Path:
    """Two albums of two short tracks, indexed."""
    root = tmp_path / "Music"
    for i, (name, kind) in enumerate(
        [
            ("album1/01.flac", "flac"),
            ("album1/02.wav", "wav-pcm16"),
            ("album2/03.wav", "wav-pcm16"),
            ("album2/04.ogg", "ogg-vorbis"),
        ]
    ):
        write_track(root / name, kind, seed=i)
    index_folders([root], workers=1)
    return root


def changed(path: Path) -> None:
    """A new modification time, as an edit leaves: the next run analyses the file again."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))


@POSIX
def test_a_file_that_cannot_be_read_keeps_its_analysis_and_is_tried_again_once_it_can(
    music: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose permissions were taken away (a copy from another account, a NAS share's modes) was stored as a
    failure in place of its analysis, and as its modification time stays the same when its permissions are given
    back, it stayed a failure ('1 failed earlier') until `--retry-failed`."""
    song = music / "album1" / "01.flac"
    before = record(song)
    changed(song)
    song.chmod(0)
    try:
        with as_a_user():
            status = main(["index", "--workers", "1"])
    finally:
        song.chmod(0o644)

    out = capsys.readouterr().out
    assert status == 0 and path_line("  skipped", song, "cannot be read (Permission denied)") in out
    assert out.startswith("0 analysed, 3 unchanged, 0 failed")
    assert (
        "1 file could not be read (their permissions, or a drive unplugged or failing?): the index keeps what it held "
        "of it, and the next run tries it again"
    ) in " ".join(out.split())
    kept = record(song)
    assert kept.ok and (kept.stamp, kept.analysis.verdict) == (before.stamp, before.analysis.verdict)

    again = index_folders([music], workers=1)
    assert (again.analysed, again.failed, again.failed_before) == (1, [], 0)
    assert record(song).ok and record(song).stamp != before.stamp


@POSIX
def test_a_folder_that_cannot_be_read_once_the_run_began_keeps_its_tracks_analyses(music: Path) -> None:
    """A folder found readable, then not by the time its files' turn came (its permissions changed, a drive failing
    with I/O errors), had its changed files' analyses replaced by failures ('cannot stat: Permission denied')."""
    folder = music / "album2"
    songs = [folder / "03.wav", folder / "04.ogg"]
    before = [record(song) for song in songs]
    for song in songs:
        changed(song)

    reports: list[IndexProgress] = []

    def folder_locked(progress: IndexProgress) -> None:
        reports.append(progress)
        if progress.current is None:  # found, none analysed yet
            folder.chmod(0)

    try:
        with as_a_user():
            summary = index_folders([music], workers=1, on_progress=folder_locked)
    finally:
        folder.chmod(0o755)

    assert summary.problems == [(str(song), "cannot be read (Permission denied)") for song in songs]
    assert summary.failed == []
    assert (summary.vanished, summary.pruned, summary_document(summary, {})["unreadable"]) == (0, 0, 2)
    assert (reports[-1].done, reports[-1].total) == (4, 4)  # the bar counted the files it could not read
    assert [(r.ok, r.stamp, r.analysis.verdict) for r in map(record, songs)] == [
        (True, r.stamp, r.analysis.verdict) for r in before
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (POSIX)")
def test_a_named_pipe_given_an_audio_files_name_fails_and_the_run_ends(tmp_path: Path) -> None:
    """Telling a file the system will not read from one whose content fails reads it through: a pipe named
    ``pipe.mp3`` in the library would have held the run, waiting for a writer, for ever."""
    folder = tmp_path / "Music"
    song = write_track(folder / "song.wav", "wav-pcm16")
    os.mkfifo(folder / "pipe.mp3")
    command = [sys.executable, "-m", "musictagger", "index", str(folder), "--workers", "1"]

    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)

    assert completed.returncode == 1, completed.stderr
    assert path_line("  failed", folder / "pipe.mp3", "not a regular file") in completed.stdout
    assert record(song).ok


def bytes_read() -> int:
    """The bytes this process has read so far, from any file (Linux's count in /proc/self/io)."""
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar:"))


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts the bytes read in /proc/self/io (Linux)")
def test_a_silent_file_is_not_read_through_again_to_tell_why_it_failed(tmp_path: Path) -> None:
    """A failed file is read to its end to tell a disk's failure from the content's; a silent one was too, though its
    samples had been read and their level failed it: an hour of dead air (635 MB) read whole again, a 3-hour one
    took an index 10.4 s where analyze took 4.5 s.  Now its failure is the analysis's, from the windows it read."""
    data = 3600 * 44100 * 4  # an hour of 16-bit stereo at 44.1 kHz, all zero (sparse: no disk taken)
    silent = tmp_path / "dead air.wav"
    with open(silent, "wb") as file:
        file.write(b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt ")
        file.write(struct.pack("<IHHIIHH", 16, 1, 2, 44100, 44100 * 4, 4, 16) + b"data" + struct.pack("<I", data))
        file.truncate(44 + data)
    model = load_model()
    before = bytes_read()

    outcome = analyse_file(model, str(silent), n_windows=model.manifest.windows_per_track)

    assert outcome.error == "the audio is silent (every sample is zero)" and not outcome.unreadable
    assert bytes_read() - before < data // 10


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts the bytes read in /proc/self/io (Linux)")
def test_a_file_refused_from_its_header_is_not_read_through_to_tell_why(tmp_path: Path) -> None:
    """A failed file is read through to tell a disk's failure from its content's; one refused from its first bytes was
    too: a 1-GB file of random bytes named .m4a, which FFmpeg gave up on within its first megabyte, was read whole
    again (1 GB, 3.4 s from a cold cache).  Now only its ends, where a container keeps its header and index."""
    size = 256 << 20
    junk = tmp_path / "junk.m4a"
    with open(junk, "wb") as file:
        file.write(os.urandom(1 << 16))
        file.truncate(size)  # the rest sparse: no disk taken
    model = load_model()
    before = bytes_read()

    outcome = analyse_file(model, str(junk), n_windows=model.manifest.windows_per_track)

    assert outcome.error is not None and outcome.error.startswith("not an audio file") and not outcome.unreadable
    assert bytes_read() - before < size // 2
