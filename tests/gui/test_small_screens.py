"""The window and its dialogs on a laptop's screen: 1024×700 usable, and 1366×768 at 200 % (2732×1536).

A screen is chosen once per process, so the Library tab's measurements run the real window in a
subprocess on an offscreen screen of that size (``measure_library_tab.py``); the dialogs and the
first size are measured here, on the tests' own offscreen screen (800 pixels wide, narrower than
the dialogs' preferred sizes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QFrame, QScrollArea, QStyle, QStyleOptionViewItem

from musictagger.gui.library_view import COLUMNS
from musictagger.gui.matches_view import MatchesView
from musictagger.gui.models_dialog import ACCURACY, CREATED, MODEL_COLUMNS
from musictagger.gui.settings_dialog import SettingsDialog
from musictagger.gui.tag_dialog import CURRENT, PROPOSED, TagScope
from musictagger.library import Column, index_folders
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, write_song
from tests.tagging.media import pretag

# Typical tracks: titles and artists of everyday length, genre tags a tagger writes.
TRACKS = [
    ("Young Again", "Greg Annussek", ["Alternative Rock"]),
    ("Beneath the Skin", "Jerry Berlongieri", ["Electronic"]),
    ("Birds in a Rat Race", "DJ Cary", ["Electronic"]),
    ("When I Cross The River", "Tom Bolton", ["Alternative Rock"]),
    ("Eye Heart Knot", "General Fuzz", ["Ambient"]),
    ("Salem", "Norine Braun", []),
]
IMPORTANT = (Column.TITLE, Column.VERDICT, Column.AGREEMENT)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """The typical tracks as real files in artist folders, tagged, and indexed into the test's user dirs."""
    music = tmp_path / "home" / "user" / "Music"
    for seed, (title, artist, genres) in enumerate(TRACKS):
        song = write_song(music / artist / f"{seed + 1:02d} - {title}.flac", seconds=3.0, seed=seed)
        pretag(song, genres=genres, title=title, artist=artist)
    index_folders([music], workers=1)
    return music


def measure_on(screen: tuple[int, int], scale: str, folder: Path) -> dict:
    """The Library tab's measurements at the first start of a window on a ``screen`` (pixels) at ``scale``."""
    config = folder / "screen.json"
    width, height = screen
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width, "height": height}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": scale}
    script = Path(__file__).with_name("measure_library_tab.py")
    completed = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("screen", "scale"), [((1024, 700), "1"), ((2732, 1536), "2")], ids=["1024x700", "200%"])
def test_the_library_tab_shows_title_verdict_and_agreement_whole_without_scrolling(
    screen: tuple[int, int], scale: str, library: Path, tmp_path: Path
) -> None:
    found = measure_on(screen, scale, tmp_path)
    x, y, width, height = found["available"]
    fx, fy, fwidth, fheight = found["frame"]
    assert x <= fx and y <= fy and fx + fwidth <= x + width and fy + fheight <= y + height, found
    columns = found["columns"]
    for column in IMPORTANT:
        shown = columns[str(column)]
        assert shown["width"] >= shown["needs"], (column, columns)  # no value cut with an ellipsis
        assert shown["start"] >= 0 and shown["start"] + shown["width"] <= found["viewport"], (column, found)
    assert sum(shown["width"] for shown in columns.values()) <= found["viewport"], found  # no horizontal scroll bar


def test_dialogs_fit_the_screen(qtbot, window) -> None:
    """Tag, Learn, Models and Settings open within the screen's available area, with room for their frame."""
    available = window.screen().availableGeometry()
    title_bar = window.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight, None, window)
    dialogs: list[QDialog] = [
        window.open_tag_dialog(TagScope.selection([])),
        window.open_learn_dialog(),
        window.open_models_dialog(),
        SettingsDialog(window.settings, window),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        frame = dialog.frameGeometry()
        assert frame.width() <= available.width(), (dialog.windowTitle(), frame, available)
        assert frame.height() + title_bar <= available.height(), (dialog.windowTitle(), frame, available)
        dialog.reject()


def test_the_windows_first_size_leaves_room_for_its_title_bar(qtbot) -> None:
    """Sized before the window manager frames it: a 1280×800 window on a 768-pixel-high screen put its status
    bar below the screen, and the fit after showing came before the frame was known."""
    from musictagger.gui.app import create_window
    from musictagger.gui.settings import Settings

    window = create_window([], Settings())  # a first start: no saved geometry
    qtbot.addWidget(window)
    available = window.screen().availableGeometry()
    title_bar = window.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight, None, window)
    assert window.width() <= available.width() and window.height() + title_bar <= available.height()
    window.close()


def test_path_is_cut_in_the_middle_and_a_column_the_user_sized_stays_as_the_window_grows(
    qtbot, window, library: Path
) -> None:
    view = window.library_view
    window.show_library_tracks()
    view.refresh()  # indexed after the window opened
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == len(TRACKS), timeout=10_000)
    table, header = view.table, view.table.horizontalHeader()
    path, artist = COLUMNS.index(Column.PATH), COLUMNS.index(Column.ARTIST)
    actions = {action.text(): action for action in view.columns_menu().actions()}
    for column in (Column.PATH, Column.ARTIST):  # as the header's menu shows them (a first start hides them here)
        if not actions[str(column)].isChecked():
            actions[str(column)].trigger()
    assert not table.isColumnHidden(path) and not table.isColumnHidden(artist)
    index = view.model.index(0, path)
    option = QStyleOptionViewItem()
    table.initViewItemOption(option)
    table.itemDelegateForIndex(index).initStyleOption(option, index)
    assert option.textElideMode == Qt.TextElideMode.ElideMiddle  # the folder and the file name both show

    # The user drags the artist column's right edge 40 pixels to the right.
    edge = QPoint(header.sectionViewportPosition(artist) + header.sectionSize(artist) - 1, header.height() // 2)
    wanted = header.sectionSize(artist) + 40
    qtbot.mousePress(header.viewport(), Qt.MouseButton.LeftButton, pos=edge)
    qtbot.mouseMove(header.viewport(), edge + QPoint(40, 0))
    qtbot.mouseRelease(header.viewport(), Qt.MouseButton.LeftButton, pos=edge + QPoint(40, 0))
    assert header.sectionSize(artist) == wanted
    title = header.sectionSize(COLUMNS.index(Column.TITLE))

    window.resize(window.width() + 300, window.height())
    qtbot.waitUntil(lambda: header.sectionSize(COLUMNS.index(Column.TITLE)) > title, timeout=5_000)
    assert header.sectionSize(artist) == wanted
    shown = [i for i in range(len(COLUMNS)) if not table.isColumnHidden(i)]
    assert sum(header.sectionSize(i) for i in shown) == table.viewport().width()  # the columns fill the table


def test_the_nearest_matches_buttons_show_whole_on_a_small_screen(qtbot, window) -> None:
    """The table gives up rows, not the buttons: in the Nearest matches dock of a 1024×700 screen (a scroll area of
    296×256 pixels), its wish for ten rows, with the message above wrapped over two lines, scrolled the buttons'
    lower part out of view."""
    matches = MatchesView(window.io_runner, window.model_path, window.manifest)
    scroll = QScrollArea()  # as the window's docks hold their panels
    scroll.setWidget(matches)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    qtbot.addWidget(scroll)
    matches.message.setText(
        "10 nearest tracks in the library by the 48 identity bits of the 64-bit codes, nearest first"
    )
    scroll.resize(296, 256)
    scroll.show()
    qtbot.waitExposed(scroll)
    assert matches.message.height() > matches.message.fontMetrics().lineSpacing()  # wrapped
    for button in (matches.play_query_button, matches.play_match_button, matches.show_button):
        assert button.visibleRegion().boundingRect() == button.rect(), button.text()


def test_the_nearest_matches_keep_their_share_of_the_window_beside_the_result(qtbot, window) -> None:
    """The matches table asks for no height (above), so the right side's split must give it one: without it the
    Result dock took nearly all the height and the matches showed two rows in a window of the preferred size."""
    window.show()
    qtbot.waitExposed(window)
    right_side = window.result_dock.height() + window.matches_dock.height()
    assert window.matches_dock.height() >= 0.4 * right_side
    assert window.result_dock.height() >= window.result_dock.widget().widget().minimumSizeHint().height()


def test_the_tag_dialogs_value_columns_show_a_typical_genre_whole(qtbot, window, tmp_path: Path) -> None:
    song = write_song(tmp_path / "music" / "song.flac", seed=0)
    pretag(song, genres=["Alternative Rock"])
    dialog = window.open_tag_dialog(TagScope.selection([song]))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.task is None, timeout=ANALYSIS_TIMEOUT_MS)
    table = dialog.table
    assert table.topLevelItem(0).text(CURRENT) == "Alternative Rock"
    for column in (CURRENT, PROPOSED):
        assert table.columnWidth(column) >= table.sizeHintForColumn(column), column
    dialog.reject()


def test_the_models_dialogs_columns_fit_it_with_accuracy_and_created_whole(qtbot, window) -> None:
    dialog = window.open_models_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.models is not None and not dialog.busy, timeout=10_000)
    table, header = dialog.table, dialog.table.header()
    assert dialog.width() < 860  # the tests' screen is narrower than the dialog's preferred width
    widths = [table.columnWidth(column) for column in range(len(MODEL_COLUMNS))]
    assert sum(widths) <= table.viewport().width(), widths  # no horizontal scroll bar
    for column in (ACCURACY, CREATED):
        assert table.columnWidth(column) >= max(header.sectionSizeHint(column), table.sizeHintForColumn(column))
    dialog.reject()


def test_a_press_in_the_rows_while_the_table_is_refitted_sizes_no_column_as_the_users(
    qtbot, window, library: Path
) -> None:
    """Only a press on the header may start a drag of a column's edge: a click held in the rows while the
    window is resized must leave every column to the fitting."""
    view = window.library_view
    window.show_library_tracks()
    view.refresh()
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == len(TRACKS), timeout=10_000)
    header = view.table.horizontalHeader()
    title = header.sectionSize(COLUMNS.index(Column.TITLE))
    row = view.table.visualRect(view.model.index(0, COLUMNS.index(Column.TITLE))).center()

    qtbot.mousePress(view.table.viewport(), Qt.MouseButton.LeftButton, pos=row)
    window.resize(window.width() + 300, window.height())
    qtbot.waitUntil(lambda: header.sectionSize(COLUMNS.index(Column.TITLE)) > title, timeout=5_000)
    qtbot.mouseRelease(view.table.viewport(), Qt.MouseButton.LeftButton, pos=row)

    assert view.user_widths == {}
