"""The `?` panel: every key of the current pane, then the keys that work everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from m3tui.tui.widgets.key_scroll import KeyScroll


@dataclass(frozen=True)
class KeyHelp:
    keys: str
    description: str
    binding_id: str


@runtime_checkable
class ShowsKeys(Protocol):
    """The app, which knows the keys as the user has them (config keymap applied)."""

    def keys_of(self, node: DOMNode) -> list[KeyHelp]: ...


class HelpScreen(ModalScreen[None], inherit_bindings=False):
    BINDINGS: ClassVar = [
        Binding("escape,question_mark,q", "dismiss_help", "Close", id="help.close"),
    ]

    def __init__(self, pane_title: str, pane_keys: list[KeyHelp], global_keys: list[KeyHelp]) -> None:
        super().__init__()
        self.pane_title = pane_title
        self.pane_keys = pane_keys
        self.global_keys = global_keys

    def compose(self) -> ComposeResult:
        with KeyScroll(id="help-box"):
            yield Static(f"Keys: {self.pane_title}", id="help-title")
            sections = [("Everywhere", self.global_keys)]
            yield Static(keys_table(self.pane_keys, sections), id="help-keys")
            yield Static(f"{self._close_keys()} closes · keys can be remapped by id in config.toml [keymap]", id="help-hint")

    def _close_keys(self) -> str:
        """The close keys as the user has them (the keymap may have changed them)."""
        app = self.app
        keys = app.keys_of(self) if isinstance(app, ShowsKeys) else []
        return next((k.keys for k in keys if k.binding_id == "help.close"), "esc")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)


def keys_table(pane_keys: list[KeyHelp], sections: list[tuple[str, list[KeyHelp]]]) -> Table:
    """One table, so every section shares the column widths."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_column(style="dim", no_wrap=True)
    for row in pane_keys:
        table.add_row(row.keys, row.description, row.binding_id)
    for title, rows in sections:
        if rows:
            table.add_row()
            table.add_row(Text(title, style="bold"))
            for row in rows:
                table.add_row(row.keys, row.description, row.binding_id)
    return table
