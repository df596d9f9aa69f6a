"""The library tracks whose hash codes are nearest the selected file's, with play/pause and "show in folder"; the
selected matches are dragged out or copied as files, and the matches saved as a playlist (:mod:`.tracks_out`).

The search is :func:`musictagger.library.find_similar` on a worker thread; its
:class:`~musictagger.library.CodeIndex` is kept between queries, dropped when the window
re-indexes and read afresh whenever the library has changed since it was loaded (by another
process too: :func:`~musictagger.library.current_index`).  Playback uses QtMultimedia,
created on first use so that a machine without audio output still opens the window.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import Q_ARG, QMetaObject, QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from musictagger.gui.accessible import menu_on_shift_f10
from musictagger.gui.capped_label import CappedLabel
from musictagger.gui.column_fit import LEAST_CHARS, ColumnFit
from musictagger.gui.errors import GONE_TEXT, describe, open_folder_of
from musictagger.gui.readable import readable
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.gui.tracks_out import DragOut, copy_to_clipboard, save_playlist, transfer
from musictagger.library import CodeIndex, Library, Match, current_index, find_similar
from musictagger.library.playlist import PlaylistEntry
from musictagger.library.search import comparable_models, model_family, playing_first, query_match_bits
from musictagger.model.manifest import ModelManifest
from musictagger.model.recognition import MATCHES_LISTED
from musictagger.model.verdict import NOT_MUSIC, not_one_of_mine
from musictagger.personal.active import head_for_search, matches_through

START_ROLE = Qt.ItemDataRole.UserRole + 1
"""A match row's data: where its nearest part starts, in seconds (0 for the whole track): playback starts there."""
MESSAGE_LINES = 3
"""The message above the table shows at most this many lines, the whole text in its tooltip: the longest (no
matches, and what to do) wrapped over five in a dock on a 1024-pixel screen, and with the Live panel open
pushed the buttons out of a 103-pixel dock."""
NO_TRACK_TEXT = (
    "No matches: the library holds no track the model in use analysed. "
    "Add your music folders in the Music folders panel (Ctrl+L)."
)
"""Said when no track of the library has a code (a first start): short enough to be read whole in the panel."""
NO_OTHER_TRACK_TEXT = (
    "No matches: the library holds no other track the model in use analysed "
    "(Index now analyses again the tracks another model analysed)."
)
"""Said when the library's tracks are the file itself, or were analysed by another model (the search leaves those out)."""
PLAYING_TEXT = {
    True: "The first is what is playing. ",
    False: "None is what is playing: none is near enough to stand out. ",
}
"""What the Live panel says of its first match (:attr:`MatchesView.names_playing`): near enough to be the music heard,
and well nearer than the other music listed; or not (a song, or a sound, the library does not hold)."""
HEADERS = ("Dist.", "Bits", "Genre", "Part", "Title", "Artist", "Path")
"""The numbers' headings are short, whole in their tooltips: the title left the distance and the nearest part the
width of their values, and "Distance" read "Dista…" at 1024×700 in an 11-point font, "Nearest part" "Neare…" at
1280×800 (kept whole, they would have cut the title below what it keeps)."""
DISTANCE, BITS, GENRE, PART, TITLE, ARTIST, PATH = range(len(HEADERS))
WHOLE_HEADERS = ("Bits", "Genre")
"""Columns as wide as their widest value: the bits that differ, never cut, and the verdict, cut down to
:data:`GENRE_CHARS` only where the table is too narrow for it whole (:class:`~musictagger.gui.column_fit.ColumnFit`)."""
GENRE_CHARS = 11
"""What the verdict keeps: a label of ten letters whole (``electronic``); a longer verdict (``not one of my genres``,
167 pixels in an 11-point font) is cut only in a table too narrow for it, as the Live panel's matches are at 1024×700
in that font (257 pixels, where the verdict whole, the distance and the title's least needed 323), and whole in its
cell's tooltip."""
DISTANCE_CHARS = len(f"{0:.3f}") + 1
"""What the distance keeps (a distance whole: an average character is narrower than a digit), and its heading
whole; its wish is its widest text (``0.000 (same sound)`` for a duplicate), served second."""
WANTED_CHARS = {"Title": 16, HEADERS[DISTANCE]: DISTANCE_CHARS, HEADERS[PART]: 11, "Artist": 13, "Path": 40}
"""The other columns' wishes in average characters, the title served first: the dock is a third of the Library
tab's width (290 to 370 pixels on a laptop), where the seven columns at their contents' widths (706 pixels) scrolled
sideways, even with no match."""
LEAST = {"Title": 2 * LEAST_CHARS, HEADERS[DISTANCE]: DISTANCE_CHARS, HEADERS[GENRE]: GENRE_CHARS}
NARROW_HIDES = ("Path", "Artist", "Bits", HEADERS[PART])
"""Hidden at the first fit, in this order, while the columns shown cannot all be as wide as they wish (at 1280×800
the path, artist and bits; in an 11-point font the nearest part too): the path is in each row's tooltip, and the
header's menu shows them again."""


def compared_bits(match_bits: int | None, n_bits: int) -> str:
    """The bits a search compares, in words: ``the 48 identity bits of the 64-bit codes``, or ``the 64-bit codes``
    for a model without identity bits (``match_bits`` None or all of them)."""
    if match_bits and match_bits < n_bits:
        return f"the {match_bits} identity bits of the {n_bits}-bit codes"
    return f"the {n_bits}-bit codes"


def search(
    bits: np.ndarray,
    relaxed: np.ndarray,
    exclude: Path,
    index: CodeIndex | None,
    models: frozenset[str],
    match_bits: int | None,
) -> tuple[CodeIndex, list[Match]]:
    """The nearest library tracks to a code among those analysed by ``models``, by its last ``match_bits`` bits
    (worker thread); also returns the code index used."""
    with Library() as library:
        index = current_index(library, index)
        if len(index) == 0:
            return index, []
        return index, find_similar(
            library,
            bits,
            relaxed,
            k=MATCHES_LISTED,
            exclude_path=str(exclude),
            index=index,
            models=models,
            match_bits=match_bits,
        )


def playback_problem(path: Path, text: str) -> str:
    """Why ``path`` could not be played, for the status bar: gone from where it was, or ``text``: the player's (which
    a backend may leave empty: then that the player cannot read it) or :data:`NO_OUTPUT_TEXT`."""
    said = text[:1].lower() + text[1:] if text else "the player cannot read it"
    why = said if path.exists() else f"it is {GONE_TEXT}"
    return f"Cannot play {readable(path.name)}: {why}"


NO_OUTPUT_TEXT = "no audio output device (none set up, or the sound server was not running when musictagger started)"
"""Why nothing can be played where Qt finds no audio output: its player then ran silently, saying nothing.  Qt
looks for the sound server once, at the first Play, hence the second case."""


class Player:
    """Plays one file at a time, from its start or from a given second; :meth:`toggle` on the playing file pauses it.

    Every command reaches the QMediaPlayer through Qt's event loop (:meth:`_send`), never as a direct
    call: PySide holds the GIL through a direct ``pause()`` or ``stop()``, which wait for a lock that
    the FFmpeg backend's audio thread may hold while it needs the GIL itself (to ask whether Python
    overrides a virtual of an object created here): the window froze for good.  Called from the event
    loop, which PySide runs without the GIL, the same command cannot deadlock.

    QMediaPlayer drops a seek asked for before the file is loaded, seekable and playing (its FFmpeg
    backend reports none of this), so a start is kept until the player's signals say all three hold for
    the file it was asked for.
    """

    def __init__(self, on_error: Callable[[str], None]) -> None:
        """``on_error`` is told, in a sentence, why a file could not be played (:func:`playback_problem`)."""
        self._player = None
        self._output = None
        self._start: tuple[QUrl, int] | None = None  # the file a start was asked for, and the start in ms
        self._on_error = on_error

    def toggle(self, path: Path, start_s: float = 0.0) -> bool:
        """Play ``path`` from ``start_s`` seconds (or pause it if it is what is playing, or resume it where it
        was paused); True when it is set to play (it does once the event loop has run).  With no audio output
        device, ``on_error`` is told so and nothing plays; the playing file still pauses (its device unplugged, it
        went on playing into nothing, and its Pause was refused)."""
        from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

        source = QUrl.fromLocalFile(str(path))
        if self._player is not None and self._player.source() == source and self.is_playing():
            self._send("pause")
            return False
        if not QMediaDevices.audioOutputs():
            self._on_error(playback_problem(path, NO_OUTPUT_TEXT))
            return False
        if self._player is None:
            self._player = QMediaPlayer()
            self._output = QAudioOutput()
            self._player.setAudioOutput(self._output)
            for signal in (
                self._player.mediaStatusChanged,
                self._player.seekableChanged,
                self._player.playbackStateChanged,
            ):
                signal.connect(self._seek_to_start)
            self._player.errorOccurred.connect(self._failed)
        another_file = self._player.source() != source
        if another_file:
            self._send("setSource", Q_ARG("QUrl", source))
        if another_file or self._player.playbackState() == QMediaPlayer.PlaybackState.StoppedState:
            self._start = (source, round(start_s * 1000)) if start_s > 0 else None  # else resume where it was paused
        self._send("play")
        return True

    def stop(self) -> None:
        """Stop playback, if any."""
        if self._player is not None:
            self._send("stop")

    def is_playing(self) -> bool:
        """Whether the player is playing now (a command sent is carried out when the event loop next runs)."""
        from PySide6.QtMultimedia import QMediaPlayer

        return self._player is not None and self._player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def has_started(self) -> bool:
        """Whether a file is playing or paused: something Stop would stop."""
        from PySide6.QtMultimedia import QMediaPlayer

        return self._player is not None and self._player.playbackState() != QMediaPlayer.PlaybackState.StoppedState

    def position_s(self) -> float:
        """Where playback is, in seconds (0 before anything has played)."""
        return self._player.position() / 1000 if self._player is not None else 0.0

    def _send(self, slot: str, *arguments: object) -> None:
        """Have the event loop call one of the QMediaPlayer's slots, in the order sent (see the class docstring)."""
        if not QMetaObject.invokeMethod(self._player, slot, Qt.ConnectionType.QueuedConnection, *arguments):
            raise RuntimeError(f"QMediaPlayer has no slot {slot} taking these arguments")

    def _failed(self, _error: object, text: str) -> None:
        """The player could not play its file: a file moved or deleted since it was indexed, or one it cannot read,
        did nothing at all when played, without a word."""
        self._on_error(playback_problem(Path(self._player.source().toLocalFile()), text))

    def _seek_to_start(self, *_: object) -> None:
        """Seek to the start asked for once the player takes a seek: loaded, seekable and playing."""
        from PySide6.QtMultimedia import QMediaPlayer

        ready = (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia)
        if (
            self._start is not None
            and self._player.source() == self._start[0]  # not the file before it, whose signals may still come
            and self._player.isSeekable()
            and self._player.mediaStatus() in ready
            and self.is_playing()
        ):
            (_, start_ms), self._start = self._start, None
            self._send("setPosition", Q_ARG("qint64", start_ms))


class MatchesView(QWidget):
    """Nearest matches of the selected file: distance, genre, nearest part, title, artist, path."""

    playlistRequested = Signal()  # noqa: N815 (Qt signal naming) — the matches, to save as a playlist
    told = Signal(str)  # a sentence for the status bar: matches copied, a playlist saved

    def __init__(self, runner: TaskRunner, model_path: Path, manifest: ModelManifest) -> None:
        super().__init__()
        self.runner = runner
        self.player = Player(self.told.emit)
        self.query: Path | None = None
        self.query_code: tuple[np.ndarray, np.ndarray, str | None] | None = None
        """The code the matches were last asked for: its bits, its relaxed values and the model that made it."""
        self._index: CodeIndex | None = None
        self._generation = 0
        self._answered = 0
        """The generation of the last search answered (or of the last clear): one later is under way."""
        self._queued = False
        """Whether the query's code changed while its search was under way: searched again once it answers."""
        self._last_failed = False
        """Whether the last search answered failed: its message is not kept while the query is searched again."""
        self.matches: list[Match] = []
        """The matches shown, nearest first."""
        self.names_playing = False
        """Whether the first match is said to be the music heard when near enough (the Live panel's matches; a
        file's matches are only the nearest: :mod:`musictagger.model.recognition`)."""
        self.message = CappedLabel(MESSAGE_LINES)
        self.table = QTreeWidget()
        self.table.setAccessibleName("Nearest matches")
        # The table takes the height left, not the ten rows it would like: in a dock's scroll area on a
        # 700-pixel-high screen that wish (with the wrapped message above) scrolled the buttons below it out of view.
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        # the distances, the verdict and the nearest part first: never clipped
        self.table.setHeaderLabels(list(HEADERS))
        self.column_fit = ColumnFit(
            self.table,
            HEADERS,
            {header: partial(self.whole_values, HEADERS.index(header)) for header in WHOLE_HEADERS},
            dict(WANTED_CHARS),  # the distance's wish follows the rows shown (_fit_columns)
            LEAST,
            NARROW_HIDES,
            whole_headings=(HEADERS[DISTANCE], HEADERS[PART]),
        )
        self.table.header().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.header().customContextMenuRequested.connect(
            lambda position: self.column_fit.columns_menu(self).popup(self.table.header().mapToGlobal(position))
        )
        # The rows' menu (right-click, the Menu key, Shift+F10): the buttons' actions, and the columns, which the
        # header's menu alone offered, out of a keyboard's reach.
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        menu_on_shift_f10(self.table)
        self.use_model(model_path, manifest)
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # several dragged or copied
        self.table.setAcceptDrops(False)
        self.drag_out = DragOut(self.table, self._drag)
        self.table.itemDoubleClicked.connect(lambda *_: self.play_match())
        self.table.currentItemChanged.connect(lambda *_: self._enable_buttons())
        self.play_query_button = QPushButton("Play file")  # short: the three fit a narrow panel
        self.play_query_button.setToolTip("Plays the file shown, or pauses it")
        self.play_query_button.clicked.connect(self.play_query)
        self.play_query_action = QAction(self)
        """The window's Playback ▸ Play / pause the file: enabled with the button, while a file is shown."""
        self.play_query_action.triggered.connect(self.play_query)
        self.play_match_button = QPushButton("Play match")
        self.play_match_button.setToolTip(
            "Plays the selected match from its nearest part, or pauses it (double-click it, or Space in the list, too)"
        )
        self.play_match_button.clicked.connect(self.play_match)
        self.show_button = QPushButton("Show in folder")
        self.show_button.clicked.connect(self.show_in_folder)
        # Space plays only while the table has the focus: a window-wide Space took it from every focused button,
        # and the file and live matches views' two shortcuts were ambiguous, so Space did nothing anywhere.
        play = QShortcut(QKeySequence(Qt.Key.Key_Space), self.table, context=Qt.ShortcutContext.WidgetShortcut)
        play.activated.connect(self.play_match)
        buttons = QHBoxLayout()
        for button in (self.play_query_button, self.play_match_button, self.show_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.clear()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """At least as wide as the table's columns shown at their least: in a splitter, as the Live panel's matches
        are, the pane was given its buttons' width alone, and at 1024×640 in a 14-point font the table had 274
        pixels for the 308 of the distance, the verdict and the title at their least, a sideways scroll bar."""
        hint = super().minimumSizeHint()
        margins = self.layout().contentsMargins()
        table = self.column_fit.least_width() + 2 * self.table.frameWidth() + margins.left() + margins.right()
        return QSize(max(hint.width(), table), hint.height())

    def use_model(self, model_path: Path, manifest: ModelManifest) -> None:
        """Search by the codes of the model at ``model_path`` from now on: among its family's tracks, by its
        compared bits."""
        self.manifest = manifest
        """The model in use's sidecar: an active personal model reads the matches' analyses through it."""
        self.family = model_family(model_path)
        """The model in use and its twin (:func:`~musictagger.library.search.model_family`): whose codes compare."""
        self.match_bits = manifest.match_bits
        """The bits of a code the search compares (:attr:`ModelManifest.match_bits`)."""
        self.window_seconds = manifest.front_end.window_seconds
        """The model's analysis window, to say which part of a match was nearest (:meth:`Match.part_text`)."""
        header = self.table.headerItem()
        header.setToolTip(
            DISTANCE, "Distance between the codes' finer (relaxed) values: what orders the matches, nearest first"
        )
        header.setToolTip(BITS, f"Of {compared_bits(self.match_bits, manifest.bits)}, how many differ")
        header.setToolTip(PART, "Nearest part: the match's stretch nearest the file, where Play match starts")

    @property
    def searching(self) -> bool:
        """Whether a search is under way, or waits to start once the one under way has been shown."""
        return self._answered != self._generation or self._queued

    def clear(self) -> None:
        """No query: empty table."""
        self._generation += 1
        self._answered, self._queued, self._last_failed = self._generation, False, False
        self.query = None
        self.query_code = None
        self.matches = []
        self.table.clear()
        self._fit_columns()
        self.message.setText("")
        self._enable_buttons()

    def library_changed(self) -> None:
        """The library was re-indexed: forget the cached code index and search again for the file shown."""
        self._index = None
        self._search_again()

    def _search_again(self) -> None:
        """Search again for the query shown, with its code as last asked."""
        if self.query is not None and self.query_code is not None:
            self.show_matches_for(self.query, *self.query_code)

    def show_matches_for(self, path: Path, bits: np.ndarray, relaxed: np.ndarray, model_id: str | None = None) -> None:
        """Search the library for the nearest codes to ``path``'s, in the background; ``model_id``: the
        model that made a stored code (None: the model in use).

        Another query's matches are cleared at once; the same query searched again (a new live code, the
        library re-indexed) keeps its matches, those selected and its message (not a failure's, which would say
        the search under way failed), until the new ones arrive; asked while its search is under way, it is searched
        once that answers, with the code asked last (the Live panel asks at every step: searches do not pile up
        behind a slow one, whether or not the last found a match).
        """
        again = path == self.query
        self.query = path
        self.query_code = (bits, relaxed, model_id)
        if again and self.searching:
            self._queued = True
            return
        self._queued = False  # this search is with the code asked last
        self._generation += 1
        generation = self._generation
        if not again:
            self.matches = []
            self.table.clear()
        if not again or self._last_failed:
            self.message.setText("Searching the library…")
        self._enable_buttons()
        index = self._index
        models = comparable_models(model_id, self.family)
        match_bits = query_match_bits(model_id, self.family, self.match_bits)

        manifest, family = self.manifest, self.family

        def work(_task: Task) -> tuple[CodeIndex, list[Match]]:
            found, matches = search(bits, relaxed, path, index, models, match_bits)
            return found, matches_through(matches, head_for_search(manifest, models, family))

        self.runner.run(
            work,
            owner=self,
            on_done=lambda result: self._show(generation, match_bits, *result),
            on_error=lambda error: self._failed(generation, error),
        )

    def _answer(self, generation: int) -> bool:
        """Whether the search of ``generation`` is the one under way (not one the user moved on from), marking it
        answered; its query's code, changed meanwhile, is searched again when its matches are shown."""
        if generation != self._generation:
            return False
        self._answered = generation
        if self._queued:
            QTimer.singleShot(0, self, self._search_queued)  # once these matches are shown
        return True

    def _search_queued(self) -> None:
        """The search asked for while the one before it was under way (unless cleared since)."""
        if self._queued:
            self._queued = False
            self._search_again()

    def _show(self, generation: int, match_bits: int | None, index: CodeIndex, matches: list[Match]) -> None:
        if not self._answer(generation):
            return  # the user moved on to another file
        self._index, self._last_failed = index, False
        current, selected = self.selected_match(), set(self.selected_paths())  # kept where still among the matches
        self.matches = matches
        self.table.clear()
        if not matches:
            self.message.setText(NO_TRACK_TEXT if len(index) == 0 else NO_OTHER_TRACK_TEXT)
            return
        is_playing = (
            playing_first(self.manifest.recognition_policy, matches, match_bits) if self.names_playing else None
        )
        listed = (
            f"{len(matches)} nearest tracks in the library by {compared_bits(match_bits, index.n_bits)}, nearest first"
        )
        self.message.setText(f"{PLAYING_TEXT.get(is_playing, '')}{listed}")
        for row, match in enumerate(matches):
            analysis = match.record.analysis
            said = " (same sound)" if match.duplicate else " (playing)" if row == 0 and is_playing else ""
            distance = f"{match.relaxed_distance:.3f}{said}"
            item = QTreeWidgetItem(
                [
                    distance,
                    str(match.distance),
                    analysis.verdict.words(analysis.field) if analysis else "",
                    match.part_text(self.window_seconds),
                    (analysis.title if analysis else None) or Path(match.record.path).name,
                    (analysis.artist if analysis else None) or "",
                    match.record.path,
                ]
            )
            for column in range(len(HEADERS)):  # a cell cut short, or a column hidden, a hover away
                item.setToolTip(column, f"{item.text(column)}\n{match.record.path}")
            item.setData(0, Qt.ItemDataRole.UserRole, match.record.path)
            span = match.window_span(self.window_seconds)
            item.setData(0, START_ROLE, span[0] if span else 0.0)
            self.table.addTopLevelItem(item)
        rows = [self.table.topLevelItem(row) for row in range(self.table.topLevelItemCount())]
        self.table.setCurrentItem(next((item for item in rows if self._path(item) == current), rows[0]))
        for item in rows:
            if self._path(item) in selected:
                item.setSelected(True)
        self._fit_columns()

    def _shown(self, column: int) -> list[str]:
        """The texts of ``column`` in the rows shown."""
        return [self.table.topLevelItem(row).text(column) for row in range(self.table.topLevelItemCount())]

    def whole_values(self, column: int) -> tuple[str, ...]:
        """What a whole ``column`` may show: a count of bits, a verdict (the model's labels, or without a genre), and
        the values of the rows shown."""
        known = (*self.manifest.labels, not_one_of_mine(), NOT_MUSIC) if column == GENRE else (str(self.manifest.bits),)
        return (*self._shown(column), *known)

    def _fit_columns(self) -> None:
        """Share the table's width among its columns, the distance wishing for its widest text ("same sound")."""
        self.column_fit.wanted[HEADERS[DISTANCE]] = max([DISTANCE_CHARS, *map(len, self._shown(DISTANCE))])
        self.column_fit.fit()

    def _failed(self, generation: int, error: BaseException) -> None:
        if self._answer(generation):
            self.matches, self._last_failed = [], True
            self.table.clear()  # matches of an earlier search, no longer this query's
            self.message.setText(f"The library could not be searched: {describe(error)}")

    def selected_match(self) -> Path | None:
        """Path of the selected match, if any."""
        item = self.table.currentItem()
        return self._path(item) if item is not None else None

    @staticmethod
    def _path(item: QTreeWidgetItem) -> Path:
        return Path(item.data(0, Qt.ItemDataRole.UserRole))

    def selected_paths(self) -> list[Path]:
        """The selected matches' paths, nearest first."""
        rows = [self.table.topLevelItem(row) for row in range(self.table.topLevelItemCount())]
        return [self._path(item) for item in rows if item.isSelected()]

    def copy_selection(self) -> None:
        """Edit ▸ Copy: the selected matches' files on the clipboard."""
        paths = self.selected_paths()
        if paths:
            self.told.emit(copy_to_clipboard(transfer(paths, for_clipboard=True)))

    def _drag(self) -> None:
        """Drag the selected matches out as files."""
        paths = self.selected_paths()
        if paths:
            self.drag_out.drag(transfer(paths))

    def save_playlist(self, path: Path) -> None:
        """Save the matches shown, nearest first, as the playlist ``path`` (written on a worker)."""
        entries = [PlaylistEntry.of(match.record) for match in self.matches]
        save_playlist(self, self.runner, path, lambda _task: entries, self.told.emit)

    def _enable_buttons(self) -> None:
        """Each button only where it has something to act on: a file shown, a match selected."""
        self.play_query_button.setEnabled(self.query is not None)
        self.play_query_action.setEnabled(self.query is not None)
        self.play_match_button.setEnabled(self.table.currentItem() is not None)
        self.show_button.setEnabled(self.query is not None or self.table.currentItem() is not None)

    def _context_menu(self, position: QPoint) -> None:
        """Play match and Show in folder, as the buttons (enabled as they are), and the columns shown."""
        menu = QMenu(self)
        menu.addAction("&Play match", self.play_match).setEnabled(self.play_match_button.isEnabled())
        menu.addAction("Show in &folder", self.show_in_folder).setEnabled(self.show_button.isEnabled())
        menu.addSeparator()
        copy = menu.addAction("Cop&y", self.copy_selection)
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.setEnabled(bool(self.table.selectedItems()))
        menu.addAction("Save the matches as a play&list\u2026", self.playlistRequested.emit).setEnabled(
            bool(self.matches)
        )
        menu.addSeparator()
        menu.addMenu(self.column_fit.columns_menu(menu)).setText("Show &columns")
        menu.popup(self.table.viewport().mapToGlobal(position))

    def play_query(self) -> None:
        """Play or pause the selected file."""
        if self.query is not None:
            self.player.toggle(self.query)

    def play_match(self) -> None:
        """Play or pause the selected match, from its nearest part (the start of the window nearest the query)."""
        item = self.table.currentItem()
        if item is not None:
            self.player.toggle(Path(item.data(0, Qt.ItemDataRole.UserRole)), item.data(0, START_ROLE))

    def show_in_folder(self) -> None:
        """Open the folder of the selected match (or of the file, with no match selected)."""
        path = self.selected_match() or self.query
        if path is not None:
            open_folder_of(self, path)
