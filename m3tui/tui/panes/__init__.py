"""The five panes, in jump-key order (1–5): what the app shell knows of each before it is shown.

A pane's module (its widgets, its feature's backend) is imported when the pane is first shown,
not at start-up: until then the app holds a `PaneSlot` in its place. Only the first pane, and
the Environment pane (which takes the doctor's findings from the start), are real at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from m3tui.tui.panes.base import Pane


class PaneInfo(NamedTuple):
    pane_id: str
    title: str  # as the pane class has it (tests/tui/test_app.py checks they agree)
    module: str
    class_name: str

    def load(self) -> type[Pane]:
        """The pane's class, importing its module (and so its feature's backend) now."""
        cls: type[Pane] = getattr(importlib.import_module(self.module), self.class_name)
        return cls


PANES = (
    PaneInfo("environment", "Environment", "m3tui.tui.panes.environment", "EnvironmentPane"),
    PaneInfo("versions", "Versions", "m3tui.tui.panes.versions", "VersionsPane"),
    PaneInfo("bench", "Bench", "m3tui.tui.panes.bench", "BenchPane"),
    PaneInfo("profiles", "Profiles", "m3tui.tui.panes.profiles", "ProfilesPane"),
    PaneInfo("logs", "Logs", "m3tui.tui.panes.logs", "LogsPane"),
)
#: Panes that exist from the start whichever is shown first.
ALWAYS_BUILT = frozenset({"environment"})


def pane_info(pane_id: str) -> PaneInfo:
    return next(p for p in PANES if p.pane_id == pane_id)


def pane_classes() -> list[type[Pane]]:
    """Every pane class (imports every pane: for the keymap check and the tests, not start-up)."""
    return [info.load() for info in PANES]
