"""The Logs pane's field filter prompt (`&`, as in less): an expression over the fields of JSON
and logfmt lines (m3tui.logs.where), completed from the fields seen in the source.

The names and values offered come from :func:`m3tui.logs.fields.seen_fields` over the lines
around the cursor (the pane reads them in a thread before the prompt opens). Tab or right takes
the suggestion for the term being typed: a field name, or after ``name=`` one of its values
when the field has few. Enter applies the expression (a bad one is said under the input, which
stays open), an empty one clears the filter, esc leaves the filter as it was; esc in the pane
(outside the prompt) clears it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from m3tui.logs.where import Where
    from m3tui.tui.panes.logs import LogsPane

__all__ = ["FieldSuggester", "PaneWhere", "WhereScreen"]

_OPS = ("!~", "!=", ">=", "<=", "~", "=", ">", "<")


class FieldSuggester(Suggester):
    """Completes the last term of an expression: its field name, or its value after an operator."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.fields = fields

    async def get_suggestion(self, value: str) -> str | None:
        head, _, term = value.rpartition(" ")
        head = f"{head} " if head or value.startswith(" ") else ""
        if not term:
            return None
        negate = "!" if term.startswith("!") and not term.startswith(("!=", "!~")) else ""
        body = term[len(negate) :]
        at = min((body.find(op) for op in _OPS if op in body), default=-1)
        if at < 0:  # a name being typed
            name = next((n for n in self.fields if n.startswith(body) and n != body), None)
            return None if name is None else f"{head}{negate}{name}"
        name = body[:at]
        op = next(o for o in _OPS if body.startswith(o, at))
        typed = body[at + len(op) :]
        choice = next((v for v in self.fields.get(name, ()) if v.startswith(typed) and v != typed and " " not in v), None)
        return None if choice is None else f"{head}{name}{op}{choice}"


class WhereScreen(ModalScreen[str | None], inherit_bindings=False):
    """The prompt: dismissed with the expression to apply ("" clears), or None (esc: unchanged)."""

    DEFAULT_CSS = """
    WhereScreen { align: center middle; }
    #logs-where-box {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    #logs-where-input { width: 1fr; }
    #logs-where-error { color: $error; height: auto; }
    #logs-where-fields { color: $text-muted; height: auto; max-height: 12; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Cancel", id="logs.where_cancel"),
        Binding("tab", "complete", "Complete", priority=True, id="logs.where_complete"),
    ]

    def __init__(self, current: str, fields: dict[str, list[str]]) -> None:
        super().__init__()
        self._current = current
        self._fields = fields

    def compose(self) -> ComposeResult:
        box = Vertical(
            Input(self._current, placeholder="level>=warn component=api duration>500ms msg~timeout trace_id=4bf9*",
                  suggester=FieldSuggester(self._fields), id="logs-where-input"),
            Static("", id="logs-where-error"),
            Static(self._fields_text(), id="logs-where-fields"),
            id="logs-where-box",
        )  # fmt: skip
        box.border_title = "filter by fields (&)"
        box.border_subtitle = "tab completes · enter applies · empty clears · esc cancels"
        yield box

    def _fields_text(self) -> Text:
        if not self._fields:
            return Text("no JSON or logfmt fields seen near the cursor", style="dim")
        text = Text(no_wrap=True, overflow="ellipsis")  # a field a line, its values cut at the edge
        for name, values in list(self._fields.items())[:12]:
            text.append(name, style="bold")
            if values:
                shown = ", ".join(values[:6]) + (", …" if len(values) > 6 else "")
                text.append(f"  {shown}")
            text.append("\n")
        if len(self._fields) > 12:
            text.append(f"… and {len(self._fields) - 12} more fields", style="dim")
        return text

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from m3tui.core.errors import UsageError
        from m3tui.logs.where import parse_where

        event.stop()
        value = event.value.strip()
        try:
            parse_where(value)
        except UsageError as exc:
            self.query_one("#logs-where-error", Static).update(Text(str(exc)))
            return
        self.dismiss(value)

    def action_complete(self) -> None:
        """Take the suggestion for the term being typed (as right does at the end of the input)."""
        field = self.query_one(Input)
        field.cursor_position = len(field.value)
        field.action_cursor_right()

    def action_close(self) -> None:
        self.dismiss(None)


class PaneWhere:
    """The field filter of a Logs pane: what `&` set (``filter``), and the prompt that sets it."""

    #: Lines around the cursor whose fields the prompt offers.
    NEAR = 2000

    def __init__(self, pane: LogsPane) -> None:
        self.pane = pane
        self.filter: Where | None = None

    @property
    def text(self) -> str:
        return self.filter.text if self.filter is not None else ""

    def ask(self) -> None:
        self.pane.run_worker(self._ask(), group="logs-where", exclusive=True)

    async def _ask(self) -> None:
        import asyncio

        from m3tui.logs.fields import seen_fields

        pane, src = self.pane, self.pane.source
        fields: dict[str, list[str]] = {}
        if src is not None:
            line = pane.view.cursor_line or 0
            start = max(0, line - self.NEAR // 2)
            fields = await asyncio.to_thread(lambda: seen_fields(b for _, b in src.iter_lines(start, start + self.NEAR)))
        pane.app.push_screen(WhereScreen(self.text, fields), self.apply)

    def apply(self, value: str | None) -> None:
        """The prompt's answer: an expression (checked there) to filter by, "" to clear, None to leave as is."""
        from m3tui.logs.where import parse_where

        if value is None:
            return
        self.filter = parse_where(value) if value else None
        self.pane._recompute()
