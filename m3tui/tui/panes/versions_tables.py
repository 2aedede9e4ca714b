"""The Versions pane's two lists and its "here" panel: rows keyed by identity, fitted to the width.

Both tables are refilled in place (`RowTable.refill`, tui/widgets/row_table.py): the cursor stays on the row with the same key (a
GOROOT, a release) across refreshes, installs, background updates and filtering; when that row
is gone (removed) it moves to the neighbour: the next row, or the previous one if it was last.
The installed table fits its width: at under 100 columns the platform narrows to the
architecture and the path is shortened (~, then cut in the middle); enter shows the whole row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from m3tui.tui.widgets.row_table import Cell, RowTable
from m3tui.versions.current import Current
from m3tui.versions.listing import InstalledRow, short_path, tilde
from m3tui.versions.project import ProjectView

#: Below this many columns of table the platform shows as the architecture only.
WIDE = 96
#: The path column never narrows below this.
MIN_WHERE = 12


class InstalledTable(RowTable):
    """Installed Go versions; enter shows the highlighted row whole (path, why it is marked)."""

    BINDINGS: ClassVar = [Binding("enter", "select_cursor", "Show the whole row", show=False, id="versions.row_details")]


class ReleaseTable(RowTable):
    """go.dev's releases; enter installs the highlighted one."""

    BINDINGS: ClassVar = [Binding("enter", "select_cursor", "Install this release", show=False, id="versions.install_row")]


# --- the installed table, fitted to its width ------------------------------------------------------


def installed_columns(table: DataTable[Cell], rows: Sequence[InstalledRow], width: int) -> list[tuple[str, Sequence[Cell]]]:
    """(key, cells) for the rows at ``width`` columns, (re)making the columns when the layout changes."""
    wide = width >= WIDE
    headers = (" ", "version", "", "manager", "os/arch" if wide else "arch", "size", "where")
    if [str(c.label) for c in table.columns.values()] != list(headers):
        table.clear(columns=True)
        for header in headers:
            table.add_column(header)
    cells = [[r.mark, r.version, r.tag, r.manager, r.platform if wide else r.arch, r.size] for r in rows]
    widths = [max([cell_len(h)] + [cell_len(str(c[n])) for c in cells]) for n, h in enumerate(headers[:-1])]
    # Each column has one cell of padding either side; the scrollbar takes 2 when rows overflow.
    fixed = sum(w + 2 for w in widths) + 2 + 2
    room = max(MIN_WHERE, width - fixed)
    out: list[tuple[str, Sequence[Cell]]] = []
    for row, values in zip(rows, cells, strict=True):
        styled: list[Cell] = [
            Text(row.mark, style="bold green"), values[1], Text(row.tag, style="bold cyan"), *values[3:],
            short_path(row.where, room),
        ]  # fmt: skip
        out.append((row.key, styled))
    return out


# --- the "here" panel --------------------------------------------------------------------------------


def here_text(view: ProjectView, current: Current | None) -> Text:
    """What this directory asks for, what runs here and why, m3tui's global choice, and the notes."""
    text = Text()
    text.append("here ", style="bold")
    text.append(f"{short_path(view.cwd)}: ")
    asks = []
    for name, module in (view.modules or {}).items():
        asks.append(f"{name} " + ", ".join(f"{k} {v}" for k, v in module.items() if k != "path"))
    pinned = view.pin.pinned if view.pin is not None else None
    if pinned is not None:
        asks.append(f"{pinned.kind} {pinned.value}")
    text.append("; ".join(asks) or "no go.mod, no pin")
    text.append("\n● runs ", style="bold")
    if current is None:
        runs = view.effective or (view.local.version if view.local else "no go")
        text.append(runs, style="bold")
        return text
    if current.version is None:
        text.append("no go", style="bold red")
        text.append(f": {tilde(current.why)}", style="red")
    else:
        switched = current.reason in ("go.mod", "GOTOOLCHAIN")
        text.append(current.version, style="bold red" if current.would_download else "bold yellow" if switched else "bold")
        if current.runs_global:
            text.append(" global", style="bold cyan")
        text.append(f" · {tilde(current.why)}", style="dim" if not switched else "")
        if current.would_download:
            text.append(" (go would download it first)", style="red")
    for note in current.notes:
        if note.kind == "would-download":
            continue  # said on the line above
        text.append("\n! ", style="bold yellow")
        text.append(tilde(note.text), style="yellow")
        if note.fix:
            text.append(f": {tilde(note.fix)}", style="dim")
    return text
