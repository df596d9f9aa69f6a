"""Settings that survive a restart, an About box that names the model, and errors a person can read."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QFont, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

import musictagger
from musictagger import userdirs
from musictagger.errors import DecodeError
from musictagger.gui import errors
from musictagger.gui.about import about_text
from musictagger.gui.errors import describe, log_path, open_folder_of, setup_logging
from musictagger.gui.genre_view import CERTAIN_STYLE
from musictagger.gui.library_view import COLUMNS
from musictagger.gui.matches_view import BITS, HEADERS, PATH
from musictagger.gui.settings import MAX_RECENT, Settings, settings_path
from musictagger.gui.theme import apply_theme
from musictagger.library import Column
from musictagger.library.search import model_family
from musictagger.model import choice
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import DEFAULT_MODEL_NAME, FAST_MODEL_NAME, MODEL_ENV_VAR, default_model_path
from tests.gui.conftest import write_song


def test_settings_persist_across_restarts_in_the_config_dir(qtbot, tmp_path: Path) -> None:
    first = Settings()
    first.threshold = 0.75
    first.windows_per_track = 5
    first.theme = "dark"
    first.add_recent([tmp_path / f"{i}.mp3" for i in range(MAX_RECENT + 3)])
    first.sync()
    assert settings_path().parent == userdirs.config_dir()
    assert settings_path().is_file()
    again = Settings()  # a new process would read the same file
    assert (again.threshold, again.windows_per_track, again.theme) == (0.75, 5, "dark")
    assert again.recent_files == [tmp_path / f"{i}.mp3" for i in range(MAX_RECENT)]
    again.add_recent([tmp_path / "5.mp3"])
    assert again.recent_files[:2] == [tmp_path / "5.mp3", tmp_path / "0.mp3"]
    assert len(again.recent_files) == MAX_RECENT


def test_a_file_another_window_opened_stays_among_the_recent_files(qtbot, tmp_path: Path) -> None:
    """Two windows open (two processes): the file the other one opened dropped off Open recent when this one opened
    another, since this one wrote back the list it had read at its start."""
    path = tmp_path / "musictagger.ini"
    here = Settings(path)
    assert here.recent_files == []  # read at the start, for the Open recent menu
    other = tmp_path / "other.flac"
    other_window = "from pathlib import Path; from musictagger.gui.settings import Settings; "
    other_window += f"Settings(Path({str(path)!r})).add_recent([Path({str(other)!r})])"
    subprocess.run([sys.executable, "-c", other_window], check=True)

    here.add_recent([tmp_path / "mine.flac"])

    assert here.recent_files == [tmp_path / "mine.flac", other]


def test_the_model_chosen_in_settings_is_what_the_window_and_the_command_line_use(qtbot, monkeypatch) -> None:
    from musictagger.gui.settings_dialog import SettingsDialog

    overridden = SettingsDialog(Settings())  # these tests run with $MUSICTAGGER_MODEL set: it decides
    qtbot.addWidget(overridden)
    assert not overridden.model.isEnabled() and MODEL_ENV_VAR in overridden.model_note.text()
    monkeypatch.delenv(MODEL_ENV_VAR)
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.model.isEnabled() and dialog.model.currentData() == "accurate"
    dialog.model.setCurrentIndex(dialog.model.findData("fast"))
    dialog.accept()
    assert dialog.model_changed  # the window then uses it (the next test)
    assert choice.chosen() == "fast" and default_model_path().stem.startswith(FAST_MODEL_NAME)
    again = SettingsDialog(Settings())  # reopened, it shows what was chosen
    qtbot.addWidget(again)
    assert again.model.currentData() == "fast"
    again.accept()
    assert not again.model_changed


def test_a_shipped_model_chosen_in_settings_is_used_at_once(qtbot, monkeypatch, tmp_path: Path) -> None:
    from musictagger.gui.app import create_window
    from musictagger.gui.file_list import State

    monkeypatch.delenv(MODEL_ENV_VAR)
    window = create_window([write_song(tmp_path / "song.flac", seconds=40.0)], Settings())
    qtbot.addWidget(window)

    def analysed_by(name: str) -> bool:
        entry = window.files.current_entry()
        return entry is not None and entry.state is State.DONE and entry.analysis.model_id.startswith(name)

    qtbot.waitUntil(lambda: analysed_by(DEFAULT_MODEL_NAME), timeout=120_000)
    choice.choose("fast")
    window.use_base_model(default_model_path())  # what File ▸ Settings does when OK changed the model
    qtbot.waitUntil(lambda: analysed_by(FAST_MODEL_NAME), timeout=120_000)
    fast = load_manifest(default_model_path())
    assert window.layers.infos == fast.layers != load_manifest(model_file(DEFAULT_MODEL_NAME)).layers
    assert window.matches.family == window.live.matches.family == model_family(default_model_path())
    assert window.matches.match_bits == window.live.matches.match_bits == fast.match_bits == 48  # identity bits
    assert "the 48 identity bits of the 64-bit codes" in window.matches.table.headerItem().toolTip(BITS)
    assert window.analyser.model_path == window.live.model_path == default_model_path()
    assert FAST_MODEL_NAME in about_text(window.manifest)
    assert window._model_name() == "the shipped fast model"  # as the status line and the tag dialog say
    window.close()


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box the window opens, warnings included (the suite's own recorder fails a test on a warning)."""
    from PySide6.QtWidgets import QMessageBox

    opened: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: opened.append(f"{box.windowTitle()}: {box.text()}"))
    return opened


def test_settings_that_cannot_be_saved_are_said_once_and_the_settings_dialog_closes(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boxes: list[str]
) -> None:
    """A config disk full or read-only (walked on real mounts) or, here, a file where the config folder should be:
    QSettings failed without a word, so every change was gone at the next start; and OK in Settings raised there (an
    OSError or a FileError from the windows per track's file), the dialog staying open on an error box."""
    from musictagger.gui.app import create_window
    from musictagger.gui.settings_dialog import SettingsDialog

    in_the_way = tmp_path / "config"
    in_the_way.write_text("a file where the config folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(in_the_way))
    window = create_window([], Settings())
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(boxes))
    assert boxes == [
        f"Settings cannot be saved: {settings_path()} cannot be saved: {in_the_way} is a file, where a folder should "
        "be.\n\n"
        "What you change in Settings, the files opened lately and the window's layout are kept only until you quit."
    ]

    dialog = SettingsDialog(window.settings, window)
    dialog.threshold.setValue(0.42)
    dialog.accept()  # raised NotADirectoryError (the windows per track, unchanged, were removed from the folder)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted and window.settings.threshold == 0.42
    window.tell_if_settings_unsaved()  # as after the dialog: said once already
    dialog = SettingsDialog(window.settings, window)
    dialog.windows.setValue(3)
    dialog.accept()  # raised the FileError
    assert dialog.result() == SettingsDialog.DialogCode.Accepted and window.settings.windows_per_track is None
    window.tell_if_settings_unsaved()
    windows_file = in_the_way / "musictagger" / "analysis-windows.json"
    assert boxes[1:] == [f"Setting not changed: {windows_file}: cannot be saved (Not a directory); it is as it was"]
    window.close()


def test_window_settings_are_used_and_the_window_size_restored(qtbot, tmp_path: Path) -> None:
    from musictagger.gui.app import create_window
    from musictagger.gui.file_list import State

    settings = Settings()
    settings.windows_per_track = 1
    window = create_window([write_song(tmp_path / "song.flac", seconds=40.0)], settings)
    qtbot.addWidget(window)
    qtbot.waitUntil(
        lambda: window.files.current_entry() is not None and window.files.current_entry().state is State.DONE,
        timeout=120_000,
    )
    assert len(window.files.current_entry().analysis.window_starts_s) == 1
    window.resize(window.width(), window.height() - 60)  # the offscreen screen is narrow: only the height is free
    height = window.height()
    window.close()
    reopened = create_window([], Settings())
    qtbot.addWidget(reopened)
    assert reopened.height() == height
    reopened.close()


def test_the_library_columns_shown_are_chosen_from_the_header_and_kept_across_restarts(qtbot) -> None:
    from musictagger.gui.app import create_window

    window = create_window([], Settings())
    qtbot.addWidget(window)
    album, duration, tag = (COLUMNS.index(column) for column in (Column.ALBUM, Column.DURATION, Column.TAG_GENRE))
    table = window.library_view.table
    assert table.isColumnHidden(album) and table.isColumnHidden(duration) and not table.isColumnHidden(tag)
    actions = {action.text(): action for action in window.library_view.columns_menu().actions()}
    assert list(actions) == [str(column) for column in COLUMNS]
    assert not actions["Title"].isEnabled() and not actions["Album"].isChecked() and actions["Genre tag"].isChecked()
    actions["Album"].trigger()
    actions["Genre tag"].trigger()
    assert not table.isColumnHidden(album) and table.isColumnHidden(tag)
    window.close()
    table = create_window([], Settings()).library_view.table
    qtbot.addWidget(table.window())
    assert not table.isColumnHidden(album) and table.isColumnHidden(tag) and table.isColumnHidden(duration)
    table.window().close()


@pytest.mark.parametrize("live", [False, True], ids=["Nearest matches", "the Live panel's matches"])
def test_the_matches_columns_the_user_shows_are_kept_across_restarts_and_only_those(qtbot, live: bool) -> None:
    """A column shown from the Nearest matches' header (or the Live panel's matches', which kept no choice at all)
    was hidden again at the next start; a window closed without a choice keeps none, so that the next first fit
    follows the table's width (the tests' screen hides the path).  Each table keeps its own choice."""
    from musictagger.gui.app import create_window

    def fitted_matches():
        window = create_window([], Settings())
        qtbot.addWidget(window)
        if live:
            window.show_live()
        matches = window.live.matches if live else window.matches
        qtbot.waitUntil(lambda: not matches.column_fit.first_fit, timeout=5000)  # shown and fitted
        return window, matches

    def saved() -> tuple[object, object]:
        """What was kept: this table's choice, and the other's."""
        settings = Settings()
        kept = (settings.matches_columns, settings.live_matches_columns)
        return kept[::-1] if live else kept

    window, matches = fitted_matches()
    assert matches.table.isColumnHidden(PATH)
    window.close()
    assert saved() == (None, None)
    window, matches = fitted_matches()
    actions = {action.text(): action for action in matches.column_fit.columns_menu(matches).actions()}
    actions[HEADERS[PATH]].trigger()
    assert not matches.table.isColumnHidden(PATH)
    window.close()
    assert saved()[0] is not None and saved()[1] is None
    window, matches = fitted_matches()
    assert not matches.table.isColumnHidden(PATH)
    window.close()


def test_the_about_box_names_the_version_the_model_its_training_data_and_licences() -> None:
    manifest = load_manifest(default_model_path())
    text = about_text(manifest)
    assert f"musictagger {musictagger.__version__}" in text
    assert manifest.name in text
    assert manifest.model_id in text
    assert str(manifest.training["data"]) in text
    for licence in manifest.licences:
        assert licence["licence"] in text
    assert f"{manifest.metrics['test']['accuracy']['value']:.2f}" in text


def test_the_about_box_fits_the_screen_in_a_large_font(qtbot, window) -> None:
    """In a 14-point font the About box was 877 pixels high, taller than a laptop's screen (768 pixels, 640 usable
    here): its OK button was below the screen.  It now fits the screen, its text scrolling within it."""
    app = QApplication.instance()
    font = app.font()
    large = QFont(font)
    large.setPointSize(14)
    app.setFont(large)
    shown: list[tuple[QRect, QRect, bool]] = []

    def look() -> None:
        box = QApplication.activeModalWidget()
        ok = next(button for button in box.findChildren(QPushButton) if button.text().replace("&", "") == "OK")
        top_left = ok.mapToGlobal(QPoint(0, 0))
        shown.append((box.frameGeometry(), QRect(top_left, ok.size()), box.isVisible()))
        box.close()

    try:
        QTimer.singleShot(500, look)
        about = next(action for action in window.findChildren(QAction) if action.text() == "&About musictagger")
        about.trigger()  # modal: returns once looked at and closed
    finally:
        app.setFont(font)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    frame, ok, visible = shown[0]
    available = window.screen().availableGeometry()
    assert visible and available.contains(frame) and available.contains(ok), (frame, ok, available)


def test_errors_read_as_sentences_and_tracebacks_go_to_the_log() -> None:
    setup_logging()
    readable = DecodeError("/music/x.mp3", "not an audio file")
    assert describe(readable) == "/music/x.mp3: not an audio file"
    try:
        {}["missing"]
    except KeyError as bug:
        message = describe(bug)
    assert str(log_path()) in message and "Traceback" not in message
    assert log_path().parent == userdirs.cache_dir()
    logged = log_path().read_text(encoding="utf-8")
    assert "Traceback" in logged and "KeyError: 'missing'" in logged


def test_a_log_file_that_cannot_be_opened_leaves_the_window_to_start_and_says_where_the_details_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only cache disk (walked on a read-only mount) or, here, a file where the cache folder should be: opening
    the log ended musictagger-gui's start in a traceback (OSError), before any window."""
    monkeypatch.setattr(errors, "_log_trouble", None)  # this module's later tests see the log as they found it
    in_the_way = tmp_path / "cache"
    in_the_way.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(in_the_way))

    assert setup_logging() is None  # raised NotADirectoryError before
    try:
        {}["missing"]
    except KeyError as bug:
        message = describe(bug)
    assert f"The details went to standard error: the log file {log_path()} cannot be written (" in message
    assert "in the log file" not in message


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here to stand for a full disk")
def test_a_log_file_that_fills_up_hands_the_log_to_standard_error_saying_so_once(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The cache disk full after the start (walked on a full tmpfs): every record printed '--- Logging error ---' and
    a traceback to standard error, and an error's message still sent the user to the log file."""
    monkeypatch.setattr(errors, "_log_trouble", None)
    monkeypatch.setattr(logging.getLogger("musictagger"), "handlers", [])  # as at a start: the earlier tests' logs gone
    setup_logging()
    (handler,) = [
        h for h in logging.getLogger("musictagger").handlers if getattr(h, "baseFilename", "") == str(log_path())
    ]
    handler.stream = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115 - the handler closes it
    try:
        {}["missing"]
    except KeyError as bug:
        message = describe(bug)  # logs its traceback: the write fails
    logging.getLogger("musictagger.gui").warning("a later warning")  # no second notice, no "Logging error"

    errors_seen = capfd.readouterr().err
    assert "Logging error" not in errors_seen
    assert errors_seen.count(f"musictagger: the log file {log_path()} cannot be written (No space left on device)") == 1
    assert "KeyError: 'missing'" in errors_seen  # the record the file could not take
    assert handler not in logging.getLogger("musictagger").handlers
    assert message.endswith(
        f"The details went to standard error: the log file {log_path()} cannot be written (No space left on device)."
    )


def test_qt_calls_keep_their_references_to_none(qtbot) -> None:
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every call of a void method,
    so a window aborted ("none_dealloc") after enough repaints; pyproject.toml pins a release without it."""
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(5000):
        label.setText(str(i))
    assert sys.getrefcount(None) - before > -100


def test_the_dark_theme_applies_where_the_platform_ignores_the_hint(qtbot) -> None:
    """The offscreen platform, like an X11 session without a desktop theme, ignores Qt's colour scheme hint."""
    app = QApplication.instance()
    light = app.palette().color(QPalette.ColorRole.Window)
    headline = QLabel("rock 0.86")  # styled as the result panel's verdict is, before the theme changes
    headline.setStyleSheet(CERTAIN_STYLE)
    qtbot.addWidget(headline)
    headline.show()
    try:
        apply_theme("dark")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
        assert app.palette().color(QPalette.ColorRole.WindowText).lightness() > 200
        assert headline.palette().color(QPalette.ColorRole.WindowText).lightness() > 200  # not black on dark
    finally:
        apply_theme("system")
    assert app.palette().color(QPalette.ColorRole.Window) == light  # the platform's palette again
    assert headline.palette().color(QPalette.ColorRole.WindowText) == app.palette().color(QPalette.ColorRole.WindowText)


def test_show_in_folder_says_where_the_file_is_when_no_file_manager_opens(
    qtbot, tmp_path: Path, monkeypatch, message_boxes: list[str]
) -> None:
    """A desktop without a file launcher: Qt only logged "Unable to detect a launcher" and nothing happened."""
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: False))  # the desktop, not the app
    parent = QWidget()
    qtbot.addWidget(parent)
    song = tmp_path / "album" / "song.flac"
    song.parent.mkdir()
    song.write_bytes(b"")

    open_folder_of(parent, song)

    assert message_boxes == [
        f"Show in folder: No file manager could be opened here. The file is in:\n{tmp_path / 'album'}"
    ]


def test_show_in_folder_says_a_file_moved_or_deleted_is_not_there(
    qtbot, tmp_path: Path, monkeypatch, message_boxes: list[str]
) -> None:
    """Show in folder on a library track or match moved or deleted since it was indexed opened its folder (or, gone
    too, a file manager's error), where the file was not to be seen, without a word: it says the file is gone."""
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    parent = QWidget()
    qtbot.addWidget(parent)

    open_folder_of(parent, tmp_path / "album" / "song.flac")

    assert message_boxes == [
        f"Show in folder: song.flac is not there any more (moved, renamed or deleted?). It was in:\n{tmp_path / 'album'}"
    ]
    assert opened == []


def test_a_damaged_active_personal_model_is_said_and_the_window_starts(
    qtbot, tmp_path: Path, first_model_as_default: Path, boxes: list[str]
) -> None:
    """A personal model's arrays cut short (a crash, a full disk) while it was the active one: the window did not start
    ('musictagger cannot start: …'), and the Models dialog, where a user deletes it or chooses another, was out of
    reach.  Now it starts, the analysis says why it cannot analyse, and so does each file dropped."""
    from musictagger.gui.app import create_window
    from musictagger.gui.file_list import State
    from musictagger.personal import store
    from tests.gui.conftest import drop
    from tests.personal.heads import save_mood_model

    song = write_song(tmp_path / "song.flac", seed=0)
    save_mood_model(first_model_as_default, song)
    store.use("moods")
    arrays = store.models_dir() / "moods.npz"
    arrays.write_bytes(arrays.read_bytes()[:3000])

    window = create_window([], Settings())
    qtbot.addWidget(window)
    drop(window, [song])
    qtbot.waitUntil(lambda: [entry.state for entry in window.files.entries.values()] == [State.FAILED], timeout=30_000)

    why = f"{arrays}: cannot read the personal model (File is not a zip file)"
    assert boxes and all(box.startswith(f"The model cannot be loaded: {why}") for box in boxes)
    (entry,) = window.files.entries.values()
    assert why in entry.error
    window.close()
