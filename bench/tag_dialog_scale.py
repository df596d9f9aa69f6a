"""The Tag dialog over an archive's selection: Ctrl+T on 100,000 tracks of the Library tab, the plan reviewed, applied.

    python bench/tag_dialog_scale.py [--tracks 100000] [--against REV] [--keep DIR] [--rounds 1]

Measures the window's code of this checkout against ``--against`` (default ``HEAD``): that revision's
``musictagger/gui/tag_dialog.py``, ``plan_table.py`` and ``library_view.py`` are read with ``git show`` and imported
from a temporary folder, and put in the window in place of this checkout's (the selection's paths read by the old
``paths_of``, the dialog the old ``TagDialog`` over the old table model), alternately, ``--rounds`` times each,
each round in a process of its own (so that the memory one freed is not counted as the other's).

The library is generated as ``bench/library_view.py`` generates it (rows through :meth:`Library.store_analysis`, no
audio; ``--keep DIR`` reuses its user dirs and index).  Its files are not on disk, so the dialog's analysis and plan
are replaced by what they would give for such files: a prediction a track (no model run) and a plan made by
:func:`~musictagger.tagging.plan.decide` from a generated current tag (no file read); Apply's write is a no-op target
(the reviewed plan revised as Apply revises it, each file to write reported ``written``, no file touched).  What is
measured is the window's: reading the selection, the dialog's table, the review, the results.

Each action's time, the UI thread's CPU time and the longest wall-clock gap between two ticks of a 5 ms timer on the
UI thread (``bench/library_view.py``'s :class:`Ticker`), and the process's resident memory after the plan is shown
and after the dialog is closed.  Prints a table, a column per implementation.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def old_module(rev: str, path: str, folder: Path, name: str | None = None) -> ModuleType:
    """``path`` (of the package) as it was at ``rev``, imported under a name of its own, or as ``name`` (the old
    module then what the modules imported after it import by that name)."""
    text = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True)
    name = name or f"old_{Path(path).stem}"
    file = folder / f"old_{Path(path).stem}.py"
    file.write_text(text.stdout)
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


def stand_ins(dialog_module: ModuleType, paths: list[Path]) -> None:
    """The dialog module's analysis, plan and write replaced by what they give for files not on disk (see above)."""
    from musictagger.tagging.apply import Outcome, RunReport
    from musictagger.tagging.plan import (
        DEFAULT_MIN_CONFIDENCE,
        Action,
        Mode,
        Plan,
        PlanItem,
        Prediction,
        decide,
        revise,
    )
    from musictagger.tagging.predict import Proposals

    rng = random.Random(0)
    genres = ["Rock", "Jazz", "Hip-Hop", "Classical", "Electronic", "Alternative Rock", "Pop", "Metal"]
    predictions = {path: Prediction(rng.choice(genres), rng.uniform(0.3, 0.99), rng.random() < 0.1) for path in paths}

    def plan_of(predicted, *, mode=Mode.FILL_EMPTY, min_confidence=DEFAULT_MIN_CONFIDENCE, field="genre", **_) -> Plan:
        rng, items = random.Random(1), []
        for path, prediction in predicted.items():
            current = () if rng.random() < 0.6 else (rng.choice(genres),)
            action, reason, proposed = decide(current, prediction, mode=Mode(mode), min_confidence=min_confidence)
            items.append(PlanItem(path, action, reason, current, proposed, prediction))
        return Plan(tuple(items), Mode(mode), min_confidence, None, field)

    def written(plan, left_out, corrections, _task):
        reviewed = revise(plan, left_out=left_out, corrections=corrections)
        outcomes = [Outcome(item.path, "written") for item in reviewed.items if item.action is Action.WRITE]
        return reviewed, RunReport(1, outcomes)

    dialog_module.predict = lambda chosen, _windows, _task: Proposals("genre", {p: predictions[p] for p in chosen})
    dialog_module.make_plan = plan_of
    dialog_module.apply_review = written


def one_round(window, ticker, run_until, tag_dialog: ModuleType, paths_of) -> list[tuple[str, tuple]]:
    """Ctrl+T on every track of the Library tab, then the dialog used and closed; a row per action."""
    from PySide6.QtCore import QItemSelectionModel, Qt
    from PySide6.QtTest import QTest

    from musictagger.gui import library_view, main_window

    library_view.paths_of = paths_of
    main_window.TagDialog = tag_dialog.TagDialog
    view = window.library_view
    opened = []
    window.tag_scope = lambda scope: opened.append(window.open_tag_dialog(scope)) or opened[-1].show()
    window.activateWindow()  # Ctrl+T is the window's shortcut
    run_until(window.isActiveWindow, 5)
    view.table.setFocus()
    view.table.selectAll()
    run_until(lambda: False, 0.2)
    gc.collect()
    before = resident_mb()

    rows = []
    shown = lambda: bool(opened) and opened[0].plan is not None and opened[0].task is None  # noqa: E731
    ctrl_t = lambda: QTest.keyClick(view.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # noqa: E731
    rows.append(("Ctrl+T → plan shown, usable", ticker.measure(ctrl_t, shown, 900)))
    dialog = opened[0]
    table, model = dialog.table, dialog.table.model()
    run_until(lambda: False, 0.2)
    gc.collect()
    rows.append(("memory with the dialog (MB more)", resident_mb() - before))
    for column, name in enumerate(("file", "current", "proposed", "confidence", "action")):
        if column and hasattr(tag_dialog, "PreviewRow"):
            continue  # its sort by any column but File recursed in PreviewRow.__lt__ until the process crashed
        sort = lambda column=column: (table.sortByColumn(column, Qt.SortOrder.DescendingOrder), table.repaint())  # noqa: E731
        rows.append((f"sort by {name}", ticker.measure(sort, lambda: True)))
    sort = lambda: (table.sortByColumn(0, Qt.SortOrder.AscendingOrder), table.repaint())  # noqa: E731
    rows.append(("sort by file again", ticker.measure(sort, lambda: True)))
    bottom = lambda: (table.scrollToBottom(), table.viewport().repaint())  # noqa: E731
    rows.append(("scroll to the end", ticker.measure(bottom, lambda: True)))
    table.setFocus()
    table.selectionModel().setCurrentIndex(model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    space = lambda: (QTest.keyClick(table, Qt.Key.Key_Space), table.repaint())  # noqa: E731
    rows.append(("Space: untick a row", ticker.measure(space, lambda: True)))
    dialog.last_report = None
    done = lambda: dialog.task is None and dialog.last_report is not None  # noqa: E731
    rows.append(("Apply (no-op write) → results shown", ticker.measure(dialog.apply_button.click, done, 900)))
    run_until(lambda: False, 0.2)
    closed = []
    dialog.destroyed.connect(lambda: closed.append(True))

    def close() -> None:
        dialog.reject()
        dialog.deleteLater()

    rows.append(("close → dialog deleted", ticker.measure(close, lambda: bool(closed), 120)))
    run_until(lambda: False, 0.2)
    gc.collect()
    rows.append(("memory after closing (MB more)", resident_mb() - before))
    view.table.clearSelection()
    return rows


def selection_read(ids, paths_of, rounds: int) -> float:
    """Seconds to read the paths of ``ids`` as the Library tab does on its worker (the best of ``rounds``)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        paths_of(ids, None)
        best = min(best, time.perf_counter() - started)
    return best


def measure_one(args: argparse.Namespace) -> dict:
    """In this process: one implementation (``--one``), a round of it; what :func:`one_round` found and the
    selection's read time, for the parent."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from library_view import Ticker, run_until

    from musictagger.library import Library, TrackQuery

    with Library() as library:
        ids = library.track_ids(TrackQuery())
        paths = [Path(path) for path in library.track_paths(ids)]

    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])  # noqa: F841 (alive to the end)
    from musictagger.gui import library_view, tag_dialog
    from musictagger.gui.app import create_window

    if args.one == "old":
        folder = Path(tempfile.mkdtemp(prefix="tag-dialog-old-"))
        old_module(args.against, "musictagger/gui/plan_table.py", folder, "musictagger.gui.plan_table")
        tag_dialog = old_module(args.against, "musictagger/gui/tag_dialog.py", folder)
        library_view = old_module(args.against, "musictagger/gui/library_view.py", folder)
    stand_ins(tag_dialog, paths)
    read = selection_read(ids, library_view.paths_of, 3)
    window = create_window([])
    window.resize(1280, 800)
    window.show()
    run_until(lambda: not window.analysis_runner.busy, 120)
    window.show_library_tracks()
    run_until(lambda: not window.library_view.model.loading, 120)
    found = dict(one_round(window, Ticker(), run_until, tag_dialog, library_view.paths_of))
    window.close()
    return {"read": read, "found": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--against", default="HEAD", help="the revision whose window code is measured beside")
    parser.add_argument("--keep", type=Path, help="user dirs to keep the generated index in (reused if there)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of each implementation, alternately")
    parser.add_argument("--one", choices=("old", "new"), help=argparse.SUPPRESS)  # a child's implementation
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="tag-dialog-bench-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(home / variable.lower())
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if args.one:
        print(json.dumps(measure_one(args)))
        return

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from library_view import generate

    from musictagger.library import Library
    from musictagger.library.store import AnalysisKey
    from musictagger.model.manifest import load_manifest
    from musictagger.model.runtime import default_model_path

    with Library() as library:
        if library.counts().total != args.tracks:
            generate(args.tracks, AnalysisKey.of(load_manifest(default_model_path()), None))

    # Each round in a process of its own: in one process, the memory one implementation freed was the next one's.
    names = {"old": args.against, "new": "this checkout"}
    found: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(args.rounds):
        for one in names:
            command = [sys.executable, __file__, "--one", one, "--against", args.against, "--keep", str(home)]
            child = subprocess.run(command, check=True, capture_output=True, text=True)
            found[one].append(json.loads(child.stdout.strip().splitlines()[-1]))

    load = os.getloadavg()[0]
    print(f"\nThe Tag dialog over {args.tracks:,} selected tracks ({os.cpu_count()} cores, load {load:.1f})")
    print(
        "\nReading the selection's paths (the Library tab's worker, best of 3 a round): "
        + ", ".join(f"{names[one]} {min(r['read'] for r in rounds):.2f} s" for one, rounds in found.items())
    )
    print("\nEach cell: time (s) / UI thread CPU (s) / longest UI stall (s); memory in MB more than before Ctrl+T.")
    print(f"Best of {args.rounds} round(s), each in a process of its own.\n")
    print("| action | " + " | ".join(names.values()) + " |")
    print("|---|" + "---:|" * len(names))
    for action in found["new"][0]["found"]:
        cells = []
        for one in names:
            if action not in found[one][0]["found"]:
                cells.append("crashes the window")
                continue
            figures = min((r["found"][action] for r in found[one]), key=lambda f: f if isinstance(f, float) else f[0])
            cells.append(
                f"{figures:.2f}" if isinstance(figures, float) else " / ".join(f"{x:.2f}" for x in figures[:3])
            )
        print(f"| {action} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
