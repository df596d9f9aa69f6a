"""Library ▸ Personal models…: the shipped model and the personal ones, which is active, use or delete one.

The list is :func:`musictagger.personal.store.read_models` (as ``musictagger models`` prints it),
read and changed on the runner given; a deletion is confirmed first.  The dialog announces a
change of the active model (:attr:`ModelsDialog.modelActivated`) so the window can follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from musictagger.gui.errors import describe
from musictagger.gui.geometry import resize_within_screen, text_size
from musictagger.gui.one_shot_dialog import OneShotDialog
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.model.manifest import ModelManifest
from musictagger.personal import store
from musictagger.personal.active import not_in_use_note
from musictagger.personal.store import PersonalModelInfo

ACTIVE, NAME, FIELD, LABELS, ACCURACY, CREATED = range(6)
MODEL_COLUMNS = ("Active", "Model", "Learns", "Labels", "Accuracy / macro-F1", "Created")
ACTIVE_MARK = "\u25cf active"
IDLE_MARK = "\u25cb not in use"
"""The active personal model's mark while the shipped model in use is not the one it was learnt on (or it is
damaged)."""
DAMAGED = "damaged: cannot be read (its tooltip says why); delete it, or learn it again"
"""The Labels cell of a personal model whose sidecar cannot be read."""
SHIPPED = None
"""The row data of the shipped model (a personal model's is its name)."""


def model_row(info: PersonalModelInfo, *, idle: bool = False) -> list[str]:
    """The list's cells for a personal model (``idle``: it is the active one, but not in use)."""
    return [
        (IDLE_MARK if idle else ACTIVE_MARK) if info.active else "",
        info.name,
        info.field,
        ", ".join(info.labels),
        "none (measured on no label)" if info.accuracy is None else f"{info.accuracy:.2f} / {info.macro_f1:.2f}",
        info.created[:16].replace("T", " "),  # ISO 8601 to the minute
    ]


def shipped_accuracy(manifest: ModelManifest) -> tuple[str, str]:
    """The shipped model's Accuracy / macro-F1 cell and its tooltip, from its sidecar's test figures
    (empty where the sidecar has none)."""
    accuracy, macro_f1 = manifest.test_figure("accuracy"), manifest.test_figure("macro_f1")
    if accuracy is None or macro_f1 is None:
        return "", ""
    tracks = manifest.metrics["test"].get("tracks")
    where = f"on Emotify's test split ({tracks} tracks it was not trained on)" if tracks else "on its test split"
    interval = accuracy[1]
    return f"{accuracy[0]:.2f} / {macro_f1[0]:.2f}", f"measured {where}" + (
        f"; accuracy's 95 % interval {interval[0]:.2f}–{interval[1]:.2f}" if interval else ""
    )


def counts_text(info: PersonalModelInfo) -> str:
    """``Ambient (40), Hip-Hop (31)``: the tracks each label was learned from."""
    return ", ".join(f"{label} ({info.counts.get(label, 0)})" for label in info.labels)


class ModelsDialog(OneShotDialog):
    """The models, Use / Use the shipped model / Delete…, and Close."""

    modelActivated = Signal()  # noqa: N815 (Qt signal naming) — the active model changed

    def __init__(self, shipped: ModelManifest, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Personal models")
        resize_within_screen(self, text_size(self, 143, 26))  # 858×364 in 9 points
        self.shipped = shipped
        self.runner = runner
        self.models: list[PersonalModelInfo] | None = None
        self.damaged: dict[str, str] = {}
        self.active: str | None = None
        self.confirmation: QMessageBox | None = None
        self.busy = False
        self.table = QTreeWidget()
        self.table.setHeaderLabels(list(MODEL_COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setAccessibleName("Models")
        # The short columns as wide as their values and headings, the names and labels share the rest (cut if
        # need be): fixed widths of 890 pixels made "Accuracy / macro-F1" and "Created" scroll out of a dialog
        # on a small screen.
        header = self.table.header()
        header.setStretchLastSection(False)
        for column in range(len(MODEL_COLUMNS)):
            stretch = column in (NAME, LABELS)
            header.setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.ResizeToContents
            )
        self.table.currentItemChanged.connect(lambda *_items: self._update_buttons())
        self.table.itemDoubleClicked.connect(lambda *_args: self.use_selected())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.use_button = QPushButton("&Use")
        self.use_button.clicked.connect(self.use_selected)
        self.shipped_button = QPushButton("Use the &shipped model")
        self.shipped_button.clicked.connect(lambda: self._use(SHIPPED))
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.clicked.connect(self.delete_selected)
        close_button = QPushButton("Close")
        close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.use_button, self.shipped_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)
        intro = QLabel(
            "Personal models are learned from your tags (Library ▸ Learn from my tags…). The active model "
            "gives the verdicts the window shows and the values Tag genres… proposes."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Read the list of models again (off the UI thread)."""
        self._run(lambda _task: store.read_models(), self._show)

    def _run(self, work: Callable[[Task], object], on_done: Callable[[object], None]) -> None:
        self.busy = True
        self._update_buttons()
        self.runner.run(work, owner=self, on_done=partial(self._done, on_done), on_error=self._failed)

    def _done(self, on_done: Callable[[object], None], result: object) -> None:
        self.busy = False
        on_done(result)
        self._update_buttons()
        self.release_if_closed()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.status.setText(describe(error))
        self._update_buttons()
        self.release_if_closed()

    def working(self) -> bool:
        """Models are read or changed (closed meanwhile, the dialog stays until a change of the active model is
        announced)."""
        return self.busy

    def _show(self, listing: store.ModelListing) -> None:
        idle = not_in_use_note(self.shipped)  # the active personal model was learnt on the other shipped model
        # The row chosen before, at first the model in use's (the one marked active): the shipped model's row was
        # chosen on opening, Use would switch to it and Delete… was greyed out while a personal model was in use.
        chosen = self.table.currentItem()
        in_use = SHIPPED if idle else listing.active
        selected = in_use if chosen is None else chosen.data(NAME, Qt.ItemDataRole.UserRole)
        models = listing.models
        self.models, self.damaged, self.active = models, listing.damaged, listing.active
        self.table.clear()
        accuracy, accuracy_tip = shipped_accuracy(self.shipped)
        shipped = QTreeWidgetItem(
            [
                "" if any(info.active for info in models) and not idle else ACTIVE_MARK,
                f"shipped: {self.shipped.name}",
                "genre",
                ", ".join(self.shipped.labels),
                accuracy,
                "",
            ]
        )
        shipped.setData(NAME, Qt.ItemDataRole.UserRole, SHIPPED)
        shipped.setToolTip(ACCURACY, accuracy_tip)
        shipped.setToolTip(LABELS, ", ".join(self.shipped.labels))  # whole, where the column cuts them
        self.table.addTopLevelItem(shipped)
        for info in models:
            row = QTreeWidgetItem(model_row(info, idle=idle is not None))
            if info.active and idle:
                row.setToolTip(ACTIVE, idle)
            row.setData(NAME, Qt.ItemDataRole.UserRole, info.name)
            row.setToolTip(LABELS, f"learned from: {counts_text(info)}")
            row.setToolTip(ACCURACY, "cross-validated, folds grouped by artist")
            self.table.addTopLevelItem(row)
        for name, why in listing.damaged.items():  # listed so that they can be deleted (a model's sidecar cut short)
            row = QTreeWidgetItem([IDLE_MARK if name == listing.active else "", name, "", DAMAGED, "", ""])
            row.setData(NAME, Qt.ItemDataRole.UserRole, name)
            for column in range(len(MODEL_COLUMNS)):
                row.setToolTip(column, why)
            self.table.addTopLevelItem(row)
        for i in range(self.table.topLevelItemCount()):
            if self.table.topLevelItem(i).data(NAME, Qt.ItemDataRole.UserRole) == selected:
                self.table.setCurrentItem(self.table.topLevelItem(i))
        if not models and not listing.damaged:
            self.status.setText("No personal model yet: Library ▸ Learn from my tags… makes one.")
        elif idle:
            self.status.setText(idle[0].upper() + idle[1:] + ".")

    def selected(self) -> str | None:
        """The name of the selected personal model (None: the shipped model, or nothing selected)."""
        item = self.table.currentItem()
        return None if item is None else item.data(NAME, Qt.ItemDataRole.UserRole)

    def _update_buttons(self) -> None:
        chosen, active = self.selected(), self.active
        usable = self.table.currentItem() is not None and chosen != active and chosen not in self.damaged
        self.use_button.setEnabled(not self.busy and usable)
        self.shipped_button.setEnabled(not self.busy and active is not SHIPPED)
        self.delete_button.setEnabled(not self.busy and chosen is not None)

    def use_selected(self) -> None:
        """Make the selected model the active one."""
        if self.table.currentItem() is not None and not self.busy:
            self._use(self.selected())

    def _use(self, name: str | None) -> None:
        def work(_task: Task) -> store.ModelListing:
            store.use(name)
            return store.read_models()

        self._run(work, self._activated)
        self.status.setText("")

    def _activated(self, listing: store.ModelListing) -> None:
        self._show(listing)
        active = listing.active
        self.status.setText(
            f"\u201c{active}\u201d is now the active model." if active else "The shipped model is now the active one."
        )
        self.modelActivated.emit()

    def delete_selected(self) -> None:
        """Ask, then delete the selected personal model (the shipped model cannot be deleted)."""
        name = self.selected()
        if name is None or self.busy:
            return
        active = name == self.active
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete a personal model",
            f"Delete the personal model \u201c{name}\u201d? Its file is removed; the tags it wrote stay."
            + (" The shipped model becomes the active one." if active else ""),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: (
                self._delete(name, active) if box.standardButton(button) == QMessageBox.StandardButton.Yes else None
            )
        )
        box.finished.connect(box.deleteLater)
        self.confirmation = box
        box.open()  # not exec(): the window's event loop keeps running

    def _delete(self, name: str, active: bool) -> None:
        def work(_task: Task) -> store.ModelListing:
            store.delete(name)
            return store.read_models()

        self._run(work, partial(self._deleted, name, active))

    def _deleted(self, name: str, active: bool, listing: store.ModelListing) -> None:
        self._show(listing)
        self.status.setText(
            f"Deleted \u201c{name}\u201d." + (" The shipped model is the active one again." if active else "")
        )
        if active:
            self.modelActivated.emit()
