"""The one row-cursor table every pane uses: keys with ids, and a cursor that keeps its row.

Textual's DataTable binds its keys without ids (a keymap cannot remap them, `?` cannot name
them) and `clear()` + `add_row` puts the cursor back on row 0. Here the keys are restated with
ids (plus vi keys), and `refill` replaces the rows keeping the cursor on the row with the same
key; when that row is gone it goes to the neighbour (the same position, clamped: the next row,
or the previous one if it was last). A table whose enter does something adds that binding itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable

Cell = str | Text


class RowTable(DataTable[Cell], inherit_bindings=False):
    BINDINGS: ClassVar = [
        Binding("up,k", "cursor_up", "Previous row", show=False, id="table.up"),
        Binding("down,j", "cursor_down", "Next row", show=False, id="table.down"),
        Binding("home,g", "scroll_top", "First row", show=False, id="table.first"),
        Binding("end,G", "scroll_bottom", "Last row", show=False, id="table.last"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="table.left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="table.right"),
    ]

    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None for an empty table)."""
        return cursor_key(self)

    def row_keys(self) -> list[str]:
        return [str(key.value) for key in self.rows]

    def refill(self, rows: Sequence[tuple[str, Sequence[Cell]]], *, keep: str | None = None) -> None:
        refill(self, rows, keep=keep)

    def restore_cursor(self, key: str | None, index: int) -> None:
        """After a fill of its own (the columns changed too): back onto ``key``'s row, else the
        row now at ``index``."""
        put_cursor(self, key, index)


def cursor_key(table: DataTable[Cell]) -> str | None:
    """The key of the row under the cursor (None for an empty table)."""
    if table.row_count == 0:
        return None
    value = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
    return value if isinstance(value, str) else None


def fit_columns(table: DataTable[Cell]) -> None:
    """Each column as wide as its widest cell, now. clear() keeps the widest cell ever seen, and
    DataTable measures new rows only on its next idle, which a table that is sent nothing else
    may not get for a while: its columns then showed cut to their labels' width (and snapshots
    of them differed from run to run)."""
    from textual.render import measure
    from textual.widgets._data_table import default_cell_formatter  # how DataTable itself measures a cell

    console = table.app.console
    for key, column in table.columns.items():
        widths = [measure(console, default_cell_formatter(cell, wrap=False), 1) for cell in table.get_column(key)]
        column.content_width = max([column.label.cell_len, *widths])
    table.refresh(layout=True)


def refill(table: DataTable[Cell], rows: Sequence[tuple[str, Sequence[Cell]]], *, keep: str | None = None) -> None:
    """Replace the rows (key, cells) and put the cursor back on the row it was on (``keep``: on
    that key instead); when that row is gone, on its neighbour (the same position, clamped)."""
    wanted = keep if keep is not None else cursor_key(table)
    position = table.cursor_row
    scroll_y = table.scroll_y
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    fit_columns(table)
    if rows:
        table.scroll_to(y=scroll_y, animate=False, immediate=True)
        put_cursor(table, wanted, position)


def put_cursor(table: DataTable[Cell], wanted: str | None, position: int) -> None:
    """The cursor onto ``wanted``'s row; when it is gone, onto the row now at ``position`` (the
    neighbour: clamped to the last row)."""
    keys = [row.key.value for row in table.ordered_rows]
    if keys:
        table.move_cursor(row=keys.index(wanted) if wanted in keys else min(position, len(keys) - 1), animate=False)
