"""A long working session in the real window: a big library's tab used, dialogs opened and closed many times.

    python bench/gui_session.py [--tracks 100000] [--dialogs 50] [--keep DIR]

The window is the app's own (:func:`musictagger.gui.app.create_window`, Qt's offscreen platform) in user dirs of a
temporary folder (``--keep DIR`` reuses one, and its generated index, between runs).  The index is generated as
``bench/library_view.py`` generates it (rows through :meth:`Library.store_analysis`, no audio).  Measured, with a 5 ms
timer ticking on the UI thread (``bench/library_view.py``'s :class:`Ticker`): the window's first paint, the Library
tab's first rows, a sort by each column, typing in the find box and clearing it, select all, Ctrl+T on the whole
selection until the Tag dialog has its plan (the generated tracks are not on disk: an empty plan), each as its time,
the UI thread's CPU time, the longest wall-clock gap between ticks and the UI thread's CPU time in it; then the Tag,
Learn and Personal models dialogs opened from the menus and closed ``--dialogs`` times each, with the window's
resident memory, open files, threads and child dialogs before and after.  Prints a table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def resident_mb() -> float:
    """This process's resident memory."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


def census(window) -> str:
    """Memory, open files, threads and the window's child dialogs, in a few words."""
    from PySide6.QtWidgets import QDialog

    return (
        f"{resident_mb():.0f} MB, {len(os.listdir('/proc/self/fd'))} files, {len(os.listdir('/proc/self/task'))} "
        f"threads, {len(window.findChildren(QDialog))} dialogs"
    )


def walk_library(window, ticker, run_until) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The Library tab used as a person would; a row per action."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from musictagger.gui.library_view import COLUMNS

    view, model = window.library_view, window.library_view.model
    idle = lambda: not model.loading and not view._find_timer.isActive()  # noqa: E731
    rows = [("Library tab: first rows", ticker.measure(window.show_library_tracks, idle))]
    for column in COLUMNS:
        sort = lambda column=column: view.table.sortByColumn(COLUMNS.index(column), Qt.SortOrder.DescendingOrder)  # noqa: E731
        rows.append((f"sort by {column.value}", ticker.measure(sort, idle)))
    view.find.setFocus()
    typing = lambda: QTest.keyClicks(view.find, "artist 04", Qt.KeyboardModifier.NoModifier, 60)  # noqa: E731
    rows.append(("type 'artist 04', 60 ms a key", ticker.measure(typing, idle)))
    rows.append(("clear the find box", ticker.measure(view.find.clear, idle)))
    view.table.setFocus()
    select_all = lambda: QTest.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # noqa: E731
    rows.append(("select all (Ctrl+A), painted", ticker.measure(select_all, lambda: True)))
    planned: list[bool] = []

    def close_when_planned() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.task is not None:
            QTimer.singleShot(20, close_when_planned)
            return
        planned.append(True)
        dialog.reject()

    def tag_all() -> None:
        QTimer.singleShot(0, close_when_planned)
        QTest.keyClick(view.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)

    rows.append(("Ctrl+T on all: the Tag dialog's plan", ticker.measure(tag_all, lambda: bool(planned), 900)))
    return rows


def cycle_dialogs(window, times: int, run_until) -> list[tuple[str, str, str, float]]:
    """Each dialog opened from its menu and closed ``times`` times: the census before and after, and the seconds."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from musictagger.gui.tag_dialog import TagScope

    def close_when_shown() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, close_when_shown)
        else:
            dialog.reject()

    runners = (window.io_runner, window.learn_runner, window.background_runner)
    found = []
    for name, open_it in (
        ("Tag genres", lambda: window.tag_scope(TagScope.selection([Path("/music/not there.flac")]))),
        ("Learn from my tags", window.learn_from_tags),
        ("Personal models", window.choose_model),
    ):
        before, started = census(window), time.perf_counter()
        for _ in range(times):
            QTimer.singleShot(0, close_when_shown)
            open_it()
            run_until(lambda: not any(runner.busy for runner in runners), 120)
        run_until(lambda: False, 0.5)  # the dialogs deleted later are deleted
        found.append((name, before, census(window), time.perf_counter() - started))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--dialogs", type=int, default=50, help="openings of each dialog")
    parser.add_argument("--keep", type=Path, help="user dirs to keep the generated index in (reused if there)")
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="gui-session-bench-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(home / variable.lower())
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))

    from library_view import Ticker, generate, run_until

    from musictagger.library import Library
    from musictagger.library.store import AnalysisKey
    from musictagger.model.manifest import load_manifest
    from musictagger.model.runtime import default_model_path

    with Library() as library:
        if library.counts().total != args.tracks:
            generate(args.tracks, AnalysisKey.of(load_manifest(default_model_path()), None))

    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])  # noqa: F841 (the application the window needs, alive to the end)
    from musictagger.gui.app import create_window

    ticker = Ticker()
    made = []
    rows = [("window shown", ticker.measure(lambda: made.append(create_window([])), lambda: True))]
    window = made[0]
    run_until(lambda: not window.analysis_runner.busy, 120)
    rows += walk_library(window, ticker, run_until)
    dialogs = cycle_dialogs(window, args.dialogs, run_until)
    window.close()

    print(f"\nThe window over {args.tracks:,} indexed tracks ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    print("\n| action | time (ms) | UI thread CPU (ms) | longest event-loop gap (ms) | UI thread CPU in it (ms) |")
    print("|---|---:|---:|---:|---:|")
    for name, figures in rows:
        print(f"| {name} | " + " | ".join(f"{x * 1000:.0f}" for x in figures) + " |")
    print(f"\n| dialog, {args.dialogs} openings | before | after | seconds |")
    print("|---|---|---|---:|")
    for name, before, after, seconds in dialogs:
        print(f"| {name} | {before} | {after} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
