"""One log record in full, pretty-printed, over the Logs pane (`enter`); escape closes it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from m3tui.tui.widgets.key_scroll import KeyScroll


class RecordScreen(ModalScreen[None], inherit_bindings=False):
    """One record, pretty-printed; escape closes. Only its own keys (no focus cycling: one box)."""

    DEFAULT_CSS = """
    RecordScreen { align: center middle; }
    #logs-record-box {
        width: 90%; max-width: 120; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    #logs-record-box > Static { width: 1fr; }
    """
    BINDINGS: ClassVar = [Binding("escape,enter,q", "dismiss", "Close", id="logs.close_record")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        box = KeyScroll(Static(Text(self._body), id="logs-record-text"), id="logs-record-box")
        box.border_title = Text(self._title)  # plain: a file name may hold [brackets]
        box.border_subtitle = "esc closes"
        yield box

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
