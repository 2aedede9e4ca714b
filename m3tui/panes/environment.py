"""Environment pane: the active Go toolchain now, the doctor's findings later."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ..services.toolchain import ToolchainReport, report_facts
from .base import Pane, planned_card


class EnvironmentPane(Pane):
    PANE_ID = "environment"
    TITLE = "Environment"
    SUMMARY = "Is this machine and its Go toolchain really set up right?"
    PLANNED = (
        "run the doctor: Rosetta, Homebrew prefix, every go on PATH and its arch, GOROOT, "
        "GOTOOLCHAIN, go env audit, gopls/dlv, proxy reachability",
        "say how to fix each finding, and what changed since a saved baseline",
    )
    PLANNED_HEADLESS = "m3tui doctor [--json] [--offline]"

    BINDINGS: ClassVar = [
        Binding("r", "app.refresh_toolchain", "Re-probe go", id="environment.refresh"),
    ]

    report: ToolchainReport | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(self.TITLE, classes="pane-title")
        yield Static(self.SUMMARY, classes="pane-summary")
        yield Static(toolchain_table(self.report), id="toolchain-facts")
        yield Static(planned_card(self.PLANNED, self.PLANNED_HEADLESS), classes="planned")

    def show_toolchain(self, report: ToolchainReport | None) -> None:
        self.report = report
        if self.built:
            self.query_one("#toolchain-facts", Static).update(toolchain_table(report))


def toolchain_table(report: ToolchainReport | None) -> Table | Text:
    """The facts the probe found, one per row; problems in red."""
    if report is None:
        return Text("Looking for go on PATH…", style="dim")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for fact in report_facts(report):
        style = "bold red" if fact.problem else ""
        table.add_row(Text(fact.label, style=style), Text(fact.value, style=style))
    return table
