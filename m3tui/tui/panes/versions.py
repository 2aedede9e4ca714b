"""Versions pane: installed Go versions (every manager), go.dev's releases, install and switch.

A thin front over the Versions feature, reached through its `VersionsBackend` Protocol
(m3tui/versions/backend.py) so tests can hand the pane fixed data. The release list opens from
the cached index at once and refreshes in the background. Which Go is current is the feature's
one answer (`versions.current.resolve`): ● marks the Go that runs in this directory, `global`
tags m3tui's own choice, and the panel above says why when they differ. Both lists keep their
cursor on the same row (by GOROOT, by release) whatever refreshes them (versions_tables.py).
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, ProgressBar, Static

from m3tui.core.text import human_size
from m3tui.tui.panes.base import Pane, focus_now
from m3tui.tui.panes.versions_tables import InstalledTable, ReleaseTable, here_text, installed_columns
from m3tui.tui.widgets.row_table import cursor_key, refill
from m3tui.versions.backend import IndexView, VersionsBackend

if TYPE_CHECKING:
    from m3tui.tui.backends import Backends
    from m3tui.versions.current import Current
    from m3tui.versions.defaultpkgs import PackageProgress
    from m3tui.versions.install import Progress
    from m3tui.versions.names import GoFile, GoRelease, InstalledGo
    from m3tui.versions.project import ProjectView


#: How long a first `d` or `x` waits for the second.
ARM_SECONDS = 10.0


class VersionsPane(Pane):
    PANE_ID = "versions"
    TITLE = "Versions"
    SUMMARY = "Install, verify and switch Go versions, safely."

    BINDINGS: ClassVar = [
        Binding("i", "install", "Install", id="versions.install"),
        Binding("u", "use", "Use", id="versions.use"),
        Binding("d", "remove", "Remove", id="versions.remove"),
        Binding("slash", "filter", "Filter releases", id="versions.filter"),
        Binding("r", "refresh", "Refresh", show=False, id="versions.refresh"),
        Binding("x", "prune", "Prune old patches (x x)", show=False, id="versions.prune"),
        Binding("p", "pin", "Pin here (.go-version)", show=False, id="versions.pin"),
        Binding("escape", "back", "Close the row / clear the filter", show=False, id="versions.clear_filter"),
    ]

    class CurrentChanged(Message):
        """Which Go is current here changed (or is first known): for the header to show it."""

        def __init__(self, current: Current) -> None:
            super().__init__()
            self.current = current

    def __init__(self, backends: Backends, **kwargs: Any) -> None:
        super().__init__(backends, **kwargs)
        self.backend: VersionsBackend = backends.versions
        self.installs: list[InstalledGo] = []
        self.installs_loaded = False
        self.view: ProjectView | None = None
        self.here: Current | None = None  # versions.current's answer, once installs and view are in
        self.index: IndexView | None = None
        self.filter_text = ""
        self.installing: str | None = None
        self.detail_open = False
        self._armed: tuple[str, float] | None = None  # what a first `d` or `x` asked about, and when
        self._release_wanted: str | None = None  # the release the cursor was on when filtering began
        self._broken_said = False  # the status line says m3tui's global link is broken
        self._repaired: Text | None = None  # what `u` said it repaired (kept until `r`)

    # --- layout -----------------------------------------------------------------------------

    def _make_body(self) -> Widget:
        self.built = True
        installed = InstalledTable(id="installed", cursor_type="row", zebra_stripes=True)
        remote = ReleaseTable(id="remote", cursor_type="row", zebra_stripes=True)
        remote.add_columns("release", "", "archive", "")
        progress = ProgressBar(id="install-progress", show_eta=False)
        progress.display = False
        detail = Static("", id="row-detail")
        detail.display = False
        return Vertical(
            Static("Looking at this directory…", id="project-panel"),
            Static("Installed", classes="section-title"),
            installed,
            detail,
            Horizontal(
                Static("Releases", classes="section-title"),
                Input(placeholder="filter, e.g. 1.22", id="remote-filter"),
                id="remote-header",
            ),
            remote,
            Horizontal(progress, Static("", id="install-status"), id="install-row"),
            id="versions-body",
        )

    def focus_target(self) -> Widget:
        return self.query_one("#installed", InstalledTable)

    def _load(self) -> None:
        self.query_one("#remote-filter", Input).display = False
        self._fill_installed()
        cached = self.backend.cached_index()
        if cached is not None:
            self.index = cached
            self._fill_remote()
        self._load_installed()
        self._load_project()
        self._load_index()

    def on_resize(self, event: events.Resize) -> None:
        if self.built and self.installs_loaded:
            self._fill_installed()

    # --- workers: each a thin call into a service ---------------------------------------------

    @work(exclusive=True, group="versions-installed")
    async def _load_installed(self) -> None:
        await self._refresh_installed()
        sized = await self.backend.sizes(self.installs)
        if [i.goroot for i in sized] == [i.goroot for i in self.installs]:
            self.installs = sized
            self._fill_installed()

    async def _refresh_installed(self) -> None:
        self.installs = await self.backend.installed()
        self.installs_loaded = True
        self._resolve()
        self._fill_remote()

    @work(exclusive=True, group="versions-project")
    async def _load_project(self) -> None:
        await self._refresh_project()

    async def _refresh_project(self) -> None:
        try:
            self.view = await self.backend.project()
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never fatal (a bug: in crash.log)
            self.view = None
            self._resolve()
            self.query_one("#project-panel", Static).update(Text(f"here: cannot tell ({self.failure_line(exc)})", style="red"))
            return
        self._resolve()

    def _resolve(self) -> None:
        """Which Go is current, once the installs and what go says here are both in."""
        from m3tui.versions.current import resolve

        before, self.here = self.here, (resolve(self.view, self.installs) if self.view is not None and self.installs_loaded else None)
        if self.here is not None and self.here != before:
            self.post_message(self.CurrentChanged(self.here))
        if self.view is not None:
            self.query_one("#project-panel", Static).update(here_text(self.view, self.here))
        if self.installing is None and (self._broken() is not None or self._broken_said):
            self.query_one("#install-status", Static).update(self._quiet_status())
        self._fill_installed()

    def _broken(self) -> str | None:
        """A dangling (or not-a-link) global `current`, as `versions current` says it."""
        line = self.here.broken_line() if self.here is not None else None
        return f"global: broken: {line}" if line is not None else None

    def _quiet_status(self) -> Text:
        """The status line when nothing runs: a broken global link first, else what `u` repaired,
        else the index's warning."""
        broken = self._broken()
        self._broken_said = broken is not None
        if broken is not None:
            return Text(broken, style="bold red")
        if self._repaired is not None:
            return self._repaired
        return Text((self.index.warning if self.index is not None else None) or "", style="yellow")

    @work(exclusive=True, group="versions-index")
    async def _load_index(self) -> None:
        status = self.query_one("#install-status", Static)
        if self.installing is None:
            status.update(Text("refreshing the release list…", style="dim"))
        try:
            self.index = await self.backend.fetch_index()
        except Exception as exc:  # noqa: BLE001 - IndexUnavailable and friends: one line
            problem = self.failure_line(exc)
            if self.installing is None:
                status.update(Text(f"release list: {problem}", style="red"))
            self._fill_remote(problem=problem)
            return
        if self.installing is None:
            status.update(self._quiet_status())
        self._fill_remote()

    @work(exclusive=False, group="versions-install")
    async def _install(self, release: GoRelease, archive: GoFile) -> None:
        from m3tui.versions.listing import progress_line

        status = self.query_one("#install-status", Static)
        bar = self.query_one("#install-progress", ProgressBar)
        self.installing = release.version
        bar.display = True
        bar.update(total=archive.size or None, progress=0)
        status.update(f"installing {release.version}…")

        def progress(p: Progress) -> None:
            bar.update(total=p.total_bytes, progress=p.done_bytes)
            status.update(progress_line(release.version, p))

        try:
            goroot = await self.backend.install(archive, progress)
            bar.display = False
            tools = await self._default_packages(release.version, status)
        except Exception as exc:  # noqa: BLE001 - InstallError, LockBusy: one line, nothing partial left
            problem = self.failure_line(exc)
            status.update(Text(f"install of {release.version} failed: {problem}", style="bold red"))
            self.app.notify(problem, title=f"install {release.version}", severity="error", timeout=10)
            return
        finally:
            self.installing = None
            bar.display = False
        status.update(Text(f"installed {release.version} in {goroot}{tools} · u makes it global", style="green"))
        await self._refresh_installed()
        self._load_installed()
        self._load_project()

    async def _default_packages(self, version: str, status: Static) -> str:
        """default-go-packages into the new version's gobin, each step on the status line; " · 2 of 3
        tools installed" (or "") for the final line, a notification per failure (the install stands)."""

        def progress(p: PackageProgress) -> None:
            status.update(Text(p.line()))

        try:
            outcome = await self.backend.default_packages(version, progress)
        except Exception as exc:  # noqa: BLE001 - the version's lock or gobin: one line
            self.app.notify(self.failure_line(exc), title=f"default packages of {version}", severity="warning", timeout=10)
            return " · default packages not installed"
        for line in (*outcome.warnings, *(r.line() for r in outcome.results if not r.ok)):
            self.app.notify(line, title=f"default packages of {version}", severity="warning", timeout=10)
        return f" · {outcome.summary()}" if outcome.results else ""

    # --- tables -------------------------------------------------------------------------------

    def _width(self) -> int:
        """The tables' width: the pane's, less the body's padding (the app's before the first layout)."""
        return (self.size.width or self.app.size.width) - 2

    def _fill_installed(self) -> None:
        from m3tui.versions.listing import installed_rows

        table = self.query_one("#installed", InstalledTable)
        rows = installed_columns(table, installed_rows(self.installs, self.here), self._width())
        if not rows:
            hint = "install one from the releases below (i)" if self.installs_loaded else "looking…"
            rows = [("none", ["", "none", "", "", "", "", hint])]
        refill(table, rows)
        self._show_detail()

    def _fill_remote(self, problem: str | None = None, keep: str | None = None) -> None:
        table = self.query_one("#remote", ReleaseTable)
        if self.index is None:
            if problem:
                refill(table, [("unavailable", [Text("unavailable", style="red"), "", "", Text("r retries", style="dim")])])
            return
        installed = {i.version for i in self.installs}
        rows: list[tuple[str, list[str | Text]]] = []
        for release in self.index.releases:
            if self.filter_text and self.filter_text not in release.version:
                continue
            if not release.stable and not self.filter_text:
                continue  # rc/beta only when asked for by filter
            archive = self.backend.archive(release)
            rows.append((release.version, [
                release.version,
                "" if release.stable else Text("unstable", style="yellow"),
                human_size(archive.size) if archive else Text("no archive here", style="dim"),
                Text("installed", style="green") if release.version in installed else "",
            ]))  # fmt: skip
        refill(table, rows, keep=keep)

    def _selected_install(self) -> InstalledGo | None:
        key = cursor_key(self.query_one("#installed", InstalledTable))
        return next((i for i in self.installs if str(i.goroot) == key), None)

    def _selected_release(self) -> GoRelease | None:
        key = cursor_key(self.query_one("#remote", ReleaseTable))
        if self.index is None or key is None:
            return None
        return next((r for r in self.index.releases if r.version == key), None)

    def _remote_focused(self) -> bool:
        focused = self.app.focused
        return focused is not None and focused.id in ("remote", "remote-filter")

    # --- the whole row (enter) ----------------------------------------------------------------

    def _show_detail(self) -> None:
        from m3tui.versions.listing import details, installed_rows

        box = self.query_one("#row-detail", Static)
        install = self._selected_install() if self.detail_open else None
        box.display = install is not None
        if install is not None:
            box.update(details(installed_rows([install], self.here)[0], self.here))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "remote":
            self.action_install()
        elif event.data_table.id == "installed":
            self.detail_open = not self.detail_open
            self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "installed" and self.detail_open:
            self._show_detail()

    # --- actions ------------------------------------------------------------------------------

    def action_install(self) -> None:
        release = self._selected_release()
        if release is None:
            hint = "The release list is unavailable: r retries." if self.index is None else "Choose a release in the list below first (tab to it)."
            self.app.notify(hint, title="install", severity="warning")
            return
        if any(i.manager == "m3tui" and i.version == release.version for i in self.installs):
            self.app.notify(f"{release.version} is installed already (u makes it global).", title="install")
            return
        if self.installing:
            self.app.notify(f"{self.installing} is being installed; one at a time.", severity="warning")
            return
        archive = self.backend.archive(release)
        if archive is None:
            self.app.notify(f"{release.version} has no archive for this machine.", severity="error")
            return
        self._install(release, archive)

    def action_use(self) -> None:
        target: str | None = None
        if self._remote_focused():
            release = self._selected_release()
            if release is None:
                return
            if not any(i.manager == "m3tui" and i.version == release.version for i in self.installs):
                self.app.notify(f"{release.version} is not in m3tui's store yet: i installs it.", title="use", severity="warning")
                return
            target = release.version
        else:
            install = self._selected_install()
            if install is not None and install.manager != "m3tui":
                hint = self.backend.switch_hint(install)
                self.app.notify(f"{install.version} is managed by {install.manager}: {hint}", title="use", timeout=12)
                return
            target = install.version if install else None
        if target is None:
            return
        try:
            result = self.backend.use(target)
        except Exception as exc:  # noqa: BLE001 - SwitchError: one line
            self.app.notify(self.failure_line(exc), title="use", severity="error", timeout=10)
            return
        if result.repaired is not None:  # it replaced a dangling link: said as `versions use` says it
            from m3tui.versions.current import repaired_line

            self._repaired = Text(repaired_line(result.repaired), style="yellow")
            self.query_one("#install-status", Static).update(self._repaired)
        message = f"{result.version} is m3tui's global Go now"
        if not result.on_path:
            from m3tui.versions.switch import rc_hint

            message += f"; it runs in shells that have this line in their rc file: {rc_hint(result.rc_lines, os.environ)}"
        elif result.shadowed_by is not None:
            message += f"; {result.shadowed_by} comes first on PATH here"
        self.app.notify(message, title="use", timeout=15)
        self._load_installed()
        self._load_project()

    def action_remove(self) -> None:
        self._remove()

    @work(exclusive=True, group="versions-remove")
    async def _remove(self) -> None:
        install = self._selected_install()
        if install is None:
            return
        if install.manager != "m3tui":
            self.app.notify(f"{install.version} belongs to {install.manager}; remove it with that tool.", severity="warning")
            return
        is_global = self.backend.current_version() == install.version
        ran_here = self.here is not None and self.here.runs(install)
        if not self._confirmed(f"d:{install.goroot}"):
            size = f" ({human_size(install.size_bytes)})" if install.size_bytes else ""
            warning = f"press d again to remove {install.version}{size}"
            if is_global:
                warning = f"{install.version} is m3tui's global Go (the current link goes with it): {warning}"
            self.app.notify(warning, title="remove", severity="warning")
            return
        status = self.query_one("#install-status", Static)
        status.update(f"removing {install.version}…")
        try:
            freed = await self.backend.remove(install.version, is_global)
        except Exception as exc:  # noqa: BLE001
            status.update("")
            self.app.notify(self.failure_line(exc), title="remove", severity="error")
            return
        status.update("")
        await self._refresh_installed()
        await self._refresh_project()
        message = f"removed {install.version}, freed {human_size(freed)}"
        if is_global:
            message += "; m3tui has no global Go now"
        if self.here is not None and (is_global or ran_here):
            message += f"; here runs {self.here.summary()}"
        self.app.notify(message, title="remove", timeout=12)
        self._load_installed()  # the sizes

    def _confirmed(self, what: str) -> bool:
        """A destructive key acts on its second press (on the same row, within 10 s); the first arms it."""
        armed, self._armed = self._armed, (what, time.monotonic())
        if armed is not None and armed[0] == what and time.monotonic() - armed[1] < ARM_SECONDS:
            self._armed = None
            return True
        return False

    def action_prune(self) -> None:
        from m3tui.versions.names import prunable

        doomed = prunable([i.version for i in self.installs if i.manager == "m3tui"], 1, self.backend.current_version())
        if not doomed:
            self._armed = None
            self.app.notify("Nothing to prune: one patch release per minor line already.", title="prune")
            return
        if not self._confirmed("x"):
            self.app.notify(f"press x again to remove {', '.join(doomed)} (the newest patch of each line and the global one stay)",
                            title="prune", severity="warning")  # fmt: skip
            return
        self._prune()

    @work(exclusive=True, group="versions-remove")
    async def _prune(self) -> None:
        try:
            removed = await self.backend.prune()
        except Exception as exc:  # noqa: BLE001
            self.app.notify(self.failure_line(exc), title="prune", severity="error")
            return
        if not removed:
            self.app.notify("Nothing to prune: one patch release per minor line already.", title="prune")
            return
        freed = sum(f for _, f in removed)
        names = ", ".join(v for v, _ in removed)
        self.app.notify(f"removed {names}; freed {human_size(freed)}", title="prune", timeout=10)
        self._load_installed()
        self._load_project()

    def action_filter(self) -> None:
        box = self.query_one("#remote-filter", Input)
        if not box.display:
            self._release_wanted = cursor_key(self.query_one("#remote", ReleaseTable))
        box.display = True
        focus_now(box)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "remote-filter":
            self.filter_text = event.value.strip().removeprefix("go")
            self._fill_remote(keep=self._release_wanted)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "remote-filter":
            self._release_wanted = None
            focus_now(self.query_one("#remote", ReleaseTable))

    def action_back(self) -> None:
        """escape: close the row details, else clear the filter (back to the release it was on)."""
        if self.detail_open:
            self.detail_open = False
            self._show_detail()
            return
        box = self.query_one("#remote-filter", Input)
        if not box.display and not self.filter_text:
            return
        remote = self.query_one("#remote", ReleaseTable)
        keep = self._release_wanted or cursor_key(remote)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self._release_wanted = None
        self._fill_remote(keep=keep)
        focus_now(remote)

    def action_refresh(self) -> None:
        self._repaired = None
        self._load_installed()
        self._load_project()
        self._load_index()

    def action_pin(self) -> None:
        release = self._selected_release() if self._remote_focused() else None
        version = release.version if release else (i.version if (i := self._selected_install()) else None)
        if version is None:
            return
        try:
            path = self.backend.pin_here(version)
        except Exception as exc:  # noqa: BLE001
            self.app.notify(self.failure_line(exc), title="pin", severity="error")
            return
        self.app.notify(f"wrote {path}", title="pin")
        self._load_project()
