"""The Logs pane's source list: the files opened (newest first), m3tui's own log, and the
commands m3tui ran (newest first), one row each; `enter` shows a row's lines.

Each row has a key that names its source for good (a file's path, a command's start time and
command line), so the cursor stays on the same source when the list is filled again (`r`, a
file opened, a new command at the top).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding

from m3tui.core.text import human_size
from m3tui.tui.widgets.row_table import RowTable, fit_columns

if TYPE_CHECKING:
    from m3tui.core.cmdlog import CommandRecord
    from m3tui.logs.merge import MergedSource
    from m3tui.logs.sources import FileSource

NONE_KEY = "none"
#: Columns the list keeps for the status and size columns (and the cells' padding).
TAKEN = 30
OWN_KEY = "own"


def file_key(path: Path | str) -> str:
    return f"file:{path}"


class SourceList(RowTable):
    """One row per source; :meth:`fill` keeps the cursor on the row of ``selected``."""

    BINDINGS: ClassVar = [Binding("enter", "select_cursor", "Show its lines", show=False, id="logs.open_source")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", show_header=False, zebra_stripes=False, **kwargs)
        self._size_column = self.add_columns(Text("source"), Text("status"), Text("took"))[2]  # (Text: no markup parsed)
        self.commands: dict[str, CommandRecord] = {}  # row key -> the command it shows

    def fill(self, files: dict[str, FileSource], own: Path | None, commands: list[CommandRecord], selected: str,
             merged: Mapping[str, MergedSource] | None = None) -> None:  # fmt: skip
        """One row per source; a name longer than the list leaves room for is cut at its end
        (a command's whole line is the first line of its output, a file's name the status's)."""
        from m3tui.logs.sources import command_title

        room = max(16, (self.size.width or self.app.size.width - 4) - TAKEN)

        def fitted(name: str) -> str:
            return name if len(name) <= room else name[: room - 1] + "…"

        self.clear()
        self.commands = {}
        for key, m in reversed(list((merged or {}).items())):  # several files as one timeline (log_merge.py)
            size = human_size(sum(p.index.size for p in m.parts))
            self.add_row(Text(fitted(m.name), style="bold"), Text("merged", style="cyan"), Text(size), key=key)
        for key, src in reversed(list(files.items())):
            self.add_row(Text(fitted(src.name), style="bold"), Text("file", style="cyan"), Text(human_size(src.index.size)), key=file_key(key))
        if own is not None:
            self.add_row(Text("m3tui log", style="bold"), Text("log", style="cyan"), Text(""), key=OWN_KEY)
        for rec in commands:
            key = f"cmd:{rec.started} {' '.join(rec.argv)}"
            while key in self.commands:  # the same command line started in the same instant
                key += "+"
            self.commands[key] = rec
            self.add_row(Text(fitted(command_title(rec.argv))), _exit(rec), Text(f"{rec.duration_s:.2f} s"), key=key)  # a command line is not markup
        if not self.row_count:
            self.add_row(Text("no commands yet · o opens a file", style="dim"), Text(""), Text(""), key=NONE_KEY)
        fit_columns(self)
        keys = self.keys()
        if selected in keys:
            self.move_cursor(row=keys.index(selected), animate=False)

    def show_size(self, key: str, size: int) -> None:
        """A file's row says its size now (a followed file grows)."""
        if key in self.keys():
            self.update_cell(key, self._size_column, Text(human_size(size)))

    def keys(self) -> list[str]:
        return self.row_keys()


def _exit(rec: CommandRecord) -> Text:
    if rec.timed_out:
        return Text("timed out", style="red")
    if rec.cancelled:
        return Text("cancelled", style="yellow")
    if rec.returncode == 0:
        return Text("ok", style="green")
    return Text(f"exit {rec.returncode}", style="bold red")
