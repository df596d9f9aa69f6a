"""``musictagger undo`` stopped by Ctrl-C mid-way: a real process, a real journal and library index."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from musictagger import userdirs
from musictagger.library import Library
from musictagger.library.store import FileStamp
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.index_sync import update_library_index
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import Mode, Prediction, make_plan
from tests.conftest import PROJECT_ROOT
from tests.library.test_search import store_random_tracks
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

    process = subprocess.Popen(
        [sys.executable, "-m", "musictagger", "undo"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's Ctrl-C, even under nohup
    )
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
