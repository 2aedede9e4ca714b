"""The one-line header: the Go that runs here, what it builds for, m3tui's global Go when
another one runs here, the host when it differs, and the doctor's count.

It fits 80 columns: the host is named only when it is not the platform go builds for (or runs
under Rosetta), which is exactly when it matters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from m3tui.core.toolchain import ToolchainReport
    from m3tui.versions.current import Current


class StatusLine(Static):
    """Filled in after the first paint: probing go must never delay the app's start."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.report: ToolchainReport | None = None
        self.problems: int | None = None
        self.checking = False
        self.current: Current | None = None

    def on_mount(self) -> None:
        self._refresh_text()

    def show(self, report: ToolchainReport | None) -> None:
        self.report = report
        self._refresh_text()

    def show_current(self, current: Current | None) -> None:
        """Which Go is current (versions.current: the one answer the Versions pane shows too)."""
        self.current = current
        self._refresh_text()

    def show_problems(self, problems: int | None, *, checking: bool = False) -> None:
        """The doctor's count of problems (warn, error, crashed) so far; None before any run."""
        self.problems, self.checking = problems, checking
        self._refresh_text()

    def _refresh_text(self) -> None:
        self.update(status_text(self.report, self.problems, checking=self.checking, current=self.current))


def status_text(
    report: ToolchainReport | None, findings: int | None = None, *, checking: bool = False, current: Current | None = None
) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" m3tui ", style="bold reverse")
    text.append("  ")
    if report is None:
        text.append("go: probing…", style="dim")
        return text
    target: str | None = None  # no go, or one that does not run: the host is always shown
    if report.version is not None:
        text.append(report.version.version, style="bold red" if report.binary_mismatch else "bold")
        target = report.target or f"{report.version.goos}/{report.version.goarch}"
        text.append(f" {target}", style="bold red" if report.target_mismatch else "")
    elif report.go is None:
        text.append("go: not on PATH", style="bold red")
    else:
        text.append("go: broken", style="bold red")
    if current is not None:
        if current.global_state == "dangling":
            text.append("  global: broken link", style="bold red")
        elif current.global_version and not current.runs_global:
            text.append(f"  global {current.global_version}", style="dim")
    host = f"{report.host.goos}/{report.host.goarch}"
    if host != target or report.host.translated:
        text.append(f"  host {host}")
    if report.host.translated:
        text.append(" (Rosetta)", style="bold red")
    text.append("  ")
    suffix = "…" if checking else ""
    if findings is None:
        text.append("doctor: checking…" if checking else "doctor: not run", style="dim")
    elif findings == 0:
        text.append(f"doctor: ok{suffix}", style="green")
    else:
        text.append(f"doctor: {findings} problem{'s' if findings != 1 else ''}{suffix}", style="bold yellow")
    return text
