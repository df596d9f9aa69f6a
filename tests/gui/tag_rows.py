"""The Tag dialog's review table read and changed row by row, as a user does it through the view (the model's
``setData``, as the view's tick box and editor call it)."""

from __future__ import annotations

from PySide6.QtCore import QPersistentModelIndex, Qt

from musictagger.gui.plan_table import FILE


class Row:
    """A row of the dialog's table; it follows its file when the table is sorted again."""

    def __init__(self, dialog, row: int) -> None:
        self.model = dialog.rows
        self.index = QPersistentModelIndex(self.model.index(row, FILE))

    def _at(self, column: int):
        return self.model.index(self.index.row(), column)

    def text(self, column: int) -> str:
        return self._at(column).data()

    def tool_tip(self, column: int) -> str | None:
        return self._at(column).data(Qt.ItemDataRole.ToolTipRole)

    def check_state(self) -> Qt.CheckState:
        return self._at(FILE).data(Qt.ItemDataRole.CheckStateRole)

    def set_check_state(self, state: Qt.CheckState) -> None:
        assert self.model.setData(self._at(FILE), state.value, Qt.ItemDataRole.CheckStateRole)

    def set_text(self, column: int, text: str) -> None:
        """Type ``text`` in the cell's editor (the proposed value, the one editable)."""
        assert self.model.setData(self._at(column), text, Qt.ItemDataRole.EditRole)


def rows(dialog) -> list[Row]:
    """The table's rows, top to bottom."""
    return [Row(dialog, row) for row in range(dialog.rows.rowCount())]


def heading(dialog, column: int) -> str:
    """The text of a column's heading."""
    return dialog.rows.headerData(column, Qt.Orientation.Horizontal)
