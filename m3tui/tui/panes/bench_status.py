"""The Bench pane's status line: wrapped to at most a few lines, and the whole of it on `e`.

A compiler's error (up to ten lines), a long command or a noise warning would push the tables
off an 80x24 screen; cut silently, the user would never read the end. So the status shows what
fits in ``MAX_LINES`` and, when there is more, says so on its last line; `e` opens the whole
text in a scrollable box (esc closes it, and focus goes back where it was).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from m3tui.tui.panes.base import focus_now
from m3tui.tui.widgets.key_scroll import KeyScroll

if TYPE_CHECKING:
    from m3tui.bench.session import SessionResult

#: Lines the status may take before the rest goes behind `e`.
MAX_LINES = 3


class BenchStatus(Static):
    """One status text, shown wrapped in at most MAX_LINES lines."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.full = Text()

    def say(self, text: str | Text) -> None:
        self.full = Text(text) if isinstance(text, str) else text
        self._show()

    @property
    def cut(self) -> bool:
        """Whether some of the text is not shown (then `e` shows it)."""
        return len(self._lines()) > MAX_LINES

    def _lines(self) -> list[Text]:
        width = self.content_size.width or max(self.app.size.width - 2, 20)
        return list(self.full.wrap(self.app.console, width))

    def _show(self) -> None:
        lines = self._lines()
        if len(lines) <= MAX_LINES:
            self.update(self.full)
            return
        shown = Text("\n").join(lines[: MAX_LINES - 1])
        shown.append(f"\n… {len(lines) - MAX_LINES + 1} more lines · e shows all", style="dim")
        self.update(shown)

    def on_resize(self) -> None:
        self._show()


def finished_status(result: SessionResult, import_path: str, where: str, seconds: float) -> Text:
    """What a run ended in: done (with its noise), stopped, or failed with the reason; a side that
    did not build says the compiler's lines (`e` shows them all) and the other side's rows stay."""
    n = sum(len(r.results) for r in result.runs.values())
    if result.status == "failed" and not n:
        return Text(f"{import_path}: {result.error}", style="bold red")
    if result.status == "cancelled":
        return Text(f"stopped: kept {n} samples ({where})", style="yellow")
    if result.status == "failed":
        return build_failures(result, f"{n} samples ({where})") or Text(f"{result.error} · kept {n} samples ({where})",
                                                                          style="bold red")  # fmt: skip
    done = Text(f"done: {n} samples in {seconds:.0f} s ({where})", style="green")
    if result.noise:
        more = f" (+{len(result.noise) - 1} more: s)" if len(result.noise) > 1 else ""
        done.append(f" · noise: {result.noise[0]}{more}", style="yellow")
    return done


def build_failures(result: SessionResult, kept: str) -> Text | None:
    """A side that did not build (an A/B run): the error, the other sides' rows kept, then the
    compiler's lines of each failed side; None when every side built."""
    failed = [(label, run) for label, run in result.runs.items() if run.build_lines]
    if not failed:
        return None
    others = ", ".join(label for label, run in result.runs.items() if run.results) or "no side"
    text = Text()
    text.append(f"{failed[0][1].error or failed[0][0] + ': the build failed'} · kept {others}: {kept}", style="bold red")
    for label, run in failed:
        text.append(f"\n{label}: go test's build output:\n", style="bold")
        text.append("\n".join(run.build_lines))
    return text


class StatusScreen(ModalScreen[None], inherit_bindings=False):
    """The whole status text, scrollable; esc (or e, q) closes it."""

    BINDINGS: ClassVar = [Binding("escape,e,q", "dismiss_status", "Close", id="bench.status_close")]

    def __init__(self, text: Text) -> None:
        super().__init__(classes="bench-status-screen")
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="bench-status-box"):
            yield Static("Bench status", id="bench-status-title")
            yield KeyScroll(Static(self.text), id="bench-status-scroll", can_focus=True)
            yield Static("esc closes · arrows, page keys scroll", id="bench-status-hint")

    def on_mount(self) -> None:
        focus_now(self.query_one("#bench-status-scroll"))

    def action_dismiss_status(self) -> None:
        self.dismiss(None)
