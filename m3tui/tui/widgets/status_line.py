"""The one-line header: the go on PATH and what it builds for, where the Go that runs here comes
from (a pin file, M3TUI_GO_VERSION, m3tui's global `current`, PATH; `!` when m3tui's choice is
not what runs: versions.listing.origin), the host when it differs, and the doctor's count.

It fits its width (80 columns): the host is named only when it is not the platform go builds
for (or runs under Rosetta), which is exactly when it matters; the origin is said in the longest
of its forms that fits, never wrapped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from m3tui.core.pins import Pin
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
        self.pin: Pin | None = None

    def on_mount(self) -> None:
        self._refresh_text()

    def on_resize(self) -> None:
        self._refresh_text()

    def show(self, report: ToolchainReport | None) -> None:
        self.report = report
        self._refresh_text()

    def show_current(self, current: Current | None, pin: Pin | None = None) -> None:
        """Which Go is current (versions.current: the one answer the Versions pane shows too) and
        what this directory pins (core.pins), both from the Versions backend, in a worker."""
        self.current, self.pin = current, pin
        self._refresh_text()

    def show_problems(self, problems: int | None, *, checking: bool = False) -> None:
        """The doctor's count of problems (warn, error, crashed) so far; None before any run."""
        self.problems, self.checking = problems, checking
        self._refresh_text()

    def _refresh_text(self) -> None:
        width = self.size.width or (self.app.size.width if self.is_attached else 0) or None
        self.update(status_text(self.report, self.problems, checking=self.checking, current=self.current, pin=self.pin, width=width))


#: The warning mark (the Environment pane's and the Versions panel's `!`).
WARN_MARK = "!"


def status_text(
    report: ToolchainReport | None,
    findings: int | None = None,
    *,
    checking: bool = False,
    current: Current | None = None,
    pin: Pin | None = None,
    width: int | None = None,
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
    tail = Text()  # after the origin, measured first: the origin takes what room is left
    host = f"{report.host.goos}/{report.host.goarch}"
    if host != target or report.host.translated:
        tail.append(f"  host {host}")
    if report.host.translated:
        tail.append(" (Rosetta)", style="bold red")
    tail.append("  ")
    suffix = "…" if checking else ""
    if findings is None:
        tail.append("doctor: checking…" if checking else "doctor: not run", style="dim")
    elif findings == 0:
        tail.append(f"doctor: ok{suffix}", style="green")
    else:
        tail.append(f"doctor: {findings} problem{'s' if findings != 1 else ''}{suffix}", style="bold yellow")
    if current is not None:
        text.append_text(origin_text(current, pin, None if width is None else width - text.cell_len - tail.cell_len))
    text.append_text(tail)
    return text


def origin_text(current: Current, pin: Pin | None, room: int | None) -> Text:
    """"  from .go-version", "  ! .go-version pins 1.22.10, go.mod asks go1.23.4": the longest
    form that fits ``room`` cells (None: any); when none does, the mark alone (the doctor's count
    after it is never cut)."""
    from m3tui.versions.listing import origin

    said = origin(current, pin)
    piece = Text()
    mark = f"{WARN_MARK} " if said.warn else ""
    fits = [f for f in said.forms if room is None or 2 + len(mark) + len(f) <= room]
    if not fits and not said.warn:
        return piece
    piece.append("  ")
    if mark:
        piece.append(mark.rstrip() if not fits else mark, style="bold yellow")
    if fits:
        piece.append(fits[0], style="yellow" if said.warn else "")
    return piece
