"""The Tag dialog over an archive's selection: the selected tracks' paths read alone, the review table's rows made
as they are shown, and every column sortable without losing what the user ticked."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from musictagger.gui import plan_table
from musictagger.gui.library_view import paths_of
from musictagger.gui.plan_table import ACTION, CONFIDENCE, CURRENT, FILE, PROPOSED, preview_table, text_order
from musictagger.gui.settings import Settings
from musictagger.gui.tag_dialog import TagDialog, TagScope
from musictagger.gui.tasks import TaskRunner
from musictagger.library import Library, TrackQuery, browse
from musictagger.library.store import AnalysisKey, FileStamp
from musictagger.tagging.plan import Mode, Plan, PlanItem, Prediction, decide
from tests.gui.tag_rows import Row

GENRES = ("Rock", "Jazz", "Alternative Rock", "Pop", "Hip-Hop")


def generated_plan(count: int, folder: Path) -> Plan:
    """A plan of ``count`` files (not on disk) as make_plan decides it for files with these tags: writes, files left
    alone, files below the threshold, some of them uncertain."""
    rng, items = random.Random(0), []
    for i in range(count):
        prediction = Prediction(rng.choice(GENRES), round(rng.uniform(0.3, 0.99), 2), rng.random() < 0.2)
        current = () if rng.random() < 0.5 else (rng.choice(GENRES),)
        action, reason, proposed = decide(current, prediction, mode=Mode.FILL_EMPTY, min_confidence=0.5)
        items.append(PlanItem(folder / f"{count - i} track.flac", action, reason, current, proposed, prediction))
    return Plan(tuple(items), Mode.FILL_EMPTY, 0.5, None)


@pytest.fixture
def dialog(qtbot) -> TagDialog:
    """A Tag dialog shown, its own (empty) first plan made."""
    shown = TagDialog(TagScope.selection([]), Settings(), TaskRunner("tag"))
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitUntil(lambda: shown.task is None and shown.plan is not None, timeout=10_000)
    return shown


def test_the_selected_tracks_paths_are_read_without_their_rows(monkeypatch) -> None:
    """Ctrl+T on 100,000 tracks read every selected track's whole row (tags, verdict, agreement) for its path: 4.8 s
    on a busy machine before the Tag dialog opened.  The paths come in the table's order, gone tracks left out."""
    with Library() as library:
        for i in range(600):  # more than a query's variables
            library.store_error(f"/music/{i:04}.flac", FileStamp(i, i), AnalysisKey("model", 1), "not audio")
        ids = library.track_ids(TrackQuery())
        library.delete_paths(["/music/0007.flac"])
    rows_read: list[int] = []
    from_sql = browse.TrackRow.from_sql
    monkeypatch.setattr(browse.TrackRow, "from_sql", lambda row: rows_read.append(1) or from_sql(row))

    chosen = np.concatenate([ids[::-1][:300], ids[:10]])
    paths = paths_of(chosen, None)

    assert [path.name for path in paths] == [
        *(f"{i:04}.flac" for i in range(599, 299, -1)),
        *(f"{i:04}.flac" for i in range(10) if i != 7),
    ]
    assert rows_read == []  # before: a row read a path


def test_every_column_sorts_and_the_rows_keep_their_ticks_and_the_current_row(qtbot, dialog, tmp_path: Path) -> None:
    """Sorting by any column but File crashed the window (PreviewRow.__lt__ asked its own override again, without
    end, under PySide6 6.11).  Each column sorts by its text, File by name with numbers as numbers, and a file
    unticked or made current stays so wherever it moves."""
    dialog._planned(preview_table(generated_plan(40, tmp_path)))  # as when the plan arrives from its worker
    model, table = dialog.rows, dialog.table
    untick = next(row for row in range(model.rowCount()) if Row(dialog, row).check_state() == Qt.CheckState.Checked)
    unticked = Row(dialog, untick)
    unticked.set_check_state(Qt.CheckState.Unchecked)
    unticked_file = unticked.text(FILE)
    table.selectionModel().setCurrentIndex(model.index(5, FILE), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    current_file = model.index(5, FILE).data()
    ticked = model.ticked_count()

    for column in range(model.columnCount()):
        for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
            table.sortByColumn(column, order)
            texts = [model.index(row, column).data() for row in range(model.rowCount())]
            assert texts == sorted(texts, key=text_order, reverse=order == Qt.SortOrder.DescendingOrder), (
                column,
                order,
            )
            assert unticked.text(FILE) == unticked_file and unticked.check_state() == Qt.CheckState.Unchecked
            assert table.currentIndex().siblingAtColumn(FILE).data() == current_file
    assert model.ticked_count() == ticked and dialog.status.text().endswith(f"; {ticked} ticked")


def test_a_sort_makes_no_rows_text_and_orders_rows_alike_by_file_name(
    qtbot, monkeypatch, dialog, tmp_path: Path
) -> None:
    """A click on a heading but File made every row's texts on the UI thread and sorted them: 0.12 to 0.52 s at
    100,000 rows (bench/tag_dialog_scale.py).  The plan's texts come from its worker, a few distinct ones a column,
    so a sort makes none; rows alike come by file name, in either order, and a correction or a result is sorted as
    shown."""
    dialog._planned(preview_table(generated_plan(300, tmp_path)))
    model, table = dialog.rows, dialog.table
    corrected = Row(dialog, 7)
    corrected.set_text(PROPOSED, "Zydeco")
    made: list[int] = []
    preview_row = plan_table.preview_row
    monkeypatch.setattr(plan_table, "preview_row", lambda item: made.append(1) or preview_row(item))

    for column in (CURRENT, PROPOSED, CONFIDENCE, ACTION):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            made.clear()
            table.sortByColumn(column, order)
            assert made == []  # before: 300 texts a sort
            shown = [(model.index(row, column).data(), model.index(row, FILE).data()) for row in range(300)]
            by_text = sorted(shown, key=lambda cell: text_order(cell[0]), reverse=order == Qt.SortOrder.DescendingOrder)
            assert [text for text, _name in shown] == [text for text, _name in by_text], (column, order)
            for text in {text for text, _name in shown}:
                names = [name for shown_text, name in shown if shown_text == text]
                assert names == sorted(names, key=text_order), (column, order, text)
    table.sortByColumn(PROPOSED, Qt.SortOrder.DescendingOrder)
    assert model.index(0, PROPOSED).data() == "Zydeco" and model.index(0, FILE).data() == corrected.text(FILE)


NAMES_IN_ORDER = [
    *("2Pac.flac", "10cc.flac", "cote.flac", "côte.flac", "Track 2.flac", "track 10.flac", "Zazie.flac"),
    *("Мои.flac", "Мой.flac", "กา.flac", "เก.flac", "ขา.flac", "ม้าก้านกล้วย.flac", "มาลัย.flac", "봄날.flac"),
    *("ハナミズキ.flac", "パプリカ.flac", "バラ.flac", "ラーメン.flac", "坂本龍一.flac"),
]
"""File names as the File column sorts them: numbers as numbers, accents after the letters, Thai's leading vowels
after their consonant and its tone marks after the letters, kana by their letters before their voicing."""


def test_names_and_values_sort_as_the_dictionaries_of_their_scripts_do(qtbot, dialog, tmp_path: Path) -> None:
    """The File column sorted by case-folded code points, numbers as numbers (ขา before เก, มาลัย before ม้าก้าน,
    バラ before パプリカ), the other columns by their text's code points (Rock 10 before Rock 2); both sort as the
    Library tab does now (musictagger.library.folding.sort_key)."""
    currents = [("Rock 10",), ("ロック",), ("Rock 2",), ("ポップ",), ()]
    items = []
    for i, name in enumerate(reversed(NAMES_IN_ORDER)):
        current, prediction = currents[i % len(currents)], Prediction("Rock", 0.9, False)
        action, reason, proposed = decide(current, prediction, mode=Mode.FILL_EMPTY, min_confidence=0.5)
        items.append(PlanItem(tmp_path / name, action, reason, current, proposed, prediction))
    dialog._planned(preview_table(Plan(tuple(items), Mode.FILL_EMPTY, 0.5, None)))
    model, table = dialog.rows, dialog.table

    table.sortByColumn(FILE, Qt.SortOrder.AscendingOrder)
    assert [model.index(row, FILE).data() for row in range(model.rowCount())] == NAMES_IN_ORDER
    table.sortByColumn(CURRENT, Qt.SortOrder.AscendingOrder)
    shown = [model.index(row, CURRENT).data() for row in range(model.rowCount())]
    assert list(dict.fromkeys(shown)) == ["", "Rock 2", "Rock 10", "ポップ", "ロック"]


def test_a_plan_of_many_files_makes_the_rows_shown_alone(qtbot, monkeypatch, dialog, tmp_path: Path) -> None:
    """The table made five texts and a widget item for every file of each new plan, a move of the threshold
    included: a plan of 100,000 files held the window seconds and took hundreds of megabytes.  Rows are made as
    they are painted: the first screen, the last, and no other."""
    plan = generated_plan(20_000, tmp_path)
    table = preview_table(plan)
    made: list[int] = []
    preview_row = plan_table.preview_row
    monkeypatch.setattr(plan_table, "preview_row", lambda item: made.append(1) or preview_row(item))

    dialog._planned(table)
    dialog.table.viewport().repaint()
    dialog.table.scrollToBottom()
    dialog.table.viewport().repaint()

    assert dialog.rows.rowCount() == 20_000
    assert dialog.rows.index(19_999, FILE).data() == "20000 track.flac"  # by name, numbers as numbers
    assert 0 < len(made) < 20_000 // 4  # the rows shown, and the columns fitted to the first thousand
