"""The window on real files: drop, analyse, and show exactly what the core API says."""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pyqtgraph import TextItem
from PySide6.QtCore import QDir, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetricsF, QGuiApplication, QImage, QPainter, QPalette
from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow

from musictagger.audio.features import band_centres_hz
from musictagger.audio.frontend import track_frames
from musictagger.audio.overview import overview_from_file
from musictagger.audio.params import FeatureParams
from musictagger.gui.app import create_window, main
from musictagger.gui.file_list import State
from musictagger.gui.icon import APP_ID
from musictagger.gui.library_view import COLUMNS
from musictagger.gui.main_window import MainWindow
from musictagger.gui.matches_view import NO_OUTPUT_TEXT, Player, playback_problem
from musictagger.gui.settings import Settings
from musictagger.gui.single_instance import TOKEN_VARIABLE, server_name
from musictagger.gui.spectrogram_view import (
    EMPTY_MESSAGE,
    colour_levels,
    frequency_ticks,
    window_at,
)
from musictagger.gui.theme import apply_theme
from musictagger.library import Column, Library, index_folders
from musictagger.library.store import AnalysisKey, FileStamp
from musictagger.model.runtime import load_model, ranking_of
from musictagger.timefmt import clock
from tests.audio.signals import noise, tone, write
from tests.gui.conftest import SR, drop, give_sound_output, wait_until_settled, write_song
from tests.tagging.media import pretag


def test_dropped_files_show_what_the_core_api_says(qtbot, window, songs: list[Path]) -> None:
    buttons = (window.matches.play_query_button, window.matches.play_match_button, window.matches.show_button)
    assert not any(button.isEnabled() for button in buttons)  # nothing to play or show yet
    drop(window.spectrogram.graphics, songs)  # anywhere on the window
    wait_until_settled(qtbot, window, len(songs))
    model = load_model()
    for path in songs:
        window.files.select(path.absolute())
        expected = model.analyze_file(path)
        entry = window.files.current_entry()
        assert entry.state is State.DONE
        assert window.genre.verdict.text() == expected.summary()
        for score in expected.ranking:
            bar = window.genre.bars[score.label]
            assert bar.format() == f"{score.probability:.2f}"
            assert bar.value() == round(score.probability * bar.maximum())
        assert window.code.hex.text() == expected.code_hex
        assert window.matches.play_query_button.isEnabled()
        np.testing.assert_array_equal(window.code.grid.bits, expected.bits)
        overview = overview_from_file(path, params=model.manifest.front_end, report=expected.features.report)
        assert window.spectrogram.image.image.shape == overview.log_mel.shape
        assert window.spectrogram.plot.vb.viewRange()[0][1] == pytest.approx(expected.duration_s)  # seconds
        window.code.copy()
        assert QApplication.clipboard().text() == expected.code_hex
        for image, layer in zip(window.layers.images, expected.layers, strict=True):
            np.testing.assert_allclose(image.image, layer[0].mean(axis=0), rtol=1e-4, atol=1e-5)


def test_a_failing_file_shows_its_error_and_the_others_finish(qtbot, window, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    good = write_song(folder / "good.wav", kind="wav-pcm16")
    broken = folder / "broken.mp3"
    broken.write_bytes(b"this is not an mp3 at all" * 40)
    silent = write_song(folder / "quiet.flac", seconds=0.5)  # under the 1 s the model needs
    drop(window, [folder])
    wait_until_settled(qtbot, window, 3)
    entries = window.files.entries
    assert entries[good.absolute()].state is State.DONE
    for path in (broken, silent):
        entry = entries[path.absolute()]
        assert entry.state is State.FAILED
        assert entry.error and "Traceback" not in entry.error
        window.files.select(path.absolute())
        assert window.genre.verdict.text() == f"{path.name} could not be analysed: {entry.error}"
        assert window.code.hex.text() == ""
        nothing = f"Nothing to show: {path.name} could not be analysed."  # not "select an analysed file"
        assert window.spectrogram.stack.message.text() == nothing and window.layers.stack.message.text() == nothing
        assert not any(bar.isEnabled() for bar in window.genre.bars.values())
    window.show_entry(None)
    assert window.spectrogram.stack.message.text() == EMPTY_MESSAGE  # the usual message is back without a file
    assert "1 s" in entries[silent.absolute()].error
    assert window.statusBar().currentMessage() == "3 files: 1 done, 2 failed"


def contrast(one: QColor, other: QColor) -> float:
    """WCAG's contrast ratio of two colours (1 to 21; 4.5 is its least for text)."""

    def luminance(colour: QColor) -> float:
        channels = [c / 255 for c in (colour.red(), colour.green(), colour.blue())]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_failed_file_reads_in_red_on_the_dark_theme_as_on_the_light_one(qtbot, window, tmp_path: Path) -> None:
    """The failure red was 2.6:1 on the dark theme's base and 2.3:1 on its window: the list's "failed", the result
    panel's sentence saying why and the Library tab's verdict, dim on dark grey. The theme is changed with the
    file shown, as Settings changes it."""
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"this is not an mp3 at all" * 40)
    drop(window, [broken])
    wait_until_settled(qtbot, window, 1)
    with Library() as library:  # as indexing stores a file it could not read
        library.store_error(str(broken), FileStamp(10, 1), AnalysisKey("model", 1), "not audio")
    window.show_library_tracks()
    window.library_view.refresh()
    table = window.library_view.table
    qtbot.waitUntil(lambda: table.model().rowCount() == 1, timeout=10_000)
    verdict = table.model().index(0, COLUMNS.index(Column.VERDICT))

    def contrasts() -> list[float]:
        label = window.genre.verdict
        base = window.files.palette().color(QPalette.ColorRole.Base)
        return [
            contrast(window.files.currentItem().foreground(1).color(), base),
            contrast(
                label.palette().color(QPalette.ColorRole.WindowText), label.palette().color(QPalette.ColorRole.Window)
            ),
            contrast(
                verdict.data(Qt.ItemDataRole.ForegroundRole).color(), table.palette().color(QPalette.ColorRole.Base)
            ),
        ]

    assert min(contrasts()) >= 4.5
    apply_theme("dark")
    try:
        dark = QApplication.palette().color(QPalette.ColorRole.Base)
        widgets = (window.files, window.genre, window.genre.verdict, table)
        qtbot.waitUntil(lambda: all(w.palette().color(QPalette.ColorRole.Base) == dark for w in widgets), timeout=2000)
        assert window.genre.verdict.text().startswith("broken.mp3 could not be analysed: ")
        assert min(contrasts()) >= 4.5, contrasts()
    finally:
        apply_theme("system")


def test_differs_and_an_uncertain_verdict_read_in_orange_on_the_light_theme_as_on_the_dark_one(
    qtbot, window, tmp_path: Path
) -> None:
    """One orange (#d08000) was 3.1:1 on the light base (the Library tab's "differs") and 2.8:1 on the light window
    (the result panel's uncertain verdict), 3.9:1 on the dark window."""
    song = write_song(tmp_path / "Music" / "song.flac", seconds=3.0)
    pretag(song, genres=["Jazz"])  # which the model never says
    index_folders([song.parent], workers=1)
    drop(window, [song])
    wait_until_settled(qtbot, window, 1)
    analysis = window.files.current_entry().analysis
    close = np.array([0.41, 0.38, 0.11, 0.10])  # the two best too near each other
    uncertain = dataclasses.replace(analysis, probabilities=close, ranking=ranking_of(window.genre.labels, close))
    assert uncertain.uncertain
    window.genre.show_analysis(uncertain)
    view = window.library_view
    view.refresh()
    table = view.table
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    differs = view.model.index(0, COLUMNS.index(Column.AGREEMENT))
    assert differs.data() == "differs"

    def contrasts() -> list[float]:
        label = window.genre.verdict
        return [
            contrast(
                differs.data(Qt.ItemDataRole.ForegroundRole).color(), table.palette().color(QPalette.ColorRole.Base)
            ),
            contrast(
                label.palette().color(QPalette.ColorRole.WindowText), label.palette().color(QPalette.ColorRole.Window)
            ),
        ]

    assert min(contrasts()) >= 4.5, contrasts()
    apply_theme("dark")
    try:
        dark = QApplication.palette().color(QPalette.ColorRole.Base)
        widgets = (window.genre, window.genre.verdict, table)
        qtbot.waitUntil(lambda: all(w.palette().color(QPalette.ColorRole.Base) == dark for w in widgets), timeout=2000)
        assert window.genre.verdict.text() == uncertain.summary()
        assert min(contrasts()) >= 4.5, contrasts()
    finally:
        apply_theme("system")


def test_the_colour_bars_labels_do_not_overlap_in_a_short_plot(qtbot, window, songs: list[Path]) -> None:
    """The dB scale beside a spectrogram as short (a 600-pixel-high window) drew "0", "-20", "-40" and "-60" over each other
    (pyqtgraph spaces ticks by the axis's length alone, never fewer than 2.25 intervals): as the frequency axis, it
    now labels only as many levels as the height has room for."""
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    window.resize(800, 600)
    window.show_live()
    axis = window.spectrogram.colour_bar.axis
    qtbot.waitUntil(lambda: axis.height() < 60 and bool(drawn_labels(axis)), timeout=10_000)
    centres = sorted(rect.center().y() for rect in drawn_labels(axis))
    line = QFontMetricsF(axis.font()).height()  # a label's whole height (pyqtgraph measures 0.8 of it)
    assert all(lower - upper >= line for upper, lower in itertools.pairwise(centres)), (centres, line)

    window.live_dock.close()  # a plot of the usual height: a label every 10 dB as before
    window.resize(800, 800)
    qtbot.waitUntil(lambda: axis.height() > 260, timeout=10_000)
    assert len(drawn_labels(axis)) >= 8


def test_the_window_labels_read_over_a_bright_spectrogram(qtbot, window, tmp_path: Path) -> None:
    """The analysed windows' labels ("window 1") were light grey drawn straight on the image: over noise, whose
    spectrogram is pale yellow from top to bottom, they could not be seen (contrast 1.2:1).  They have a dark
    background of their own now, readable over any colour of the map."""
    noisy = write(tmp_path / "noise.wav", noise(sr=SR, seconds=5.0, rms_dbfs=-12.0), SR, "wav-pcm16")
    drop(window, [noisy])
    wait_until_settled(qtbot, window, 1)
    qtbot.waitUntil(lambda: window.files.current_entry().spectrogram_db is not None, timeout=10_000)
    graphics = window.spectrogram.graphics
    label = next(item for item in window.spectrogram._regions[0].lines[0].childItems() if isinstance(item, TextItem))
    assert label.isVisible() and label.toPlainText() == "window 1"
    image = graphics.grab().toImage()
    box = graphics.mapFromScene(label.sceneBoundingRect()).boundingRect()
    # Behind the label, above its letters (the text's margin), beside the region's edge line at its left.
    behind = [image.pixelColor(x, box.top() + 2) for x in range(box.left() + 3, box.right() - 2)]
    background = max(behind, key=lambda colour: colour.lightness())
    assert contrast(label.color, background) >= 4.5, (label.color.getRgb(), background.getRgb())


def test_the_frequency_axis_labels_do_not_crowd_each_other() -> None:
    ticks = frequency_ticks(band_centres_hz(FeatureParams()), min_spacing=7.0)  # 7 bands: the plot's usual height
    positions = [position for position, _label in ticks]

    assert all(upper - lower >= 7.0 for lower, upper in itertools.pairwise(positions))
    assert [label for _position, label in ticks] == ["200", "500", "1 k", "2 k", "4 k"]


def drawn_labels(axis) -> list[QRectF]:
    """Where ``axis`` draws its tick labels, in its own coordinates, as it paints them."""
    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [rect for rect, _flags, _text in specs[2]]


def test_the_frequency_axis_labels_do_not_overlap_in_a_short_plot(qtbot, window, songs: list[Path]) -> None:
    """The Live panel shown in a 640-pixel-high window left the file's spectrogram 80 pixels high: its five frequency
    labels, placed for a plot of the usual height, were drawn over each other ("4 k", "2 k", "500" and "200" in 40
    pixels) and its title was cut at both ends ("quency (Hz, m")."""
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    window.resize(800, 640)
    window.show_live()
    qtbot.waitUntil(lambda: window.spectrogram.plot.getAxis("left").height() < 120, timeout=10_000)
    axis = window.spectrogram.plot.getAxis("left")
    qtbot.waitUntil(lambda: bool(drawn_labels(axis)), timeout=10_000)
    labels = sorted(drawn_labels(axis), key=lambda rect: rect.top())
    assert all(upper.bottom() <= lower.top() for upper, lower in itertools.pairwise(labels)), labels
    assert axis.label.boundingRect().width() <= axis.height()  # its title whole along it

    window.live_dock.close()  # the plot of the usual height labels as many round frequencies as before
    qtbot.waitUntil(lambda: axis.height() > 300, timeout=10_000)
    assert len(drawn_labels(axis)) == 5 and "frequency (Hz, mel scale)" in axis.labelString()


def test_index_music_folders_with_none_yet_says_to_add_one(window) -> None:
    window.index_library()  # Library ▸ Index music folders (Ctrl+I); the panel is raised to say it

    assert window.library.indexing is None
    assert window.library.progress_text.text() == "Add a music folder first (Add folder…), then index it."


def test_the_entry_point_opens_a_titled_window_with_its_files_queued_and_a_later_start_hands_it_its_own(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, "Open with musictagger" while the window was open opened a second window on the same library (another
    analysis process, library view and settings writer); now the open window takes the files, and asks to come to
    the front with the later start's Wayland activation token.  It listens where a killed window left its socket."""
    # Of the songs' kinds, but short: the window analyses them, and closing waits for the analysis under way.
    songs = [
        write_song(tmp_path / "in" / "band.flac", seconds=1.5),
        write_song(tmp_path / "in" / "sweep.mp3", kind="mp3", seconds=1.5, seed=1),
    ]
    tokens: list[str | None] = []
    monkeypatch.setattr(MainWindow, "activateWindow", lambda _window: tokens.append(os.environ.get(TOKEN_VARIABLE)))
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(os.path.join(QDir.tempPath(), server_name()))  # bound, never listened on, never removed
    stale.close()
    later: list[subprocess.Popen[str]] = []
    seen = {}

    def hand_over_then_close() -> None:
        window = next(w for w in QApplication.topLevelWidgets() if w.windowTitle() == "musictagger")
        if not later:  # the later start: its own process, in the song's folder, naming it as a file manager might
            later.append(
                subprocess.Popen(
                    [sys.executable, "-c", HAND_OVER, songs[1].name],
                    cwd=songs[1].parent,
                    env={**os.environ, TOKEN_VARIABLE: "the desktop's token for this start"},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        # Until it has handed its file over and the window lists it (on a worker); not for ever if it failed.
        if later[0].poll() is None or (later[0].returncode == 0 and len(window.files.entries) < len(songs)):
            QTimer.singleShot(50, hand_over_then_close)
            return
        seen["files"] = sorted(window.files.entries)
        window.close()

    QTimer.singleShot(0, hand_over_then_close)
    assert main([str(songs[0])]) == 0
    out, err = later[0].communicate()
    assert out == "0 []\n", err  # handed over, having imported none of the window, nor the model's runtime
    assert f"musictagger-gui: the window open on this library (process {os.getpid()}) took the files\n" in err
    assert seen["files"] == sorted(path.absolute() for path in songs)
    assert tokens == ["the desktop's token for this start"] and TOKEN_VARIABLE not in os.environ


HAND_OVER = """import sys
from musictagger.gui.app import main
status = main(sys.argv[1:])
print(status, [name for name in ("musictagger.gui.main_window", "musictagger.model.runtime") if name in sys.modules])
"""
"""``musictagger-gui FILE`` started while the window is open: its status, and which of the modules only the window
needs it imported."""


def test_opened_paths_become_recent_files(qtbot, window, songs: list[Path]) -> None:
    window.open_paths([songs[0].parent])
    wait_until_settled(qtbot, window, len(songs))
    window.recent_menu.aboutToShow.emit()
    assert [action.text() for action in window.recent_menu.actions()][:1] == [str(songs[0].parent)]


def test_open_recent_names_and_opens_each_file_as_it_was_opened(
    qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files named relative to the folder the window started in, one with an & in its path, one whose name is not
    UTF-8: the menu read "Simon _Garfunkel" and "caf.flac", and a later start offered the relative path and the
    name without its byte, files that are not there."""
    monkeypatch.chdir(tmp_path)
    ampersand = write_song(tmp_path / "Simon & Garfunkel" / "song.flac", seed=0)
    latin1 = tmp_path / os.fsdecode(b"caf\xe9.flac")
    latin1.write_bytes(ampersand.read_bytes())
    window.open_paths([ampersand.relative_to(tmp_path), latin1.relative_to(tmp_path)])
    wait_until_settled(qtbot, window, 2)

    assert Settings().recent_files[:2] == [ampersand, latin1]  # as the next start reads them
    window.recent_menu.aboutToShow.emit()
    recent = window.recent_menu.actions()
    assert [action.text() for action in recent[:2]] == [
        f"{tmp_path}/Simon && Garfunkel/song.flac",  # shown as "Simon & Garfunkel"
        f"{tmp_path}/caf\\xe9.flac",  # as the file list shows it
    ]
    window.remove_files(list(window.files.entries))
    recent[1].trigger()
    wait_until_settled(qtbot, window, 1)
    assert window.files.current_entry().path == latin1 and window.files.current_entry().state is State.DONE


def test_the_menus_offer_an_action_only_with_something_to_act_on(qtbot, window, songs: list[Path]) -> None:
    """Edit ▸ Copy hash code, Edit ▸ Remove from list, Playback ▸ Play / pause the file and File ▸ Open recent were
    enabled at a first start, doing nothing (Open recent opened an empty menu); they follow what is shown."""
    menus = {action.text(): action.menu() for action in window.menuBar().actions()}
    items = {action.text(): action for menu in menus.values() for action in menu.actions()}
    copy, remove, play = items["Copy &hash code"], items["&Remove from list"], items["&Play / pause the file"]

    def offered() -> list[bool]:
        menus["&File"].aboutToShow.emit()
        return [copy.isEnabled(), remove.isEnabled(), play.isEnabled(), window.recent_menu.isEnabled()]

    assert offered() == [False, False, False, False]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    assert offered() == [True, True, True, True]
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(window.files, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == window.files.current_entry().analysis.code_hex

    remove.trigger()
    assert not window.files.entries
    assert offered() == [False, False, False, True]  # the file is still a recent one


def test_the_first_hint_names_the_menu_entries_as_the_menus_do(window) -> None:
    """The status bar's first hint sent a new user to 'File ▸ Open', an entry the File menu does not have (it has
    'Open files…' and 'Open folder…')."""
    hint = window.statusBar().currentMessage()
    named = re.findall(r"(\w+) ▸ ([^;,.]+?)(?=[;,.]|$)", hint)
    menus = {action.text().replace("&", ""): action.menu() for action in window.menuBar().actions()}
    assert named
    for menu, entry in named:
        assert entry in [action.text().replace("&", "") for action in menus[menu].actions()], hint


def test_a_panel_closed_by_its_title_bars_button_comes_back_from_the_view_menu(qtbot, window) -> None:
    """Only the docks' right-click menu, which no key opens, brought back a closed Files, Music folders, Result or
    Nearest matches panel; and closed it stayed, at every start."""
    view = {action.text(): action.menu() for action in window.menuBar().actions()}["&View"]
    panels = {action.text(): action for action in view.actions()}
    for dock, panel, text in (
        (window.files_dock, window.files, "&Files"),
        (window.library_dock, window.library.folders, "&Music folders"),
        (window.result_dock, window.genre, "&Result"),
        (window.matches_dock, window.matches.table, "&Nearest matches"),
    ):
        assert panels[text].isChecked()
        dock.close()
        assert not panels[text].isChecked()
        panels[text].trigger()
        qtbot.waitUntil(lambda panel=panel: not panel.visibleRegion().isEmpty(), timeout=2000)  # in front of its tabs
        assert panels[text].isChecked()


@pytest.mark.parametrize(
    ("t", "current", "expected"),
    [(5.0, 0, 0), (25.0, 0, 0), (25.0, 1, 1), (35.0, 0, 1), (50.0, 2, 2), (80.0, 0, None)],
)
def test_the_window_under_the_mouse_keeps_the_current_one_while_windows_overlap(t, current, expected) -> None:
    spans = [(0.0, 29.12), (20.0, 49.12), (40.0, 69.12)]
    assert window_at(spans, t, current=current) == expected


def test_the_core_loads_no_qt() -> None:
    code = (
        "import sys, musictagger, musictagger.model.runtime, musictagger.library, musictagger.tagging, "
        "musictagger.tagging.formats, musictagger.cli.main;"
        "print(sorted(m for m in ('PySide6', 'pyqtgraph', 'shiboken6') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


@pytest.mark.parametrize("channel", [0, 31])
def test_the_channel_picker_shows_one_channel(qtbot, window, songs: list[Path], channel: int) -> None:
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    analysis = window.files.current_entry().analysis
    window.layers.picker.setCurrentIndex(channel + 1)
    for info, image, layer, plot in zip(
        window.manifest.layers, window.layers.images, analysis.layers, window.layers.plots, strict=True
    ):
        np.testing.assert_array_equal(image.image, layer[0][channel])
        assert f"ch {info.channels[channel]}" in plot.titleLabel.text


def test_the_verdict_shows_before_the_spectrogram_is_drawn(qtbot, window, songs: list[Path]) -> None:
    shown: list[tuple[bool, bool]] = []  # (verdict shown, spectrogram drawn) at every refresh of the selected file
    window.files.entrySelected.connect(
        lambda entry: entry and shown.append((entry.analysis is not None, entry.spectrogram_db is not None))
    )

    drop(window.spectrogram.graphics, songs[:1])
    wait_until_settled(qtbot, window, 1)

    assert (True, False) in shown  # the verdict alone, first …
    assert shown[-1] == (True, True)  # … then the spectrogram
    assert window.genre.verdict.text() == window.files.current_entry().analysis.summary()


def test_open_with_queues_the_files_and_quits_after_the_first_result(
    qtbot, songs: list[Path], tmp_path: Path, capsys
) -> None:
    """What a file manager's "Open with" runs (``musictagger-gui FILE…``), as the packaging checks drive it."""
    shot = tmp_path / "window.png"
    assert main(["--quit-after-first-result", "--screenshot", str(shot), *map(str, songs)]) == 0
    expected = load_model().analyze_file(songs[0])
    assert capsys.readouterr().out == f"{songs[0].absolute()}: {expected.summary()}\n"
    image = QImage(str(shot))
    screen = QGuiApplication.primaryScreen().availableGeometry()  # the window is kept within it
    assert 0 < image.width() <= screen.width() and 0 < image.height() <= screen.height()
    assert sorted(size.width() for size in QApplication.windowIcon().availableSizes()) == [16, 32, 48, 64, 128, 256]
    assert QGuiApplication.desktopFileName() == APP_ID


def test_quit_after_first_result_exits_1_when_that_file_fails(qtbot, tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"this is not an mp3 at all" * 40)
    assert main(["--quit-after-first-result", str(broken)]) == 1
    assert capsys.readouterr().out.startswith(f"{broken.absolute()}: broken.mp3 could not be analysed: ")
    QApplication.processEvents()  # as pytest-qt does between tests: a quit left pending would be delivered here
    fired: list[bool] = []  # and then end every event loop at once; they must still run
    QTimer.singleShot(100, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=2000)


def test_space_presses_the_focused_button_with_the_live_panel_shown(
    qtbot, window, songs: list[Path], sound_output: None
) -> None:
    """Space is the focused button's, not a window-wide "play the match" (the two matches views' shortcuts
    made it do nothing anywhere while the Live panel was shown)."""
    window.show_live()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    devices = window.live.devices
    qtbot.waitUntil(lambda: devices.has_scanned and not devices.scanning, timeout=10_000)
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)

    for button in (devices.refresh_button, window.matches.play_query_button):
        button.setFocus()
        qtbot.waitUntil(button.hasFocus, timeout=2000)
        with qtbot.waitSignal(button.clicked, timeout=2000):
            qtbot.keyClick(button, Qt.Key.Key_Space)
    qtbot.waitUntil(window.matches.player.is_playing, timeout=10_000)  # Play file, pressed by Space, plays it
    window.matches.player.stop()


def test_play_says_why_a_file_cannot_be_played(
    qtbot, window, songs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Play file (or Play match) with no audio output device, on a file moved or deleted since it was analysed or
    indexed, or on one the player cannot read, did nothing at all: Qt's player played silently, or its error went
    nowhere.  The status bar now says which file and why."""
    drop(window, songs[:1])
    wait_until_settled(qtbot, window, 1)
    monkeypatch.setattr(QMediaDevices, "audioOutputs", staticmethod(list))  # as offscreen with no sound server
    window.matches.play_query_button.click()
    assert window.statusBar().currentMessage() == f"Cannot play {songs[0].name}: {NO_OUTPUT_TEXT}"
    assert not window.matches.player.has_started()
    give_sound_output(monkeypatch)
    songs[0].rename(tmp_path / "moved.flac")
    window.matches.play_query_button.click()
    gone = f"Cannot play {songs[0].name}: it is not there any more (moved, renamed or deleted?)"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == gone, timeout=10_000)

    not_audio = tmp_path / "notes.mp3"
    not_audio.write_text("not audio")
    window.matches.player.toggle(not_audio)  # as Play match on a library track that is no audio Qt can read
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Cannot play notes.mp3: "), timeout=10_000)
    assert not window.matches.player.is_playing()


def test_the_playing_file_still_pauses_once_its_audio_output_device_is_gone(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headphones unplugged while a file played, and no other output: its Pause was refused as a Play with no device
    ('no audio output device'), and it went on playing into nothing.  It pauses; only playing again is refused."""
    told: list[str] = []
    player = Player(told.append)
    song = write_song(tmp_path / "song.flac", seed=0)
    give_sound_output(monkeypatch)
    assert player.toggle(song)
    qtbot.waitUntil(player.is_playing, timeout=10_000)
    monkeypatch.setattr(QMediaDevices, "audioOutputs", staticmethod(list))
    assert not player.toggle(song)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5_000)
    assert (told, player.has_started()) == ([], True)
    assert not player.toggle(song)  # resuming it: nothing to play into
    assert told == [f"Cannot play song.flac: {NO_OUTPUT_TEXT}"]
    player.stop()
    qtbot.waitUntil(lambda: not player.has_started(), timeout=5_000)


def test_a_playback_error_without_words_still_says_why(tmp_path: Path) -> None:
    """A player's error may come without text: the status bar said 'Cannot play song.flac: ', the reason empty."""
    song = tmp_path / "song.flac"
    song.write_bytes(b"fLaC")
    assert playback_problem(song, "") == "Cannot play song.flac: the player cannot read it"
    assert playback_problem(song, "Could not open file") == "Cannot play song.flac: could not open file"


def test_delete_removes_files_only_while_the_files_list_has_the_focus(qtbot, window, songs: list[Path]) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    drop(window, songs[:2])
    wait_until_settled(qtbot, window, 2)

    window.code.copy_button.setFocus()  # elsewhere in the window: Delete is not the list's
    qtbot.waitUntil(window.code.copy_button.hasFocus, timeout=2000)
    qtbot.keyClick(window.code.copy_button, Qt.Key.Key_Delete)
    qtbot.wait(100)
    assert len(window.files.entries) == 2

    window.files.setFocus()
    qtbot.waitUntil(window.files.hasFocus, timeout=2000)
    qtbot.keyClick(window.files, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(window.files.entries) == 1, timeout=5000)


def test_a_file_dropped_again_after_it_changed_is_analysed_again_and_dropped_files_are_selected(
    qtbot, window, tmp_path: Path
) -> None:
    first, second = write_song(tmp_path / "a.flac", seed=0), write_song(tmp_path / "b.flac", seed=2)
    drop(window, [first])
    wait_until_settled(qtbot, window, 1)
    drop(window, [second])  # while the first is selected: the new file is shown
    wait_until_settled(qtbot, window, 2)
    assert window.files.current_entry().path == second.absolute()

    write_song(first, seed=1)  # the first file changed on disk: a sweep now
    expected = load_model().analyze_file(first)
    drop(window, [first])
    qtbot.waitUntil(lambda: window.files.current_entry().path == first.absolute(), timeout=10_000)
    wait_until_settled(qtbot, window, 2)
    assert window.files.current_entry().analysis.code_hex == expected.code_hex
    assert window.code.hex.text() == expected.code_hex

    window.files.select(second.absolute())
    drop(window, [first])  # unchanged since: shown, not analysed again
    qtbot.waitUntil(lambda: window.files.current_entry().path == first.absolute(), timeout=10_000)
    assert window.files.current_entry().state is State.DONE and not window.analysis_runner.busy


def test_a_folder_without_audio_is_named_in_the_status_bar(qtbot, window, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("no music here")
    drop(window, [folder])
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == f"No audio files found in {folder}", timeout=10_000)


def test_a_long_files_time_axis_and_layer_caption_read_minutes_and_seconds(qtbot, window, tmp_path: Path) -> None:
    """17 minutes: pyqtgraph's SI prefixes made the axis read ``time (ks)``; m:ss as the matches' parts read."""
    long = write(tmp_path / "long.flac", tone(440.0, sr=8000, seconds=17 * 60.0), 8000, "flac")
    drop(window, [long])
    wait_until_settled(qtbot, window, 1)
    qtbot.waitUntil(lambda: window.files.current_entry().spectrogram_db is not None, timeout=10_000)
    axis = window.spectrogram.plot.getAxis("bottom")
    label = axis.labelString()  # HTML
    assert "time (m:ss)" in label and "(ks)" not in label
    ticks = axis.tickValues(0.0, 17 * 60.0, 800.0)
    assert [spacing for spacing, _values in ticks] == [120.0]  # round minutes, about one a 80 pixels
    assert axis.tickStrings(ticks[0][1], 1.0, 120.0) == [f"{m}:00" for m in range(0, 18, 2)]
    assert axis.tickStrings([61.25, 62.5], 1.0, 0.25) == ["1:01.2", "1:02.5"]  # zoomed in: tenths

    starts = window.files.current_entry().analysis.window_starts_s
    window.layers.set_window(len(starts) - 1)
    assert window.layers.caption.text().endswith(f"(from {clock(starts[-1])})")
    assert "(from 16:" in window.layers.caption.text()


def test_a_file_cut_short_shows_its_audio_across_the_whole_time_axis(qtbot, window, tmp_path: Path) -> None:
    """A FLAC cut at a third of its 8 s (a copy stopped midway): the axis read its 2.4 s of audio, but the picture was
    the 8 s its header announced squeezed into them, the music ending at 0:00.7 and darkness after it."""
    whole = write_song(tmp_path / "whole.flac", seconds=8.0, seed=0)  # chord and drums: sound from start to end
    cut = tmp_path / "cut.flac"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    drop(window, [cut])
    wait_until_settled(qtbot, window, 1)
    qtbot.waitUntil(lambda: window.files.current_entry().spectrogram_db is not None, timeout=10_000)
    analysis, params = window.files.current_entry().analysis, window.manifest.front_end
    assert 2.0 < analysis.duration_s < 3.0  # what was left of the audio, as the result panel's note says
    db = window.spectrogram.image.image
    assert db.shape[0] == track_frames(round(analysis.duration_s * params.sample_rate), params)  # a column a frame
    last_tenth = db[-db.shape[0] // 10 :]
    assert last_tenth.max(axis=1).min() > colour_levels(db, params)[0]  # the music to the end, no column of silence


def test_the_empty_files_list_says_to_drop_files_there(qtbot, window) -> None:
    """At a first start the Files list was blank (only the Result panel and the status bar said what to do): it now
    paints "Drop audio files or folders here" in its place, as a file manager's empty view does."""
    window.show()
    qtbot.waitExposed(window)
    files = window.files
    base = files.palette().color(QPalette.ColorRole.Base).rgb()

    def painted() -> int:
        """How many of the viewport's pixels are not its background."""
        image = files.viewport().grab().toImage()
        return sum(image.pixel(x, y) != base for y in range(image.height()) for x in range(image.width()))

    assert files.topLevelItemCount() == 0 and painted() > 0


def test_the_music_folders_dock_keeps_the_place_a_release_that_called_it_library_saved(qtbot) -> None:
    """Releases up to 0.5.0 called the dock of music folders "Library", and their saved layout knows it by that name:
    once renamed, the dock went back to the left at the first start, whatever place the user had given it."""
    left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
    release = QMainWindow()  # the docks as 0.5.0 named them, its folders dock moved to the right
    release.setCentralWidget(QLabel("Library"))
    for name, area in (("Files", left), ("Library", right), ("Result", right), ("Nearest matches", right)):
        dock = QDockWidget(name, release)
        dock.setObjectName(name)
        dock.setWidget(QLabel(name))
        release.addDockWidget(area, dock)
    Settings().window_state = (release.saveGeometry(), release.saveState())

    window = create_window([])
    qtbot.addWidget(window)
    assert window.dockWidgetArea(window.library_dock) is right
    assert window.dockWidgetArea(window.files_dock) is left
    window.close()
