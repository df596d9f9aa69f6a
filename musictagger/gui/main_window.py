"""The main window: opened files on the left, what the model sees (or the library) in the middle, the verdict on the right.

The centre has two tabs: the analysis of the selected file (spectrogram and layers) and the
library table (:mod:`musictagger.gui.library_view`); a track selected in the table is opened
like a dropped file.  It wires the views to the work: files dropped or opened are expanded and analysed on the
analysis runner (one at a time, in order, each in the analysis process), library searches run on the I/O runner, indexing
and tagging on the background runner.  Full results (spectrogram, layer maps: tens of MB per
track) are kept for the last :data:`DETAILS_KEPT` files; older ones keep their verdict and
code, and are analysed again when selected.

Everything works from the keyboard: each menu action has a mnemonic, the common ones a standard shortcut
(Open, Find in the Library tab, Preferences, Quit …), and Tab goes through the panels left to right, top
to bottom — the files, the centre's tabs and what they show, the verdict and code, the matches — skipping
the panel hidden behind another's tab.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from musictagger.audio.files import AUDIO_EXTENSIONS
from musictagger.audio.params import FeatureParams
from musictagger.errors import FileError
from musictagger.gui.about import known_genres_text, show_about
from musictagger.gui.accessible import menu_on_shift_f10, set_tab_order
from musictagger.gui.analysis_process import AnalysisProcess
from musictagger.gui.analysis_split import AnalysisSplit
from musictagger.gui.code_view import CodeView
from musictagger.gui.dock_scroll import DockScroll, TallEnough
from musictagger.gui.errors import describe, open_folder_of, show_error, show_message
from musictagger.gui.file_list import Expanded, FileEntry, FileList, State, expand_paths, file_stamp
from musictagger.gui.genre_view import GenreView
from musictagger.gui.geometry import fit_to_screen, resize_within_screen
from musictagger.gui.layers_view import LayersView
from musictagger.gui.learn_dialog import LearnDialog
from musictagger.gui.library_panel import LibraryPanel, local_paths
from musictagger.gui.library_view import LibraryView
from musictagger.gui.live_panel import LivePanel
from musictagger.gui.matches_view import MatchesView
from musictagger.gui.model_in_use import labels_in_use
from musictagger.gui.models_dialog import ModelsDialog
from musictagger.gui.readable import readable
from musictagger.gui.right_side import RightSide
from musictagger.gui.settings import Settings
from musictagger.gui.settings_dialog import SettingsDialog
from musictagger.gui.spectrogram_view import SpectrogramView, mel_db
from musictagger.gui.tag_dialog import TagDialog, TagScope, undo_last_run
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.gui.tracks_out import (
    DROPPED_BACK_TEXT,
    DragOut,
    choose_playlist,
    copy_to_clipboard,
    is_own,
    release_clipboard,
    transfer,
)
from musictagger.library import Library
from musictagger.model.manifest import load_manifest
from musictagger.model.precision import float_model
from musictagger.model.runtime import SHIPPED_MODELS, Analysis, default_model_path
from musictagger.personal.active import field_in_use, personal_in_use
from musictagger.personal.store import PersonalModelError, PersonalModelInfo

DETAILS_KEPT = 8
LEFT_OUT_NAMED = 3
"""The files left out of a drop as not audio that the status bar names (it counts them all)."""
PREFERRED_SIZE = QSize(1280, 800)
"""The window's first size where the screen has room for it (a smaller screen: all its room)."""
SIDE_DOCK_WIDTHS = (240, 390)
"""The Files and Result docks' first widths in a window of the preferred size; in proportion in a narrower one."""
ANALYSIS_TAB, LIBRARY_TAB = 0, 1
HIDDEN_TAB_STOPS_MAX = 64
"""Tab skips at most this many widgets that cannot be seen in a row (a hidden panel has a few)."""


def analyse(
    analyser: AnalysisProcess, params: FeatureParams, path: Path, n_windows: int | None, task: Task
) -> tuple[Analysis, np.ndarray] | None:
    """Worker: analyse one file in the analysis process (unless the task was cancelled first) and
    report the verdict at once; then fetch the layer maps and the whole track's spectrogram from
    there, and convert the spectrogram to dB here, off the UI thread."""
    if task.should_stop():
        return None
    task.progress(State.ANALYSING)
    analysis = analyser.analyse(path, n_windows)
    task.progress(analysis, milestone=True)
    if task.should_stop():
        return None
    layers, overview = analyser.details(path, analysis.features.report)
    return dataclasses.replace(analysis, layers=layers), mel_db(overview.log_mel, params)


def stored_code(path: Path, _task: Task) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Worker: the hash code the index holds for ``path`` (bits, relaxed, the model that made it), if it was analysed."""
    with Library() as library:
        record = library.record(path)
    if record is None or record.analysis is None:
        return None
    return record.analysis.bits, record.analysis.relaxed_code, record.key.model_id


def library_scope(_task: Task) -> TagScope:
    """Worker: every indexed track, for tagging the whole library."""
    with Library() as library:
        return TagScope.library([Path(path) for path in sorted(library.stamps())], library.roots())


class MainWindow(QMainWindow):
    """The musictagger window."""

    def __init__(self, settings: Settings, *, model_path: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("musictagger")
        self.setAcceptDrops(True)
        self.settings = settings
        self.model_path = model_path or default_model_path()
        self.manifest = load_manifest(self.model_path, verify_digest=False)
        try:
            self.personal = personal_in_use(self.manifest)
        except PersonalModelError:  # damaged: it stopped the window from starting, where Models mends it
            self.personal = None  # the analysis process refuses it, saying why, until then
        self.analyser = AnalysisProcess(self.model_path)
        self.analysis_runner = TaskRunner("analysis")
        self.io_runner = TaskRunner("io")
        self.background_runner = TaskRunner("background")
        self.learn_runner = TaskRunner("learn")
        self._tasks: dict[Path, Task] = {}
        self._detailed: deque[FileEntry] = deque()
        self._left_out: list[Path] = []
        """Files named in the last open or drop beside audio files, left out as not audio (the status bar says so)."""
        self._model_generation = 0
        """Counts changes of the active model; an analysis started under an earlier one is dropped."""

        self.files = FileList()
        self.files_out = DragOut(self.files, lambda: self.files_out.drag(transfer(self.files.selected_paths())))
        """The files selected in the list, dragged out to a file manager, player or DJ app."""
        self.spectrogram = SpectrogramView(self.manifest.front_end, windows=self.manifest.windows_per_track)
        self.layers = LayersView(self.manifest.layers)
        self.genre = GenreView(labels_in_use(self.manifest, self.personal))
        self.genre.clear(self._placeholder(None), prose=True)
        self.code = CodeView()
        self.matches = MatchesView(self.io_runner, self.model_path, self.manifest)
        self.library = LibraryPanel(self.background_runner, self.io_runner, settings)
        self.library_view = LibraryView(TaskRunner("library view"), self.manifest)

        self.analysis = AnalysisSplit(self.spectrogram, self.layers, (420, 220))
        self.centre = QTabWidget()
        self.centre.addTab(self.analysis, "Analysis")
        self.centre.addTab(self.library_view, "Library")
        self.setCentralWidget(self.centre)
        result = QWidget()
        result_layout = QVBoxLayout(result)
        result_layout.addWidget(self.genre)
        result_layout.addWidget(self.code, 1)  # the height left: its grid's cells grow in it
        self.files_dock = self._dock("Files", self.files, Qt.DockWidgetArea.LeftDockWidgetArea)
        # "Music folders", not "Library": the centre's Library tab is the library's tracks, and two tabs of one
        # name beside each other left a user guessing which was which.
        # Named as releases up to 0.5.0 named it (its title then), so that the place they saved for it is kept.
        self.library_dock = self._dock(
            "Music folders", self.library, Qt.DockWidgetArea.LeftDockWidgetArea, state_name="Library"
        )
        self.tabifyDockWidget(self.files_dock, self.library_dock)
        self.files_dock.raise_()
        self.result_dock = self._dock("Result", result, Qt.DockWidgetArea.RightDockWidgetArea)
        self.matches_dock = self._dock("Nearest matches", self.matches, Qt.DockWidgetArea.RightDockWidgetArea)
        self.live = LivePanel(self.manifest, self.model_path, settings, self.io_runner)
        self.live.follow_model(labels_in_use(self.manifest, self.personal))
        self.live_dock = self._dock("Live", self.live, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.live_dock.hide()  # until View ▸ Live listening (or the saved layout) shows it
        self._build_menus()
        resize_within_screen(self, PREFERRED_SIZE)
        # The docks' scroll areas would size them by their contents' wishes; the centre gets the room, and on a
        # window narrower than the preferred one the docks give up their share too (the Library tab needs it).
        # Never narrower than their panels need, though (a sideways scroll bar in Music folders at 1024 pixels).
        scale = min(1.0, self.width() / PREFERRED_SIZE.width())
        sides = ([self.files_dock, self.library_dock], [self.result_dock, self.matches_dock])
        widths = [
            max(round(width * scale), *(dock.widget().fitting_width() for dock in docks))
            for width, docks in zip(SIDE_DOCK_WIDTHS, sides, strict=True)
        ]
        self.resizeDocks([self.files_dock, self.result_dock], widths, Qt.Orientation.Horizontal)
        # The Result over the Nearest matches in shares of the height; tabs while the Live panel leaves them too short.
        self.right_side = RightSide(self, self.result_dock, self.matches_dock, self.live_dock, self.order_tab_stops)
        self.right_side.share_height()
        self.live_room = TallEnough(self, self.live_dock)
        """The Live dock made as tall as its panel needs, from the centre's height."""
        self.restore_layout()

        self.files.entrySelected.connect(self.show_entry)
        self.files.removeRequested.connect(self.remove_files)
        self.files.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.files.customContextMenuRequested.connect(self._files_menu)
        menu_on_shift_f10(self.files)
        self.spectrogram.windowHovered.connect(self.layers.set_window)
        self.library.indexingStarted.connect(self.show_library_panel)
        self.library.libraryChanged.connect(self.matches.library_changed)
        self.library.libraryChanged.connect(self.live.matches.library_changed)
        self.library.libraryChanged.connect(self.library_view.refresh)
        self.library_view.trackSelected.connect(self.show_track)
        self.library_view.tagRequested.connect(lambda paths: self.tag_scope(TagScope.selection(paths)))
        self.library_view.similarRequested.connect(self.find_similar)
        self.library_view.playRequested.connect(self.matches.player.toggle)
        self.library_view.reanalyseRequested.connect(self.library.reanalyse)
        self.library_view.addFolderRequested.connect(self.add_music_folder)
        self.library_view.indexRequested.connect(self.index_library)
        self.library_view.playlistRequested.connect(self.save_selection_playlist)
        for matches in (self.matches, self.live.matches):
            matches.playlistRequested.connect(partial(self.save_matches_playlist, matches))
        for view in (self.library_view, self.matches, self.live.matches):
            view.told.connect(self.statusBar().showMessage)
        self.live.analyseRequested.connect(self.open_paths)
        self.analysis_runner.run(
            lambda _task: self.analyser.warm_up(),
            owner=self,
            on_done=self._warmed_up,
            on_error=self._model_failed,
        )
        self.statusBar().showMessage(
            "Drop audio files or folders anywhere to analyse them, or on Music folders to add folders to the library; "
            "or use File ▸ Open files…"
        )
        self._told_settings_unsaved = False
        QTimer.singleShot(0, self.tell_if_settings_unsaved)  # once shown, over the window

    def _dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, *, state_name: str | None = None
    ) -> QDockWidget:
        """A dock holding ``widget`` in a scroll area (:class:`DockScroll`): a dock may shrink below what its
        contents want, so showing one never grows the window past the screen.  ``state_name`` (default: the title) is
        what the saved layout knows it by: a dock whose title changes keeps its old one, or loses its saved place."""
        dock = QDockWidget(title, self)
        dock.setObjectName(state_name or title)
        dock.setWidget(DockScroll(widget))
        self.addDockWidget(area, dock)
        return dock

    def _action(
        self, menu_name: str, text: str, slot: object | QAction, shortcut: QKeySequence | str | None = None
    ) -> QAction:
        """A menu item doing ``slot``, or a view's own action (which the view enables when it has something to act on)."""
        menu = self._menus.get(menu_name) or self.menuBar().addMenu(menu_name)
        self._menus[menu_name] = menu
        if isinstance(slot, QAction):
            action = slot
            action.setText(text)
            menu.addAction(action)
        else:
            action = menu.addAction(text)
            action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_menus(self) -> None:
        self._menus = {}
        self._action("&File", "&Open files…", self.choose_files, QKeySequence.StandardKey.Open)
        self._action("&File", "Open &folder…", self.choose_folder, "Ctrl+Shift+O")
        self.recent_menu = self._menus["&File"].addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._menus["&File"].aboutToShow.connect(lambda: self.recent_menu.setEnabled(bool(self.settings.recent_files)))
        self._menus["&File"].addSeparator()
        save_selection = self._action("&File", "Save the selected tracks as a &playlist…", self.save_selection_playlist)
        save_matches = self._action(
            "&File", "Save the nearest &matches as a playlist…", lambda: self.save_matches_playlist(self.matches)
        )
        self._menus["&File"].aboutToShow.connect(
            lambda: (
                save_selection.setEnabled(self.library_view.selected_count() > 0),
                save_matches.setEnabled(bool(self.matches.matches)),
            )
        )
        self._menus["&File"].addSeparator()
        self._action("&File", "&Settings…", self.edit_settings, QKeySequence.StandardKey.Preferences)
        self._action("&File", "&Quit", self.close, QKeySequence.StandardKey.Quit)
        copy = self._action("&Edit", "&Copy", self.copy_tracks, QKeySequence.StandardKey.Copy)
        self._action("&Edit", "Copy &hash code", self.code.copy_action, "Ctrl+Shift+C")
        # Greyed in the menu with no track selected where it copies from; its key works whatever the menu last showed.
        self._menus["&Edit"].aboutToShow.connect(lambda: copy.setEnabled(self._copy_of_selection() is not None))
        self._menus["&Edit"].aboutToHide.connect(lambda: copy.setEnabled(True))
        self._action("&Edit", "&Remove from list", self.files.remove_action)
        # Checked while the Live panel is shown (closed by its title bar's button too); closing it stops listening.
        self.live_action = self.live_dock.toggleViewAction()
        self.live_action.setText("&Live listening")
        self.live_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.live_action.triggered.connect(lambda checked: self.show_live() if checked else None)
        self.live_action.toggled.connect(lambda shown: None if shown else self.live.stop())
        self._menus["&View"] = self.menuBar().addMenu("&View")
        # A panel closed by its title bar's button came back only through the docks' right-click menu, which no key
        # opens and few find; closed, it stayed so at every start (the layout is saved).  Checked while shown.
        for dock, text in (
            (self.files_dock, "&Files"),
            (self.library_dock, "&Music folders"),
            (self.result_dock, "&Result"),
            (self.matches_dock, "&Nearest matches"),
        ):
            panel = dock.toggleViewAction()
            panel.setText(text)
            panel.triggered.connect(lambda shown, dock=dock: dock.raise_() if shown else None)  # in front of its tabs
            self._menus["&View"].addAction(panel)
        self._menus["&View"].addAction(self.live_action)
        self._menus["&Playback"] = self.menuBar().addMenu("&Playback")
        play = self._action("&Playback", "&Play / pause the file", self.matches.play_query_action)
        play.setShortcuts([QKeySequence("Ctrl+P"), QKeySequence(Qt.Key.Key_MediaTogglePlayPause)])
        stop = self._action("&Playback", "&Stop", self.stop_playback, QKeySequence(Qt.Key.Key_MediaStop))
        # Greyed in the menu with nothing playing or paused; its key works whatever the menu last showed.
        self._menus["&Playback"].aboutToShow.connect(lambda: stop.setEnabled(self._playback_started()))
        self._menus["&Playback"].aboutToHide.connect(lambda: stop.setEnabled(True))
        self._action("&Library", "&Find in the library…", self.find_in_library, QKeySequence.StandardKey.Find)
        self._action("&Library", "&Index music folders", self.index_library, "Ctrl+I")
        self._action("&Library", "Show &music folders", self.show_library_panel, "Ctrl+L")
        self._action("&Library", "Show the library's &tracks", self.show_library_tracks, "Ctrl+Shift+T")
        self._menus["&Library"].addSeparator()
        self._action("&Library", "Learn from my ta&gs…", self.learn_from_tags)
        self._action("&Library", "Personal mo&dels…", self.choose_model)  # M is Show music folders
        self._tag_actions = (
            self._action("&Tools", "", self.tag_genres, "Ctrl+T"),
            self._action("&Tools", "", self.tag_folder),
            self._action("&Tools", "", self.tag_library),
        )
        self._name_tag_actions()
        self._action("&Tools", "&Undo last tagging run", self.undo_tagging)
        self._action("&Help", "&About musictagger", lambda: show_about(self, self.manifest, self.personal))

    def _name_tag_actions(self) -> None:
        """Tools ▸ Tag …: named by the field the model in use proposes values of (genres, moods …)."""
        field = field_in_use(self.personal)
        texts = (
            f"&Tag {field}s of the selection…",
            f"Tag {field}s of a &folder…",
            f"Tag {field}s of the &whole library…",
        )
        for action, text in zip(self._tag_actions, texts, strict=True):
            action.setText(text)

    def restore_layout(self) -> None:
        """The size, place, docks, library columns and the columns the user chose in Nearest matches and the Live
        panel's matches, saved last time, within the screen (it may be smaller than it was)."""
        geometry, state = self.settings.window_state
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.library_view.restore_column_state(self.settings.library_columns)
        self.matches.column_fit.restore(self.settings.matches_columns)
        self.live.matches.column_fit.restore(self.settings.live_matches_columns)
        QTimer.singleShot(0, partial(fit_to_screen, self))  # once shown, with its frame
        QTimer.singleShot(0, self.widen_cut_docks)  # once laid out at that size
        QTimer.singleShot(0, self.order_tab_stops)  # once shown: Qt makes the docks' tab bars again as it lays them out

    def widen_cut_docks(self) -> None:
        """Widen each side dock in view that is narrower than its panel needs (the panel cut, a sideways scroll bar),
        as far as the window allows: a layout saved on a larger screen or with a larger font leaves one so, and so,
        once in a few first starts at 1024×700 in the tests, did Qt's own first layout (the Result and Nearest
        matches docks 54 pixels wide, as if the centre had asked for all the room while they were laid out)."""
        for dock in (self.files_dock, self.library_dock, self.result_dock, self.matches_dock):
            needed = dock.widget().fitting_width()
            if dock.isVisible() and not dock.isFloating() and dock.width() < needed:
                self.resizeDocks([dock], [needed], Qt.Orientation.Horizontal)

    def order_tab_stops(self) -> None:
        """Tab goes left to right, top to bottom (the docks were chained in the order they were made: the right-hand
        panels came before the centre); last, the tabs of the Files and Music folders docks (Shift+Tab from Files)."""
        panel, library = self.library, self.library_view
        dock_tabs = [bar for bar in self.findChildren(QTabBar) if bar.parent() is self and bar.isVisible()]
        set_tab_order(
            [
                self.files,
                *(panel.folders, panel.add_button, panel.remove_button, panel.index_button, panel.cancel_button),
                panel.failures,
                self.centre,
                *(self.spectrogram.graphics, self.layers.picker, self.layers.graphics),
                *(library.find, library.filter, library.table, library.stack.button),
                *(self.genre, self.code.hex, self.code.copy_button),
                self.matches.table,
                *(self.matches.play_query_button, self.matches.play_match_button, self.matches.show_button),
                *dock_tabs,
            ]
        )

    def show_live(self) -> None:
        """View ▸ Live listening: show the live panel (the window stays within the screen)."""
        self.live_dock.show()
        self.live_dock.raise_()
        QTimer.singleShot(0, partial(fit_to_screen, self))  # once the dock has claimed its room

    def index_library(self) -> None:
        """Library ▸ Index music folders: the panel in front, where the progress shows (as indexing brings it)
        or, with no folder yet, what to do first; then index."""
        self.show_library_panel()
        self.library.index_now()

    def add_music_folder(self) -> None:
        """The empty Library tab's Add a music folder…: the Music folders panel in front, where the folder is listed
        and its indexing shows, and the folder chosen there."""
        self.show_library_panel()
        self.library.choose_folder()

    def show_library_panel(self) -> None:
        """Library ▸ Show music folders, and whenever indexing starts: the panel, where its progress shows, in
        front of the file list it shares a place with (shown again if it was closed)."""
        self.library_dock.show()
        self.library_dock.raise_()

    def show_library_tracks(self) -> None:
        """Library ▸ Show the library's tracks: the Library tab."""
        self.centre.setCurrentIndex(LIBRARY_TAB)
        self.library_view.table.setFocus()

    def find_in_library(self) -> None:
        """Library ▸ Find in the library…: the Library tab, its find box focused with its text selected."""
        self.centre.setCurrentIndex(LIBRARY_TAB)
        self.library_view.find.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.library_view.find.selectAll()

    def _playback_started(self) -> bool:
        """Whether the window's or the Live panel's player has a file playing or paused."""
        return self.matches.player.has_started() or self.live.matches.player.has_started()

    def stop_playback(self) -> None:
        """Playback ▸ Stop: the file or match playing, from the window or the Live panel's matches."""
        self.matches.player.stop()
        self.live.matches.player.stop()

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802 (Qt override)
        """Tab and Shift+Tab skip widgets that cannot be seen: a dock tabbed behind another (Music folders behind
        Files) keeps its widgets shown but moves them off the window, so Tab went into them unseen."""
        start = QApplication.focusWidget()
        for _ in range(HIDDEN_TAB_STOPS_MAX + 1):
            if not super().focusNextPrevChild(forward):
                return False
            reached = QApplication.focusWidget()
            if reached is None or reached is start or not reached.visibleRegion().isEmpty():
                return True
        return True

    def show_track(self, path: Path) -> None:
        """Show a library track's analysis (computed now, off the UI thread), opening it like a dropped file."""
        path = path.absolute()
        if path not in self.files.entries:
            self._queue([path], Expanded([(path, file_stamp(path))], []))
        self.files.select(path)

    def find_similar(self, path: Path) -> None:
        """The nearest matches of a library track, from the code the index holds."""
        self.matches_dock.show()
        self.matches_dock.raise_()
        self.io_runner.run(
            partial(stored_code, path),
            owner=self,
            on_done=lambda code: self.matches.show_matches_for(path, *code) if code else None,
            on_error=lambda error: show_error(self, "Cannot read the library", error),
        )

    # Opening files.

    def choose_files(self) -> None:
        """File ▸ Open files…"""
        pattern = " ".join(f"*{ext}" for ext in sorted(AUDIO_EXTENSIONS))
        names, _ = QFileDialog.getOpenFileNames(self, "Open audio files", "", f"Audio files ({pattern});;All files (*)")
        self.open_paths([Path(name) for name in names])

    def choose_folder(self) -> None:
        """File ▸ Open folder…"""
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of audio files")
        if folder:
            self.open_paths([Path(folder)])

    def _fill_recent(self) -> None:
        """File ▸ Open recent: a file or folder a line, named as the file list names it (a name that is not UTF-8
        with its bytes escaped), and an & in it shown, not taken for a shortcut mark (``Simon _Garfunkel``)."""
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            self.recent_menu.addAction(readable(path).replace("&", "&&"), partial(self.open_paths, [path]))

    def open_paths(self, paths: list[Path]) -> None:
        """Queue files (and the audio files in folders) for analysis; folders are listed off the UI thread."""
        if not paths:
            return
        self.settings.add_recent(paths)
        self.io_runner.run(
            lambda _task: expand_paths(paths),
            owner=self,
            on_done=partial(self._queue, paths),
            on_error=lambda error: show_error(self, "Cannot open", error),
        )

    def _queue(self, opened: list[Path], found: Expanded) -> None:
        """Analyse the files of ``opened`` not listed yet, or changed on disk since they were; the status bar says
        which files named beside them were left out as not audio."""
        files, self._left_out = found.files, found.left_out
        if not files:  # only folders were opened: files named directly are listed, audio or not
            self.statusBar().showMessage(f"No audio files found in {', '.join(str(path) for path in opened)}")
            return
        for entry in self.files.add(files):
            earlier = self._tasks.pop(entry.path, None)  # the file changed on disk since it was listed
            if earlier is not None:
                earlier.cancel()
            self._detailed = deque(e for e in self._detailed if e.path != entry.path)
            self._analyse(entry)
        self._update_status()

    def _analyse(self, entry: FileEntry) -> None:
        entry.state = State.QUEUED
        self.files.refresh(entry)
        self._tasks[entry.path] = self.analysis_runner.run(
            partial(analyse, self.analyser, self.manifest.front_end, entry.path, self.settings.windows_per_track),
            owner=self,
            on_done=partial(self._analysed, entry, self._model_generation),
            on_error=partial(self._failed, entry, self._model_generation),
            on_progress=partial(self._progressed, entry, self._model_generation),
        )

    def _current(self, entry: FileEntry, generation: int) -> bool:
        """False when the file left the list, or another model became active since (a window closing gets no
        outcome: its runners are shut down)."""
        return self.files.entries.get(entry.path) is entry and generation == self._model_generation

    def _progressed(self, entry: FileEntry, generation: int, step: State | Analysis) -> None:
        """The analysis started, or its verdict is ready (the spectrogram follows)."""
        if not self._current(entry, generation):
            return
        if isinstance(step, Analysis):
            entry.analysis, entry.state = step, State.DONE
        else:
            entry.state = State.ANALYSING
        self.files.refresh(entry)
        self._update_status()

    def _analysed(self, entry: FileEntry, generation: int, result: tuple[Analysis, np.ndarray] | None) -> None:
        if not self._current(entry, generation):
            return  # the file was removed, or its analysis is by the previous model
        self._tasks.pop(entry.path, None)
        if result is None:
            return  # cancelled
        entry.analysis, entry.spectrogram_db = result
        entry.state = State.DONE
        self._keep_details(entry)
        self.files.refresh(entry)
        self._update_status()

    def _failed(self, entry: FileEntry, generation: int, error: BaseException) -> None:
        if not self._current(entry, generation):
            return  # cancelled by a change of model, or the file listed afresh or removed
        self._tasks.pop(entry.path, None)
        entry.state = State.FAILED
        entry.error = error.reason if isinstance(error, FileError) else describe(error)
        self.files.refresh(entry)
        self._update_status()

    def _warmed_up(self, band_centres_hz: np.ndarray) -> None:
        self.spectrogram.set_band_centres(band_centres_hz)

    def _model_failed(self, error: BaseException) -> None:
        show_error(self, "The model cannot be loaded", error)

    def _keep_details(self, entry: FileEntry) -> None:
        if entry in self._detailed:
            self._detailed.remove(entry)
        self._detailed.append(entry)
        while len(self._detailed) > DETAILS_KEPT:
            old = self._detailed.popleft()
            if old.analysis is not None:
                old.analysis = old.analysis.without_details()
                old.spectrogram_db = None

    def remove_files(self, paths: list[Path]) -> None:
        """Take files off the list, cancelling their analysis if it has not started."""
        for path in paths:
            task = self._tasks.pop(path, None)
            if task is not None:
                task.cancel()
        self._detailed = deque(e for e in self._detailed if e.path not in paths)
        self.files.remove(paths)
        self._update_status()

    def _update_status(self) -> None:
        counts = {state: 0 for state in State}
        for entry in self.files.entries.values():
            counts[entry.state] += 1
        parts = [f"{count} {state.name.lower()}" for state, count in counts.items() if count]
        files = len(self.files.entries)
        status = f"{files} file{'' if files == 1 else 's'}: " + ", ".join(parts) if parts else ""
        if status and self._left_out:
            names = ", ".join(readable(path.name) for path in self._left_out[:LEFT_OUT_NAMED])
            more = ", …" if len(self._left_out) > LEFT_OUT_NAMED else ""
            status += f"; left out {len(self._left_out)} not audio: {names}{more}"
        self.statusBar().showMessage(status)

    # Showing a result.

    def show_entry(self, entry: FileEntry | None) -> None:
        """Fill every view from the selected file's analysis (or say why there is none)."""
        analysis = entry.analysis if entry is not None else None
        if entry is None or entry.state is not State.DONE or analysis is None:
            if entry is not None and entry.state is State.FAILED:
                nothing = f"Nothing to show: {readable(entry.path.name)} could not be analysed."
                self.spectrogram.clear(nothing)
                self.layers.clear(nothing)
            else:
                self.spectrogram.clear()
                self.layers.clear()
            self.code.clear()
            self.matches.clear()
            failed = entry is not None and entry.state is State.FAILED
            self.genre.clear(self._placeholder(entry), failed=failed, prose=entry is None or failed)
            return
        if entry.spectrogram_db is None and entry.path not in self._tasks:
            self._analyse(entry)  # its details were dropped to save memory
            return
        if entry.spectrogram_db is None:
            self.spectrogram.clear()  # the verdict came first; the spectrogram is being computed
        else:
            self.spectrogram.show_analysis(
                analysis, entry.spectrogram_db, window_seconds=self.manifest.front_end.window_seconds
            )
        self.layers.show_analysis(analysis)
        self.genre.show_analysis(analysis)
        self.code.show_analysis(analysis)
        self.matches.show_matches_for(entry.path, analysis.bits, analysis.relaxed_code)

    def _placeholder(self, entry: FileEntry | None) -> str:
        """What the result panel says without a verdict to show: with no file, which genres the model knows."""
        if entry is None:
            return f"Drop audio files or folders here.\n\n{known_genres_text(self.manifest, self.personal)}"
        if entry.state is State.FAILED:
            return readable(f"{entry.path.name} could not be analysed: {entry.error}")
        return f"{readable(entry.path.name)}: {entry.state.value}"

    # Drag and drop anywhere on the window (but the Music folders panel, whose own drops add folders to the library).

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if is_own(event.mimeData()):  # the library's tracks, dragged out and let go here by accident
            self.statusBar().showMessage(DROPPED_BACK_TEXT)
        elif local_paths(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # Tracks out: copied, saved as a playlist (dragged out by their views).

    def _copy_of_selection(self) -> Callable[[], None] | None:
        """What Edit ▸ Copy does: the hash code of the code view with the focus (its Copy button or hex: its own
        Ctrl+C, the same key, made Qt give the key to neither), else copy the files selected in the list with the
        focus (the Files list, the Library tab's table, either list of matches), else in the Library tab when it is
        shown; None with nothing to copy."""
        focus = QApplication.focusWidget()
        for code in (self.code, self.live.code):
            if focus is not None and code.isAncestorOf(focus):
                return code.copy if code.hex.text() else None
        if self.files.hasFocus():
            files = self.files.selected_paths()
            return partial(self._copy_files, files) if files else None
        focused = [view for view in (self.library_view, self.matches, self.live.matches) if view.table.hasFocus()]
        if not focused and self.centre.currentIndex() == LIBRARY_TAB:
            focused = [self.library_view]
        if not focused:
            return None
        view = focused[0]
        selected = view.selected_count() if isinstance(view, LibraryView) else len(view.selected_paths())
        return view.copy_selection if selected else None

    def _copy_files(self, paths: list[Path]) -> None:
        """Put ``paths`` (files of the Files list) on the clipboard, and say so in the status bar."""
        self.statusBar().showMessage(copy_to_clipboard(transfer(paths, for_clipboard=True)))

    def _files_menu(self, position: QPoint) -> None:
        """The Files list's menu (a right-click, the Menu key or Shift+F10) on the files selected there: what the
        window does with them, as the Library tab's rows and the matches offer it (a right-click there did nothing)."""
        paths, current = self.files.selected_paths(), self.files.current_entry()
        if not paths or current is None:
            return
        count = f"{len(paths)} file{'s' * (len(paths) != 1)}"
        menu = QMenu(self)
        menu.addAction("&Play / pause", lambda: self.matches.player.toggle(current.path))
        menu.addAction("Show in &folder", lambda: open_folder_of(self, current.path))
        menu.addAction(
            f"&Tag {field_in_use(self.personal)}s of {count}…", lambda: self.tag_scope(TagScope.selection(paths))
        )
        menu.addSeparator()
        copy = menu.addAction(f"Cop&y {count}", partial(self._copy_files, paths))
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        remove = menu.addAction(f"&Remove {count} from the list", lambda: self.remove_files(paths))
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        menu.popup(self.files.viewport().mapToGlobal(position))

    def copy_tracks(self) -> None:
        """Edit ▸ Copy (Ctrl+C): the selected files on the clipboard, for a file manager, player or DJ app."""
        copy = self._copy_of_selection()
        if copy is not None:
            copy()

    def save_selection_playlist(self) -> None:
        """File ▸ Save the selected tracks as a playlist…: the Library tab's selection, in the table's order."""
        view, count = self.library_view, self.library_view.selected_count()
        what = f"{count:,} track{'s' * (count != 1)}"
        if count and (path := choose_playlist(self, self.settings, what, view.found_by() or "Playlist")):
            view.save_playlist(path)

    def save_matches_playlist(self, matches: MatchesView) -> None:
        """File ▸ Save the nearest matches as a playlist… (and the Live panel's, from its menu): nearest first."""
        what = f"the {len(matches.matches)} matches"
        name = f"Nearest to {matches.query.stem}" if matches is self.matches and matches.query else "Nearest matches"
        if matches.matches and (path := choose_playlist(self, self.settings, what, name)):
            matches.save_playlist(path)

    # Dialogs.

    def edit_settings(self) -> None:
        """File ▸ Settings…; another shipped model chosen there is used at once."""
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() and dialog.model_changed:
            self.use_base_model(default_model_path())
        self.tell_if_settings_unsaved()

    def tell_if_settings_unsaved(self) -> None:
        """Say once, in a box that does not block, that the settings cannot be saved and why (its disk full or
        read-only: :meth:`Settings.why_unsaved`), at the start or when it comes to be so: QSettings fails without a
        word, and a user whose config disk was full found every change gone at the next start.  Said once, not at
        every change; the layout saved at close is lost with them, which the window can no longer say then."""
        if self._told_settings_unsaved or (why := self.settings.why_unsaved()) is None:
            return
        self._told_settings_unsaved = True
        show_message(
            self,
            "Settings cannot be saved",
            f"{readable(why)}.\n\nWhat you change in Settings, the files opened lately and the window's layout are "
            "kept only until you quit.",
            QMessageBox.Icon.Warning,
        )

    def use_base_model(self, model_path: Path) -> None:
        """Analyse with the shipped model at ``model_path`` from now on, without a restart: its sidecar and
        layers, its codes for the matches (the library's tracks analysed by the previous one wait for the
        next indexing, which the Music folders panel offers to start), and the personal model learned on it if
        that is the active one; the files listed are analysed again (:meth:`follow_active_model`).  The
        shipped models share the front end."""
        self.model_path = model_path
        self.manifest = load_manifest(model_path, verify_digest=False)
        self.layers.set_layers(self.manifest.layers)
        self.matches.use_model(model_path, self.manifest)
        self.library_view.model.manifest = self.manifest
        self.live.use_base_model(self.manifest, model_path)
        self.library.refresh(offer_reanalysis=True)  # it counts, and offers to analyse, the previous model's tracks
        self.follow_active_model()

    def tag_genres(self) -> None:
        """Tools ▸ Tag genres of the selection…: the tracks selected in the library tab when it is shown,
        else the files selected in the list, else a folder chosen."""
        if self.centre.currentIndex() == LIBRARY_TAB:
            if self.library_view.selected_count():
                self.library_view.tag_selection()  # its paths are read off the UI thread, then tagRequested
                return
        elif paths := self.files.selected_paths():
            self.tag_scope(TagScope.selection(paths))
            return
        self.tag_folder()

    def tag_folder(self) -> None:
        """Tools ▸ Tag genres of a folder…"""
        folder = QFileDialog.getExistingDirectory(self, "Tag the genres of the audio files in…")
        if folder:
            self.tag_scope(TagScope.folder(Path(folder)))

    def tag_library(self) -> None:
        """Tools ▸ Tag genres of the whole library…: every indexed track."""
        self.io_runner.run(
            library_scope,
            owner=self,
            on_done=self.tag_scope,
            on_error=lambda error: show_error(self, "Cannot read the library", error),
        )

    def tag_scope(self, scope: TagScope) -> None:
        """Show the tag dialog for ``scope``."""
        self.open_tag_dialog(scope).exec_once()

    def open_tag_dialog(self, scope: TagScope) -> TagDialog:
        """The tag dialog for ``scope``; the caller shows it.  The library table reads the new tags when it closes."""
        dialog = TagDialog(
            scope,
            self.settings,
            self.background_runner,
            self,
            proposer=self._model_name(),
            field=field_in_use(self.personal),
        )
        dialog.finished.connect(lambda _result: self.library_view.refresh())
        return dialog

    def learn_from_tags(self) -> None:
        """Library ▸ Learn from my tags…"""
        self.open_learn_dialog().exec_once()

    def open_learn_dialog(self) -> LearnDialog:
        """The learn dialog; the caller shows it.  Its survey follows indexing done meanwhile."""
        dialog = LearnDialog(self.learn_runner, self)
        dialog.modelActivated.connect(self.follow_active_model)
        dialog.indexRequested.connect(self.library.index_now)
        self.library.libraryChanged.connect(dialog.resurvey)
        dialog.finished.connect(lambda _result: self.library.libraryChanged.disconnect(dialog.resurvey))
        return dialog

    def choose_model(self) -> None:
        """Library ▸ Personal models…"""
        self.open_models_dialog().exec_once()

    def open_models_dialog(self) -> ModelsDialog:
        """The models dialog; the caller shows it."""
        dialog = ModelsDialog(self.manifest, self.io_runner, self)
        dialog.modelActivated.connect(self.follow_active_model)
        return dialog

    def follow_active_model(self) -> None:
        """Another personal model (or the shipped one) became active: read which, then follow it."""
        self.io_runner.run(
            lambda _task: personal_in_use(self.manifest),
            owner=self,
            on_done=self._use_personal,
            on_error=lambda error: show_error(self, "Cannot read the personal model", error),
        )

    def _use_personal(self, personal: PersonalModelInfo | None) -> None:
        """Verdicts, labels and texts follow ``personal``: the analysis process loads the model afresh, and
        the files listed are analysed again (their verdicts were the previous model's)."""
        self.personal = personal
        self._name_tag_actions()
        self.genre.set_labels(labels_in_use(self.manifest, personal))
        QTimer.singleShot(0, self.widen_cut_docks)  # longer labels than the last model's may need a wider Result dock
        self.library_view.refresh()  # its verdict column follows the model too
        self.live.follow_model(labels_in_use(self.manifest, personal))
        self._model_generation += 1
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        self._detailed.clear()
        # On the analysis runner, so the files queued next are analysed by the new model.
        self.analysis_runner.run(
            lambda _task: self.analyser.reload(self.model_path),
            owner=self,
            on_done=lambda _none: None,
            on_error=self._model_failed,
        )
        for entry in self.files.entries.values():
            entry.analysis, entry.spectrogram_db = None, None
            self._analyse(entry)
        self.show_entry(self.files.current_entry())
        self.statusBar().showMessage(f"Verdicts now come from {self._model_name()}")

    def _model_name(self) -> str:
        """The model whose verdicts the window shows, in words."""
        if self.personal:
            return f"your personal model \u201c{self.personal.name}\u201d"
        stem = float_model(self.model_path).stem  # a shipped model's twin is that model
        choice = next((choice for choice, name in SHIPPED_MODELS.items() if name == stem), None)
        return f"the shipped {choice} model" if choice else f"the model {stem}"

    def undo_tagging(self) -> None:
        """Tools ▸ Undo last tagging run."""
        undo_last_run(self, self.background_runner, on_undone=self.library_view.refresh)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.settings.window_state = (self.saveGeometry(), self.saveState())
        self.settings.library_columns = self.library_view.column_state()
        if self.matches.column_fit.chosen:  # else the next start's first fit follows the table's width
            self.settings.matches_columns = self.matches.column_fit.state()
        if self.live.matches.column_fit.chosen:
            self.settings.live_matches_columns = self.live.matches.column_fit.state()
        self.settings.sync()
        self.matches.player.stop()
        release_clipboard()
        self.live.shutdown()
        self.library.shutdown()
        self.analyser.shutdown()
        self.library_view.shutdown()
        for runner in (self.analysis_runner, self.io_runner, self.background_runner, self.learn_runner):
            runner.shutdown()  # what is still on its way to the window is dropped
        super().closeEvent(event)
