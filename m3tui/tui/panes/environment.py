"""Environment pane: the doctor's findings, streamed in as each check finishes.

Grouped (System, Go, Network, Drift), worst first; each finding expands (enter) to its
detail and fix; `c` copies the focused finding's fix, `f` applies it when m3tui can make and
undo it (doctor/fixes.py, as `m3tui doctor --fix`: the exact change shown in a modal first,
then journaled for `m3tui doctor --undo`), `r` runs everything again. The header's problem
count comes from here.

The findings are the pane's cursor: one is focused from the first that arrives, arrows and
j/k move between them, and a re-run updates them in place, so the cursor stays on its finding
(or goes to the neighbour when that finding is gone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from m3tui.doctor.model import Finding, Group, Status
from m3tui.tui.panes.base import Pane, PaneBody, focus_now

if TYPE_CHECKING:
    from m3tui.doctor.fixes import Fix
    from m3tui.tui.backends import Backends

GROUP_ORDER = (Group.SYSTEM, Group.GO, Group.NETWORK, Group.DRIFT)
SYMBOL = {
    Status.OK: ("✓", "$success"),
    Status.WARN: ("!", "$warning"),
    Status.ERROR: ("✗", "$error"),
    Status.SKIPPED: ("-", "$text-muted"),
    Status.CRASHED: ("‼", "$error"),
}


class FindingView(Collapsible, can_focus=True):
    """One finding: symbol and summary as the title (wrapped, never cut); detail and fix inside.

    The finding itself takes focus (not Textual's title widget inside it), so its keys carry
    ids a keymap can remap and `?` lists enter.
    """

    BINDINGS: ClassVar = [
        Binding("enter", "toggle_finding", "Expand / collapse", show=False, id="environment.toggle"),
        Binding("down,j", "cursor(1)", "Next finding", show=False, id="environment.next"),
        Binding("up,k", "cursor(-1)", "Previous finding", show=False, id="environment.previous"),
        Binding("home,g", "cursor_to(0)", "First finding", show=False, id="environment.first"),
        Binding("end,G", "cursor_to(-1)", "Last finding", show=False, id="environment.last"),
    ]

    def __init__(self, finding: Finding) -> None:
        super().__init__(Static(classes="finding-body"), title=_title(finding), collapsed=True)  # type: ignore[arg-type] # Collapsible draws a Content title (the coloured symbol); its hint says str
        self._title.can_focus = False
        self.finding = finding
        self.show(finding)

    def show(self, finding: Finding) -> None:
        """Show this finding (a re-run's fresh result for the same check, in place)."""
        self.finding = finding
        self.title = _title(finding)  # type: ignore[assignment] # as above: a Content title
        self.set_classes(f"finding -{finding.status.value}")
        for body in self._contents_list:
            if isinstance(body, Static):
                body.update(finding_body(finding))

    def action_toggle_finding(self) -> None:
        self.collapsed = not self.collapsed

    def action_cursor(self, delta: int) -> None:
        views = list(self.screen.query(FindingView))
        index = views.index(self) + delta
        if 0 <= index < len(views):
            focus_now(views[index])

    def action_cursor_to(self, index: int) -> None:
        focus_now(list(self.screen.query(FindingView))[index])


def _title(finding: Finding) -> Content:
    symbol, style = SYMBOL[finding.status]
    return Content.assemble((symbol, f"bold {style}"), " ", finding.summary)


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
        Binding("f", "apply_fix", "Apply fix", show=False, id="environment.apply_fix"),
        Binding("e", "expand_problems", "Expand problems", id="environment.expand"),
    ]

    def __init__(self, backends: Backends, **kwargs: Any) -> None:
        super().__init__(backends, **kwargs)
        self.findings: dict[str, Finding] = {}
        self.running = False
        self.expected: int | None = None
        # The finding the cursor is on (kept across re-runs) and those of the last run not yet
        # seen again in this one (removed when the run ends).
        self.cursor_id: str | None = None
        self._stale: set[str] = set()
        # Until the user moves the cursor, it stays on the top finding as the others arrive.
        self._cursor_moved = False
        self._auto_focused: set[FindingView] = set()  # focused by the pane, not the user

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
        """A new run: the last run's findings stay (dimmed) until their check answers again."""
        self._stale = set(self.findings)
        self.findings.clear()
        self.running, self.expected = True, expected
        if self.built:
            for view in self.query(FindingView):
                view.add_class("-stale")
            self._update_progress()

    def add_finding(self, finding: Finding) -> None:
        """Show it in its place (group, then worst first), as soon as it arrives."""
        self.findings[finding.id] = finding
        self._stale.discard(finding.id)
        if not self.built:
            return
        body = self.query_one(PaneBody)
        view = self._view(finding.id)
        if view is None:
            view = FindingView(finding)
        else:
            view.show(finding)
        after = next((c for c in body.children if c is not view and (k := _child_key(c)) is not None and k > _key(finding)), None)
        if view.parent is None:
            body.mount(view, before=after)
        elif after is None:
            body.move_child(view, after=body.children[-1])
        else:
            body.move_child(view, before=after)
        self._update_progress()
        self._settle_focus()

    def finish_run(self) -> None:
        """Findings whose check did not report this time go; the cursor moves to a neighbour."""
        self.running = False
        if self.built:
            views = list(self.query(FindingView))
            gone = [v for v in views if v.finding.id in self._stale]
            if self.cursor_id in self._stale:
                kept = [v for v in views if v not in gone]
                at = views.index(next(v for v in views if v.finding.id == self.cursor_id))
                after = [v for v in kept if views.index(v) > at]
                before = [v for v in kept if views.index(v) < at]
                neighbour = after[0] if after else before[-1] if before else None
                self.cursor_id = neighbour.finding.id if neighbour else None
                if neighbour is not None and self.app.focused in gone:
                    self._focus(neighbour)
            for view in gone:
                view.remove()
            self._update_progress()
        self._stale.clear()

    def _view(self, finding_id: str) -> FindingView | None:
        return next((v for v in self.query(FindingView) if v.finding.id == finding_id), None)

    def focus_target(self) -> Widget:
        """The finding under the cursor; the body only while no finding has arrived yet."""
        views = list(self.query(FindingView))
        if not views:
            return self.query_one(PaneBody)
        return next((v for v in views if v.finding.id == self.cursor_id), views[0])

    def _settle_focus(self) -> None:
        """The body is a focus stop only while the pane is empty: once a finding is there, the
        cursor is on it (so enter and arrows work without a first tab)."""
        body = self.query_one(PaneBody)
        has_findings = bool(self.query(FindingView))
        if body.can_focus == has_findings:
            body.can_focus = not has_findings
        focused = self.app.focused
        if has_findings and (focused is body or (isinstance(focused, FindingView) and not self._cursor_moved)):
            views = list(self.query(FindingView))
            target = next((v for v in views if v.finding.id == self.cursor_id and self._cursor_moved), views[0])
            if target is not focused:
                self._focus(target)

    def _focus(self, view: FindingView) -> None:
        self._auto_focused.add(view)
        focus_now(view)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, FindingView):
            self.cursor_id = event.widget.finding.id
            if event.widget in self._auto_focused:
                self._auto_focused.discard(event.widget)
            else:
                self._cursor_moved = True

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

    def _focused_view(self) -> FindingView | None:
        focused = self.app.focused
        return next((node for node in (focused.ancestors_with_self if focused else []) if isinstance(node, FindingView)), None)

    def action_apply_fix(self) -> None:
        """The focused finding's fixes, shown in a modal; applied and journaled when confirmed, then the checks again."""
        import os

        from m3tui.doctor.fixes import fixes_for

        view = self._focused_view()
        fixes = fixes_for(view.finding, dict(os.environ)) if view is not None and view.finding.is_problem else []
        if view is None:
            self.app.notify("Move to a finding first (tab), then press f.", severity="warning")
        elif not fixes:
            self.app.notify("m3tui has no fix it can make and undo for this one" + (": c copies what to do." if view.finding.fix else "."))
        else:
            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._apply(fixes), group="environment-fix", exclusive=True)

            self.app.push_screen(FixScreen(view.finding, fixes), confirmed)

    async def _apply(self, fixes: list[Fix]) -> None:
        from m3tui.core.errors import M3tuiError
        from m3tui.doctor.fixes import Journal, RcEditFix

        journal = Journal()
        try:
            for fix in fixes:
                journal.record(await fix.apply())
        except M3tuiError as exc:
            self.app.notify(f"not applied: {exc}", title="fix", severity="error")
        if journal.changes:
            shell = " (an rc file: a new shell picks it up)" if any(isinstance(f, RcEditFix) for f in fixes) else ""
            self.app.notify(f"{len(journal.changes)} change(s) made{shell}; m3tui doctor --undo reverts them", title="fix")
            await self.run_action("app.run_doctor")

    def action_copy_fix(self) -> None:
        view = self._focused_view()
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


class FixScreen(ModalScreen[bool], inherit_bindings=False):
    """The exact changes a fix makes (doctor/fixes.py `describe()`); y applies them, n or escape does not."""

    DEFAULT_CSS = """
    FixScreen { align: center middle; }
    #environment-fix-box {
        width: 90%; max-width: 120; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar = [
        Binding("y", "answer(True)", "Apply", id="environment.fix_yes"),
        Binding("n,escape,q", "answer(False)", "Cancel", id="environment.fix_no"),
    ]

    def __init__(self, finding: Finding, fixes: list[Fix]) -> None:
        super().__init__()
        self.finding = finding
        self.changes = "\n\n".join(fix.describe() for fix in fixes)

    def compose(self) -> ComposeResult:
        box = Static(Content(f"{self.finding.summary}\n\n{self.changes}\n\n") + Content.styled("y applies · n cancels", "bold"),
                     id="environment-fix-box")  # fmt: skip
        box.border_title = "Apply this fix?"
        yield box

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
