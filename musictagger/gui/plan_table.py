"""The Tag dialog's review table as a model: a plan's rows made as the view paints them, ticks, corrections, results.

A plan of an archive (100,000 files) made a widget item per row, five texts each, at every new plan (a move of the
threshold included): seconds of the window's own time and hundreds of megabytes.  :class:`PlanModel` holds the plan
and what the user changed (a tick, a corrected value) and answers the view's few visible rows as they are painted;
:func:`preview_table`, run on the worker that made the plan, names the files and orders them by name once, and
gives each other column's text as one of its few distinct texts (:class:`ColumnTexts`), so that a sort orders
those few and the rows by number: a click on a heading made and sorted 100,000 texts on the UI thread, 0.12 to
0.52 s (``bench/tag_dialog_scale.py``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from musictagger.gui.readable import readable
from musictagger.library.folding import sort_key
from musictagger.tagging.atomic import unwritable_because
from musictagger.tagging.plan import Action, Plan, PlanItem, parse_genres, preview_columns, preview_row

FILE, CURRENT, PROPOSED, CONFIDENCE, ACTION = range(len(preview_columns()))


def shown_names(paths: list[Path]) -> list[str]:
    """Each path as the table shows it: relative to the folder holding them all, so that the file names are
    what fits the column (the full path is the row's tooltip); the full path where they share no folder."""
    texts = [str(path) for path in paths]  # as text: Path's parent and relative_to took 1.4 s for 100,000 files
    if not texts:
        return []
    common = os.path.commonpath([os.path.dirname(text) for text in texts])
    if Path(common) == Path(Path(common).anchor):  # nothing shared but the root: a relative name would hide where
        return [readable(text) for text in texts]
    start = len(os.path.join(common, ""))
    return [readable(text[start:]) for text in texts]


def text_order(text: str) -> tuple[str, str]:
    """What the table sorts ``text`` by: the Library tab's order (:func:`~musictagger.library.folding.sort_key`:
    numbers as numbers, ``track 2`` before ``Track 10``, without case or accents, kana and Thai as their dictionaries
    order them), then the text itself."""
    return sort_key(text), text


@dataclass(frozen=True)
class ColumnTexts:
    """A column's text for each item of a plan, as the index of one of its distinct texts: a plan of 100,000 files
    has a few dozen (genres, confidences, actions)."""

    texts: list[str]
    """The distinct texts, in the order first met."""
    codes: np.ndarray
    """Each item's text, as its index in :attr:`texts`."""

    def ranks(self, changed: Mapping[int, str]) -> np.ndarray:
        """Each item's place in the column's order of texts (:func:`text_order`; items of one text share one), the
        items of ``changed`` (by item index) with the text given there instead (a corrected value, what became of
        the file)."""
        codes, distinct = self.codes, {text: code for code, text in enumerate(self.texts)}
        if changed:
            codes = codes.copy()
            for item, text in changed.items():
                codes[item] = distinct.setdefault(text, len(distinct))
        texts = list(distinct)
        places = np.empty(len(texts), dtype=np.int32)
        places[sorted(range(len(texts)), key=lambda code: text_order(texts[code]))] = np.arange(len(texts))
        return places[codes]


@dataclass(frozen=True)
class PreviewTable:
    """A plan with what its table needs that costs time for many files, made on the worker that made the plan."""

    plan: Plan
    names: list[str]
    """Each item's file as the File column shows it (:func:`shown_names`)."""
    by_name: list[int]
    """The items' indices ordered by their names (:func:`text_order`)."""
    name_ranks: np.ndarray
    """Each item's place in :attr:`by_name`: the order of the rows another column shows alike."""
    columns: dict[int, ColumnTexts]
    """The texts of the columns but File, as the plan has them (before the user ticks or corrects a row)."""


def preview_table(plan: Plan) -> PreviewTable:
    """``plan`` with its files' shown names and their natural order (a key made once a file: a sort compares each
    about 2·log2(n) times, and making both keys at each comparison doubled the time a plan of 20,000 took), and its
    other columns' texts (:class:`ColumnTexts`)."""
    names = shown_names([item.path for item in plan.items])
    keys = [text_order(name) for name in names]
    by_name = sorted(range(len(names)), key=keys.__getitem__)
    name_ranks = np.empty(len(names), dtype=np.int32)
    name_ranks[by_name] = np.arange(len(names))
    return PreviewTable(plan, names, by_name, name_ranks, column_texts(plan))


def column_texts(plan: Plan) -> dict[int, ColumnTexts]:
    """The texts of ``plan``'s columns but File (:class:`ColumnTexts`), its rows made one at a time: kept whole, a
    plan of 100,000 files' rows took 18 MB more than the dialog's table."""
    columns = (CURRENT, PROPOSED, CONFIDENCE, ACTION)
    distinct: list[dict[str, int]] = [{} for _ in columns]
    codes = np.empty((len(columns), len(plan.items)), dtype=np.int32)
    for index, item in enumerate(plan.items):
        row = preview_row(item)
        for at, column in enumerate(columns):
            codes[at, index] = distinct[at].setdefault(row[column], len(distinct[at]))
    return {column: ColumnTexts(list(distinct[at]), codes[at]) for at, column in enumerate(columns)}


def reviewed_action_text(item: PlanItem, ticked: bool, genres: tuple[str, ...], field: str = "genre") -> str:
    """What Apply will do with a row as the user left it: the plan's action, unless the tick or a correction
    changed it (a ticked row is written with the values shown, whatever the plan said, as
    :func:`~musictagger.tagging.plan.correct` does; an unticked one is left alone)."""
    if ticked and item.action is Action.WRITE and genres == item.proposed:
        return item.action_text
    if not ticked:
        return "skip: left out" if item.action is Action.WRITE else item.action_text
    if not genres:
        return f"skip: no {field} given"
    if [g.casefold() for g in genres] == [g.casefold() for g in item.current]:
        return "unchanged: already set"
    if refusal := unwritable_because(item.path):
        return f"skip: {refusal}"
    replaced = [value for value in item.current if value.casefold() not in {g.casefold() for g in genres}]
    return "write: your choice" + (f", replaces {'; '.join(replaced)}" if replaced else "")


READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
FLAGS = {FILE: READ_ONLY | Qt.ItemFlag.ItemIsUserCheckable, PROPOSED: READ_ONLY | Qt.ItemFlag.ItemIsEditable}
"""What the user may change in a row of a plan not yet applied: its tick, its proposed value."""

Review = tuple[list[Path], set[Path], dict[Path, tuple[str, ...]]]
"""The ticked files, the files left out, and the corrected values (:meth:`PlanModel.review`)."""


class PlanModel(QAbstractTableModel):
    """A plan's rows: File (ticked to be written), current and proposed values (the proposed one editable, a
    correction), confidence, and what Apply will do, or, once a run or an undo has said, what became of the file.

    Sorted by any column (the File column naturally: ``2 b.flac`` before ``10 a.flac``); rows are the plan's items
    in the order of ``_order``, and every text is made when the view asks for it."""

    reviewed = Signal()
    """The user ticked, unticked or corrected a row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table: PreviewTable | None = None
        self._headings = [heading.capitalize() for heading in preview_columns()]
        self._order: list[int] = []
        """The plan's item shown at each row."""
        self._ticked = bytearray()
        self._proposed: dict[int, str] = {}
        """The proposed values as the user corrected them, by item."""
        self._actions: dict[int, str] = {}
        """What Apply will do with each item the user changed (the others: the plan's action)."""
        self._results: dict[int, str] = {}
        self._spent = False
        """Results are shown: the rows can no longer be ticked or corrected."""
        self._sort = (FILE, Qt.SortOrder.AscendingOrder)

    def show_plan(self, table: PreviewTable) -> None:
        """Show a new plan: its writes ticked, nothing corrected, in the order last sorted by."""
        self.beginResetModel()
        self._table = table
        self._ticked = bytearray(item.action is Action.WRITE for item in table.plan.items)
        self._proposed, self._actions, self._results, self._spent = {}, {}, {}, False
        self._headings = [heading.capitalize() for heading in preview_columns(table.plan.field)]
        self._order = self._sorted(*self._sort)
        self.endResetModel()

    def name_field(self, field: str) -> None:
        """Headings for a plan of ``field`` (``Proposed mood``); the last one stays ``Result`` once results show."""
        self._headings[:ACTION] = [heading.capitalize() for heading in preview_columns(field)[:ACTION]]
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, ACTION)

    def show_results(self, results: dict[Path, str]) -> None:
        """Put what happened to these files in the last column (now ``Result``); rows can no longer be changed."""
        if self._table is None:
            return
        at = {item.path: index for index, item in enumerate(self._table.plan.items)}
        self._results |= {at[path]: text for path, text in results.items() if path in at}
        self._spent = True
        self._headings[ACTION] = "Result"
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, ACTION, ACTION)
        if self._order:
            self.dataChanged.emit(self.index(0, FILE), self.index(len(self._order) - 1, ACTION))

    def ticked_count(self) -> int:
        """How many rows are ticked."""
        return self._ticked.count(1)

    def review(self) -> Review:
        """The ticked files, the files left out, and the corrected values, as the table says now.

        A ticked row whose proposal was edited, or that the plan would not have written, is a
        correction: its values are the user's.
        """
        ticked, left_out, corrections = [], set(), {}
        for index, item in enumerate(self._table.plan.items if self._table is not None else ()):
            if not self._ticked[index]:
                if item.action is Action.WRITE:
                    left_out.add(item.path)
                continue
            ticked.append(item.path)
            values = parse_genres(self._proposed[index]) if index in self._proposed else item.proposed
            if item.action is not Action.WRITE or values != item.proposed:
                corrections[item.path] = values
        return ticked, left_out, corrections

    def text(self, index: int, column: int) -> str:
        """The text of item ``index`` (of the plan, not of the view) in ``column``."""
        item = self._table.plan.items[index]
        if column == FILE:
            return self._table.names[index]
        if column == PROPOSED and index in self._proposed:
            return self._proposed[index]
        if column == ACTION:
            return self._results.get(index) or self._actions.get(index) or item.action_text
        return preview_row(item)[column]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headings)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:  # noqa: N802
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headings[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        item_index, column = self._order[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.text(item_index, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == FILE:
            return Qt.CheckState.Checked if self._ticked[item_index] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == FILE:  # the name fits the column; the full path is here
                return readable(self._table.plan.items[item_index].path)
            if column == ACTION:  # a reason (why a file is skipped, why it failed) may be cut at the dialog's edge
                return self.text(item_index, column)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return READ_ONLY if self._spent else FLAGS.get(index.column(), READ_ONLY)

    def setData(  # noqa: N802
        self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        """A tick or untick of the File column, or a corrected proposal (which ticks its row); the row's action
        follows."""
        if not index.isValid() or self._spent:
            return False
        item_index, column = self._order[index.row()], index.column()
        if column == FILE and role == Qt.ItemDataRole.CheckStateRole:
            self._ticked[item_index] = Qt.CheckState(value) == Qt.CheckState.Checked
        elif column == PROPOSED and role == Qt.ItemDataRole.EditRole and str(value) != self.text(item_index, column):
            self._proposed[item_index] = str(value)  # a value left as it was is no correction, and ticks nothing
            self._ticked[item_index] = True
        else:
            return False
        item = self._table.plan.items[item_index]
        values = parse_genres(self.text(item_index, PROPOSED))
        self._actions[item_index] = reviewed_action_text(
            item, bool(self._ticked[item_index]), values, self._table.plan.field
        )
        self.dataChanged.emit(index.siblingAtColumn(FILE), index.siblingAtColumn(ACTION))
        self.reviewed.emit()
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column``'s text (:func:`text_order`; the File column by name); the current and
        selected rows stay with their files."""
        self._sort = (column, order)
        if self._table is None:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        items = [self._order[index.row()] for index in persistent]
        self._order = self._sorted(column, order)
        row_of = {item: row for row, item in enumerate(self._order)} if persistent else {}
        self.changePersistentIndexList(
            persistent,
            [self.index(row_of[item], index.column()) for item, index in zip(items, persistent, strict=True)],
        )
        self.layoutChanged.emit()

    def _sorted(self, column: int, order: Qt.SortOrder) -> list[int]:
        """The items in the order of ``column``'s texts as shown, those alike by file name (in either order)."""
        descending = order == Qt.SortOrder.DescendingOrder
        if column == FILE:
            by_name = self._table.by_name
            return by_name[::-1] if descending else list(by_name)
        changed = self._proposed if column == PROPOSED else self._actions | self._results if column == ACTION else {}
        ranks = self._table.columns[column].ranks(changed)
        return np.lexsort((self._table.name_ranks, -ranks if descending else ranks)).tolist()
