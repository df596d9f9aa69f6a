"""``musictagger tag`` and ``musictagger undo`` stopped by Ctrl-C mid-way (a real SIGINT, to a process of its own or
to this one), with a real journal and library index."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from musictagger import userdirs
from musictagger.cli import tag as tag_command
from musictagger.cli.main import main
from musictagger.library import Library
from musictagger.library.store import FileStamp
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.index_sync import update_library_index
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.predict import Proposals, predict_labels
from tests.library.test_search import store_random_tracks
from tests.processes import musictagger_process
from tests.tagging.media import make_file, native_genres

N_FILES = 40


def restored_so_far(undo_run: int) -> int:
    """Files the undo run ``undo_run`` has written back, as its journal says (0 before it has a run)."""
    try:
        with sqlite3.connect(userdirs.journal_db_path(), timeout=5) as db:
            return db.execute(
                "SELECT COUNT(*) FROM entries WHERE run_id = ? AND state = 'written'", (undo_run,)
            ).fetchone()[0]
    except sqlite3.OperationalError:  # locked a moment by the writer
        return 0


def test_ctrl_c_mid_undo_says_what_was_restored_and_the_index_learns_it(tmp_path: Path) -> None:
    """Stopped mid-way, ``undo`` said only 'interrupted': not how many files it had restored nor that running it
    again goes on, as ``tag`` says; and the library index kept the run's genres for the files it had restored, so
    the Library tab, and ``learn`` learning from the tags, read genres the files no longer held, until the next
    ``index`` (the undo that went on told it of its own files alone)."""
    folder = tmp_path / "Music"
    files = [make_file(folder, "flac", name=f"{i:05d}", seconds=1.0, seed=i) for i in range(N_FILES)]
    with Library() as library:  # indexed, as analysing them would store them (without the seconds it takes)
        relaxed = np.random.default_rng(0).random((N_FILES, 16), dtype=np.float32)
        store_random_tracks(library, 0, relaxed, folder=str(folder))
        library.restamp({str(path): FileStamp(path.stat().st_size, path.stat().st_mtime_ns) for path in files})
    plan = make_plan(
        {path: Prediction("rock", 0.9, uncertain=False) for path in files}, mode=Mode.REPLACE, min_confidence=0.5
    )
    with Journal() as journal:
        update_library_index(journal, apply_plan(plan, journal))  # run 1, its undo run 2

    process = musictagger_process("undo")
    deadline = time.monotonic() + 60
    while restored_so_far(2) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    restored = [path for path in files if native_genres(path) == []]
    assert process.returncode == 130, (stdout, stderr)
    assert 0 < len(restored) < N_FILES, "the interrupt should land mid-undo"
    said = " ".join(stdout.split())  # the lines as wrapped at 80 columns, joined
    assert re.search(rf"undo of run 1 \(run 2\): {len(restored)} restored, 0 not restored \(interrupted: \d+ not", said)
    assert "interrupted: the files restored so far keep their old tags; run the same command to go on" in " ".join(
        stderr.split()
    )
    with Library() as library:
        indexed = {Path(row.path): row.tag_genres for row in library.tag_rows()}
    assert {path for path in files if indexed[path] == ()} == set(restored)


def test_ctrl_c_while_tag_analyses_says_no_file_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stopped while it analysed the files (for minutes, in a large folder), ``tag`` said 'interrupted' alone, which
    left a user to wonder what it had written.  It says how far the analysis went and that no file was written.
    A real Ctrl-C (SIGINT to this process) as the analysis reports its first progress."""
    folder = tmp_path / "Music"
    files = [make_file(folder, "flac", name=f"{i:02d}", seconds=1.0, seed=i) for i in range(N_FILES)]
    before = {path: path.read_bytes() for path in files}

    def pressed_on_first_progress(paths: list[str], **options: Any) -> Proposals:
        reported = options.pop("on_progress")

        def progressed(done: int, total: int) -> None:
            reported(done, total)
            os.kill(os.getpid(), signal.SIGINT)

        return predict_labels(paths, on_progress=progressed, **options)

    monkeypatch.setattr(tag_command, "predict_labels", pressed_on_first_progress)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even under nohup
    try:
        status = main(["tag", str(folder), "--min-confidence", "0"])
    finally:
        signal.signal(signal.SIGINT, previous)

    assert status == 130
    assert capsys.readouterr().err == f"interrupted while analysing (0 of {N_FILES} files): no file was written\n"
    assert {path: path.read_bytes() for path in files} == before
    assert not userdirs.journal_db_path().exists()
