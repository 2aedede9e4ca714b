"""The Profiles pane's views and what they show: the view bar (top, peek, flame, source, traces,
tune), the top table, peek, source, the flame graph and the traces, the profile's facts, all refreshed from the
backend for the current profile (or its diff against the base), sample type, filters and sort;
and `x`, the view as shown exported.

:class:`ProfileViews` holds the pane's state; :class:`~m3tui.tui.panes.profiles.ProfilesPane`
adds the layout, the keys, the list of profiles and how they are opened.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Static

from m3tui.core.errors import M3tuiError
from m3tui.tui.panes.base import Pane, focus_now
from m3tui.tui.widgets.row_table import fit_columns
from m3tui.tui.panes.profile_text import screen_text, source_text, traces_text
from m3tui.tui.panes.profile_widgets import PeekList, ProfileInfo

if TYPE_CHECKING:
    from m3tui.profiles.backend import ProfilesBackend
    from m3tui.profiles.capture import Capture
    from m3tui.profiles.pprof.analysis import FlameNode, TopReport
    from m3tui.profiles.pprof.flame import FlameBox
    from m3tui.profiles.pprof.graph import Filters
    from m3tui.profiles.pprof.model import Profile
    from m3tui.profiles.pprof.pipeline import Prepared
    from m3tui.tui.backends import Backends
    from m3tui.tui.widgets.flame_graph import FlameGraph

VIEWS = ("top", "peek", "flame", "source", "traces", "tune")
VIEW_KEYS = {"top": "t", "peek": "g", "flame": "f", "source": "s", "traces": "a", "tune": "u"}
#: The widget each view puts the focus on (`focus_target`).
VIEW_FOCUS = {"top": "#prof-top", "peek": "#prof-peek", "flame": "#prof-flamegraph", "source": "#prof-source",
              "traces": "#prof-traces", "tune": "#prof-bench"}  # fmt: skip
TOP_COLUMNS = ("flat", "flat%", "sum%", "cum", "cum%", "function")


@dataclass
class Entry:
    """A profile the pane knows: captured (with its binary) or opened from a file."""

    path: Path
    kind: str  # cpu / mem / block / mutex / file
    label: str
    binary: Path | None = None
    capture_id: str | None = None
    profile: Profile | None = None  # decoded, once loaded
    problem: str | None = None


class ProfileViews(Pane):
    """The pane's state and its views (the layout and the keys are the subclass's)."""

    #: A profile of this many distinct stacks gets its flame tree grown in the background once
    #: its top table shows (the nodes a layout about the graph's size opens), so `f` finds it.
    FLAME_AHEAD_STACKS = 300_000

    def __init__(self, backends: Backends, **kwargs: Any) -> None:
        super().__init__(backends, **kwargs)
        self.backend: ProfilesBackend = backends.profiles
        self.entries: list[Entry] = []
        self.current: Entry | None = None
        self.base: Entry | None = None
        self.sample_index: int | None = None
        self.filters: dict[str, str | None] = {"focus": None, "ignore": None, "hide": None}
        from m3tui.profiles.pprof.reportflags import ReportFlags

        self.pprof_flags = ReportFlags()  # the flags form's (F): pprof's report flags, as the CLI's
        self._prepared: tuple[tuple[object, ...], Prepared] | None = None  # what they made, for what
        self.sort = "flat"
        self.view = "top"
        self.report: TopReport | None = None
        self._report_for: tuple[object, ...] | None = None  # what `report` was made from (`_report_key`)
        self._flame_ahead: tuple[tuple[object, ...], asyncio.Task[FlameNode]] | None = None
        self._status_text = ""
        self._selected_function: str | None = None
        self._peek_back: list[str] = []  # the functions peeked at before (backspace)
        self._flame: FlameGraph | None = None
        self._filling = False  # the top table is being refilled: its cursor moves are not the user's

    @property
    def flame(self) -> FlameGraph:
        assert self._flame is not None, "the Profiles pane is not built yet"
        return self._flame

    def focus_target(self) -> Widget:
        """The current view's widget: the top table, the peek rows, the flame graph, the source
        text, or the first field of the capture form."""
        return self.query_one(VIEW_FOCUS[self.view])

    # --- helpers ----------------------------------------------------------------------------

    def _status(self, text: str | Text) -> None:
        self._status_text = str(text)
        self.query_one("#prof-status", Static).update(text)

    def _show_view(self, view: str) -> None:
        self.view = view
        self.query_one("#prof-switcher", ContentSwitcher).current = f"prof-{view}"
        bar = Text()
        for name in VIEWS:
            bar.append(f" {VIEW_KEYS[name]} {name} ", style="bold reverse" if name == view else "dim")
            bar.append(" ")
        if self.current is not None and self.current.profile is not None and self.sample_index is not None:
            st = self.current.profile.sample_types[self.sample_index]
            bar.append(f"  i sample: {st.type} ({st.unit})", style="cyan")
        if self.base is not None:
            bar.append(f"  diff vs {self.base.label}", style="magenta")
        if self.pprof_flags.active():
            bar.append(f"  F {screen_text(' '.join(self.pprof_flags.argv()))}", style="yellow")
        self.query_one("#prof-views", Static).update(bar)

    def _fill_list(self, at: Entry | None = None) -> None:
        """The list of profiles again (the pane's: a diff base dropped is unmarked there)."""
        raise NotImplementedError

    def _filters(self) -> Filters:
        from m3tui.profiles.pprof.graph import Filters

        return Filters(**self.filters)

    def _info(self, entry: Entry, header: list[str] | None = None) -> None:
        """The profile's facts beside the list (wrapped; enter on them shows all): name, counts,
        sample types, pprof's header (file, build id, type, time, duration), binary, path."""
        p = entry.profile
        assert p is not None  # called once it is decoded
        counts = f"{p.n_samples:,} samples"
        if p.distinct_stack_count_ready():  # a big profile's, once its twin stacks are merged (a second for
            counts += f" · {p.distinct_stack_count():,} stacks"  # a million, which top and the flame graph skip)
        if p.duration_ns:
            counts += f" · {p.duration_ns / 1e9:.2f}s"
        lines = [screen_text(entry.label), counts, "types: " + screen_text(", ".join(f"{t.type}/{t.unit}" for t in p.sample_types))]
        lines += [screen_text(line) for line in header or ()]
        if entry.binary is not None:
            lines.append(f"binary: {screen_text(entry.binary)}")
        lines.append(f"file: {screen_text(entry.path)}")
        self.query_one("#prof-info", ProfileInfo).show(lines)

    def _clear_views(self) -> None:
        """Nothing of the previous profile may stay on screen next to a failed one."""
        self.report = None
        self._report_for = None
        self._flame_ahead = None
        self.sample_index = None
        self.query_one("#prof-top", DataTable).clear()
        for name in ("#prof-source-text", "#prof-flame-info", "#prof-traces-text"):
            self.query_one(name, Static).update("")
        self.query_one("#prof-peek", PeekList).show([], str)
        self.flame.show(None)
        entry = self.current
        info = [screen_text(entry.label), entry.problem or "cannot be read"] if entry else []
        self.query_one("#prof-info", ProfileInfo).show(info, style="red")
        self._show_view(self.view if self.view != "tune" else "top")

    # --- views ------------------------------------------------------------------------------

    def _profile(self) -> Profile | None:
        if self.current is None or self.current.profile is None:
            return None
        return self.current.profile

    async def _effective(self) -> Profile | None:
        """The current profile, or its difference from the base; with report flags that need
        them, pprof's steps taken on it (`_prepare`)."""
        profile = self._profile()
        if profile is None:
            return None
        prepared = await self._prepare()
        if prepared is not None:
            return prepared.profile
        if self.base is None or self.base is self.current:
            return profile
        if self.base.profile is None:
            self.base.profile = await self.backend.load(self.base.path)
        return await self.backend.diff(profile, self.base.profile)

    async def _prepare(self) -> Prepared | None:
        """The current profile (less the base) through `pipeline.prepare` with the flags and the
        filters, as `m3tui profile top FILE --flags` does, kept while they stay; None when the
        flags need no such step. Flags the profile cannot take (granularity addresses without
        addresses) are said, cleared, and the profile shown without them."""
        flags, entry = self.pprof_flags, self.current
        if entry is None or not flags.prepared():
            self._prepared = None
            return None
        base = self.base.path if self.base is not None and self.base is not self.current else None
        key = (entry.path, base, tuple(self.filters.items()), flags)
        if self._prepared is not None and self._prepared[0] == key:
            return self._prepared[1]
        try:
            prepared = await self.backend.prepare(entry.path, flags.filters(**self.filters), flags.granularity, base)
        except M3tuiError as exc:
            self.pprof_flags = type(flags)()
            self._prepared = None
            self.app.notify(f"pprof flags not applied, cleared: {self.failure_line(exc)}", severity="error", timeout=8)
            return None
        self._prepared = (key, prepared)
        return prepared

    def _prepared_now(self) -> Prepared | None:
        """What `_prepare` made for the flags in force (None: none in force)."""
        return self._prepared[1] if self._prepared is not None and self.pprof_flags.prepared() else None

    async def _top(self, profile: Profile, filters: Filters) -> TopReport:
        """The top report, with the node fraction given; finished as pprof prints it when prepared."""
        assert self.sample_index is not None
        prepared = self._prepared_now()
        report = await self.backend.top(profile, self.sample_index, filters, sort=self.sort,
                                        node_fraction=self.pprof_flags.nodefraction)  # fmt: skip
        if prepared is not None:
            report = self.backend.finish(report, prepared, self.sort)
            report.warnings = [*prepared.warnings, *report.warnings]
        return report

    async def _refresh_views(self) -> None:
        profile = await self._effective()
        if profile is None or self.sample_index is None:
            return
        prepared = self._prepared_now()
        from m3tui.profiles.pprof.graph import Filters

        filters = Filters() if prepared is not None else self._filters()  # prepared: the filters are applied
        # The top report stays while what it was made from does (a view switch, `f` after `t`):
        # the table is filled already. A flame graph is made (tree and layout, off the event loop)
        # while the top report is.
        key = (profile, self.sample_index, tuple(self.filters.items()), self.sort, self.pprof_flags)
        fresh = self.report is None or self._report_for is None or not _same(self._report_for, key)
        flame = self._flame_rows(profile, filters) if self.view == "flame" else None
        report: TopReport | None = self.report
        laid_out: tuple[FlameNode, tuple[tuple[int, int], list[list[FlameBox]]]] | None = None
        if fresh and flame is not None:
            report, laid_out = await asyncio.gather(self._top(profile, filters), flame)
        else:
            if fresh:
                report = await self._top(profile, filters)
            if flame is not None:
                laid_out = await flame
        assert report is not None
        if self._gone():
            return
        if fresh:
            self.report, self._report_for = report, key
            self._fill_top(report)
        if self.view in ("peek", "source"):
            await self._fill_function_view(self.view, profile, filters)
        elif laid_out is not None:
            self.flame.show(*laid_out)
        elif self.view == "traces" and self.current is not None:
            base = self.base.path if self.base is not None and self.base is not self.current else None
            traces = (await self.backend.prepared_traces(prepared, self.sample_index) if prepared is not None
                      else await self.backend.traces(self.current.path, self.sample_index, filters, base))  # fmt: skip
            self.query_one("#prof-traces-text", Static).update(traces_text(traces))
        self._show_view(self.view)
        header = self.backend.header(report)
        cut = next((i for i, line in enumerate(header) if line.startswith(("Active filters:", "Showing nodes"))), len(header))
        if self.current is not None:
            self._info(self.current, header[:cut])
        # The numbers that change with the filters (the filters themselves are in their fields),
        # after pprof's word on a filter that matched nothing ("Focus expression matched no samples").
        numbers = " · ".join(line for line in header[cut:] if not line.startswith(("Active filters:", "   ")))
        self._status(Text.assemble((" · ".join(report.warnings), "yellow"), " · ", numbers) if report.warnings else numbers)
        if self.view != "flame" and profile.stack_count() >= self.FLAME_AHEAD_STACKS:  # (no strings made)
            self._grow_flame_ahead(profile, filters, key[:3])

    def _gone(self) -> bool:
        """Whether the pane is being taken down (the app quitting) while a worker awaited: its
        widgets may be removed already, so the worker has nothing left to fill. Textual removes a
        node's children before the node itself, so the tables' presence is asked too (CI)."""
        return (self._pruning or self._closing or not self.is_attached
                or not self.query("#prof-list") or not self.query("#prof-top"))

    def _grow_flame_ahead(self, profile: Profile, filters: Filters, key: tuple[object, ...]) -> None:
        """The flame tree of what the top table shows, grown in a worker thread (a plain task: the
        table is not held back; `_flame_rows` takes the tree, or makes its own if another is asked)."""
        if self._flame_ahead is not None and _same(self._flame_ahead[0], key):
            return
        si, area = self.sample_index, self.query_one("#prof-switcher").size
        assert si is not None

        async def grow() -> FlameNode:
            tree = await self.backend.flame(profile, si, filters)
            await asyncio.to_thread(self.flame.rows_for, tree, (area.width, max(1, area.height - 1)))
            return tree

        task = asyncio.create_task(grow())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # a failure: made again on `f`
        self._flame_ahead = (key, task)

    async def _flame_rows(self, profile: Profile, filters: Filters) -> tuple[FlameNode, tuple[tuple[int, int], list[list[FlameBox]]]]:
        """The flame tree (grown ahead, or made now) and its layout at the graph's size (a worker
        thread lays a big one out). A tree grown ahead is used once: the graph shown owns it."""
        assert self.sample_index is not None
        tree: FlameNode | None = None
        ahead = self._flame_ahead
        if ahead is not None and _same(ahead[0], (profile, self.sample_index, tuple(self.filters.items()))):
            try:
                tree = await asyncio.shield(ahead[1])
            except M3tuiError:
                tree = None
            self._flame_ahead = None
        if tree is None:
            tree = await self.backend.flame(profile, self.sample_index, filters)
        return tree, await asyncio.to_thread(self.flame.rows_for, tree)

    def _fill_top(self, report: TopReport) -> None:
        """The top table again: columns sized to this content (a diff's wide values go with it),
        the cursor kept on the same function."""
        from m3tui.profiles.pprof.measure import percentage

        table = self.query_one("#prof-top", DataTable)
        self._filling = True
        table.clear(columns=True)
        table.add_columns(*TOP_COLUMNS)
        total, fmt = report.total, report.format
        diff = self.base is not None and self.base is not self.current
        for row in report.rows:
            style = ("red" if row.flat > 0 else "green" if row.flat < 0 else "") if diff else ""
            table.add_row(
                Text(fmt(row.flat), justify="right", style=style), Text(percentage(row.flat, total).strip(), justify="right"),
                Text(percentage(row.flat_sum, total).strip(), justify="right"), Text(fmt(row.cum), justify="right"),
                Text(percentage(row.cum, total).strip(), justify="right"), row.name,
            )  # fmt: skip
        if not report.rows:
            table.add_row("", "", "", "", "", Text("no samples match", style="dim"))
        fit_columns(table)
        names = [row.name for row in report.rows]
        if self._selected_function in names:
            table.move_cursor(row=names.index(self._selected_function), animate=False)
        self.call_after_refresh(setattr, self, "_filling", False)

    def _function(self) -> str | None:
        """The function the peek and source views are about: the selected one, else the hottest."""
        if self._selected_function:
            return self._selected_function
        return self.report.rows[0].name if self.report and self.report.rows else None

    async def _fill_function_view(self, view: str, profile: Profile, filters: Filters) -> None:
        """Peek or source, about one function (`_function`)."""
        import re

        name = self._function()
        if name is None or self.sample_index is None:
            empty = Text("no function selected (choose one in the top view, enter)", style="dim")
            if view == "peek":
                self.query_one("#prof-peek", PeekList).show([], str, empty)
            else:
                self.query_one("#prof-source-text", Static).update(empty)
            return
        regex, fmt = f"^{re.escape(name)}$", self.report.format if self.report else str
        if view == "peek":
            entries = await self.backend.peek(profile, self.sample_index, regex, filters)
            self.query_one("#prof-peek", PeekList).show(entries, fmt, Text(f"{screen_text(name)}: no samples", style="dim"))
        else:
            listings = await self.backend.source(profile, self.sample_index, regex, filters)
            target = self.query_one("#prof-source-text", Static)
            target.update(source_text(listings, fmt) if listings else Text(f"{screen_text(name)}: no source lines", style="dim"))

    def on_peek_list_walk(self, event: PeekList.Walk) -> None:
        """Enter on a peek row: a caller or callee becomes the function peeked at; on the function
        itself, its source."""
        if event.itself:
            self.action_view("source")
            return
        if self._selected_function != event.name:
            current = self._function()
            if current is not None:
                self._peek_back.append(current)
            self._selected_function = event.name
        self._refresh()

    def on_peek_list_back(self, event: PeekList.Back) -> None:
        if self._peek_back:
            self._selected_function = self._peek_back.pop()
            self._refresh()
        else:
            self.app.notify("No function peeked at before this one (enter on a caller or callee walks).", timeout=4)

    def on_flame_graph_selected(self, event: FlameGraph.Selected) -> None:
        total = self.report.total if self.report else 0
        fmt = self.report.format if self.report else str
        share = f" ({100 * event.node.value / total:.2f}%)" if total else ""
        self._selected_function = event.node.name if event.node.name != "root" else self._selected_function
        self.query_one("#prof-flame-info", Static).update(
            Text(screen_text(f"{event.node.name}: {fmt(event.node.value)}{share}"
                             + (f" · {' > '.join(event.path[-4:])}" if event.path else "")))
        )

    # --- view switching, refresh, export ----------------------------------------------------

    def action_view(self, view: str) -> None:
        self.view = view
        self._show_view(view)
        if view != "tune":
            self._refresh()
        focus_now(self.focus_target())

    @work(exclusive=True, group="prof-refresh")
    async def _refresh(self) -> None:
        try:
            await self._refresh_views()
        except M3tuiError as exc:  # e.g. a diff base of another kind, or unreadable: one line, the base dropped
            if self.base is not None:
                self.base = None
                self._fill_list()
            self._status(Text(self.failure_line(exc), style="bold red"))

    @work(exclusive=True, group="prof-export")
    async def action_export(self) -> None:
        """The view as shown (sample type, filters, diff) to <state>/exports: SVG, speedscope JSON, collapsed."""
        profile = await self._effective()
        if profile is None or self.sample_index is None or self.current is None:
            return self.app.notify("Open a profile first (o, or enter on the list).", severity="warning")
        self._status("exporting the view: SVG flame graph, speedscope JSON, collapsed stacks…")
        try:
            from m3tui.profiles.pprof.graph import Filters

            filters = Filters() if self._prepared_now() is not None else self._filters()
            paths = await self.backend.export(profile, self.sample_index, filters, self.current.label)
        except M3tuiError as exc:
            return self._status(Text(self.failure_line(exc), style="bold red"))
        self._status(f"exported to {screen_text(paths[0].parent)}: {', '.join(screen_text(p.name) for p in paths)}")


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Report keys alike: the very same profile (a diff is made anew each time), the rest equal."""
    return a[0] is b[0] and a[1:] == b[1:]


def _entry(cap: Capture) -> Entry:
    """A captured profile (or a file opened through the capture store) as a list entry, named
    as everywhere else (`capture.capture_name`)."""
    from m3tui.profiles.naming import capture_name

    return Entry(cap.profile, cap.kind, capture_name(cap), cap.binary, cap.id)
