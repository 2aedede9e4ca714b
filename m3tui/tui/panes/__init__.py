"""The five panes, in jump-key order (1–5)."""

from m3tui.tui.panes.bench import BenchPane
from m3tui.tui.panes.environment import EnvironmentPane
from m3tui.tui.panes.logs import LogsPane
from m3tui.tui.panes.profiles import ProfilesPane
from m3tui.tui.panes.versions import VersionsPane

PANES = (EnvironmentPane, VersionsPane, BenchPane, ProfilesPane, LogsPane)

__all__ = ["PANES", "BenchPane", "EnvironmentPane", "LogsPane", "ProfilesPane", "VersionsPane"]
