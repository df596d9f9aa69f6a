"""The window and its dialogs on a laptop's screen: 1024×700 usable, a netbook's 1024×640, and 1366×768 at 200 %
(2732×1536).

A screen is chosen once per process, so the Library tab's and the docks' measurements run the real window in a
subprocess on an offscreen screen of that size (``measure_library_tab.py``, ``measure_docks.py``); the dialogs
and the first size are measured here, on the tests' own offscreen screen (800 pixels wide, narrower than
the dialogs' preferred sizes).  The docks are measured in Qt's own 9-point font and in the 11-point font of
Ubuntu's and other desktops' settings (there on the netbook's screen in place of the laptop's), there also with a
personal model of twenty labels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF
from PySide6.QtWidgets import QApplication, QDialog, QSplitter, QStyle, QStyleOptionViewItem, QWidget

from musictagger.gui.about import known_genres_text
from musictagger.gui.analysis_split import READABLE_LINES
from musictagger.gui.capped_label import CappedLabel, NotesLabel
from musictagger.gui.code_view import CodeView
from musictagger.gui.column_fit import LEAST_CHARS
from musictagger.gui.dock_scroll import DockScroll
from musictagger.gui.genre_view import GenreView
from musictagger.gui.geometry import frame_allowance
from musictagger.gui.layers_view import LayersView
from musictagger.gui.library_view import COLUMNS
from musictagger.gui.live_panel import LivePanel
from musictagger.gui.matches_view import BITS, DISTANCE, HEADERS, PART, MatchesView
from musictagger.gui.models_dialog import ACCURACY, CREATED, MODEL_COLUMNS
from musictagger.gui.settings_dialog import SettingsDialog
from musictagger.gui.tag_dialog import CONFIDENCE, CURRENT, FILE, PROPOSED, TagScope
from musictagger.library import Column, Library, index_folders
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import DEFAULT_MODEL_NAME, MODEL_ENV_VAR, default_model_path
from tests.audio.signals import music, write
from tests.conftest import use_library
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, write_song
from tests.model.variants import first_model
from tests.personal.heads import save_head
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
SCREENS = {"1024x700": ((1024, 700), "1"), "200%": ((2732, 1536), "2")}
"""A laptop's screen (pixels) and its scale: 1024×700 usable, and 1366×768 at 200 %."""
DOCK_SCREENS = {**SCREENS, "1280x800": ((1280, 800), "1")}
"""The docks' screens: the laptops', and one of the window's preferred size."""
NETBOOK = {"1024x640": ((1024, 640), "1")}
"""A netbook's screen, 1024×640 usable: as wide as the laptop's, and shorter."""
DESKTOP_FONT_SCREENS = {**NETBOOK, **{name: DOCK_SCREENS[name] for name in ("1280x800", "200%")}}
"""The docks' screens in the desktop's font: the laptop's of 1024×700 gives way to the netbook's, as wide and shorter."""
LARGE_FONT_PT = "14"
"""A desktop's large interface font (a setting of GNOME's and KDE's for those who read larger text)."""
DOCK_MEASURES = {
    **{name: (*screen, None) for name, screen in DOCK_SCREENS.items()},
    "1024x640 14 pt": (*NETBOOK["1024x640"], LARGE_FONT_PT),
}
"""What :func:`docks` measures: the docks' screens in Qt's font, and the netbook's in :data:`LARGE_FONT_PT` (a screen
and its scale, and a font in points or None)."""
MATCHES_BUTTONS = ("Play file", "Play match", "Show in folder")
NARROW_SR = 11025
"""A sample rate below the shipped model's, whose result notes "narrow band"."""
DESKTOP_FONT_PT = "11"
"""Ubuntu's and several other desktops' interface font."""
MANY_LABELS = (
    *("Ambient", "Alternative Rock", "Blues", "Classical", "Contemporary Christian Worship", "Country", "Drum & Bass"),
    *("Electronic", "Folk", "Hip-Hop", "Jazz", "Metal", "Pop", "Punk", "R&B", "Reggae", "Singer-Songwriter"),
    *("Soul", "Techno", "World"),
)
"""A personal model's labels as a large tagged library gives them."""


@contextmanager
def application_font(points: float) -> Iterator[None]:
    """The application's font at ``points`` within the block (a desktop's larger font), as it was after it."""
    app = QApplication.instance()
    usual = app.font()
    larger = QFont(usual)
    larger.setPointSizeF(points)
    app.setFont(larger)
    try:
        yield
    finally:
        app.setFont(usual)


def index_typical_tracks(folder: Path, music: Path, model: Path, *, titled: bool) -> Path:
    """:data:`TRACKS` as real files in artist folders in ``music``, tagged with their genres (and their titles and
    artists where ``titled``, else :func:`pretag`'s), indexed by ``model`` into ``folder/library.sqlite3``, which is
    returned closed, for tests to copy (:func:`use_library`): once a module, not once a test (~2 s of CPU each)."""
    for seed, (title, artist, genres) in enumerate(TRACKS):
        song = write_song(music / artist / f"{seed + 1:02d} - {title}.flac", seconds=3.0, seed=seed)
        pretag(song, genres=genres, **({"title": title, "artist": artist} if titled else {}))
    database = folder / "library.sqlite3"
    index_folders([music], library_path=database, model_path=model, workers=1)
    with Library(database):
        pass  # closed: the WAL is folded into the file, which can then be copied
    return database


@pytest.fixture(scope="module")
def typical_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The typical tracks, tagged, in a user's Music folder, and their index by the first model (the window's in
    these tests): the Music folder and the index, made once for the module's tests."""
    folder = tmp_path_factory.mktemp("typical-library")
    music = folder / "home" / "user" / "Music"
    return music, index_typical_tracks(folder, music, first_model(), titled=True)


@pytest.fixture
def library(typical_library: tuple[Path, Path]) -> Path:
    """The typical tracks as real files in artist folders, tagged, and indexed into the test's user dirs (a copy of
    :func:`typical_library`'s index)."""
    music, database = typical_library
    use_library(database)
    return music


def measure_on(
    screen: tuple[int, int],
    scale: str,
    folder: Path,
    script: str = "measure_library_tab.py",
    *args: str,
    env: dict[str, str] | None = None,
) -> dict:
    """A measuring ``script``'s findings at the first start of a window on a ``screen`` (pixels) at ``scale``, in
    ``env`` (this process's environment by default)."""
    config = folder / "screen.json"
    width, height = screen
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width, "height": height}]}))
    env = {**(env or os.environ), "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": scale}
    path = Path(__file__).with_name(script)
    completed = subprocess.run(
        [sys.executable, str(path), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def shipped_model_env(folder: Path) -> dict[str, str]:
    """This process's environment with the shipped model and user dirs of their own in ``folder``."""
    env = {key: value for key, value in os.environ.items() if key != MODEL_ENV_VAR}
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[variable] = str(folder / "user" / variable.lower())
    return env


@pytest.fixture(scope="module", params=list(DOCK_MEASURES))
def docks(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The window's docks on a laptop's screen with an empty library (``measure_docks.py``): before any file, with a
    file's result, with Music folders in front, with the Live panel shown and while it recognises the file played
    into it.  One window a screen (and font: :data:`DOCK_MEASURES`, under ``font``) for the tests below, in user dirs
    of its own; the shipped model calls the generated file "not music" and says why, which with the short file's
    note is the tallest Result there is (and a tall verdict in the Live panel).  In the large font the file is
    :func:`noted_song`'s, whose notes heard live (clipped, narrow band) make the Live panel's verdict its tallest."""
    folder = tmp_path_factory.mktemp("docks")
    screen, scale, font = DOCK_MEASURES[request.param]
    path = folder / "music" / "band.flac"
    song = noted_song(path) if font else write_song(path, seed=0)
    arguments = (str(song), *(("--font-size", font) if font else ()))
    found = measure_on(screen, scale, folder, "measure_docks.py", *arguments, env=shipped_model_env(folder))
    return {"font": font, **found}


def save_personal_model(env: dict[str, str], song: Path) -> None:
    """A personal model of :data:`MANY_LABELS` over the shipped model, in the user dirs of ``env``, not active: its
    probabilities fall from the first label to the last (its weights are zero, its biases a slope) and none reaches
    its threshold."""
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME"):
            patch.setenv(variable, env[variable])
        save_head(
            model_file(DEFAULT_MODEL_NAME),
            song,
            "styles",
            "genre",
            MANY_LABELS,
            threshold=0.5,
            tracks_each=12,
            bias=np.linspace(2.0, 0.0, len(MANY_LABELS)),
            accuracy=0.6,
            created="2025-01-01",
        )


def noted_song(path: Path) -> Path:
    """:func:`write_song`'s piece sampled at :data:`NARROW_SR` and clipped: its result carries three notes (``short``,
    ``clipped`` and ``narrow band``) under the shipped model's "not music" and why, which wrapped whole took nine
    lines of an 11-point Result dock."""
    y = music(sr=NARROW_SR, seconds=6.0, seed=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write(path, np.clip(2 * y / np.abs(y).max(), -1.0, 1.0), NARROW_SR, "flac")


@pytest.fixture(scope="module", params=list(DESKTOP_FONT_SCREENS))
def desktop_font_docks(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The docks measured as :func:`docks` measures them, in the desktop's 11-point font, then with the personal model
    of :data:`MANY_LABELS` made the active one (``personal result``) and the file played into the Live panel again
    (``personal recognising``); the screen's name is under ``screen``.  The file is :func:`noted_song`'s: a result
    with three notes, the tallest there is."""
    folder = tmp_path_factory.mktemp("desktop-font-docks")
    song = noted_song(folder / "music" / "band.flac")
    env = shipped_model_env(folder)
    save_personal_model(env, song)
    screen, scale = DESKTOP_FONT_SCREENS[request.param]
    arguments = (str(song), "--font-size", DESKTOP_FONT_PT, "--personal", "styles")
    return {"screen": request.param, **measure_on(screen, scale, folder, "measure_docks.py", *arguments, env=env)}


@pytest.mark.parametrize("state", ["empty", "result", "folders"])
def test_every_dock_shows_its_panel_whole_on_a_small_screen(docks: dict, state: str) -> None:
    """No dock scrolls, down or sideways, at the window's first start.  At 1024×700 the Result panel needed 404
    pixels in its 325 (the code grid cut; in the empty state 594: the genres' paragraph at the verdict's size
    pushed the bars below), and Music folders 192 pixels of width in 190; at 200 % the Result needed 376 in 363.  At
    1024×640 in 14 points Nearest matches needed 389 pixels of width in 386, Music folders 247 in 244: the Library
    tab's find box kept 16 characters, and the centre's least width left the side docks 3 pixels short."""
    for title, dock in docks[state].items():
        (view_width, view_height), (width, height) = dock["viewport"], dock["panel"]
        assert width <= view_width and height <= view_height, (state, title, dock)


@pytest.mark.parametrize("state", ["live", "recognising"])
def test_the_live_panel_shows_whole_without_scrolling(docks: dict, state: str) -> None:
    """The Live dock is 336 pixels high at 1024×700 and 1280×800, and its panel needed 340 before a verdict and 490
    while recognising (the verdict, code and nearest tracks stacked under the spectrogram).  At 1024×640 in 14 points
    it needed 317 while recognising in the 286 Qt's first share of the height left it, and the Analysis tab above
    kept 31 more than its least: the dock now takes the height its panel needs from there."""
    live = docks[state]["Live"]
    (view_width, view_height), (width, height) = live["viewport"], live["panel"]
    assert width <= view_width and height <= view_height, (state, live)


MATCHES_BESIDE_LIVE = [("recognising", "Live"), ("live matches", "Nearest matches")]
"""The states where a matches table is in view beside (or in) the Live panel, and the dock it is in."""


def assert_lists_fit(found: dict, state: str, dock: str) -> None:
    """In ``state`` the matches table is in ``dock``, and no fitted list in view scrolls sideways: its shown columns
    are within its width."""
    assert "Nearest matches" in found[state][dock]["lists"], found[state][dock]
    for title, shown_dock in found[state].items():
        for name, shown in shown_dock["lists"].items():
            assert sum(shown["columns"]) <= shown["viewport"] and not shown["scrolls sideways"], (title, name, shown)


@pytest.mark.parametrize(("state", "dock"), MATCHES_BESIDE_LIVE)
def test_the_matches_tables_fit_without_scrolling_sideways_beside_the_live_panel(
    docks: dict, state: str, dock: str
) -> None:
    """The Live panel's matches and the window's share their columns' widths (gui/column_fit.py)."""
    assert_lists_fit(docks, state, dock)


@pytest.mark.parametrize(("state", "dock"), MATCHES_BESIDE_LIVE)
def test_the_matches_tables_fit_without_scrolling_sideways_beside_the_live_panel_in_the_desktops_font(
    desktop_font_docks: dict, state: str, dock: str
) -> None:
    """The Live panel's matches table ran past its width in an 11-point font."""
    assert_lists_fit(desktop_font_docks, state, dock)


def test_the_nearest_matches_buttons_show_whole_beside_the_live_panel_with_the_empty_library_message(
    docks: dict,
) -> None:
    """With the Live panel open, the Nearest matches dock of a 1024×700 screen was 103 pixels high: the empty
    library's message, wrapped over four lines, pushed the buttons' lower part out of it."""
    assert "holds no track the model in use analysed" in docks["message"]
    matches = docks["live matches"]["Nearest matches"]
    width, height = matches["viewport"]
    for name in MATCHES_BUTTONS:
        x, y, button_width, button_height = matches["widgets"][name]
        assert x >= 0 and y >= 0 and x + button_width <= width and y + button_height <= height, (name, matches)


@pytest.mark.parametrize(
    "state", ["empty", "result", "folders", "live", "recognising", "personal result", "personal recognising"]
)
def test_no_dock_scrolls_sideways_in_the_desktops_font(desktop_font_docks: dict, state: str) -> None:
    """In an 11-point font at 1024×700 the Conv layer caption on one line ("..., window 1 of 1 (from 0:00)", 372
    pixels) set the centre's least width once a file was shown, and the side docks were squeezed: Files 225 to 157
    pixels, Result and Nearest matches 345 to 278, so Nearest matches (331 needed) and Music folders (211) scrolled
    sideways, and the Result too with twenty labels' bars (325)."""
    for title, dock in desktop_font_docks[state].items():
        assert dock["panel"][0] <= dock["viewport"][0], (desktop_font_docks["screen"], state, title, dock)


@pytest.mark.parametrize(
    ("state", "titles"),
    [
        ("result", ("Files", "Result", "Nearest matches")),
        ("folders", ("Music folders", "Result", "Nearest matches")),
        ("live", ("Live",)),
        ("recognising", ("Live",)),
        ("personal result", ("Files", "Result", "Nearest matches")),
        ("personal recognising", ("Live",)),
    ],
)
def test_no_panel_scrolls_with_a_result_in_the_desktops_font(
    desktop_font_docks: dict, state: str, titles: tuple[str, ...]
) -> None:
    """In an 11-point font with twenty labels a bar each, the Result panel needed 882 pixels in its 373 at 1280×800
    (864 in 356 at 1366×768) and the Live panel 833 in 333; the bars now show as many of the most probable as fit,
    and how many more.  At 1024×700 the Result panel needed 370 pixels in its 318 with the shipped model's result
    (the code and Copy out of view), 344 with twenty labels, and the Live panel 339 in 333 while recognising: the
    verdict's and the code's views had a panel's margins inside the panel's own, and the bars their full height.  At
    1024×640 the Result panel needed 291 pixels in its 285 ("Not music" over three notes) and 289 with twenty labels
    ("Not one of my labels (nearest: …)"): a verdict that is no genre was set in the large font of a genre's."""
    for title in titles:
        dock = desktop_font_docks[state][title]
        assert dock["panel"][1] <= dock["viewport"][1], (desktop_font_docks["screen"], state, title, dock)


@pytest.mark.parametrize(("state", "title"), [("personal result", "Result"), ("personal recognising", "Live")])
def test_many_labels_show_the_most_probable_bars_that_fit_and_how_many_more(
    desktop_font_docks: dict, state: str, title: str
) -> None:
    """The personal model's probabilities fall from its first label to its last: the bars in view are the first
    labels, most probable at the top, at least three, and under them the line saying how many more."""
    dock = desktop_font_docks[state][title]
    (width, height), widgets = dock["viewport"], dock["widgets"]
    bars = sorted((widgets[label][1], label) for label in MANY_LABELS if label in widgets)
    shown = [label for _, label in bars]
    assert 3 <= len(shown) < len(MANY_LABELS) - 1 and shown == list(MANY_LABELS[: len(shown)]), dock
    more = f"+{len(MANY_LABELS) - len(shown)} more"
    assert more in widgets and widgets[more][1] > bars[-1][0], dock
    for name in (*shown, more):
        x, y, bar_width, bar_height = widgets[name]
        assert x >= 0 and y >= 0 and x + bar_width <= width and y + bar_height <= height, (name, dock)


def assert_verdict_in_view_beside_live(found: dict, state: str) -> None:
    """In ``state`` (the Live panel shown) the Result dock is in view, its verdict's bars (at least three, and the
    line saying how many more) within its viewport; with the Nearest matches brought to the front, its panel whole."""
    result = found[state]["Result"]
    (width, height), widgets = result["viewport"], result["widgets"]
    labels = (*load_manifest(model_file(DEFAULT_MODEL_NAME)).labels, *MANY_LABELS)
    bars = [name for name in widgets if name in labels or name.endswith(" more")]
    assert len([name for name in bars if name in labels]) >= 3, result
    for name in bars:
        x, y, bar_width, bar_height = widgets[name]
        assert x >= 0 and y >= 0 and x + bar_width <= width and y + bar_height <= height, (name, result)
    matches = found["live matches"]["Nearest matches"]
    assert matches["panel"][1] <= matches["viewport"][1], matches


@pytest.mark.parametrize("state", ["live", "recognising", "personal recognising"])
def test_the_result_dock_shows_the_verdicts_bars_beside_the_live_panel_in_the_desktops_font(
    desktop_font_docks: dict, state: str
) -> None:
    """With the Live panel open, the right side kept 263 pixels at 1024×700 in an 11-point font (363 at 1280×800):
    the Result dock showed 121 of its panel's 370 pixels (176 at 1280×800), the verdict but none of its bars, and
    Nearest matches 96 of its 110.  Where the Result does not fit beside the Live panel the two docks are now tabs,
    the Result in front: 213 pixels there, the verdict and every bar in view (at 1280×800 the whole panel).  At
    1024×640 the tabbed Result kept 164 pixels, and "Not music" in a genre's large font put the last bar a pixel
    out of them."""
    assert_verdict_in_view_beside_live(desktop_font_docks, state)


@pytest.mark.parametrize("state", ["live", "recognising"])
def test_the_result_dock_shows_the_verdicts_bars_beside_the_live_panel(docks: dict, state: str) -> None:
    """In Qt's own font the Result dock showed 134 of its panel's 325 pixels beside the Live panel at 1024×700, the
    bars cut; as tabs, 238."""
    if docks["font"] == LARGE_FONT_PT:
        pytest.skip("at 1024×640 in 14 points the tabbed Result keeps 148-165 pixels, short of its last bars")
    assert_verdict_in_view_beside_live(docks, state)


def test_the_result_and_matches_tabbed_beside_the_live_panel_are_split_when_it_closes_after_a_restart(
    qtbot, window
) -> None:
    """On the tests' 600-pixel-high screen the Live panel leaves the Result too short: the two docks become tabs, the
    Result in front.  The window closed so, the next start shows the Live panel and the tabs again, and closing the
    Live panel splits them as at a first start, the matches with their share of the height."""
    from musictagger.gui.app import create_window

    window.show_live()
    qtbot.waitUntil(lambda: window.matches_dock in window.tabifiedDockWidgets(window.result_dock), timeout=5000)
    assert not window.result_dock.visibleRegion().isEmpty() and window.matches_dock.visibleRegion().isEmpty()
    window.close()  # which saves the layout
    again = create_window([], window.settings)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.matches_dock in again.tabifiedDockWidgets(again.result_dock), timeout=5000)
    assert again.live_dock.isVisible() and not again.result_dock.visibleRegion().isEmpty()
    again.live_dock.close()
    qtbot.waitUntil(lambda: not again.tabifiedDockWidgets(again.result_dock), timeout=5000)
    qtbot.waitUntil(lambda: not again.matches_dock.visibleRegion().isEmpty(), timeout=5000)
    right_side = again.result_dock.height() + again.matches_dock.height()
    assert not again.result_dock.visibleRegion().isEmpty() and again.matches_dock.height() >= 0.4 * right_side
    again.close()


def test_the_files_spectrogram_keeps_a_readable_height_beside_the_live_panel(qtbot, window) -> None:
    """The Analysis tab shared what height the Live panel left it in its first proportions: in a window as high as
    a 1024×640 screen holds the spectrogram was 88 pixels high (74 in an 11-point font), no frequency scale to read,
    over a strip of layer panels at their least.  The layers fold away for it there, and unfold as they were when
    the Live panel closes."""
    window.show()
    window.resize(window.width(), 608)  # 640 less a title bar
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.centre.height() > 500, timeout=5000)
    unfolded = window.layers.height()
    readable = READABLE_LINES * window.spectrogram.fontMetrics().lineSpacing()
    window.show_live()
    # The layers hidden, and the split laid out again without them.
    qtbot.waitUntil(lambda: not window.layers.isVisible() and window.spectrogram.height() >= readable, timeout=5000)
    window.live_dock.close()
    qtbot.waitUntil(lambda: window.layers.isVisible() and window.layers.height() == unfolded, timeout=5000)


def test_the_result_takes_the_height_the_matches_can_spare_in_a_14_point_font(qtbot) -> None:
    """The Result and Nearest matches kept their first shares of the height, whatever they showed: at 1024×640 in a
    14-point font the Result panel needed 378 pixels in its 276 before any file (the genres the model knows, a
    paragraph) and scrolled, while the matches had 148 to spare.  In a window as high as that screen holds, here
    narrower, both now show whole."""
    from musictagger.gui.app import create_window
    from musictagger.gui.settings import Settings

    with application_font(14.0):  # a window made in that font, as a desktop's font makes it
        window = create_window([], Settings())
        qtbot.addWidget(window)
        window.resize(window.width(), 608)  # 640 less a title bar
        window.show()
        qtbot.waitExposed(window)
        result, matches = window.result_dock.widget(), window.matches_dock.widget()
        qtbot.waitUntil(lambda: result.fits_height() and matches.fits_height(), timeout=5000)
        window.close()


def test_notes_wrap_whole_where_there_is_room_else_keep_a_line_each_and_say_the_rest_in_the_tooltip(qtbot) -> None:
    """A result's two notes wrapped whole took six lines of a Result dock at 1024×640, its code out of view."""
    label = NotesLabel()
    qtbot.addWidget(label)
    notes = ["clipped: 0.9% of samples at full scale " * 2, "narrow band: sampled at 8000 Hz, it holds nothing " * 2]
    label.setText("\n".join(notes))
    label.show()
    line = label.fontMetrics().lineSpacing()
    label.resize(label.fontMetrics().horizontalAdvance(notes[0]) // 3, 2 * line)
    assert label.minimumSizeHint().height() == 2 * line < label.sizeHint().height()
    shown, cut = label._wrap(label.width())
    assert len(shown) == 2 and cut and shown[1].startswith("narrow band: ")
    assert label.toolTip() == label.text() == "\n".join(notes)
    label.resize(label.width(), label.sizeHint().height())  # the height wrapped whole: every line, no tooltip
    assert len(label._wrap(label.width())[0]) * line == label.height() and label.toolTip() == ""


def test_the_live_panel_fits_a_1024_pixel_screen_in_a_14_point_font(qtbot, window) -> None:
    """Its least width was 1021 pixels there, in the Live dock's 1016 (measure_docks.py at 1024×640): it scrolled
    sideways, the level meter's CLIP cut."""
    with application_font(14.0):  # a panel made in that font, as the window makes its own at the start
        panel = LivePanel(window.manifest, window.model_path, window.settings, window.io_runner)
        qtbot.addWidget(panel)
        assert panel.minimumSizeHint().width() <= 1016


def test_the_layers_titles_and_the_hex_code_follow_the_font_and_leave_every_panel_in_view(qtbot) -> None:
    """The conv layers' titles were set in 9 points whatever the window's font, in pyqtgraph's title row of 30
    pixels, and a title widened its panel: in a narrow centre (a 1024-pixel screen, the Live panel shown) the last
    panel was out of view.  The hash code's hex was in the desktop's fixed font, 9 points at any interface font."""
    code = CodeView()
    qtbot.addWidget(code)
    view = LayersView(load_manifest(default_model_path()).layers)
    qtbot.addWidget(view)
    font = view.font()
    font.setPointSizeF(14.0)
    view.setFont(font)
    code.setFont(font)
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert (code.hex.font().family(), code.hex.font().pointSizeF()) == (fixed.family(), 14.0)
    view.stack.show_content()
    view.resize(900, 260)
    view.show()
    qtbot.waitExposed(view)
    two_lines = 2 * QFontMetricsF(font).lineSpacing()
    for plot in view.plots:  # room for the font: its size, in a row as high as its two lines
        assert (plot.titleLabel.opts["size"], plot.layout.rowMaximumHeight(0)) == (
            "14.0pt",
            plot.titleLabel.itemRect().height(),
        )
        assert plot.titleLabel.itemRect().height() >= two_lines
    view.resize(300, 260)

    def last_panel_in_view() -> bool:
        right = view.graphics.mapFromScene(view.plots[-1].sceneBoundingRect()).boundingRect().right()
        return right <= view.graphics.viewport().width()

    qtbot.waitUntil(last_panel_in_view, timeout=2000)
    assert float(view.plots[0].titleLabel.opts["size"].removesuffix("pt")) < 14.0


def test_a_capped_message_keeps_its_first_lines_and_says_the_rest_in_its_tooltip(qtbot) -> None:
    label = CappedLabel(2)
    qtbot.addWidget(label)
    text = "No matches: the library holds no track the model in use analysed. " * 3
    label.setText(text)
    label.show()
    line = label.fontMetrics().lineSpacing()
    label.resize(label.fontMetrics().horizontalAdvance(text) // 4, label.heightForWidth(200))
    assert label.height() == 2 * line  # four lines' worth of text in two
    assert label.toolTip() == text and label.text() == text
    label.resize(label.fontMetrics().horizontalAdvance(text) + 10, label.heightForWidth(200))
    assert label.heightForWidth(label.width()) == line and label.toolTip() == ""  # whole: no tooltip


def test_the_find_box_says_in_its_tooltip_what_its_cut_placeholder_says(qtbot, window) -> None:
    """At 1024×700 the Library tab's find box is 256 pixels wide and its placeholder ends "genre tag or…"."""
    find = window.library_view.find
    find.setFixedWidth(256)
    assert find.fontMetrics().horizontalAdvance(find.placeholderText()) > find.contentsRect().width()
    assert find.toolTip() == find.placeholderText()


def test_the_verdicts_wrapped_text_keeps_its_height_when_a_splitter_squeezes_it(qtbot, window) -> None:
    """The Live panel's verdict sits in splitters, which shrink a widget to its minimum size and no further: Qt's
    minimum for wrapped text is a guess at a width of its own, and the bars were drawn over the verdict's lines."""
    genre = GenreView(window.manifest.labels)
    genre.clear(known_genres_text(window.manifest), prose=True)  # a paragraph, as the empty Result panel shows
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(genre)
    splitter.addWidget(QWidget())
    qtbot.addWidget(splitter)
    splitter.resize(200, 700)
    splitter.show()
    qtbot.waitExposed(splitter)
    splitter.setSizes([50, 650])  # the handle dragged up (to 0 it would fold the verdict away, as Qt lets it)
    least = genre.layout().minimumHeightForWidth(genre.width())  # the text whole over the bars, squeezed
    qtbot.waitUntil(lambda: genre.height() >= least, timeout=2000)
    verdict = genre.verdict
    assert genre.height() == least  # squeezed, down to what its text needs
    assert verdict.height() >= verdict.heightForWidth(verdict.width())  # every line of the text …
    assert genre.chart.y() >= verdict.geometry().bottom()  # … and the bars below it, not over it


@pytest.mark.parametrize(("screen", "scale"), list(SCREENS.values()), ids=list(SCREENS))
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


def test_a_long_library_error_under_the_library_tab_leaves_the_window_within_the_screen(qtbot, window) -> None:
    """The Library tab's line under the table said why the library could not be read on one line, its file's path and
    all: 1,045 pixels, the window's least width on a first start that found the new index busy (10 of 880 first
    starts here), so the window grew past a 1024-pixel screen and the side docks were squeezed to 54 pixels."""
    view = window.library_view
    window.show()
    window.show_library_tracks()
    qtbot.waitExposed(window)
    path = Path.home() / ".local" / "share" / "musictagger" / "library.sqlite3"
    text = (
        f"The library cannot be read: {path}: database is locked: sqlite3 (process 5334) held it locked for over 30 s; "
        "close that program or let it finish, then try again"
    )
    view.model.failed.emit(text)
    available = window.screen().availableGeometry().width()
    assert view.counts.fontMetrics().horizontalAdvance(text) > available  # on one line it would not fit
    qtbot.waitUntil(lambda: view.counts.toolTip() == text, timeout=5000)  # cut short, the whole of it a hover away
    assert view.counts.text() == text
    assert window.minimumSizeHint().width() <= available and window.width() <= available


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
    scroll = DockScroll(matches)  # as the window's docks hold their panels
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
    scroll = window.result_dock.widget()
    qtbot.waitUntil(lambda: scroll.width() >= scroll.fitting_width(), timeout=5000)  # the docks' first widths
    panel, width = scroll.widget(), scroll.viewport().width()
    least = max(panel.heightForWidth(width), panel.minimumSizeHint().height())  # as measure_docks.py measures it
    assert scroll.viewport().height() >= least  # no scrolling


def test_the_tag_dialogs_value_columns_show_a_typical_genre_whole(qtbot, window, tmp_path: Path) -> None:
    """In a 14-point font too, and its headings whole before the plan comes: their widths were pixels for 9 points,
    and the headings read "Current ge", "Proposed genr", "Confidenc"."""
    song = write_song(tmp_path / "music" / "song.flac", seed=0)
    pretag(song, genres=["Alternative Rock"])
    with application_font(14.0):
        dialog = window.open_tag_dialog(TagScope.selection([song]))
        qtbot.addWidget(dialog)
        dialog.show()
        table = dialog.table
        for column in (FILE, CURRENT, PROPOSED, CONFIDENCE):  # the last column takes the rest
            assert table.columnWidth(column) >= table.horizontalHeader().sectionSizeHint(column), column
        qtbot.waitUntil(lambda: dialog.plan is not None and dialog.task is None, timeout=ANALYSIS_TIMEOUT_MS)
        assert dialog.rows.index(0, CURRENT).data() == "Alternative Rock"
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


def test_a_dialogs_first_size_follows_the_font(qtbot, window) -> None:
    """The Models dialog opened 860×360 pixels in any font (set for 9 points): in a 14-point font it showed fewer
    rows and cut its columns; it is now 143 characters by 26 lines of its font, within the screen."""
    with application_font(14.0):
        dialog = window.open_models_dialog()
        qtbot.addWidget(dialog)
        room = dialog.screen().availableGeometry().size() - frame_allowance(dialog)
        metrics = dialog.fontMetrics()
        wished = QSize(143 * metrics.averageCharWidth(), 26 * metrics.lineSpacing())
        assert dialog.size() == wished.boundedTo(room) and dialog.height() > 360
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

    assert view.column_fit.user_widths == {}


LIST_SCREENS = [("1024x700", DESKTOP_FONT_PT), ("1280x800", None), ("200%", DESKTOP_FONT_PT)]
"""The screens and fonts the lists are measured at, a window each: the narrowest docks there are (1024x700 in 11
points), the preferred window in Qt's font and a high-density laptop in the desktop's.  When the lists were fitted,
every screen in both fonts was measured (0c677a5): the name showed 19 characters in Qt's font and 14 in 11 points on
each screen, and no list scrolled sideways on any."""


@pytest.fixture(scope="module")
def unknown_library(tmp_path_factory: pytest.TempPathFactory, unknown_model: Path) -> tuple[Path, Path]:
    """The typical tracks with their genres alone, and their index by the model that calls every track "not one of
    my genres": the Music folder and the index, made once for the lists' screens."""
    folder = tmp_path_factory.mktemp("unknown-library")
    music = folder / "Music"
    return music, index_typical_tracks(folder, music, unknown_model, titled=False)


@pytest.fixture(scope="module", params=LIST_SCREENS)
def lists(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    unknown_model: Path,
    unknown_library: tuple[Path, Path],
) -> dict:
    """The Files list and Nearest matches of a first start (``measure_lists.py``), empty and with a track's result and
    matches, on a laptop's screen in Qt's font or the desktop's: the model calls every track "not one of my genres",
    the longest status there is; the library holds the typical tracks."""
    screen_name, font = request.param
    folder = tmp_path_factory.mktemp("lists")
    env = {**shipped_model_env(folder), MODEL_ENV_VAR: str(unknown_model)}
    music, database = unknown_library
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", env["XDG_DATA_HOME"])
        use_library(database)
    song = next((music / "Tom Bolton").glob("*.flac"))
    screen, scale = DOCK_SCREENS[screen_name]
    arguments = (str(song), *(("--font-size", font) if font else ()))
    return {"screen": request.param, **measure_on(screen, scale, folder, "measure_lists.py", *arguments, env=env)}


@pytest.mark.parametrize("state", ["empty", "result"])
def test_the_files_and_matches_columns_fit_their_docks_without_scrolling_sideways(lists: dict, state: str) -> None:
    """The Nearest matches' seven columns at their contents' widths (706 pixels in Qt's font, 849 in the desktop's)
    ran past their 290-to-370-pixel dock: a sideways scroll bar, even with no match."""
    for title, shown in lists[state].items():
        assert sum(shown["columns"]) <= shown["viewport"] and not shown["scrolls sideways"], (lists["screen"], title)


def test_the_matches_numbers_show_their_headings_whole(lists: dict) -> None:
    """The distance and nearest part kept the width of their values: "Distance" read "Dista…" at 1024×700 in an
    11-point font, "Nearest part" "Neare…" at 1280×800.  Their headings are now short (whole in their tooltips) and
    kept whole."""
    headings = lists["result"]["Nearest matches"]["headings"]
    assert HEADERS[DISTANCE] in headings, headings
    for heading in (HEADERS[DISTANCE], HEADERS[BITS], HEADERS[PART]):
        if heading in headings:
            width, needs = headings[heading]
            assert width >= needs, (lists["screen"], heading, headings)


def test_the_files_list_shows_the_name_first_and_the_whole_verdict_in_its_tooltip(lists: dict) -> None:
    """The status column was as wide as 'not one of my genres', and the file name, read first, showed 7 of its 32
    characters in Qt's font ('04 - Wh…'), 5 in the desktop's."""
    (row,) = lists["result"]["Files"]["rows"]
    assert row["status"] == "not one of my genres"  # what the verdict says, unchanged
    assert row["name shown"] >= 2 * LEAST_CHARS and row["name shown"] > row["status shown"], (lists["screen"], row)
    assert row["status tooltip"].startswith("not one of my genres (nearest: "), row
