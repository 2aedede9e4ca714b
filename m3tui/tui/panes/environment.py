"""Environment pane: the doctor's findings, streamed in as each check finishes.

Grouped (System, Go, Network, Drift), worst first; each finding expands (enter) to its
detail and fix; `c` copies the focused finding's fix, `r` runs everything again. The
header's problem count comes from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Collapsible, Static

from m3tui.doctor.model import Finding, Group, Status
from m3tui.tui.panes.base import Pane

if TYPE_CHECKING:
    from m3tui.tui.backends import Backends

GROUP_ORDER = (Group.SYSTEM, Group.GO, Group.NETWORK, Group.DRIFT)
SYMBOL = {
    Status.OK: ("✓", "$success"),
    Status.WARN: ("!", "$warning"),
    Status.ERROR: ("✗", "$error"),
    Status.SKIPPED: ("-", "$text-muted"),
    Status.CRASHED: ("‼", "$error"),
}


class FindingView(Collapsible):
    """One finding: symbol and summary as the title; detail and fix inside."""

    def __init__(self, finding: Finding) -> None:
        symbol, style = SYMBOL[finding.status]
        title = Content.assemble((symbol, f"bold {style}"), " ", finding.summary)
        super().__init__(
            Static(finding_body(finding), classes="finding-body"),
            title=title,  # type: ignore[arg-type] # Collapsible draws a Content title (the coloured symbol); its hint says str
            collapsed=True,
            classes=f"finding -{finding.status.value}",
        )
        self.finding = finding


def finding_body(finding: Finding) -> Content:
    parts: list[Content | tuple[str, str] | str] = []
    if finding.detail:
        parts.append(Content(finding.detail))
    if finding.fix:
        if parts:
            parts.append("\n\n")
        parts += [("fix: ", "bold"), Content(finding.fix)]
    if not parts:
        parts.append(("no detail", "$text-muted"))
    parts.append(Content.assemble("\n", (f"[{finding.id}]", "$text-muted")))
    return Content.assemble(*parts)


class EnvironmentPane(Pane):
    PANE_ID = "environment"
    TITLE = "Environment"
    SUMMARY = "Is this machine and its Go toolchain really set up right?"

    BINDINGS: ClassVar = [
        Binding("r", "app.run_doctor", "Re-run checks", id="environment.rerun"),
        Binding("c", "copy_fix", "Copy fix", id="environment.copy_fix"),
        Binding("e", "expand_problems", "Expand problems", id="environment.expand"),
    ]

    def __init__(self, backends: Backends, **kwargs: Any) -> None:
        super().__init__(backends, **kwargs)
        self.findings: dict[str, Finding] = {}
        self.running = False
        self.expected: int | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(self.TITLE, classes="pane-title")
        yield Static(self.SUMMARY, classes="pane-summary")
        yield Static(self.progress_text(), id="doctor-progress")
        ordered = self.ordered()
        for group in GROUP_ORDER:
            yield Static(group.value, id=f"group-{group.name.lower()}", classes="group-title")
            yield from (FindingView(f) for f in ordered if f.group is group)

    # --- fed by the app's doctor worker -------------------------------------------------------

    def start_run(self, expected: int | None = None) -> None:
        self.findings.clear()
        self.running, self.expected = True, expected
        if self.built:
            self.query(FindingView).remove()
            self._update_progress()

    def add_finding(self, finding: Finding) -> None:
        """Insert in its place (group, then worst first), as soon as it arrives."""
        self.findings[finding.id] = finding
        if not self.built:
            return
        body = self.query_one(".pane-body")
        after = next((child for child in body.children if (k := _child_key(child)) is not None and k > _key(finding)), None)
        body.mount(FindingView(finding), before=after)
        self._update_progress()

    def finish_run(self) -> None:
        self.running = False
        self._update_progress()

    def ordered(self) -> list[Finding]:
        return sorted(self.findings.values(), key=_key)

    def progress_text(self) -> Content:
        problems = sum(1 for f in self.findings.values() if f.is_problem)
        done = len(self.findings)
        if self.running:
            return Content.assemble(("running checks… ", "$accent"), f"{done} findings so far")
        if not self.findings:
            return Content.styled("checks start after the first paint", "$text-muted")
        verdict = (f"{problems} problem{'s' if problems != 1 else ''}", "bold $warning") if problems else ("no problems", "bold $success")
        return Content.assemble(verdict, f" in {done} findings · enter expands · c copies a fix · r re-runs")

    def _update_progress(self) -> None:
        if self.built:  # not yet shown (m3tui logs FILE starts on Logs): compose_body draws it all later
            self.query_one("#doctor-progress", Static).update(self.progress_text())

    # --- actions ------------------------------------------------------------------------------

    def action_copy_fix(self) -> None:
        focused = self.app.focused
        view = next((node for node in (focused.ancestors_with_self if focused else []) if isinstance(node, FindingView)), None)
        if view is None:
            self.app.notify("Move to a finding first (tab), then press c.", severity="warning")
        elif not view.finding.fix:
            self.app.notify("This finding has no fix to copy.")
        else:
            self.app.copy_to_clipboard(view.finding.fix)
            self.app.notify(f"Copied: {view.finding.fix}", title="fix")

    def action_expand_problems(self) -> None:
        for view in self.query(FindingView):
            view.collapsed = not view.finding.is_problem


def _key(finding: Finding) -> tuple[int, int, str]:
    return (GROUP_ORDER.index(finding.group), finding.status.rank, finding.id)


def _child_key(child: object) -> tuple[int, int, str] | None:
    """Where a pane-body child sits in the order: group titles come before their findings."""
    if isinstance(child, FindingView):
        return _key(child.finding)
    if isinstance(child, Static) and child.has_class("group-title"):
        return (GROUP_ORDER.index(Group[str(child.id).removeprefix("group-").upper()]), -1, "")
    return None
