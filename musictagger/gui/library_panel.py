"""The Music folders panel: the library's music folders, indexing them in the background, counts and failures.

Indexing is :func:`musictagger.library.index_folders` on the background runner (its own
worker processes do the analysis), with its progress shown in a bar and a Cancel button
that reaches its ``should_stop()``.  The folder list is the library's own (``Library.roots``),
so the CLI and the window index the same folders.  Folders come from Add folder… or are dropped on the panel
from a file manager, one way in for both (:meth:`LibraryPanel.add_folders`): each is checked before it is added
(:func:`musictagger.library.folders.why_not_added`), the panel says which were added and why any was not, and
indexing starts.  When another model is chosen, the panel offers to analyse again the tracks the previous one
analysed (the search leaves them out until then).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from musictagger import userdirs
from musictagger.db import ChangeWatcher
from musictagger.errors import DatabaseError
from musictagger.gui.errors import describe
from musictagger.gui.readable import readable
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.gui.tracks_out import is_own
from musictagger.library import IndexProgress, IndexSummary, Library, LibraryCounts, index_folders
from musictagger.library.folders import IS_A_FILE, quoted, why_not_added
from musictagger.library.index import usable_cores
from musictagger.library.indexing_lock import IndexingBusyError, indexing_lock
from musictagger.library.reanalysis import again_lines
from musictagger.library.search import codes_in_reach
from musictagger.model.runtime import default_model_path
from musictagger.presence import missing


@dataclass(frozen=True)
class LibraryState:
    """What the panel shows about the library, read in one go on a worker thread."""

    roots: list[Path]
    counts: LibraryCounts
    failures: list[tuple[str, str]]
    waiting: int
    """Tracks analysed by another model than the one in use: the next indexing analyses them again."""
    added: list[Path]
    """The folders this reading was asked to add that were added."""
    refused: list[tuple[Path, str]]
    """The paths it was asked to add that were not, each with why (:func:`why_not_added`)."""
    kept: list[tuple[Path, str]]
    """The folders it was asked to remove that were kept because a run was indexing the library, each with who ran it
    (:func:`remove_unless_indexed`)."""
    gone: frozenset[Path] = frozenset()
    """The library's folders that are not there (a drive not mounted, a folder renamed, a library restored into
    another home folder): listed as they were, their tracks showing in the Library tab, they said nothing of it."""


WATCH_INTERVAL_MS = 3000
"""How often the panel looks whether someone else wrote to the index (a check costs microseconds)."""
NAMES_SHOWN = 3
"""A message about added or refused folders names this many of each kind, then counts the rest."""
DROP_HINT = "Drop folders here to add them to the library."
"""What the panel says while a drag of local files or folders hovers it."""
DROP_FRAME_PX = 2
"""The width of the highlight drawn round the panel while a drag hovers it."""
GONE_MARK = "  (not found)"
"""After a library folder that is not there, greyed."""
GONE_TIP = (
    "This folder is not there: a drive not mounted, or the folder moved? Its tracks are kept. Add the folder at its "
    "new place and its tracks follow it, analyses and all; Remove forgets them."
)


def read_state(roots_to_add: list[Path], roots_to_remove: list[Path]) -> LibraryState:
    """Worker: apply folder changes (each folder to add only if :func:`why_not_added` finds nothing against it),
    then read the folders, counts and failures."""
    with Library() as library:
        roots = library.roots()
        added: list[Path] = []
        refused: list[tuple[Path, str]] = []
        for path in roots_to_add:
            reason = why_not_added(path, roots)
            if reason is None:
                added.append(path)
                roots.append(path)  # a second dropped folder inside this one is refused too
            else:
                refused.append((path, reason))
        if added:
            library.add_roots(added)
        kept = [(root, holder) for root in roots_to_remove if (holder := remove_unless_indexed(library, root))]
        failures = [(record.path, record.error or "") for record in library.failures()]
        _searched, waiting = codes_in_reach(library.code_counts(), default_model_path())
        roots = library.roots()
        gone = frozenset(root for root in roots if missing(root))
        return LibraryState(roots, library.counts(), failures, waiting, added, refused, kept, gone)


def remove_unless_indexed(library: Library, root: Path) -> str | None:
    """Forget ``root`` and its tracks, as ``musictagger index --forget`` does, unless a run indexes the library: then
    keep it and return who runs it (``process 4242``, or ``this window``).  A folder removed while a run (the command
    line's, or this window's own Index now) indexed it went on having its tracks stored, under a folder the library no
    longer has."""
    try:
        with indexing_lock(library.path):
            library.remove_root(root)
    except IndexingBusyError as busy:
        return "this window" if busy.holder == f"process {os.getpid()}" else busy.holder
    return None


def named(paths: list[Path]) -> str:
    """Up to :data:`NAMES_SHOWN` names in a sentence: “a”, “a” and “b”, “a”, “b”, “c” and 2 more."""
    names = [quoted(path) for path in paths[:NAMES_SHOWN]]
    if len(paths) > NAMES_SHOWN:
        return f"{', '.join(names)} and {len(paths) - NAMES_SHOWN} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def describe_change(added: list[Path], refused: list[tuple[Path, str]], *, indexing: bool) -> str:
    """What became of the folders the user added or dropped, a line each: those added, the files among them (said
    once), and each folder refused with its reason; ``indexing``: a run was under way, which does not take the new
    ones."""
    lines = []
    if added:
        lines.append(f"Added {named(added)} to the library's folders.")
        if indexing:
            them = "it" if len(added) == 1 else "them"
            lines[-1] += f" Indexing is under way already: {them} will be indexed once it ends."
    files = [path for path, reason in refused if reason == IS_A_FILE]
    if files:
        are = "is a file" if len(files) == 1 else "are files"
        lines.append(
            f"Not added: {named(files)} {are}, and only folders can be added to the library here. "
            "To analyse files, drop them anywhere else on the window."
        )
    folders = [(path, reason) for path, reason in refused if reason != IS_A_FILE]
    lines += [f"Not added: {quoted(path)} {reason}." for path, reason in folders[:NAMES_SHOWN]]
    if len(folders) > NAMES_SHOWN:
        lines.append(f"{len(folders) - NAMES_SHOWN} more folders not added.")
    return "\n".join(lines)


def local_paths(event: QDropEvent) -> list[Path]:
    """The local files and folders a drag carries (a web page's or a remote share's URLs are not); none of the
    window's own tracks dragged back onto it (:func:`~musictagger.gui.tracks_out.is_own`)."""
    if is_own(event.mimeData()):
        return []
    return [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]


def describe_kept(kept: list[tuple[Path, str]]) -> str:
    """Why the folders the user removed are still there, a line each: a run was indexing the library."""
    return "\n".join(
        f"Not removed: {quoted(path)}: the library is being indexed by {holder}, which would go on storing its "
        "tracks. Remove it again once that run has ended (or stop it: what it has analysed is kept)."
        for path, holder in kept
    )


def describe_progress(progress: IndexProgress) -> str:
    """One line: files done of total, rate, time left."""
    text = f"{progress.done} of {progress.total} files ({progress.analysed} analysed, {progress.skipped} unchanged, {progress.failed} failed)"
    if progress.rate > 0:
        text += f", {progress.rate:.1f} files/s"
    if progress.eta_s is not None:
        text += f", about {progress.eta_s:.0f} s left"
    return text


class LibraryPanel(QWidget):
    """Folders (added by Add folder… or dropped here), Index / Cancel with progress, counts and the files that failed."""

    libraryChanged = Signal()  # noqa: N815 (Qt signal naming)
    indexingStarted = Signal()  # noqa: N815 (the window brings the panel, where the progress shows, to the front)

    def __init__(self, background: TaskRunner, io: TaskRunner, settings: Settings) -> None:
        super().__init__()
        self.background = background
        self.io = io
        self.settings = settings
        self.indexing: Task | None = None
        self.reanalysis_prompt: QMessageBox | None = None
        self.offer_when_indexed = False
        """Another model was chosen while indexing ran with the previous one: ask when it ends."""
        self.index_when_indexed = False
        """Folders were added while indexing ran, which does not take them: index again when it ends."""
        self.setAcceptDrops(True)  # folders dropped anywhere on the panel are added: see dropEvent
        self.dropping = False
        """A drag the panel would take hovers it: highlighted, and the notice says what a drop does."""
        self.folders = QListWidget()
        self.folders.setAcceptDrops(False)  # the list's own drops would move its items; the panel takes them
        self.folders.currentItemChanged.connect(lambda *_items: self._enable_remove())
        self.add_button = QPushButton("Add folder…")
        self.add_button.setToolTip("Add a folder of music to the library and index it (or drop folders on this panel)")
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Stop indexing this folder and forget its tracks (the files stay)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setEnabled(False)  # until a folder is selected
        self.index_button = QPushButton("Index now")
        self.index_button.clicked.connect(self.index_now)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)  # until a folder is added or dropped
        self._told = ""
        """What the notice says when no drag hovers the panel."""
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress_text = QLabel()
        self.progress_text.setWordWrap(True)
        self.counts = QLabel()
        self.counts.setWordWrap(True)  # a narrow panel wraps it rather than cutting it off
        self.failures = QTreeWidget()
        self.failures.setHeaderLabels(["Failed file", "Reason"])
        self.failures.setRootIsDecorated(False)
        self.failures.setAccessibleName("Files that failed")
        self.failures.setAcceptDrops(False)
        folder_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button):
            folder_buttons.addWidget(button)
        index_buttons = QHBoxLayout()
        for button in (self.index_button, self.cancel_button):
            index_buttons.addWidget(button)
        layout = QVBoxLayout(self)
        heading = QLabel("Music folders")
        heading.setBuddy(self.folders)  # names the list for a screen reader
        layout.addWidget(heading)
        layout.addWidget(self.folders, 1)
        layout.addLayout(folder_buttons)
        layout.addWidget(self.notice)
        layout.addLayout(index_buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.counts)
        layout.addWidget(self.failures, 1)
        self._watcher: ChangeWatcher | None = None
        self._others_wrote = False
        """Someone else wrote to the index since the Library tab and the matches last followed it."""
        self._watch = QTimer(self, interval=WATCH_INTERVAL_MS)
        self._watch.timeout.connect(self._follow_others)
        self._watch.start()
        self.refresh()

    def _follow_others(self) -> None:
        """Follow what others write to the index (``musictagger index`` in a terminal, another window): the
        counts here at every change, and, once the writes have stopped for a tick, the Library tab and the
        matches through :attr:`libraryChanged` (reloading them at every tick of an hour-long run would throw
        away the tab's selection and scroll position each time).  Not while this panel indexes: its own
        writes are followed when it finishes."""
        path = userdirs.library_db_path()
        if self.indexing is not None or not path.exists():
            self._watcher, self._others_wrote = None, False
            return
        try:
            changed = self._watcher is not None and self._watcher.changed()
            if self._watcher is None or changed:
                self._watcher = ChangeWatcher(path)  # from now on
        except DatabaseError:
            return  # the next tick asks again
        if changed:
            self._others_wrote = True
            self.refresh()
        elif self._others_wrote:
            self._others_wrote = False
            self.libraryChanged.emit()

    def refresh(
        self, add: list[Path] | None = None, remove: list[Path] | None = None, *, offer_reanalysis: bool = False
    ) -> None:
        """Re-read the library (after applying folder changes) on a worker thread; with ``offer_reanalysis``
        (another model was just chosen), then ask whether to analyse again the tracks another model analysed."""
        self.io.run(
            lambda _task: read_state(add or [], remove or []),
            owner=self,
            on_done=lambda state: self._show_state(state, offer_reanalysis=offer_reanalysis),
            on_error=lambda error: (
                self._not_changed(add or [], remove or [], error)
                if add or remove
                else self.counts.setText(f"The library cannot be read: {describe(error)}")
            ),
        )

    def _not_changed(self, add: list[Path], remove: list[Path], error: BaseException) -> None:
        """Adding or removing folders failed (the index cannot be written: its disk full or read-only): say which
        and why, and show the library as it is.  It said 'The library cannot be read', in place of the counts,
        and nothing of the folders."""
        verb, paths = ("added", add) if add else ("removed", remove)
        self._tell(f"Not {verb}: {named(paths)}: {describe(error)}")
        self.refresh()

    def _show_state(self, state: LibraryState, *, offer_reanalysis: bool = False) -> None:
        self.folders.clear()
        for root in state.roots:
            item = QListWidgetItem(str(root) + (GONE_MARK if root in state.gone else ""))
            item.setData(Qt.ItemDataRole.UserRole, str(root))
            if root in state.gone:
                item.setToolTip(GONE_TIP)
                item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
            self.folders.addItem(item)
        counts = state.counts
        tracks = f"{counts.total} track{'s' * (counts.total != 1)}"  # 'In the library: 1 tracks'
        text = f"In the library: {tracks}, {counts.analysed} analysed, {counts.failed} failed"
        if state.waiting:
            text += f"; {state.waiting} analysed by another model wait for Index now"
        self.counts.setText(text)
        self.failures.clear()
        for path, reason in state.failures:
            item = QTreeWidgetItem([readable(Path(path).name), readable(reason)])
            item.setToolTip(0, readable(path))
            item.setToolTip(1, readable(reason))
            self.failures.addTopLevelItem(item)
        if offer_reanalysis and self.indexing is not None:
            self.offer_when_indexed = True
        elif offer_reanalysis and state.waiting:
            self._offer_reanalysis(state.waiting)
        if state.added or state.refused:
            self._tell(describe_change(state.added, state.refused, indexing=self.indexing is not None))
        if state.kept:
            self._tell(describe_kept(state.kept))
        if state.added and self.indexing is not None:
            self.index_when_indexed = True
        elif state.added:
            self.index_now()  # the folders listed now include them

    def _offer_reanalysis(self, waiting: int) -> None:
        """Ask, without blocking the window, whether to index now: the tracks another model analysed are
        left out of the search until the model in use analyses them."""
        if self.reanalysis_prompt is not None:
            self.reanalysis_prompt.close()
        tracks = "1 track of your library was" if waiting == 1 else f"{waiting} tracks of your library were"
        prompt = QMessageBox(
            QMessageBox.Icon.Question,
            "Analyse the library again?",
            f"{tracks} analysed by another model. Similar tracks are found only among "
            "tracks the model in use analysed, so these are left out until they are analysed again.",
            parent=self.window(),  # centred on the main window: the panel may be a tab behind another
        )
        analyse = prompt.addButton("Analyse now", QMessageBox.ButtonRole.AcceptRole)
        prompt.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        prompt.setDefaultButton(analyse)
        prompt.setInformativeText("Later: Index now in the Music folders panel does it whenever you like.")
        prompt.finished.connect(lambda _result: self.index_now() if prompt.clickedButton() is analyse else None)
        self.reanalysis_prompt = prompt
        prompt.open()

    def choose_folder(self) -> None:
        """Add folder…: add a music folder and index it."""
        folder = QFileDialog.getExistingDirectory(self, "Add a music folder to the library")
        if folder:
            self.add_folders([Path(folder)])

    def add_folders(self, paths: list[Path]) -> None:
        """Add the folders among ``paths`` to the library's folders and start indexing; the panel says what was
        added, and why any path was not (a file, a folder already indexed, gone or unreadable: :func:`read_state`)."""
        self.refresh(add=[path.absolute() for path in paths])

    def _tell(self, text: str) -> None:
        """Say ``text`` under the folders (nothing: the notice hides)."""
        self._told = text
        self._show_drop_target(self.dropping)

    def _show_drop_target(self, dropping: bool) -> None:
        """Highlight the panel and say what a drop does while a drag hovers it; else the notice's own text."""
        self.dropping = dropping
        text = DROP_HINT if dropping else self._told
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self.update()

    # Drops: the folders a file manager's drag carries are added (anywhere else on the window, files are analysed).

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        """Take a drag of local files or folders (others, such as a web page's links, go on to the window, which
        refuses them too)."""
        if local_paths(event):
            event.acceptProposedAction()
            self._show_drop_target(True)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        if local_paths(event):
            event.acceptProposedAction()

    def dragLeaveEvent(self, _event: QDragLeaveEvent) -> None:  # noqa: N802 (Qt override)
        self._show_drop_target(False)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        self._show_drop_target(False)
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.add_folders(paths)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        """While a drag hovers: a frame in the palette's highlight colour round the panel, as file managers mark
        where a drop lands."""
        super().paintEvent(event)
        if self.dropping:
            painter = QPainter(self)
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), DROP_FRAME_PX))
            inset = DROP_FRAME_PX // 2
            painter.drawRect(self.rect().adjusted(inset, inset, -inset, -inset))

    def _enable_remove(self) -> None:
        """Remove acts on the selected folder, and not while indexing reads the folders."""
        self.remove_button.setEnabled(self.indexing is None and self.folders.currentItem() is not None)

    def remove_selected(self) -> None:
        """Forget the selected folder (its tracks leave the index; no file is touched)."""
        item = self.folders.currentItem()
        if item is not None and self.indexing is None:
            self._tell("")  # what it said of the folders added last may be of this one
            self.refresh(remove=[Path(item.data(Qt.ItemDataRole.UserRole))])
            self.libraryChanged.emit()

    def index_now(self) -> None:
        """Index every library folder in the background."""
        roots = self.folder_paths()
        if not roots:
            self.progress_text.setText("Add a music folder first (Add folder…), then index it.")
            return
        self._index(roots, reanalyse=False)

    def reanalyse(self, paths: list[Path]) -> None:
        """Analyse these files again in the background, changed or not."""
        if paths:
            self._index(paths, reanalyse=True)

    def _index(self, roots: list[Path], *, reanalyse: bool) -> None:
        if self.indexing is not None:
            return
        windows = self.settings.windows_per_track
        workers = max(1, usable_cores() - 1)  # leave a core for the window and for dropped files
        model_path = default_model_path()  # the model in use now, whenever the worker thread starts

        def work(task: Task) -> IndexSummary:
            return index_folders(
                roots,
                model_path=model_path,
                n_windows=windows,
                workers=workers,
                on_progress=task.progress,
                should_stop=task.should_stop,
                reanalyse=reanalyse,
            )

        self.indexing = self.background.run(
            work, owner=self, on_done=self._indexed, on_error=self._index_failed, on_progress=self._on_progress
        )
        self.index_button.setEnabled(False)
        self._enable_remove()
        self.cancel_button.setEnabled(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.progress_text.setText("Looking for audio files…")
        self.indexingStarted.emit()

    def cancel(self) -> None:
        """Stop indexing after the files in flight; everything stored so far stays."""
        if self.indexing is not None:
            self.indexing.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_text.setText("Stopping after the files in flight…")

    def _on_progress(self, progress: IndexProgress) -> None:
        if self.indexing is None or self.indexing.should_stop():
            return
        self.progress.setRange(0, max(progress.total, 1))
        self.progress.setValue(progress.done)
        self.progress_text.setText(describe_progress(progress))

    def _finish(self, message: str, *, completed: bool) -> None:
        """The run ended (``completed``: not stopped, nor failed): the panel idle again, with ``message``."""
        self.indexing = None
        self.index_button.setEnabled(True)
        self._enable_remove()
        self.cancel_button.setEnabled(False)
        self.progress.setVisible(False)
        self.progress_text.setText(message)
        self.libraryChanged.emit()
        self.refresh(offer_reanalysis=self.offer_when_indexed)
        self.offer_when_indexed = False
        if self.index_when_indexed and completed:
            self.index_now()  # the folders added meanwhile
        self.index_when_indexed = False

    def _indexed(self, summary: IndexSummary) -> None:
        state = "Stopped" if summary.interrupted else "Indexed"
        message = (
            f"{state}: {summary.analysed} analysed, {summary.skipped} unchanged, {len(summary.failed)} failed, "
            f"{summary.pruned} gone from disk"
            + (f", {summary.moved} moved" if summary.moved else "")
            + f" ({summary.elapsed_s:.0f} s)"
            + "".join(f". {line[0].upper()}{line[1:]}" for line in again_lines(summary.again))
        )
        problems = readable("; ".join(f"{Path(path).name}: {reason}" for path, reason in summary.problems[:3]))
        self._finish(message + (f". Not read: {problems}" if problems else ""), completed=not summary.interrupted)

    def _index_failed(self, error: BaseException) -> None:
        if isinstance(error, IndexingBusyError):  # its message tells a command line user to run the command again
            self._finish(
                f"Not indexed: the library is being indexed by {error.holder}. Press Index now once that run has "
                "ended (or stop it: what it has analysed is kept).",
                completed=False,
            )
            return
        self._finish(f"Indexing failed: {describe(error)}", completed=False)

    def shutdown(self) -> None:
        """The window is closing: stop following others' writes (its runners, shut down by the window, stop
        indexing and drop what was on its way here)."""
        self._watch.stop()

    def folder_paths(self) -> list[Path]:
        """The folders listed."""
        return [Path(self.folders.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.folders.count())]
