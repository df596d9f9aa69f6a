"""The Music folders panel: the library's music folders, indexing them in the background, counts and failures.

Indexing is :func:`musictagger.library.index_folders` on the background runner (its own
worker processes do the analysis), with its progress shown in a bar and a Cancel button
that reaches its ``should_stop()``.  The folder list is the library's own (``Library.roots``),
so the CLI and the window index the same folders.  When another model is chosen, the panel offers to
analyse again the tracks the previous one analysed (the search leaves them out until then).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
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
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.library import IndexProgress, IndexSummary, Library, LibraryCounts, index_folders
from musictagger.library.index import usable_cores
from musictagger.library.search import codes_in_reach
from musictagger.model.runtime import default_model_path


@dataclass(frozen=True)
class LibraryState:
    """What the panel shows about the library, read in one go on a worker thread."""

    roots: list[Path]
    counts: LibraryCounts
    failures: list[tuple[str, str]]
    waiting: int
    """Tracks analysed by another model than the one in use: the next indexing analyses them again."""


WATCH_INTERVAL_MS = 3000
"""How often the panel looks whether someone else wrote to the index (a check costs microseconds)."""


def read_state(roots_to_add: list[Path], roots_to_remove: list[Path]) -> LibraryState:
    """Worker: apply folder changes, then read the folders, counts and failures."""
    with Library() as library:
        if roots_to_add:
            library.add_roots(roots_to_add)
        for root in roots_to_remove:
            library.remove_root(root)
        failures = [(record.path, record.error or "") for record in library.failures()]
        _searched, waiting = codes_in_reach(library.code_counts(), default_model_path())
        return LibraryState(library.roots(), library.counts(), failures, waiting)


def describe_progress(progress: IndexProgress) -> str:
    """One line: files done of total, rate, time left."""
    text = f"{progress.done} of {progress.total} files ({progress.analysed} analysed, {progress.skipped} unchanged, {progress.failed} failed)"
    if progress.rate > 0:
        text += f", {progress.rate:.1f} files/s"
    if progress.eta_s is not None:
        text += f", about {progress.eta_s:.0f} s left"
    return text


class LibraryPanel(QWidget):
    """Folders, Index / Cancel with progress, counts and the files that failed."""

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
        self.folders = QListWidget()
        self.folders.setAcceptDrops(False)
        self.folders.currentItemChanged.connect(lambda *_items: self._enable_remove())
        self.add_button = QPushButton("Add folder…")
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
            on_error=lambda error: self.counts.setText(f"The library cannot be read: {describe(error)}"),
        )

    def _show_state(self, state: LibraryState, *, offer_reanalysis: bool = False) -> None:
        self.folders.clear()
        self.folders.addItems([str(root) for root in state.roots])
        counts = state.counts
        text = f"In the library: {counts.total} tracks, {counts.analysed} analysed, {counts.failed} failed"
        if state.waiting:
            text += f"; {state.waiting} analysed by another model wait for Index now"
        self.counts.setText(text)
        self.failures.clear()
        for path, reason in state.failures:
            item = QTreeWidgetItem([Path(path).name, reason])
            item.setToolTip(0, path)
            item.setToolTip(1, reason)
            self.failures.addTopLevelItem(item)
        if offer_reanalysis and self.indexing is not None:
            self.offer_when_indexed = True
        elif offer_reanalysis and state.waiting:
            self._offer_reanalysis(state.waiting)

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
        """Add a music folder and index it."""
        folder = QFileDialog.getExistingDirectory(self, "Add a music folder to the library")
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        """Add ``folder`` to the library's folders and start indexing."""
        self.refresh(add=[folder.absolute()])
        self.index_now(extra=[folder.absolute()])

    def _enable_remove(self) -> None:
        """Remove acts on the selected folder, and not while indexing reads the folders."""
        self.remove_button.setEnabled(self.indexing is None and self.folders.currentItem() is not None)

    def remove_selected(self) -> None:
        """Forget the selected folder (its tracks leave the index; no file is touched)."""
        item = self.folders.currentItem()
        if item is not None and self.indexing is None:
            self.refresh(remove=[Path(item.text())])
            self.libraryChanged.emit()

    def index_now(self, extra: list[Path] | None = None) -> None:
        """Index every library folder (plus ``extra``) in the background."""
        roots = self.folder_paths()
        roots += [path for path in extra or [] if path not in roots]
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

    def _finish(self, message: str) -> None:
        self.indexing = None
        self.index_button.setEnabled(True)
        self._enable_remove()
        self.cancel_button.setEnabled(False)
        self.progress.setVisible(False)
        self.progress_text.setText(message)
        self.libraryChanged.emit()
        self.refresh(offer_reanalysis=self.offer_when_indexed)
        self.offer_when_indexed = False

    def _indexed(self, summary: IndexSummary) -> None:
        state = "Stopped" if summary.interrupted else "Indexed"
        message = (
            f"{state}: {summary.analysed} analysed, {summary.skipped} unchanged, {len(summary.failed)} failed, "
            f"{summary.pruned} gone from disk"
            + (f", {summary.moved} moved" if summary.moved else "")
            + f" ({summary.elapsed_s:.0f} s)"
        )
        problems = "; ".join(f"{Path(path).name}: {reason}" for path, reason in summary.problems[:3])
        self._finish(message + (f". Not read: {problems}" if problems else ""))

    def _index_failed(self, error: BaseException) -> None:
        self._finish(f"Indexing failed: {describe(error)}")

    def shutdown(self) -> None:
        """The window is closing: stop following others' writes (its runners, shut down by the window, stop
        indexing and drop what was on its way here)."""
        self._watch.stop()

    def folder_paths(self) -> list[Path]:
        """The folders listed."""
        return [Path(self.folders.item(i).text()) for i in range(self.folders.count())]
