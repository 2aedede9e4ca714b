"""The one-line pane bar: "1 Environment  2 Versions …", the active pane highlighted.

A single Static rather than Textual's Tabs: five Tab widgets, an underline and five
TabPanes cost about a quarter of the app's start-up for what is one line of text.
The keys 1–5 switch; a click on a label works too. The bar never takes focus: when it
could, the pane's keys died while it had it and letters typed there switched panes.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

ACTIVE_STYLE = "bold $block-cursor-foreground on $block-cursor-background"
INACTIVE_STYLE = "$text-muted"


class PaneTabs(Static, can_focus=False):
    active: reactive[str] = reactive("")

    def __init__(self, panes: Sequence[tuple[str, str]], active: str, *, id: str | None = None) -> None:
        """panes: (pane id, title) in jump-key order."""
        super().__init__(id=id)
        self.panes = tuple(panes)
        self.set_reactive(PaneTabs.active, active)

    def labels(self) -> list[tuple[str, str]]:
        return [(pane_id, f" {number} {title} ") for number, (pane_id, title) in enumerate(self.panes, start=1)]

    def render(self) -> Content:
        parts = [
            Content(label).stylize(ACTIVE_STYLE if pane_id == self.active else INACTIVE_STYLE)
            for pane_id, label in self.labels()
        ]
        return Content(" ").join(parts)

    def pane_at(self, x: int) -> str | None:
        """Which pane's label covers column x (labels are one cell apart)."""
        start = 0
        for pane_id, label in self.labels():
            if start <= x < start + len(label):
                return pane_id
            start += len(label) + 1
        return None

    class Chosen(Message):
        """A pane was chosen on the bar: the app shows it and focuses it."""

        def __init__(self, pane_id: str) -> None:
            super().__init__()
            self.pane_id = pane_id

    def on_click(self, event: events.Click) -> None:
        pane_id = self.pane_at(event.x)
        if pane_id is not None:
            self.post_message(self.Chosen(pane_id))
