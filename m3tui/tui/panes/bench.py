"""Bench pane: run `go test -bench` live, then read it like benchstat (table, scaling, compare, history).

A thin front over :mod:`m3tui.bench.session` (the same session `m3tui bench` runs),
reached through the :class:`~m3tui.bench.backend.BenchBackend` Protocol so tests can swap in
fixed data. While a benchmark runs the
pane only collects samples (cheap appends into :class:`~m3tui.bench.live.LiveTable`) and
repaints the changed rows once per ``REPAINT_SECONDS``: the UI must not compete with the
measurement for the CPU.

Every call into the history can fail (a damaged file, a full disk, a run deleted meanwhile):
the pane says the one line (an M3tuiError's) and goes on; the history's notices (a damaged file
moved aside) are shown as notifications. Apart: the form (bench_form.py), the views' widgets
(bench_views.py: the tables keep their cursor on their row), the status line (bench_status.py).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, ContentSwitcher, DataTable, Input, Select, Static

from m3tui.core.errors import M3tuiError
from m3tui.tui.panes.base import Pane, focus_now
from m3tui.tui.panes.bench_form import RunForm, fill_form, form_rows, load_choices, read_form
from m3tui.tui.panes.bench_revs import load_revision_choices, relabel, revision_lines, side_labels, split_sides
from m3tui.tui.panes.bench_status import BenchStatus, StatusScreen, finished_status
from m3tui.tui.panes.bench_views import (
    LiveResults,
    RunHistory,
    WideScroll,
    compare_text,
    scaling_text,
)

if TYPE_CHECKING:
    from m3tui.bench.backend import BenchBackend, Session
    from m3tui.bench.fmt import BenchResult
    from m3tui.bench.history import RunInfo, StoredRun
    from m3tui.bench.live import LiveTable
    from m3tui.bench.session import SessionResult
    from m3tui.profiles.capture import Capture
    from m3tui.tui.backends import Backends

#: Seconds between repaints of the live table while a benchmark runs.
REPAINT_SECONDS = 1.0
VIEWS = ("live", "scaling", "compare", "history")


class BenchPane(Pane):
    PANE_ID = "bench"
    TITLE = "Bench"
    SUMMARY = "Run benchmarks live and tell whether a change is really faster."

    # The footer shows what fits at 80 columns (r, esc while a run runs, f, h, c); the view bar
    # shows l/s/c/h; `?` and ctrl+p list them all.
    BINDINGS: ClassVar = [
        Binding("r", "run", "Run", id="bench.run"),
        Binding("escape", "stop", "Stop", id="bench.stop"),
        Binding("escape", "leave_form", "Leave form", id="bench.leave_form"),  # shown only while editing
        Binding("ctrl+c", "stop", "Stop", show=False, id="bench.stop_ctrl_c"),
        Binding("f", "form", "Edit run", id="bench.form"),
        Binding("h", "view('history')", "History", id="bench.view_history"),
        Binding("c", "compare", "Compare", id="bench.compare"),
        Binding("l", "view('live')", "Live", show=False, id="bench.view_live"),
        Binding("s", "view('scaling')", "Scaling", show=False, id="bench.view_scaling"),
        Binding("space", "mark", "Mark run", show=False, id="bench.mark"),
        Binding("d", "delete", "Delete run", show=False, id="bench.delete"),
        Binding("x", "export", "Export run", show=False, id="bench.export"),
        Binding("R", "rerun", "Re-run", show=False, id="bench.rerun"),
        Binding("H", "holm", "Holm-Bonferroni", show=False, id="bench.holm"),
        Binding("e", "status", "The whole status line", show=False, id="bench.status"),
        Binding("p", "profile('cpu')", "CPU profile of this row", show=False, id="bench.profile_cpu"),
        Binding("P", "profile('mem')", "Heap profile of this row", show=False, id="bench.profile_mem"),
    ]

    class ProfileCaptured(Message):
        """A profile of a row was captured: the app shows it in the Profiles pane."""

        def __init__(self, capture: Capture) -> None:
            super().__init__()
            self.capture = capture

    def __init__(self, backends: Backends, **kwargs: Any) -> None:
        super().__init__(backends, **kwargs)
        self.backend: BenchBackend = backends.bench
        self.backends = backends  # `p`/`P` capture profiles through the Profiles feature
        self._live: LiveTable | None = None
        self.results: dict[str, list[BenchResult]] = {}  # label -> results of what the live view shows
        self.source = ""  # what the live view shows: "run 12", "running…"
        self.session: Session | None = None
        self.started = 0.0
        self.holm = False
        self._compared: list[tuple[str, list[BenchResult]]] = []  # what the compare view shows
        self._delete_armed: int | None = None
        self._status_text = ""
        self.noise: list[str] = []
        self.package_dir: Path | None = None  # where the shown results were measured
        self.run_id: int | None = None  # the history run the live view shows
        self.view = "live"  # which of VIEWS is shown
        self._phase = ""  # what the running session last said it is doing
        self.gos: dict[str, str] = {}  # label of the results shown -> the toolchain (version or go path) that measured them
        self.axis = "go"  # what tells the sides apart: "go" (toolchains) or "rev" (git revisions)
        self.rev_labels: set[str] = set()  # sides measured in another tree than the user's (`p` cannot profile them)
        self._recorded: dict[str, tuple[str, bool]] = {}  # commit -> (label, dirty) of the run `R` put in the form
        self._history_loaded = False  # the history was shown: a finished run refreshes it

    @property
    def live(self) -> LiveTable:
        """The live table's model, made on first use (its statistics imports stay off start-up)."""
        if self._live is None:
            from m3tui.bench.live import LiveTable

            self._live = LiveTable()
        return self._live

    # --- layout -----------------------------------------------------------------------------

    def _make_body(self) -> Widget:
        self.built = True
        live = LiveResults(id="bench-live")
        history = RunHistory(id="bench-history")
        return Vertical(
            *form_rows(),
            BenchStatus(id="bench-status"),
            Static("", id="bench-views"),
            ContentSwitcher(
                live,
                WideScroll(Static("", id="bench-scaling-text"), id="bench-scaling"),
                WideScroll(Static("", id="bench-compare-text"), id="bench-compare"),
                history,
                initial="bench-live",
                id="bench-switcher",
            ),
            id="bench-body",
        )

    def focus_target(self) -> Widget:
        """The view shown (the live table at first), not the form: the pane's letters (r, f, h, …)
        work at once, and `f` or tab goes into the form; enter in a field runs it."""
        return self.query_one(f"#bench-{self.view}")

    def _load(self) -> None:
        self._show_view("live")
        self._status("r runs the package's benchmarks · f edits the run · h past runs · ? all keys")
        self._fill_live(rebuild=True)
        self._load_choices()

    @work(exclusive=True, group="bench-form")
    async def _load_choices(self) -> None:
        await load_choices(self, self.backend)

    # --- small helpers ----------------------------------------------------------------------

    def _status(self, text: str | Text) -> None:
        self._status_text = str(text)
        self.query_one(BenchStatus).say(text)

    def action_status(self) -> None:
        """The whole status text (a compiler's errors, a long command) in a scrollable box."""
        self.app.push_screen(StatusScreen(self.query_one(BenchStatus).full))

    def _show_view(self, view: str) -> None:
        self.view = view
        self.query_one("#bench-switcher", ContentSwitcher).current = f"bench-{view}"
        bar = Text()
        for name in VIEWS:
            key = name[0]
            style = "bold reverse" if name == view else "dim"
            bar.append(f" {key} {name} ", style=style)
            bar.append(" ")
        if self.holm:
            bar.append(" Holm-Bonferroni on", style="yellow")
        self.query_one("#bench-views", Static).update(bar)

    @property
    def running(self) -> bool:
        return self.session is not None

    def _say_notices(self) -> None:
        """The history's notices (a damaged file moved aside), once each, as notifications."""
        if "m3tui.bench.history" not in sys.modules:
            return  # never opened in this process
        from m3tui.bench.history import take_notices

        for notice in take_notices():
            self.app.notify(notice, title="bench history", severity="warning", timeout=15)

    def _history_failed(self, exc: Exception | str) -> None:
        """A history call failed: its line in the status, and as a notification."""
        self._say_notices()
        self._status(Text(str(exc), style="bold red"))
        self.app.notify(str(exc), title="bench history", severity="error")

    async def _get_run(self, run_id: int) -> StoredRun | None:
        """A stored run; None (and the reason said) when it is gone or the history failed."""
        try:
            return await self.backend.get_run(run_id)
        except (M3tuiError, KeyError) as exc:  # HistoryError; RunNotFound (a KeyError: deleted meanwhile)
            self._history_failed(exc if isinstance(exc, M3tuiError) else f"run {run_id} is gone")
            return None

    # --- running ----------------------------------------------------------------------------

    def action_run(self) -> None:
        if self.running:
            self.app.notify("A run is going on: esc stops it first.", severity="warning")
            return
        try:
            form = read_form(self)
        except ValueError as exc:
            self.app.notify(str(exc), title="bench", severity="error")
            return
        self._run(form)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "bench-package":  # its repository's revisions for the rev field
            self.run_worker(load_revision_choices(self, self.backend), exclusive=True, group="bench-revs")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id and event.input.id.startswith("bench-"):
            event.stop()
            self.action_run()

    @work(exclusive=True, group="bench-run")
    async def _run(self, form: RunForm) -> None:
        from m3tui.bench.run import BenchSpec

        again = bool(form.revs) and all(word in self._recorded for word in form.revs)
        self._status("preparing: the recorded run's very trees, by commit…" if again else "preparing…")
        try:
            prepared = await self.backend.prepare(form.package, form.versions, form.revs)
        except M3tuiError as exc:  # SessionError (no such package or version), no such revision, go not found
            self._status(Text(str(exc), style="bold red"))
            return
        directory, import_path, toolchains = prepared.directory, prepared.import_path, prepared.toolchains
        revisions = relabel(prepared.revisions, form.revs, self._recorded)
        labels = side_labels(revisions) if revisions else [t.label for t in toolchains]
        spec = BenchSpec(directory, bench=form.bench, cpu=form.cpu, count=form.count, benchtime=form.benchtime,
                         benchmem=form.benchmem, extra=form.extra, go=toolchains[0].go)  # fmt: skip
        self.package_dir = directory
        self.gos, self.rev_labels = {t.label: t.go for t in toolchains if t.go != "go"}, set()  # not PATH's go: a path
        if revisions:  # every side under the one Go; `p` profiles the user's tree only
            from m3tui.bench.revisions import WORKTREE_LABEL

            self.gos = {label: toolchains[0].go for label in labels if toolchains[0].go != "go"}
            self.rev_labels = {label for label, r in zip(labels, revisions, strict=True) if r.label != WORKTREE_LABEL}
        self.axis = "rev" if revisions else "go"
        self.live.clear()
        self.results = {label: [] for label in labels}
        self.noise = []
        self._phase = ""
        self.source = f"{import_path} · running"
        self._fill_live(rebuild=True)
        self._show_view("live")
        focus_now(self.focus_target())

        def on_result(label: str, result: BenchResult) -> None:
            self.live.add(label, result)  # no UI work here: the repaint timer picks it up
            self.results.setdefault(label, []).append(result)

        def on_status(text: str) -> None:
            self._say_notices()
            if text.startswith("noise"):
                self.noise.append(text)
            else:
                self._phase = text  # "building the test binary": said until the samples come
            self._status(Text(text, style="yellow" if text.startswith("noise") else ""))

        self.session = session = self.backend.session(spec, toolchains, import_path, on_result=on_result,
                                                      on_status=on_status, revisions=revisions)  # fmt: skip
        self.started = time.monotonic()
        self.refresh_bindings()  # esc Stop in the footer
        timer = self.set_interval(REPAINT_SECONDS, self._repaint)
        try:
            result = await session.run()
        except Exception as exc:  # noqa: BLE001 - HistoryError and friends: one line, nothing lost
            self._say_notices()
            self._status(Text(f"the run failed: {exc}", style="bold red"))
            return
        finally:
            timer.stop()
            self.session = None
            self.refresh_bindings()
        self._say_notices()
        self._repaint()
        self._finished(result, import_path)
        if self._history_loaded:  # the history shows this run: its final state (the cursor stays)
            self._load_history()
        if result.save_error is not None:
            self.app.notify(f"the run was not saved: {result.save_error}", title="bench history", severity="error",
                            timeout=15)  # fmt: skip

    def _finished(self, result: SessionResult, import_path: str) -> None:
        self.run_id = result.run_id
        where = f"run {result.run_id}" if result.run_id is not None else "not saved"
        self.source = f"{import_path} · {where}"
        self.noise = list(result.noise)
        self._status(finished_status(result, import_path, where, time.monotonic() - self.started))
        self._fill_live(rebuild=True)
        if len(self.results) > 1:
            self._compare_columns([(label, rs) for label, rs in self.results.items() if rs])

    def action_stop(self) -> None:
        if self.session is not None:
            self.session.stop()
            self._status(Text("stopping: keeping the samples so far…", style="yellow"))

    def action_leave_form(self) -> None:
        """esc in a form field: back to the view (a running run goes on; esc again stops it)."""
        focus_now(self.focus_target())

    def _editing(self) -> bool:
        """Whether focus is in the run form (its inputs, the package list, the benchmem box)."""
        focused = self.app.focused
        return isinstance(focused, (Input, Select, Checkbox)) and focused in self.query(".bench-form *")

    def _repaint(self) -> None:
        """Timer tick while running: the changed rows, and one status line."""
        self._fill_live()
        if self.running:
            elapsed = time.monotonic() - self.started
            if not self.live.samples and self._phase:
                self._status(f"running · {self._phase}… · {elapsed:.0f} s · esc stops")
            else:
                self._status(f"running · {self.live.samples} samples · {len(self.live.rows)} rows · {elapsed:.0f} s · esc stops")

    # --- the live table ---------------------------------------------------------------------

    def _fill_live(self, rebuild: bool = False) -> None:
        many = len(self.live.labels) > 1 or len(self.results) > 1
        self.query_one(LiveResults).fill(self.live, many=many, rebuild=rebuild, side=self.axis)

    def load_results(self, columns: dict[str, list[BenchResult]], source: str, axis: str = "go") -> None:
        """Show saved or given results in the live view (history `enter`, and the tests); ``axis``
        names what tells the columns apart (go, rev)."""
        self.run_id = None
        self.gos, self.axis, self.rev_labels = {}, axis, set()
        self.live.clear()
        self.results = {label: list(rs) for label, rs in columns.items()}
        for label, rs in columns.items():
            for r in rs:
                self.live.add(label, r)
        self.source = source
        self._fill_live(rebuild=True)

    # --- scaling and compare views ----------------------------------------------------------

    def action_view(self, view: str) -> None:
        if view == "scaling":
            self._fill_scaling()
        if view == "history":
            self._load_history()
            if not self.running:
                self._status("enter opens a run · space marks two, c compares them · R runs it again · x exports · d d deletes")
        self._show_view(view)
        focus_now(self.focus_target())

    def _fill_scaling(self) -> None:
        self.query_one("#bench-scaling-text", Static).update(scaling_text(self.results, self.noise, self.package_dir, self.rev_labels))

    def _compare_columns(self, columns: list[tuple[str, list[BenchResult]]]) -> None:
        self._compared = columns
        self.query_one("#bench-compare-text", Static).update(compare_text(columns, self.noise, holm=self.holm))

    def action_compare(self) -> None:
        """Two marked history runs, else the current A/B run; else say how."""
        if len(self.marked) >= 2:
            self._compare_runs(self.marked[:2])
            return
        if len(self.results) > 1:
            self._compare_columns([(label, rs) for label, rs in self.results.items() if rs])
        elif not self._compared:
            self.app.notify("Mark two runs in the history (h, then space on each), or run two Go versions (go: A B).",
                            title="compare", timeout=8)  # fmt: skip
            return
        self._show_view("compare")
        focus_now(self.focus_target())

    @work(exclusive=True, group="bench-compare")
    async def _compare_runs(self, ids: list[int]) -> None:
        columns = []
        for run_id in ids:
            stored = await self._get_run(run_id)
            if stored is None:
                return
            columns.append((f"run {run_id}", stored.results))
        self._compare_columns(columns)
        self._show_view("compare")
        focus_now(self.focus_target())

    def action_holm(self) -> None:
        self.holm = not self.holm
        if self._compared:
            self._compare_columns(self._compared)
        self._show_view(self.view)
        self.app.notify(f"Holm-Bonferroni correction {'on' if self.holm else 'off'}", title="compare")

    # --- history ----------------------------------------------------------------------------

    @work(exclusive=True, group="bench-history")
    async def _load_history(self) -> None:
        self._history_loaded = True
        try:
            runs = await self.backend.list_runs(500)
        except Exception as exc:  # noqa: BLE001 - HistoryError: one line, the file is left alone
            self._say_notices()
            self._status(Text(str(exc), style="bold red"))
            runs = []
        self._say_notices()
        self.history.show(runs)

    @property
    def history(self) -> RunHistory:
        return self.query_one(RunHistory)

    @property
    def runs(self) -> list[RunInfo]:  # the history's, newest first
        return self.history.runs

    @property
    def marked(self) -> list[int]:  # base, then new
        return self.history.marked

    def _selected_run(self, to: str = "") -> RunInfo | None:
        """The run of the history row under the cursor (by key); None (and, given what it was
        ``to`` do, said) outside the history or on no run."""
        info = self.history.selected() if self.view == "history" else None
        if info is None and to:
            self.app.notify(f"Choose a run in the history (h) to {to}.", severity="warning")
        return info

    def action_mark(self) -> None:
        info = self._selected_run("mark it")
        if info is None:
            return
        self.history.toggle_mark(info.id)
        if len(self.marked) == 2:
            self._status(f"marked runs {self.marked[0]} (base) and {self.marked[1]}: c compares them")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "bench-history":
            self._open_run()

    @work(exclusive=True, group="bench-open")
    async def _open_run(self) -> None:
        info = self._selected_run()
        if info is None:
            return
        stored = await self._get_run(info.id)
        if stored is None:
            return
        from m3tui.bench.toolchains import recorded, rerun_ref

        meta = info.meta
        split = split_sides(stored.results, f"run {info.id}")  # by toolchain or revision
        self.noise = list(meta.noise)
        self.package_dir = Path(meta.package_dir)
        self.load_results(split, f"{meta.package} · run {info.id}", axis="rev" if meta.revisions else "go")
        self.run_id = info.id
        sides = recorded(meta)  # an A/B run's results are labelled by version; a plain run's by "run N"
        self.gos = {(version if len(sides) > 1 and version else f"run {info.id}"): ref
                    for version, go in sides if (ref := rerun_ref(version, go)) is not None}  # fmt: skip
        if meta.revisions:  # labelled by revision, every side under the one Go; none is the user's tree now
            ref = next(iter(self.gos.values()), None)
            self.gos, self.rev_labels = ({label: ref for label in split} if ref else {}), set(split)
        revs = f" · {revision_lines(meta)}" if meta.revisions else ""
        self._status(f"run {info.id} ({info.status}) · {meta.package}{revs} · {' '.join(meta.command)}")
        self._show_view("live")
        focus_now(self.focus_target())

    @work(exclusive=True, group="bench-delete")
    async def action_delete(self) -> None:
        info = self._selected_run("delete it")
        if info is None:
            return
        if self._delete_armed != info.id:
            self._delete_armed = info.id
            self.app.notify(f"Press d again to delete run {info.id}.", title="history", severity="warning")
            return
        self._delete_armed = None
        try:
            await self.backend.delete_run(info.id)
        except M3tuiError as exc:
            self._history_failed(exc)
            return
        self.history.forget(info.id)
        self.app.notify(f"deleted run {info.id}", title="history")
        self._load_history()

    @work(exclusive=True, group="bench-export")
    async def action_export(self) -> None:
        """Write the selected run as text (benchstat-ready), CSV and JSON into the current directory."""
        info = self._selected_run("export it")
        if info is None:
            return
        stored = await self._get_run(info.id)
        if stored is None:
            return
        written = []
        for fmt, ext in (("text", "txt"), ("csv", "csv"), ("json", "json")):
            target = Path(f"m3tui-bench-run-{info.id}.{ext}")  # in the current directory
            try:
                await self.backend.export(stored, fmt, target)
            except (M3tuiError, OSError) as exc:  # "cannot write …: <why>", a FIFO or directory there, no cwd
                self.app.notify(str(exc) if isinstance(exc, M3tuiError) else f"cannot write {target}: {exc.strerror or exc}",
                                severity="error")  # fmt: skip
                return
            written.append(target.name)
        self.app.notify(f"exported run {info.id}: {', '.join(written)}", title="history", timeout=10)

    def action_rerun(self) -> None:
        """Put the selected run's settings in the form and run them again."""
        info = self._selected_run("run it again")
        if info is None:
            return
        self._recorded = fill_form(self, info.meta)  # a revision run: its commits, by full hash
        if info.meta.revisions:
            self.app.notify(f"run {info.id} again at its very commits: {revision_lines(info.meta)}", title="re-run", timeout=10)
        self.action_run()

    # --- profiling a row ----------------------------------------------------------------------

    def action_profile(self, kind: str) -> None:
        """Capture a profile of the benchmark under the cursor at its GOMAXPROCS, then show it."""
        rows = list(self.live.rows.values())
        if self.view != "live" or not rows or self.package_dir is None or self.running:
            self.app.notify("Choose a result row in the live table (after a run) to profile it.", severity="warning")
            return
        key = self.query_one(LiveResults).cursor_key()
        row = next((r for r in rows if "|".join(map(str, r.key)) == key), None)
        if row is None:
            self.app.notify("Choose a result row in the live table to profile it.", severity="warning")
            return
        if row.label in self.rev_labels:
            self.app.notify(f"p profiles the package as it is now: this row was measured at {row.label}.", severity="warning")
            return
        go = "go"  # the row's own Go: the one that measured it (a past run's, found again)
        if (ref := self.gos.get(row.label)) is not None:
            from m3tui.bench.toolchains import resolve

            try:
                go = resolve([ref])[0].go
            except M3tuiError as exc:
                self._status(Text(f"profile of {row.name}: {exc}", style="bold red"))
                return
        self._capture(row.name, row.procs, kind, go)

    @work(exclusive=True, group="bench-capture")
    async def _capture(self, name: str, procs: int, kind: str, go: str) -> None:
        import re

        from m3tui.profiles import capture as profcapture

        regex = "/".join(f"^{re.escape(part)}$" for part in f"Benchmark{name}".split("/"))
        assert self.package_dir is not None  # action_profile checked it
        spec = profcapture.CaptureSpec(self.package_dir, regex, kind, procs=procs, go=go)
        self._status(f"capturing a {kind} profile of {name} at GOMAXPROCS={procs}…")
        try:
            cap = await self.backends.profiles.capture(spec, asyncio.Event(), on_wait=self._status)
        except profcapture.CaptureError as exc:
            self._status(Text(f"profile of {name}: {exc}", style="bold red"))
            return
        if self.run_id is not None:  # the profile belongs to this run in the history
            try:
                await self.backend.add_profile(self.run_id, kind, name, procs, cap.profile)
            except Exception as exc:  # noqa: BLE001 - the capture itself is fine; say what was not recorded
                self.app.notify(f"profile not linked to run {self.run_id}: {exc}", severity="warning")
        from m3tui.profiles.naming import capture_name

        self._status(Text(f"captured {capture_name(cap)} (Profiles pane)", style="green"))
        self.post_message(self.ProfileCaptured(cap))

    # --- keys -------------------------------------------------------------------------------

    def action_form(self) -> None:
        focus_now(self.query_one("#bench-regex", Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letters belong to the inputs while one has focus (the form keeps enter and esc); esc
        leaves the form while editing, and stops a run (said in the footer) only while one runs."""
        editing = self._editing()
        if action == "leave_form":
            return editing
        if action == "stop":
            return self.running and not editing
        return not (isinstance(self.app.focused, Input) and action != "run")
