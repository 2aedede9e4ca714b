"""Profiles pane: pprof in the terminal (top, peek, flame, source, traces), capture, and the rate tuner.

A thin front over :mod:`m3tui.profiles.pprof` (decode, aggregate), :mod:`~m3tui.profiles.capture`
and :mod:`~m3tui.profiles.tune`, reached through the
:class:`~m3tui.profiles.backend.ProfilesBackend` Protocol. Decoding and aggregation run in a
thread: a million-sample heap profile never freezes the UI. The views and what they show are
:mod:`~m3tui.tui.panes.profile_views`'; here: the layout, the keys, the list and the opening.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Input, Static

from m3tui.core.errors import M3tuiError
from m3tui.tui.panes.base import focus_now
from m3tui.tui.widgets.row_table import cursor_key, fit_columns
from m3tui.tui.panes.profile_open import OpenBar
from m3tui.tui.panes.profile_text import screen_text
from m3tui.tui.panes.profile_views import TOP_COLUMNS, Entry, ProfileViews, _entry
from m3tui.tui.panes.profile_widgets import (
    PeekList,
    PprofWeb,
    ProfileInfo,
    ProfileList,
    TextScroll,
    TopTable,
    UrlFetch,
)

if TYPE_CHECKING:
    from m3tui.profiles.capture import Capture
    from m3tui.profiles.pprof.reportflags import ReportFlags
    from m3tui.tui.panes.profile_form import CaptureView

__all__ = ["Entry", "ProfilesPane", "_entry"]


class ProfilesPane(ProfileViews):
    PANE_ID = "profiles"
    TITLE = "Profiles"
    SUMMARY = "Read pprof profiles without a browser, with numbers that agree with go tool pprof."

    BINDINGS: ClassVar = [
        Binding("t", "view('top')", "Top", id="profiles.top"),
        Binding("g", "view('peek')", "Peek", id="profiles.peek"),
        Binding("f", "view('flame')", "Flame", id="profiles.flame"),
        Binding("s", "view('source')", "Source", id="profiles.source"),
        Binding("a", "view('traces')", "Traces", id="profiles.traces"),
        Binding("u", "view('tune')", "Tuner", id="profiles.tune"),
        Binding("slash", "filter", "Filter", id="profiles.filter"),
        Binding("i", "sample_type", "Sample type", id="profiles.sample_type"),
        Binding("o", "open", "Open file", id="profiles.open"),
        Binding("F", "pprof_flags", "pprof flags", id="profiles.flags"),
        Binding("R", "clear_flags", "Clear the pprof flags (tagfocus, show, granularity, nodefraction…)", show=False,
                id="profiles.clear_flags"),  # fmt: skip
        Binding("b", "base", "Diff against the listed profile under the cursor (again: off)", show=False,
                id="profiles.base"),  # fmt: skip
        Binding("c", "sort", "Sort by flat / cum", show=False, id="profiles.sort"),
        Binding("r", "reload", "Reload the captured profiles", show=False, id="profiles.reload"),
        Binding("n", "capture", "Capture (the form in u)", show=False, id="profiles.capture"),
        Binding("T", "run_tune", "Run the rate tuner (the form in u)", show=False, id="profiles.run_tune"),
        Binding("p", "pprof", "Open in pprof (web); again: stop it", show=False, id="profiles.pprof"),
        Binding("x", "export", "Export the view: SVG flame graph, speedscope, collapsed", show=False, id="profiles.export"),
        Binding("escape", "clear", "Stop / leave the field / clear filter", show=False, id="profiles.clear"),
    ]

    # --- layout -----------------------------------------------------------------------------

    def _make_body(self) -> Widget:
        from m3tui.tui.panes.profile_form import CaptureView
        from m3tui.tui.widgets.flame_graph import (
            FlameGraph,  # with the body, not before the first paint
        )

        self.built = True
        self._flame = FlameGraph(id="prof-flamegraph")
        profiles = ProfileList(id="prof-list", cursor_type="row", zebra_stripes=True)
        top = TopTable(id="prof-top", cursor_type="row", zebra_stripes=True)
        top.add_columns(*TOP_COLUMNS)
        return Vertical(
            Horizontal(profiles, ProfileInfo(id="prof-info"), id="prof-head"),
            Horizontal(
                Static("focus", classes="label"),
                Input("", placeholder="regexp", id="prof-focus"),
                Static("ignore", classes="label"),
                Input("", placeholder="regexp", id="prof-ignore"),
                Static("hide", classes="label"),
                Input("", placeholder="regexp", id="prof-hide"),
                id="prof-filters",
            ),
            OpenBar(id="prof-opener"),
            Static("", id="prof-status"),
            PprofWeb(self.backend, id="prof-web"),
            UrlFetch(self.backend, id="prof-fetch"),
            Static("", id="prof-views"),
            ContentSwitcher(
                top,
                PeekList(id="prof-peek"),
                Vertical(self._flame, Static("", id="prof-flame-info"), id="prof-flame"),
                TextScroll(Static("", id="prof-source-text"), id="prof-source"),
                TextScroll(Static("", id="prof-traces-text"), id="prof-traces"),
                CaptureView(self.backend, id="prof-tune"),
                initial="prof-top",
                id="prof-switcher",
            ),
            id="prof-body",
        )

    def _load(self) -> None:
        self.query_one("#prof-opener", OpenBar).display = False
        self._show_view("top")
        self._status("o opens a profile file · u captures one from a benchmark · captured ones are listed above · ? all keys")
        self._fill_list()  # at once (empty or the profiles opened so far); the worker adds the captures
        self._load_list()
        self._warm()

    # --- the list ---------------------------------------------------------------------------

    @work(exclusive=True, group="prof-list")
    async def _load_list(self) -> None:
        try:
            captured = [_entry(c) for c in await asyncio.to_thread(self.backend.captures)]
        except Exception as exc:  # noqa: BLE001 - a broken capture dir: say so, keep going
            captured = []
            if self._gone():
                return
            self._status(Text(f"captured profiles: {self.failure_line(exc)}", style="red"))
        if self._gone():  # the app quit while the captures were read (CI: NoMatches '#prof-list')
            return
        opened = [e for e in self.entries if e.capture_id is None]
        self.entries = captured + opened
        self._fill_list()
        if self.entries and self.current is None:
            self._open_entry(self.entries[0])

    def _fill_list(self, at: Entry | None = None) -> None:
        """The list again (▶ the profile shown, ◆ the diff base), the cursor on ``at``, else kept
        on the same profile, else on the one shown."""
        table = self.query_one("#prof-list", DataTable)
        if at is None:
            key = cursor_key(table)
            at = next((e for e in self.entries if str(e.path) == key), None)
        at = at if at in self.entries else self.current
        table.clear(columns=True)  # and the columns: sized to what is listed now
        table.add_columns("profile", "binary")
        for entry in self.entries:
            mark = ("▶ " if entry is self.current else "") + ("◆ " if entry is self.base else "")
            table.add_row(mark + entry.label, entry.binary.name if entry.binary else "—", key=str(entry.path))
        if not self.entries:
            table.add_row("no profiles yet", "")
            self.query_one("#prof-info", ProfileInfo).show(
                ["No profile open.", "o opens a file; u, then ctrl+s, captures one from a benchmark here."])
        fit_columns(table)
        if at is not None and at in self.entries:
            table.move_cursor(row=self.entries.index(at), animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "prof-list" and self.entries:
            self._open_entry(self.entries[min(event.cursor_row, len(self.entries) - 1)])
        elif event.data_table.id == "prof-top" and self.report is not None and self.report.rows:
            row = self.report.rows[min(event.cursor_row, len(self.report.rows) - 1)]
            self._selected_function = row.name
            self._peek_back = []
            self.action_view("peek")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "prof-top" and self.report is not None and self.report.rows and not self._filling:
            self._selected_function = self.report.rows[min(event.cursor_row, len(self.report.rows) - 1)].name

    def open_capture(self, cap: Capture) -> None:
        """Show a capture made elsewhere (the Bench pane's `p`), with its binary."""
        entry = _entry(cap)
        self.entries = [entry, *(e for e in self.entries if e.path != entry.path)]
        self._open_entry(entry)

    def open_path(self, path: Path, label: str | None = None) -> None:
        """Open a profile file (the `o` prompt, and `m3tui` started beside a profile)."""
        existing = next((e for e in self.entries if e.path == path), None)
        entry = existing or Entry(path, "file", label or path.name)
        if existing is None:
            self.entries.append(entry)
        self._open_entry(entry)

    def _open_entry(self, entry: Entry) -> None:
        self.current = entry
        self._fill_list(at=entry)
        self._decode(entry)

    @work(exclusive=True, group="prof-decode")
    async def _decode(self, entry: Entry) -> None:
        if entry.profile is None:  # an M3tuiError: missing, not a regular file, unreadable, too big, not a profile
            self._status(f"reading {screen_text(entry.path)}…")
            try:
                entry.profile = await self.backend.load(entry.path)
                if self._gone():
                    return
            except M3tuiError as exc:
                entry.problem = str(exc)
                self._status(Text(self.failure_line(exc), style="bold red"))
                self._clear_views()
                self.app.notify(self.failure_line(exc), severity="error")
                return
        try:
            self.sample_index = entry.profile.sample_index(None)
        except M3tuiError as exc:
            self._status(Text(self.failure_line(exc), style="bold red"))
            return
        self._info(entry)
        try:
            await self._refresh_views()
        except M3tuiError as exc:
            if self.base is not None:
                self.base = None
                self._fill_list()
                self._status(Text(f"{self.failure_line(exc)}; diff base cleared", style="bold red"))
                await self._refresh_views()
            else:
                self._status(Text(self.failure_line(exc), style="bold red"))

    # --- actions ----------------------------------------------------------------------------

    def _captures(self) -> CaptureView:
        from m3tui.tui.panes.profile_form import CaptureView

        return self.query_one("#prof-tune", CaptureView)

    def action_capture(self) -> None:
        self._captures().capture()

    def action_run_tune(self) -> None:
        if self.view != "tune":
            self.action_view("tune")
        self._captures().tune()

    def on_capture_view_status(self, event: CaptureView.Status) -> None:
        self._status(event.text)

    def on_capture_view_invalid(self, event: CaptureView.Invalid) -> None:
        self.app.notify(event.reason, severity="warning")
        if self.view != "tune":
            self.action_view("tune")

    def on_capture_view_captured(self, event: CaptureView.Captured) -> None:
        entry = _entry(event.capture)
        self.entries.insert(0, entry)
        self.action_view("top")  # the form that had focus is hidden now
        self._open_entry(entry)
        self.app.notify(f"captured {entry.label} (binary kept beside it)", title="profile")

    def action_pprof(self) -> None:
        """`go tool pprof -http` on the current profile; `p` again stops it."""
        if self.current is None:
            self.app.notify("Open a profile first (o, or enter on the list).", severity="warning")
            return
        self.query_one("#prof-web", PprofWeb).toggle(self.current.path, self.current.binary, self.current.label)

    def action_filter(self) -> None:
        focus_now(self.query_one("#prof-focus", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        from m3tui.profiles.pprof.graph import check_regexp

        for name in ("focus", "ignore", "hide"):
            value = self.query_one(f"#prof-{name}", Input).value.strip() or None
            if value is not None:
                try:
                    check_regexp(value, name)  # not a regexp, or one that could run for ever
                except M3tuiError as exc:
                    self.app.notify(str(exc), severity="error")
                    return
            self.filters[name] = value
        self._refresh()
        focus_now(self.focus_target())

    def on_open_bar_open_file(self, event: OpenBar.OpenFile) -> None:
        self.open_path(event.path)
        focus_now(self.focus_target())

    def on_open_bar_open_url(self, event: OpenBar.OpenUrl) -> None:
        """Fetched (a progress line; esc cancels), then opened."""
        self.query_one("#prof-fetch", UrlFetch).open_url(event.url, event.seconds, event.headers)
        focus_now(self.focus_target())

    def on_url_fetch_fetched(self, event: UrlFetch.Fetched) -> None:
        self.open_path(event.fetched.path, event.label)

    def action_clear(self) -> None:
        if self.query_one("#prof-fetch", UrlFetch).stop() or self._captures().stop():
            self._status(Text("stopping…", style="yellow"))
            return
        focused = self.app.focused
        in_form = focused is not None and any(node.id == "prof-form" for node in focused.ancestors)
        if isinstance(focused, Input) or in_form:
            opener = self.query_one("#prof-opener", OpenBar)
            if focused is not None and opener in focused.ancestors:
                opener.display = False
            # Out of the field: the form's fields go to the text below them (where n, T, t… work).
            focus_now(self.query_one("#prof-tune-out") if self.view == "tune" else self.focus_target())
            return
        if any(self.filters.values()):
            for name in self.filters:
                self.filters[name] = None
                self.query_one(f"#prof-{name}", Input).value = ""
            self._refresh()

    def action_sample_type(self) -> None:
        profile = self._profile()
        if profile is None or self.sample_index is None:
            return
        self.sample_index = (self.sample_index + 1) % len(profile.sample_types)
        self._refresh()

    def action_sort(self) -> None:
        self.sort = "cum" if self.sort == "flat" else "flat"
        self._refresh()

    def action_open(self) -> None:
        self.query_one("#prof-opener", OpenBar).show()

    def action_pprof_flags(self) -> None:
        """The flags form: pprof's report flags as `m3tui profile top` takes them."""
        from m3tui.tui.panes.profile_flags import FlagsScreen

        self.app.push_screen(FlagsScreen(self.pprof_flags), self._set_flags)

    def _set_flags(self, flags: ReportFlags | None) -> None:
        if flags is None or flags == self.pprof_flags:
            return
        self.pprof_flags = flags
        self._show_view(self.view)
        if self.view != "tune":
            self._refresh()

    def action_clear_flags(self) -> None:
        from m3tui.profiles.pprof.reportflags import ReportFlags

        if self.pprof_flags.active():
            self._set_flags(ReportFlags())
            self.app.notify("pprof flags cleared", timeout=3)

    def action_base(self) -> None:
        """Mark the profile under the cursor as the diff base (again: no base)."""
        table = self.query_one("#prof-list", DataTable)
        if not self.entries:
            return
        entry = self.entries[min(table.cursor_row, len(self.entries) - 1)]
        self.base = None if self.base is entry else entry
        self._fill_list()
        self._refresh()

    def action_reload(self) -> None:
        self._load_list()

    @work(exclusive=True, group="prof-warm")
    async def _warm(self) -> None:
        """go tool pprof is compiled on first use (Go 1.25+): do it now, quietly."""
        try:
            await self.backend.warm_pprof()
        except Exception:  # noqa: BLE001 - only a convenience
            pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if isinstance(self.app.focused, Input) and action not in ("clear",):
            return False
        return True
