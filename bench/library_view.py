"""The library tab on a large index: time to open, and the longest event-loop stall while it is used,
with the shipped model's verdicts and with a personal model's.

    python bench/library_view.py [--tracks 100000] [--platform offscreen] [--keep DIR]

The index is generated through the store's own API (:meth:`Library.store_analysis`: rows with
random verdicts, codes, embeddings, titles, artists, albums and genre tags, under the shipped
model's analysis key; no audio is analysed), in a temporary user data dir (``--keep DIR`` reuses
one between runs).  The view is the app's :class:`~musictagger.gui.library_view.LibraryView`,
shown at 1200×800, opened twice: with the shipped model active, then with a personal mood model
(a head of random weights over four moods, saved and made active through
:mod:`musictagger.personal.store`) whose verdicts the tab shows, filters and sorts by.  The personal
model's first opening judges every track (:meth:`Library.judge`) as on the model's first use; its
second opening finds them stored.

Measured, each with a 5 ms timer ticking on the UI thread (as the window's old stall test did):
the longest gap between two ticks in wall-clock time, and the UI thread's own CPU time in that
gap (a shared machine can deschedule the whole process; CPU time is what the window itself
spent).  Goals (issue 16): open ≤ 1 s, no stall over 50 ms.  Prints a table.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GENRES = ("classical", "electronic", "pop", "rock")
TAGS = ((), ("Rock",), ("Pop",), ("Jazz",), ("Electronic", "Pop"), ("Classical",), ("Hip-Hop",))
MOODS = ("calm", "energetic", "happy", "sad")
EMBEDDING_VALUES = 434
"""The shipped model's embedding size."""
TICK_MS = 5


def generate(n: int, key) -> float:
    """``n`` rows analysed under ``key`` through the store API; seconds taken."""
    from musictagger.library import Library, TrackAnalysis
    from musictagger.library.store import FileStamp
    from musictagger.model.verdict import Verdict

    rng = random.Random(0)
    embeddings = np.random.default_rng(0)
    started = time.perf_counter()
    with Library() as library:
        for i in range(n):
            path = f"/music/Artist {i % 700:03}/Album {i % 3000:04}/{i:06} Track.flac"
            if i % 97 == 0:
                library.store_error(path, FileStamp(1000 + i, i), key, "not an audio file, or damaged beyond use")
                continue
            nearest = rng.choice(GENRES)
            confidence = rng.uniform(0.25, 0.99)
            verdict = (
                Verdict("genre", nearest, nearest, confidence, "")
                if confidence > 0.35
                else Verdict("unknown", None, nearest, confidence, "not one of: " + ", ".join(GENRES))
            )
            bits = np.array([rng.getrandbits(1) for _ in range(64)], dtype=np.uint8)
            analysis = TrackAnalysis(
                duration_s=rng.uniform(60, 420),
                verdict=verdict,
                uncertain=confidence < 0.5,
                probabilities=dict.fromkeys(GENRES, 0.25),
                bits=bits,
                relaxed_code=bits.astype(np.float32),
                title=f"Song {rng.randrange(10**6):06}" if i % 11 else None,
                artist=f"Artist {i % 700:03}",
                album=f"Album {i % 3000:04}",
                tag_genres=rng.choice(TAGS),
                embedding=embeddings.standard_normal(EMBEDDING_VALUES).astype(np.float32),
            )
            library.store_analysis(path, FileStamp(1000 + i, i), key, analysis)
    return time.perf_counter() - started


def save_mood_model(base_model_id: str) -> str:
    """A personal mood model of random weights reading ``base_model_id``'s embeddings, saved; its name."""
    from musictagger.model.head import PersonalHead
    from musictagger.personal import store

    rng = np.random.default_rng(1)
    head = PersonalHead(
        name="bench-moods",
        labels=MOODS,
        mean=np.zeros(EMBEDDING_VALUES),
        scale=np.ones(EMBEDDING_VALUES),
        weights=rng.normal(0, 0.05, (EMBEDDING_VALUES, len(MOODS))),
        bias=np.zeros(len(MOODS)),
        temperature=1.0,
        threshold=0.4,
        base_model_id=base_model_id,
    )
    sidecar = {
        "field": "mood",
        "labels": list(MOODS),
        "counts": dict.fromkeys(MOODS, 100),
        "metrics": {"accuracy": 0.5, "macro_f1": 0.5},
        "base_model_id": base_model_id,
        "created": "bench",
    }
    store.save_model(head, sidecar)
    return head.name


class Ticker:
    """A 5 ms timer on the UI thread recording wall-clock and thread CPU time at each tick."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[tuple[float, float]] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.ticks.append((time.perf_counter(), time.thread_time())))

    def measure(self, action, done, timeout_s: float = 60.0) -> tuple[float, float, float, float]:
        """Run ``action()`` and the event loop until ``done()``: (seconds, UI thread CPU seconds, longest wall
        gap, the UI thread's CPU time in it)."""
        self.ticks.clear()
        self.timer.start()
        started = time.perf_counter()
        self.ticks.append((started, time.thread_time()))
        action()
        run_until(done, timeout_s)
        elapsed = time.perf_counter() - started
        run_until(lambda: False, 0.05)  # the tick after the last paint
        self.timer.stop()
        ticks = np.array(self.ticks)
        gaps = np.diff(ticks, axis=0)
        longest = int(np.argmax(gaps[:, 0]))
        return elapsed, float(ticks[-1, 1] - ticks[0, 1]), float(gaps[longest, 0]), float(gaps[longest, 1])


def run_until(done, timeout_s: float) -> None:
    """Run a real Qt event loop until ``done()`` or the timeout."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    check = QTimer()
    check.setInterval(1)
    check.timeout.connect(lambda: (done() or time.perf_counter() >= deadline) and loop.quit())
    check.start()
    loop.exec()
    check.stop()


def measure_view(app, manifest) -> list[tuple[str, float, float, float, float]]:
    """Open the tab and use it as a person would; a row per action."""
    from PySide6.QtCore import Qt, QTimer

    from musictagger.gui.library_view import COLUMNS, LibraryView
    from musictagger.gui.tasks import TaskRunner
    from musictagger.library import Column, QuickFilter

    ticker = Ticker()
    rows: list[tuple[str, float, float, float, float]] = []
    holder: dict[str, LibraryView] = {}

    def open_view() -> None:
        view = LibraryView(TaskRunner("library view"), manifest)
        view.resize(1200, 800)
        view.show()
        holder["view"] = view

    def shown() -> bool:
        view = holder.get("view")
        if view is None or view.model.loading:
            return False
        app.processEvents()  # the first rows painted
        return True

    rows.append(("open the view (first rows shown)", *ticker.measure(open_view, shown)))
    gc.freeze()  # as the app does once its window is up (musictagger.gui.app.create_window)
    view = holder["view"]
    model, bar = view.model, view.table.verticalScrollBar()
    total = model.rowCount()

    def scroll(positions: list[int]) -> tuple[callable, callable]:
        steps = iter(positions)
        state = {"done": False}

        def step() -> None:
            value = next(steps, None)
            if value is None:
                state["done"] = True
                return
            bar.setValue(value)
            QTimer.singleShot(10, step)

        return step, lambda: state["done"]

    page = bar.pageStep()
    action, done = scroll([min(i * page, bar.maximum()) for i in range(300)])
    rows.append(("scroll 300 pages down, one every 10 ms", *ticker.measure(action, done)))
    rng = random.Random(1)
    action, done = scroll([rng.randrange(bar.maximum() + 1) for _ in range(200)])
    rows.append(("jump to 200 random places in the whole table", *ticker.measure(action, done)))

    def sort_by(column: Column, order: Qt.SortOrder):
        return lambda: view.table.sortByColumn(COLUMNS.index(column), order)

    for column in (Column.TITLE, Column.AGREEMENT, Column.CONFIDENCE):
        rows.append(
            (
                f"sort by {column.value} (descending)",
                *ticker.measure(sort_by(column, Qt.SortOrder.DescendingOrder), lambda: not model.loading),
            )
        )
    rows.append(
        (
            "quick filter: differs from the model",
            *ticker.measure(lambda: view.set_quick_filter(QuickFilter.DIFFERS), lambda: not model.loading),
        )
    )

    def type_text() -> None:
        view.set_quick_filter(QuickFilter.ALL)
        view.find.setText("Album 0042")

    rows.append(
        (
            "find 'Album 0042' (after the 250 ms typing pause)",
            *ticker.measure(type_text, lambda: model.rowCount() not in (0, total) and not model.loading),
        )
    )
    view.table.selectAll()
    read: list[list[Path]] = []
    rows.append(
        (
            "select all, then read the selection's paths (on a worker)",
            *ticker.measure(lambda: view.with_selected_paths(read.append), lambda: bool(read)),
        )
    )
    view.close()
    rows.append(("open the view again (first rows shown)", *ticker.measure(open_view, shown)))
    holder["view"].close()
    gc.unfreeze()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--platform", default="offscreen")
    parser.add_argument("--keep", type=Path, help="user data dir to keep the generated index in (reused if there)")
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="library-view-bench-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(home / variable.lower())
    os.environ["QT_QPA_PLATFORM"] = args.platform
    sys.path.insert(0, str(ROOT))

    from musictagger.library import Library
    from musictagger.library.store import AnalysisKey
    from musictagger.model.manifest import load_manifest
    from musictagger.model.runtime import default_model_path
    from musictagger.personal import store
    from musictagger.userdirs import library_db_path

    manifest = load_manifest(default_model_path())
    key = AnalysisKey.of(manifest, None)
    with Library() as library:
        existing = library.counts().total
    generated_s = generate(args.tracks, key) if existing != args.tracks else None
    personal = save_mood_model(key.model_id)

    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    store.use(None)
    shipped = measure_view(app, manifest)
    with sqlite3.connect(library_db_path()) as db:  # as when the model has just become active: none judged yet
        db.execute("DELETE FROM personal_model")
    store.use(personal)
    mine = measure_view(app, manifest)

    print(f"\nLibrary view on {args.tracks:,} indexed tracks (platform {app.platformName()}, {os.cpu_count()} cores)")
    if generated_s is not None:
        print(f"index generated through Library.store_analysis in {generated_s:.0f} s")
    print(
        "\n| action | time, shipped / personal model (ms) | UI thread CPU (ms) | longest event-loop gap (ms) "
        "| UI thread CPU in that gap (ms) |"
    )
    print("|---|---:|---:|---:|---:|")
    for (name, *a), (_name, *b) in zip(shipped, mine, strict=True):
        cells = " | ".join(f"{x * 1000:.0f} / {y * 1000:.0f}" for x, y in zip(a, b, strict=True))
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
