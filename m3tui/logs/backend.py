"""What the Logs pane asks of this feature beyond its files: the `LogsBackend` Protocol and the
real one (the commands m3tui ran, its own log, the lint rules from config).

Files are opened through :mod:`m3tui.logs.sources` directly: they are the user's, not state.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from m3tui.core.cmdlog import CommandRecord
    from m3tui.logs.lint import LintConfig


class LogsBackend(Protocol):
    def commands(self) -> list[CommandRecord]:
        """The commands m3tui ran, newest first."""
        ...

    def own_log(self) -> Path | None:
        """m3tui's own log file, when there is one."""
        ...

    def lint_config(self) -> LintConfig | None:
        """The `[logs.lint]` rules (None: the defaults)."""
        ...


class LocalLogs:
    """The real command log and config of this user."""

    def commands(self) -> list[CommandRecord]:
        from m3tui.core import cmdlog

        return list(reversed(cmdlog.recent()))

    def own_log(self) -> Path | None:
        from m3tui.core import cmdlog

        path = cmdlog.own_log_path()
        return path if path.is_file() else None

    def lint_config(self) -> LintConfig | None:
        from m3tui.logs.lint import load_lint_config

        config, _warnings = load_lint_config()
        return config
