"""The Textual app shell: header line, five panes, help, command palette, keymap.

The shell owns no feature logic: it wires keys to panes and hands service
results to the widgets that show them. Nothing slow runs before the first
paint: the go probe starts after it, in a worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import termios
import threading
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import ContentSwitcher

import m3tui.styles
from m3tui import __version__
from m3tui.core import proctree
from m3tui.core.config import DEFAULT_THEME, LoadedConfig, load_config
from m3tui.doctor.model import Finding
from m3tui.tui.backends import Backends
from m3tui.tui.panes import ALWAYS_BUILT, PANES, pane_classes
from m3tui.tui.panes.base import Pane, PaneSlot
from m3tui.tui.panes.environment import EnvironmentPane
from m3tui.tui.widgets.footer import QuietFooter
from m3tui.tui.widgets.key_scroll import KeyScroll
from m3tui.tui.widgets.pane_tabs import PaneTabs
from m3tui.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    import datetime as dt

    from m3tui.core.toolchain import ToolchainReport
    from m3tui.tui.panes.bench import BenchPane
    from m3tui.tui.panes.versions import VersionsPane
    from m3tui.tui.widgets.help_screen import KeyHelp
    from m3tui.versions.current import Current

# The top-level styles/ folder, installed as the package m3tui.styles (see pyproject.toml).
STYLES = Path(m3tui.styles.__file__).parent
# Seconds a graceful exit may take once the terminal is gone, before the process just ends.
EXIT_BACKSTOP = 1.5

ToolchainProbe = Callable[[], Awaitable["ToolchainReport"]]
# Runs the doctor, calling back with each finding as it arrives (tests pass fixed findings).
DoctorRunner = Callable[[Callable[[Finding], None]], Awaitable[list[Finding]]]


async def probe_real_toolchain() -> ToolchainReport:
    from m3tui.core import toolchain

    return await toolchain.probe()


async def run_real_doctor(on_finding: Callable[[Finding], None]) -> list[Finding]:
    from m3tui.doctor.model import DoctorContext
    from m3tui.doctor.run import run_doctor

    return await run_doctor(DoctorContext(), on_finding)


class MainScreen(Screen[None], inherit_bindings=False):
    """The one screen of panes. Textual's own screen bindings are restated here with ids."""

    BINDINGS: ClassVar = [
        Binding("tab", "app.focus_next", "Focus next", show=False, id="focus.next"),
        Binding("shift+tab", "app.focus_previous", "Focus previous", show=False, id="focus.previous"),
        Binding("ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False, id="screen.copy"),
    ]

    def __init__(self, backends: Backends, first: str | None = None, open_logs: list[Path] | None = None) -> None:
        super().__init__()
        self.backends = backends
        self.first = first or PANES[0].pane_id  # `m3tui logs FILE`: the first paint is the Logs pane
        self.open_logs = open_logs or []  # its file's tail is read now, so that paint shows it

    def compose(self) -> ComposeResult:
        first = self.first
        yield StatusLine(id="status")
        yield PaneTabs([(pane.pane_id, pane.title) for pane in PANES], first, id="pane-tabs")
        with ContentSwitcher(initial=f"pane-{first}", id="panes"):
            for info in PANES:
                if info.pane_id == first or info.pane_id in ALWAYS_BUILT:
                    pane = info.load()(self.backends, build_now=info.pane_id == first, id=f"pane-{info.pane_id}")
                    if info.pane_id == first == "logs" and len(self.open_logs) == 1:
                        from m3tui.tui.panes.logs import LogsPane

                        assert isinstance(pane, LogsPane)
                        pane.open_at_start(self.open_logs[0])
                    yield pane
                else:  # imported and made on its first showing
                    yield PaneSlot(info)
        yield QuietFooter()


class M3tuiApp(App[int], inherit_bindings=False):
    TITLE = "m3tui"
    SUB_TITLE = __version__
    # A pane's own stylesheet is read when the pane is made (load_pane_css): the first paint
    # parses only the app's and those of the panes it shows.
    CSS_PATH: ClassVar = [STYLES / "app.tcss", *(STYLES / f"{pane_id}.tcss" for pane_id in sorted(ALWAYS_BUILT))]

    BINDINGS: ClassVar = [
        *(
            Binding(str(n), f"show_pane('{pane.pane_id}')", f"{pane.title} pane", show=False, id=f"pane.{pane.pane_id}")
            for n, pane in enumerate(PANES, start=1)
        ),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True, id="app.command_palette"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit_anywhere"),
        Binding("ctrl+c", "help_quit", show=False, system=True, id="app.help_quit"),
    ]

    def __init__(
        self,
        *,
        config: LoadedConfig | None = None,
        theme: str | None = None,
        toolchain_probe: ToolchainProbe | None = None,
        doctor: DoctorRunner | None = None,
        backends: Backends | None = None,
        open_logs: list[Path] | None = None,
        open_profile: Path | None = None,
        merge_logs: bool = True,
        logs_tz: dt.tzinfo | None = None,
        watch_terminal: bool = True,
        own_log: bool = False,
    ) -> None:
        super().__init__()
        self.loaded_config = config if config is not None else load_config()
        self._theme_request = theme
        self._toolchain_probe = toolchain_probe or probe_real_toolchain
        self._doctor = doctor or run_real_doctor
        self.backends = backends if backends is not None else Backends()
        self._open_logs = list(open_logs or [])
        self._merge_logs, self._logs_tz = merge_logs, logs_tz  # `m3tui logs A B C [--no-merge] [--tz ZONE]`
        self._open_profile = open_profile
        self._watch_terminal = watch_terminal
        first = self._first_pane()
        if first not in ALWAYS_BUILT:
            self.css_path.append(STYLES / f"{first}.tcss")
        self._own_log = own_log
        self._startup_warnings: list[str] = list(self.loaded_config.warnings)
        self.toolchain_report: ToolchainReport | None = None
        self.findings: list[Finding] = []

    # --- start-up -------------------------------------------------------------------------

    def _first_pane(self) -> str:
        return "logs" if self._open_logs else "profiles" if self._open_profile is not None else PANES[0].pane_id

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.backends, self._first_pane(), self._open_logs)

    def on_mount(self) -> None:
        self._apply_theme()
        self._apply_keymap()
        for warning in self._startup_warnings:
            self.notify(warning, title="config", severity="warning", timeout=12)
        if self._watch_terminal and not self.is_headless:
            self._watch_for_hangup()
        self.watch(self.main_screen, "focused", self._watch_main_focus, init=False)
        self.call_after_refresh(self._after_first_paint)

    def get_theme(self, theme_name: str) -> Theme | None:
        """Textual's lookup without its copy: `available_themes` copies the registry on each call,
        and every line drawn asks for the theme (Textual 8.2: 37 ms of the 330 ms the Profiles
        pane's `f` takes at 200x60). Same answer: the first of the comma-separated names known."""
        themes = getattr(self, "_registered_themes", None)
        if not isinstance(themes, dict):  # another Textual: its own way
            return super().get_theme(theme_name)
        for name in theme_name.split(","):
            theme = themes.get(name.strip())
            if theme is not None:
                return theme  # type: ignore[no-any-return]
        return None

    def _handle_exception(self, error: Exception) -> None:
        """A bug in the TUI: keep its traceback in crash.log (and m3tui's log) before Textual exits."""
        import logging

        from m3tui.core import crashlog

        where = crashlog.save(error)
        logging.getLogger("m3tui").error("crash: %s: %s (%s)", type(error).__name__, error, where)
        super()._handle_exception(error)

    def notify(self, message: str, *, title: str = "", severity: str = "information", **kwargs: Any) -> None:
        """Warnings and errors the user saw also go to m3tui's own log (the Logs pane lists it).

        Every notification is redacted: it may quote a URL with credentials from an error.
        """
        from m3tui.core.redact import redact

        message, title = redact(message), redact(title)
        if severity in ("warning", "error"):
            import logging

            logging.getLogger("m3tui").log(logging.ERROR if severity == "error" else logging.WARNING,
                                           "%s%s", f"{title}: " if title else "", message)  # fmt: skip
        super().notify(message, title=title, severity=severity, **kwargs)  # type: ignore[arg-type]

    def _after_first_paint(self) -> None:
        import gc

        if not gc.isenabled():  # run_tui paused it for the start-up; what it made stays, not scanned again
            gc.freeze()
            gc.enable()
        if self._own_log:
            self._start_own_log()
            self.run_worker(_sweep_scratch, thread=True, group="sweep", exit_on_error=False)
        self.active_pane.focus_body()
        if self._open_logs:  # `m3tui logs FILE…`: the Logs pane is already up; the file first
            from m3tui.tui.panes.logs import LogsPane

            logs = self.pane("logs")
            assert isinstance(logs, LogsPane)
            logs.merging.merge, logs.merging.tz = self._merge_logs, self._logs_tz
            logs.open_paths(self._open_logs)
        elif self._open_profile is not None:
            from m3tui.tui.panes.profiles import ProfilesPane

            profiles = self.pane("profiles")
            assert isinstance(profiles, ProfilesPane)
            profiles.call_after_refresh(profiles.open_path, self._open_profile)
        if self._open_logs or self._open_profile is not None:
            # The doctor's dozen subprocesses would compete with showing the file: a moment later.
            self.set_timer(1.0, self.action_run_doctor)
        else:
            self.action_run_doctor()

    def _start_own_log(self) -> None:
        """m3tui's own log (a source in the Logs pane): the start, and every warning and error the
        user is shown. Opened after the first paint: a log file is nothing to wait for."""
        import logging

        from m3tui.core.cmdlog import setup_logging

        try:
            setup_logging()
            logging.getLogger("m3tui").info("m3tui %s started in %s", __version__, os.getcwd())
        except OSError:
            pass

    def _apply_theme(self) -> None:
        """--theme beats the config key; an unknown config theme warns and keeps the default."""
        wanted = self._theme_request or self.loaded_config.config.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self._startup_warnings.append(f"unknown theme {wanted!r}; using {DEFAULT_THEME!r}")
            self.theme = DEFAULT_THEME

    def _apply_keymap(self) -> None:
        keymap = self.loaded_config.config.keymap
        if not keymap:
            return
        unknown = sorted(set(keymap) - set(binding_ids()))
        for binding_id in unknown:
            self._startup_warnings.append(f"keymap: no binding has the id {binding_id!r}; ignored")
        self.set_keymap({k: v for k, v in keymap.items() if k not in unknown})

    # --- the terminal going away (dropped SSH) ---------------------------------------------

    def _watch_for_hangup(self) -> None:
        """Exit when the terminal goes away, so a dropped SSH session leaves nothing running."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, self._terminal_gone, 128 + sig)
        self.set_interval(1.0, self._check_terminal, name="terminal-watch")

    def _check_terminal(self) -> None:
        try:
            if sys.__stdin__ is None:
                raise ValueError("no stdin")
            termios.tcgetattr(sys.__stdin__.fileno())
        except (termios.error, OSError, ValueError):
            self._terminal_gone()

    def _terminal_gone(self, status: int = 128 + signal.SIGHUP) -> None:
        """Kill what we started, then exit; if the shutdown hangs, end the process anyway.

        With the terminal gone, Textual's writer thread can die on EIO and its shutdown then
        waits forever on the writer's queue: the backstop timer makes sure m3tui still ends.
        """
        proctree.kill_all_sync()
        backstop = threading.Timer(EXIT_BACKSTOP, os._exit, args=(status,))
        backstop.daemon = True
        backstop.start()
        self.exit(status)

    # --- panes ------------------------------------------------------------------------------

    def on_pane_tabs_chosen(self, message: PaneTabs.Chosen) -> None:
        self.action_show_pane(message.pane_id)

    def _watch_main_focus(self, focused: object) -> None:
        """Focus is never lost on the main screen: when the focused widget goes (a row deleted,
        a view swapped) and nothing took its place, the shown pane's focus target takes it, so
        the pane's keys keep working. Not when the terminal lost focus (another iTerm window):
        Textual clears focus then and gives it back to the same widget on return."""

        def restore() -> None:
            screen = self.main_screen
            if self.screen is screen and screen.focused is None and self.app_focus and self.active_pane.built:
                self.active_pane.focus_body()

        if focused is None:
            self.call_after_refresh(restore)

    def on_bench_pane_profile_captured(self, message: BenchPane.ProfileCaptured) -> None:
        """The Bench pane's `p`: show the new profile in the Profiles pane."""
        from m3tui.tui.panes.profiles import ProfilesPane

        self.action_show_pane("profiles")
        profiles = self.pane("profiles")
        assert isinstance(profiles, ProfilesPane)
        profiles.call_after_refresh(profiles.open_capture, message.capture)

    @property
    def main_screen(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    @property
    def active_pane(self) -> Pane:
        switcher = self.main_screen.query_one(ContentSwitcher)
        return self.main_screen.query_one(f"#{switcher.current}", Pane)

    def pane(self, pane_id: str) -> Pane:
        """The pane, made now (its module imported) if this is the first time it is asked for."""
        switcher = self.main_screen.query_one(ContentSwitcher)
        for child in switcher.children:
            if isinstance(child, Pane) and child.id == f"pane-{pane_id}":
                return child
        slot = switcher.query_one(f"#slot-{pane_id}", PaneSlot)
        self._load_pane_css(pane_id)
        pane = slot.info.load()(self.backends, id=f"pane-{pane_id}")
        pane.display = False  # the switcher shows it when it becomes current
        switcher.mount(pane, after=slot)
        slot.remove()
        return pane

    def _load_pane_css(self, pane_id: str) -> None:
        """Add a pane's stylesheet, as Textual does a screen's on its first showing."""
        path = STYLES / f"{pane_id}.tcss"
        if not self.stylesheet.has_source(str(path), ""):
            self.stylesheet.read(path)
            self.stylesheet.reparse()  # parses only what is new (Textual caches parsed sources)
            self.stylesheet.update(self)

    def action_show_pane(self, pane_id: str) -> None:
        if self.screen is not self.main_screen:
            return
        self.pane(pane_id)
        self.main_screen.query_one(ContentSwitcher).current = f"pane-{pane_id}"
        self.main_screen.query_one(PaneTabs).active = pane_id
        self.active_pane.focus_body()

    # --- help and command palette -----------------------------------------------------------

    def action_help(self) -> None:
        from m3tui.tui.widgets.help_screen import HelpScreen  # first `?`: not before the first paint

        if isinstance(self.screen, HelpScreen):
            return
        pane = self.active_pane
        focused = self.main_screen.focused
        inner = focused if focused is not None and pane in focused.ancestors else pane.focus_target()
        # The keys that reach the pane from where focus is: the focused widget's, then each
        # container's up to the pane's. A key an inner widget binds hides an outer one's.
        chain = [node for node in inner.ancestors_with_self if node is pane or pane in node.ancestors]
        taken: set[str] = set()
        per_node = [self.keys_of(node, taken) for node in chain]
        pane_keys = per_node[-1] + [row for rows in per_node[:-1] for row in rows]  # the pane's, then the focused widget's first
        global_keys = self.keys_of(self) + self.keys_of(self.main_screen)
        self.push_screen(HelpScreen(pane.TITLE, pane_keys, global_keys))

    def keys_of(self, node: DOMNode, taken: set[str] | None = None) -> list[KeyHelp]:
        """The node's own bindings as the user has them (config keymap applied).

        taken: keys already bound closer to the focus; they are left out here (and the node's
        keys are added to it).
        """
        from m3tui.tui.widgets.help_screen import KeyHelp

        bindings = node._bindings.copy()
        bindings.apply_keymap(self._keymap)
        shadowed = set(taken or ())
        grouped: dict[str, tuple[list[str], str]] = {}
        for key, binding in bindings:
            if binding.system or not binding.description or key in shadowed:
                continue
            if taken is not None:
                taken.add(key)
            group_id = binding.id or binding.action
            keys, _ = grouped.setdefault(group_id, ([], binding.description))
            display = self.get_key_display(binding)
            if display not in keys:
                keys.append(display)
        return [KeyHelp(", ".join(keys), description, group_id) for group_id, (keys, description) in grouped.items()]

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every pane switch and every pane action, so the palette reaches all of them."""
        yield from super().get_system_commands(screen)
        for number, info in enumerate(PANES, start=1):
            yield SystemCommand(
                f"Go to {info.title}",
                f"Show the {info.title} pane (key {number})",
                partial(self.action_show_pane, info.pane_id),
            )
        yield SystemCommand("Help: keys of this pane", "List every key of the current pane (?)", self.action_help)
        for pane in [self.pane(info.pane_id) for info in PANES]:  # the palette makes every pane
            for help_row, action in self._pane_actions(pane):
                yield SystemCommand(
                    f"{pane.TITLE}: {help_row.description}",
                    f"{help_row.keys} in the {pane.TITLE} pane",
                    partial(self._run_pane_action, pane, action),
                )

    def _pane_actions(self, pane: Pane) -> list[tuple[KeyHelp, str]]:
        actions = {binding.id or binding.action: binding.action for _, binding in pane._bindings}
        return [(row, actions[row.binding_id]) for row in self.keys_of(pane)]

    async def _run_pane_action(self, pane: Pane, action: str) -> None:
        self.action_show_pane(pane.PANE_ID)
        await self.run_action(action, default_namespace=pane)

    # --- the go toolchain -------------------------------------------------------------------

    def action_run_doctor(self) -> None:
        """The header's go facts (fast) and the doctor's findings (streamed), both in workers."""
        self.main_screen.query_one(StatusLine).show(None)
        self._probe_toolchain()
        self._run_doctor()

    @work(exclusive=True, group="toolchain")
    async def _probe_toolchain(self) -> None:
        report = await self._toolchain_probe()
        self.toolchain_report = report
        self.main_screen.query_one(StatusLine).show(report)
        self._find_current()

    @work(exclusive=True, group="current")
    async def _find_current(self) -> None:
        """Which Go is current here and m3tui's global one, for the header: the same answer as
        the Versions pane's ● and `global` (versions.current.resolve), from the same backend."""
        from m3tui.core.errors import M3tuiError
        from m3tui.versions.current import resolve

        versions = self.backends.versions
        try:
            view, installs = await asyncio.gather(versions.project(), versions.installed())
        except M3tuiError:
            return  # the Versions pane says why when it is shown
        await self._show_current(resolve(view, installs))

    async def _show_current(self, current: Current) -> None:
        """The header's origin: ``current`` and what this directory pins (files, in a thread)."""
        from m3tui.core.errors import M3tuiError

        try:
            pin = await self.backends.versions.pin()
        except (M3tuiError, OSError):
            pin = None  # the header then says what `current` alone tells
        self.main_screen.query_one(StatusLine).show_current(current, pin)

    def on_versions_pane_current_changed(self, message: VersionsPane.CurrentChanged) -> None:
        """A `u`, an install or a removal in the Versions pane: the header follows at once."""
        self.main_screen.query_one(StatusLine).show_current(message.current, self.main_screen.query_one(StatusLine).pin)
        self._pin_for_header(message.current)

    @work(exclusive=True, group="current")
    async def _pin_for_header(self, current: Current) -> None:
        await self._show_current(current)

    @work(exclusive=True, group="doctor")
    async def _run_doctor(self) -> None:
        pane = self.main_screen.query_one(EnvironmentPane)
        status = self.main_screen.query_one(StatusLine)
        problems = 0
        pane.start_run()
        status.show_problems(None, checking=True)

        def arrived(finding: Finding) -> None:
            nonlocal problems
            problems += finding.is_problem
            pane.add_finding(finding)
            status.show_problems(problems, checking=True)

        try:
            findings = await self._doctor(arrived)
        finally:
            pane.finish_run()
        self.findings = findings
        status.show_problems(sum(1 for f in findings if f.is_problem))


def bindable_nodes() -> list[type[DOMNode]]:
    """Every class that declares key bindings. The widgets a pane builds on first showing are
    imported here, when a keymap must be checked, not before the first paint."""
    from m3tui.tui.panes.bench_status import StatusScreen
    from m3tui.tui.panes.bench_views import LiveResults, RunHistory, WideScroll
    from m3tui.tui.panes.environment import FindingView
    from m3tui.tui.panes.log_record import RecordScreen
    from m3tui.tui.panes.log_sources import SourceList
    from m3tui.tui.panes.log_tests_tree import GoTestsTree
    from m3tui.tui.panes.log_view import LogView
    from m3tui.tui.panes.profile_form import CaptureForm
    from m3tui.tui.panes.profile_widgets import BINDABLE as PROFILE_WIDGETS
    from m3tui.tui.panes.versions_tables import InstalledTable, ReleaseTable
    from m3tui.tui.widgets.flame_graph import FlameGraph
    from m3tui.tui.widgets.help_screen import HelpScreen
    from m3tui.tui.widgets.histogram import HistogramStrip
    from m3tui.tui.widgets.row_table import RowTable

    return [M3tuiApp, MainScreen, HelpScreen, KeyScroll, *pane_classes(), FindingView, RowTable, InstalledTable, ReleaseTable, LogView,
            SourceList, RecordScreen, FlameGraph, LiveResults, RunHistory, WideScroll, StatusScreen, *PROFILE_WIDGETS, CaptureForm,
            HistogramStrip, GoTestsTree]  # fmt: skip


def binding_ids() -> list[str]:
    """Every binding id a keymap can name."""
    ids: list[str] = []
    for node in bindable_nodes():
        for binding in node.BINDINGS:
            if isinstance(binding, Binding) and binding.id and binding.id not in ids:
                ids.append(binding.id)
    return ids


def _sweep_scratch() -> None:
    """What killed m3tui processes left in <cache>/tmp, removed once the screen is up."""
    from m3tui.core.config import cache_dir

    from m3tui.core.errors import M3tuiError

    with contextlib.suppress(M3tuiError, OSError):  # the command that needs the dir will say why
        if (cache_dir() / "tmp").is_dir():  # (is_dir raises when the root cannot be searched)
            from m3tui.core import tmp

            tmp.tmp_root()
