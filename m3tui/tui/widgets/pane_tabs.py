"""The one-line pane bar: "1 Environment  2 Versions …", the active pane highlighted.

A single Static rather than Textual's Tabs: five Tab widgets, an underline and five
TabPanes cost about a quarter of the app's start-up for what is one line of text.
The keys 1–5 are the primary way to switch; focused (tab), left/right move along
the bar; a click on a label works too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

ACTIVE_STYLE = "bold $block-cursor-foreground on $block-cursor-background"
INACTIVE_STYLE = "$text-muted"


class PaneTabs(Static, can_focus=True):
    BINDINGS: ClassVar = [
        Binding("left,h", "move(-1)", "Previous pane", show=False, id="tabs.previous"),
        Binding("right,l", "move(1)", "Next pane", show=False, id="tabs.next"),
    ]

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
        """A pane was chosen on the bar: the app shows it (focus stays on the bar for ←/→)."""

        def __init__(self, pane_id: str, focus_body: bool) -> None:
            super().__init__()
            self.pane_id = pane_id
            self.focus_body = focus_body

    def on_click(self, event: events.Click) -> None:
        pane_id = self.pane_at(event.x)
        if pane_id is not None:
            self.post_message(self.Chosen(pane_id, focus_body=True))

    def action_move(self, delta: int) -> None:
        """Next/previous pane, wrapping; focus stays on the bar."""
        ids = [pane_id for pane_id, _ in self.panes]
        target = ids[(ids.index(self.active) + delta) % len(ids)]
        self.post_message(self.Chosen(target, focus_body=False))
