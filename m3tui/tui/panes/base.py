"""What every pane shares: identity (id, title, jump key), lazy building, the focus target.

A pane is a thin front over one feature, reached through that feature's backend Protocol; the
app hands every pane the same `Backends` (real services, or fixed data in tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from m3tui.tui.widgets.key_scroll import KeyScroll

if TYPE_CHECKING:
    from m3tui.tui.backends import Backends
    from m3tui.tui.panes import PaneInfo


class PaneBody(KeyScroll, can_focus=True):
    """The pane's scrollable, focusable body: arrows, j/k, g/G and page keys scroll it."""


class Pane(Vertical):
    """Base class of the five panes.

    A pane builds its body the first time it is shown, not at start-up: hidden panes
    would otherwise cost styling and layout before the first paint.
    """

    PANE_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    # One line: what the pane is for.
    SUMMARY: ClassVar[str] = ""

    def __init__(self, backends: Backends, *, build_now: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self._build_now = build_now
        self.built = False

    def compose(self) -> ComposeResult:
        if self._build_now:
            yield self._make_body()

    def _make_body(self) -> Widget:
        """The pane's body; a pane with tables and forms returns its own layout."""
        self.built = True
        return PaneBody(*self.compose_body(), id=f"{self.PANE_ID}-body", classes="pane-body")

    def build(self) -> None:
        """Mount the body if this is the pane's first showing, then let the pane load."""
        if not self.built:
            self.mount(self._make_body())
            self.call_after_refresh(self._load)

    def on_mount(self) -> None:
        if self.built:  # built at start-up (the first pane): load once it is on screen
            self.call_after_refresh(self._load)

    def _load(self) -> None:
        """First showing: fill the body and start the pane's workers. Nothing by default."""

    def compose_body(self) -> ComposeResult:
        yield Static(self.TITLE, classes="pane-title")
        yield Static(self.SUMMARY, classes="pane-summary")

    @staticmethod
    def failure_line(exc: BaseException) -> str:
        """The one line a pane shows for a failed operation.

        An `M3tuiError` is an answer: its message, as it is. Anything else is a bug: its
        traceback goes to the crash log, and the line says so, like the CLI's "internal error".
        """
        from m3tui.core.errors import M3tuiError
        from m3tui.core.redact import redact
        from m3tui.core.text import one_line

        if isinstance(exc, M3tuiError):
            return one_line(redact(str(exc))) or type(exc).__name__
        from m3tui.core import crashlog

        return one_line(redact(f"internal error: {type(exc).__name__}: {exc} ({crashlog.save(exc)})"))

    def focus_target(self) -> Widget:
        """Where focus goes when the pane is shown."""
        return self.query_one(PaneBody)

    def focus_body(self) -> None:
        if self.built:
            focus_now(self.focus_target())
        else:
            self.build()
            self.call_after_refresh(lambda: focus_now(self.focus_target()))


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` before the next key is handled. Widget.focus() only queues the change,
    so keys typed fast (`3` then `r`, `j` then enter, `f` then text) went to the widget that
    had focus before: another pane's, or the row the cursor was leaving."""
    if widget.is_mounted and widget.focusable:
        widget.screen.set_focus(widget)
    else:  # not laid out yet: Textual's queued focus finds it once it is
        widget.focus()


class PaneSlot(Widget):
    """Where a pane not yet shown will go: the app swaps in the real pane on its first showing."""

    DEFAULT_CSS = "PaneSlot { height: 0; }"

    def __init__(self, info: PaneInfo) -> None:
        super().__init__(id=f"slot-{info.pane_id}")
        self.info = info
