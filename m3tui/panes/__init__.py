"""The five panes, in jump-key order (1–5)."""

from .bench import BenchPane
from .environment import EnvironmentPane
from .logs import LogsPane
from .profiles import ProfilesPane
from .versions import VersionsPane

PANES = (EnvironmentPane, VersionsPane, BenchPane, ProfilesPane, LogsPane)

__all__ = ["PANES", "BenchPane", "EnvironmentPane", "LogsPane", "ProfilesPane", "VersionsPane"]
