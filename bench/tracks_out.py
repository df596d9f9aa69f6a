"""Tracks out of the Library tab at an archive's size: a drag, a copy and a playlist of 100,000 selected tracks.

Times what runs on the Library tab's worker (the paths read and made into what a drag or copy carries; the rows read
and the playlist written) and what the window's own thread does with it (hands it to a drag, or to the clipboard),
three rounds, on an index generated through the store's API as ``bench/library_view.py`` makes it::

    python bench/tracks_out.py [--tracks 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="tracks-out-bench-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        os.environ[variable] = str(home / variable.lower())
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

    from library_view import generate
    from PySide6.QtCore import QThreadPool
    from PySide6.QtGui import QDrag, QGuiApplication
    from PySide6.QtWidgets import QApplication, QWidget

    from musictagger.gui.tracks_out import playlist_entries, transfer_of
    from musictagger.library import Library, TrackQuery
    from musictagger.library.playlist import write_playlist
    from musictagger.library.store import AnalysisKey
    from musictagger.model.manifest import load_manifest
    from musictagger.model.runtime import default_model_path

    generate(args.tracks, AnalysisKey.of(load_manifest(default_model_path()), None))
    app = QApplication([sys.argv[0]])
    source = QWidget()
    with Library() as library:
        ids = library.track_ids(TrackQuery())
    print(f"{len(ids):,} tracks selected ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    for round_ in range(ROUNDS):
        made: dict[bool, object] = {}

        def on_worker(for_clipboard: bool, made: dict[bool, object] = made) -> None:
            started = time.perf_counter()
            made[for_clipboard] = (transfer_of(ids, None, for_clipboard=for_clipboard), time.perf_counter() - started)

        pool = QThreadPool()
        for for_clipboard in (False, True):
            pool.start(lambda for_clipboard=for_clipboard: on_worker(for_clipboard))
            pool.waitForDone()
        (dragged, drag_s), (copied, copy_s) = made[False], made[True]
        started = time.perf_counter()
        QDrag(source).setMimeData(dragged.mime)
        drag_ui_s = time.perf_counter() - started
        started = time.perf_counter()
        QGuiApplication.clipboard().setMimeData(copied.mime)
        copy_ui_s = time.perf_counter() - started
        started = time.perf_counter()
        write_playlist(home / "selection", playlist_entries(ids, None))
        playlist_s = time.perf_counter() - started
        print(
            f"round {round_ + 1}: worker: drag data {drag_s:.2f} s, copy data {copy_s:.2f} s, playlist {playlist_s:.2f} s"
            f"; window's thread: drag {drag_ui_s * 1000:.1f} ms, copy {copy_ui_s * 1000:.1f} ms"
        )
    QGuiApplication.clipboard().clear()  # offscreen, the process's own clipboard: emptied while Python runs
    app.quit()


if __name__ == "__main__":
    main()
