"""The window without a mouse, and as a screen reader reads it: Tab order, shortcuts, mnemonics, and the
accessible names and descriptions of what the views show.

Offscreen, on the real window and dialogs, with real generated audio; keys are pressed with QTest on the
widget that has the focus, and the accessibility tree is read through QAccessible, as Orca reads it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QScrollArea, QWidget

from musictagger.gui.library_view import COLUMNS, NO_FOLDERS_TEXT
from musictagger.gui.matches_view import HEADERS
from musictagger.gui.settings_dialog import SettingsDialog
from musictagger.gui.tag_dialog import PROPOSED, TagScope
from musictagger.gui.theme import apply_theme
from musictagger.library import Column, Library
from musictagger.library.store import AnalysisKey, FileStamp
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, drop, wait_until_settled, write_song
from tests.gui.tag_rows import Row
from tests.tagging.media import pretag


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def press(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> QWidget | None:
    """Press ``key`` where the focus is, as a keyboard does; the widget that has the focus then."""
    qtbot.keyClick(focused(), key, modifier)
    return focused()


def tab_round(qtbot, start: QWidget) -> list[QWidget]:
    """The widgets Tab reaches from ``start`` until it comes back to it (at most 60 presses)."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(start.hasFocus, timeout=2000)
    reached: list[QWidget] = []
    for _ in range(60):
        widget = press(qtbot, Qt.Key.Key_Tab)
        if widget is start or widget is None:
            break
        reached.append(widget)
    return reached


def accessible(widget: QWidget) -> tuple[str, str]:
    """The widget's accessible name and description, as QAccessible gives them to a screen reader."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name), interface.text(QAccessible.Text.Description)


def unnamed(top: QWidget) -> list[str]:
    """The widgets of ``top`` that Tab reaches (shown, enabled) but that a screen reader cannot name: no accessible
    name, or, for a combo box (whose name on Linux is its current text), no label pointing at it."""
    found = []
    for widget in QApplication.allWidgets():
        if (
            QWidget.window(widget) is not top  # LayersView.window is its analysis window's number
            or not widget.isVisible()
            or not widget.isEnabled()
            or widget.focusProxy() is not None
            or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            or widget.visibleRegion().isEmpty()  # behind another dock's tab
        ):
            continue
        interface = QAccessible.queryAccessibleInterface(widget)
        labelled = bool(interface.relations(QAccessible.RelationFlag.Label))
        named = bool(interface.text(QAccessible.Text.Name).strip())
        if not labelled and (not named or interface.role() == QAccessible.Role.ComboBox):
            found.append(f"{type(widget).__name__} {interface.role().name} {widget.objectName()!r}")
    return found


def activate(qtbot, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


def test_tab_goes_left_to_right_through_what_is_shown(qtbot, window, songs: list[Path]) -> None:
    """Files, the centre's tabs and plots, the verdict and code, the matches; never into the Music folders panel
    tabbed behind the file list (its widgets are off the window) nor onto a dock's scroll area, which says nothing."""
    activate(qtbot, window)
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    qtbot.waitUntil(lambda: not window.spectrogram.stack.empty, timeout=ANALYSIS_TIMEOUT_MS)  # the plots are shown
    reached = tab_round(qtbot, window.files)

    order = [
        window.centre.tabBar(),
        window.spectrogram.graphics,
        window.layers.picker,
        window.layers.graphics,
        window.genre,
        window.code.hex,
        window.code.copy_button,
        window.matches.table,
        window.matches.play_query_button,
    ]
    assert all(widget in reached for widget in order), [type(w).__name__ for w in reached]
    assert [reached.index(widget) for widget in order] == sorted(reached.index(widget) for widget in order)
    assert not [widget for widget in reached if window.library.isAncestorOf(widget)]  # Music folders is behind Files
    assert not [widget for widget in reached if isinstance(widget, QScrollArea)]
    assert all(not widget.visibleRegion().isEmpty() for widget in reached)


def test_find_in_the_library_and_tab_out_of_its_table(qtbot, window, tmp_path: Path) -> None:
    """With an empty library, Tab reaches the button offered in the table's place, and says why."""
    activate(qtbot, window)
    window.files.setFocus()
    qtbot.waitUntil(window.files.hasFocus, timeout=2000)
    view = window.library_view

    assert press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier) is view.find  # Ctrl+F: the find box
    assert window.centre.currentWidget() is view
    qtbot.waitUntil(lambda: view.stack.empty, timeout=10_000)  # the library is empty
    assert press(qtbot, Qt.Key.Key_Tab) is view.filter
    assert press(qtbot, Qt.Key.Key_Tab) is view.stack.button
    assert accessible(view.stack.button) == ("Add a music folder…", NO_FOLDERS_TEXT)
    assert press(qtbot, Qt.Key.Key_Tab) is window.genre

    with Library() as library:  # a track, failed (as an unreadable file is indexed)
        library.store_error(str(tmp_path / "broken.mp3"), FileStamp(10, 1), AnalysisKey("model", 1), "not audio")
    view.refresh()
    qtbot.waitUntil(lambda: not view.stack.empty, timeout=10_000)
    assert press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier) is view.find
    assert press(qtbot, Qt.Key.Key_Tab) is view.filter
    assert press(qtbot, Qt.Key.Key_Tab) is view.table
    assert press(qtbot, Qt.Key.Key_Tab) is window.genre  # Tab leaves the table, not moves to its next cell
    assert press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier) is view.table


def test_down_goes_from_the_find_box_to_the_tracks_found_and_escape_clears_it(qtbot, window, tmp_path: Path) -> None:
    """Typed in the find box, a search's tracks were two Tabs away (past the quick filter), and Escape left the text:
    Down now goes to the first track found, and Escape clears the find text, all the tracks back."""
    with Library() as library:
        for name in ("broken.mp3", "other.mp3"):
            library.store_error(str(tmp_path / name), FileStamp(10, 1), AnalysisKey("model", 1), "not audio")
    activate(qtbot, window)
    view = window.library_view
    assert press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier) is view.find
    qtbot.keyClicks(view.find, "broken")
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 1, timeout=10_000)
    assert press(qtbot, Qt.Key.Key_Down) is view.table
    assert view.table.currentIndex().row() == 0 and view.selected_count() == 1
    assert press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier) is view.find
    assert press(qtbot, Qt.Key.Key_Escape) is view.find and view.find.text() == ""
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 2, timeout=10_000)


def test_every_menu_action_has_its_own_mnemonic_and_the_common_ones_standard_shortcuts(window) -> None:
    def actions(menu: QMenu) -> list:
        return [action for action in menu.actions() if not action.isSeparator()]

    menus = [action.menu() for action in window.menuBar().actions()]
    for menu in [*menus, window.recent_menu]:
        if menu is window.recent_menu:
            continue  # recent files are named by their paths
        letters = []
        for action in actions(menu):
            text = action.text()
            assert text.count("&") == 1, f"{menu.title()} ▸ {text}: no mnemonic"
            letters.append(text[text.index("&") + 1].lower())
        assert len(letters) == len(set(letters)), f"{menu.title()}: a mnemonic twice ({letters})"
    titles = [menu.title() for menu in menus]
    assert len({title[title.index("&") + 1] for title in titles}) == len(titles)

    shortcuts = {action.text(): action.shortcut() for menu in menus for action in actions(menu)}
    for text, key in [
        ("&Open files…", QKeySequence.StandardKey.Open),
        ("&Settings…", QKeySequence.StandardKey.Preferences),
        ("&Quit", QKeySequence.StandardKey.Quit),
        ("&Find in the library…", QKeySequence.StandardKey.Find),
    ]:
        assert shortcuts[text] == QKeySequence(key), text


def menu_on_shift_f10(qtbot) -> QMenu:
    """Press Shift+F10 where the focus is; the context menu it opens."""
    press(qtbot, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=5000)
    return QApplication.activePopupWidget()


def texts(menu: QMenu) -> list[str]:
    return [action.text() for action in menu.actions() if not action.isSeparator()]


def test_shift_f10_opens_the_tables_menus_and_their_columns(qtbot, window, songs: list[Path], tmp_path: Path) -> None:
    """A laptop's keyboard has no Menu key, and Qt binds no Shift+F10: the Library tab's rows' menu (Find similar,
    Re-analyse …) and the columns of both tables, which only a right-click on a header showed, were out of reach."""
    activate(qtbot, window)
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    with Library() as library:  # a track, failed (as an unreadable file is indexed)
        library.store_error(str(tmp_path / "broken.mp3"), FileStamp(10, 1), AnalysisKey("model", 1), "not audio")
    view = window.library_view
    view.refresh()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    window.show_library_tracks()
    qtbot.waitUntil(view.table.hasFocus, timeout=2000)
    press(qtbot, Qt.Key.Key_Down)  # the first row, current but not selected

    menu = menu_on_shift_f10(qtbot)
    assert texts(menu) == [
        *("Find &similar", "&Tag genres of 1 track…", "&Play / pause", "Show in &folder", "&Re-analyse 1 track"),
        *("Cop&y 1 track", "Save 1 track as a play&list…", "Show &columns"),
    ]
    qtbot.keyClick(menu, Qt.Key.Key_C)  # its mnemonic opens the columns
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() not in (menu, None), timeout=5000)
    album = next(action for action in QApplication.activePopupWidget().actions() if action.text() == "Album")
    assert not album.isChecked()
    album.trigger()
    assert not view.table.isColumnHidden(COLUMNS.index(Column.ALBUM))
    while QApplication.activePopupWidget() is not None:
        QApplication.activePopupWidget().close()

    window.matches.table.setFocus()
    qtbot.waitUntil(window.matches.table.hasFocus, timeout=2000)
    menu = menu_on_shift_f10(qtbot)
    assert texts(menu) == [
        *("&Play match", "Show in &folder", "Cop&y", "Save the matches as a play&list…"),
        "Show &columns",
    ]
    column = menu.actions()[-1].menu().actions()[-1]  # the last column, shown or hidden
    hidden = window.matches.table.isColumnHidden(len(HEADERS) - 1)
    column.trigger()
    assert window.matches.table.isColumnHidden(len(HEADERS) - 1) is not hidden
    menu.close()


def test_the_files_list_has_a_menu_of_what_can_be_done_with_its_files(qtbot, window, songs: list[Path]) -> None:
    """A right-click (or the Menu key, or Shift+F10) on the Files list did nothing, where the Library tab's rows and
    the matches have their menus: it offers what the window does with the files selected there."""
    activate(qtbot, window)
    drop(window, songs)
    wait_until_settled(qtbot, window, 2)
    window.files.setFocus()
    qtbot.waitUntil(window.files.hasFocus, timeout=2000)
    window.files.selectAll()
    menu = menu_on_shift_f10(qtbot)
    assert texts(menu) == [
        *("&Play / pause", "Show in &folder", "&Tag genres of 2 files…"),
        *("Cop&y 2 files", "&Remove 2 files from the list"),
    ]
    next(action for action in menu.actions() if action.text() == "&Remove 2 files from the list").trigger()
    menu.close()
    assert window.files.entries == {}


def test_play_and_stop_from_the_keyboard(qtbot, window, songs: list[Path], sound_output: None) -> None:
    """Playback ▸ Stop is greyed while nothing plays (it was enabled, doing nothing), and works once something does."""
    activate(qtbot, window)
    playback = next(action for action in window.menuBar().actions() if action.text() == "&Playback").menu()
    stop = playback.actions()[1]

    def stop_shown_enabled() -> bool:
        playback.popup(window.mapToGlobal(window.rect().center()))
        qtbot.waitUntil(playback.isVisible, timeout=2000)
        enabled = stop.isEnabled()
        playback.close()
        qtbot.waitUntil(lambda: not playback.isVisible(), timeout=2000)
        return enabled

    assert not stop_shown_enabled()
    assert stop.isEnabled()  # its key still works, whatever the menu showed
    activate(qtbot, window)  # the menu had the focus
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    window.files.setFocus()
    qtbot.waitUntil(window.files.hasFocus, timeout=2000)
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.matches.player.is_playing, timeout=10_000)
    assert stop_shown_enabled()
    stop.trigger()
    qtbot.waitUntil(lambda: not window.matches.player.is_playing(), timeout=5_000)


def test_ctrl_c_in_the_code_view_copies_the_hash_code(qtbot, window, songs: list[Path]) -> None:
    """Ctrl+C with the focus on the code's Copy button or its hex field copied nothing: the view's own Ctrl+C and the
    window's Edit ▸ Copy (Ctrl+C since tracks can be copied) were the same key, which Qt then gave to neither."""
    activate(qtbot, window)
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    clipboard = QGuiApplication.clipboard()
    for widget in (window.code.copy_button, window.code.hex):  # the hex, reached by Tab, has its text selected
        clipboard.setText("before")
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus, timeout=2000)
        press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
        assert clipboard.text() == window.code.hex.text() != "", widget
    window.files.setFocus()  # elsewhere Ctrl+C copies what is selected there, as before: the file
    qtbot.waitUntil(window.files.hasFocus, timeout=2000)
    press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == str(songs[0].absolute())


def test_the_views_say_what_they_show(qtbot, window, tmp_path: Path) -> None:
    """The verdict with every probability, the code in hex and bits, the spectrogram's windows and the layers'
    window; Right in the spectrogram moves the layers to the next window, as the mouse does."""
    activate(qtbot, window)
    drop(window, [write_song(tmp_path / "long.flac", seconds=65.0)])  # long enough for more than one window
    wait_until_settled(qtbot, window, 1)
    qtbot.waitUntil(lambda: not window.spectrogram.stack.empty, timeout=ANALYSIS_TIMEOUT_MS)
    analysis = window.files.current_entry().analysis

    name, description = accessible(window.genre)
    assert name == "Verdict"
    assert description.startswith(analysis.summary())
    for score in analysis.ranking:
        assert f"{score.label} {score.probability:.2f}" in description
    name, description = accessible(window.code.grid)
    assert name == "Hash code bits" and description.startswith(analysis.code_hex)
    assert "".join(str(int(bit)) for bit in analysis.bits[:8]) in description
    assert accessible(window.code.hex)[0] == "Hash code (hex)"

    windows = len(analysis.window_starts_s)
    assert windows > 1
    assert f"{windows} analysis windows" in accessible(window.spectrogram.graphics)[1]
    assert accessible(window.layers.graphics)[1].startswith(f"Conv layer activations, window 1 of {windows}")
    window.spectrogram.graphics.setFocus()
    qtbot.waitUntil(window.spectrogram.graphics.hasFocus, timeout=2000)
    press(qtbot, Qt.Key.Key_Right)
    assert window.layers.window == 1
    assert accessible(window.layers.graphics)[1].startswith(f"Conv layer activations, window 2 of {windows}")
    press(qtbot, Qt.Key.Key_Left)
    assert window.layers.window == 0


def test_every_control_the_keyboard_reaches_has_a_name(qtbot, window, songs: list[Path]) -> None:
    """In the window (the Analysis and Library tabs, the Live panel) and in each dialog."""
    activate(qtbot, window)
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    window.show_live()
    qtbot.waitUntil(lambda: window.live.devices.has_scanned and not window.live.devices.scanning, timeout=10_000)
    assert unnamed(window) == []
    window.show_library_tracks()
    assert unnamed(window) == []

    for dialog in (
        window.open_tag_dialog(TagScope.selection(songs[:1])),
        window.open_learn_dialog(),
        window.open_models_dialog(),
        SettingsDialog(window.settings, window),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert unnamed(dialog) == [], dialog.windowTitle()
        dialog.reject()


def test_the_tag_dialog_from_the_keyboard(qtbot, window, tmp_path: Path) -> None:
    """Alt+T and Alt+M reach the threshold and the mode, Space unticks a file, F2 corrects its proposal, Esc closes."""
    song = write_song(tmp_path / "music" / "song.flac", seed=0)
    pretag(song, genres=["Alternative Rock"])
    activate(qtbot, window)
    dialog = window.open_tag_dialog(TagScope.selection([song]))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.task is None, timeout=ANALYSIS_TIMEOUT_MS)

    assert press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier) is dialog.threshold
    assert press(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier) is dialog.mode
    table = dialog.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=2000)
    row = Row(dialog, 0)
    table.setCurrentIndex(dialog.rows.index(0, 0))  # the tick's column
    ticked = row.check_state()
    press(qtbot, Qt.Key.Key_Space)
    assert row.check_state() != ticked
    editor = press(qtbot, Qt.Key.Key_F2)
    assert editor is not table and table.isAncestorOf(editor)  # the proposed value, open for correction
    qtbot.keyClicks(editor, "Shoegaze")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: focused() is table, timeout=2000)
    assert row.text(PROPOSED) == "Shoegaze" and row.check_state() == Qt.CheckState.Checked  # a correction ticks it
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)


def test_the_settings_and_learn_dialogs_fields_have_mnemonics_and_the_themes_capitals(qtbot, window) -> None:
    """Their form labels had no mnemonic, so Alt+letter reached no field (the Tag genres dialog's did), and the themes
    read 'system', 'light', 'dark' beside the models' 'Accurate (the default)'."""
    activate(qtbot, window)
    settings = SettingsDialog(window.settings, window)
    learn = window.open_learn_dialog()
    for dialog, keys in (
        (settings, {Qt.Key.Key_W: settings.windows, Qt.Key.Key_T: settings.threshold, Qt.Key.Key_H: settings.theme}),
        (learn, {Qt.Key.Key_T: learn.field, Qt.Key.Key_P: learn.min_per_label, Qt.Key.Key_M: learn.name}),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
        for key, field in keys.items():
            assert press(qtbot, key, Qt.KeyboardModifier.AltModifier) is field, (dialog.windowTitle(), key)
        dialog.reject()

    assert [settings.theme.itemText(i) for i in range(settings.theme.count())] == ["System", "Light", "Dark"]
    settings.theme.setCurrentText("Dark")
    try:
        settings.accept()
        assert window.settings.theme == "dark"
    finally:
        apply_theme("system")  # the next tests' windows in the platform's colours
