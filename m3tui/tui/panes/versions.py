"""Versions pane: installed Go versions (every manager), go.dev's releases, install and switch.

A thin front over the Versions feature, reached through its `VersionsBackend` Protocol
(m3tui/versions/backend.py) so tests can hand the pane fixed data. The release list opens from
the cached index at once and refreshes in the background.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.widget import Widget
from textual.widgets import DataTable, Input, ProgressBar, Static

from m3tui.core.text import human_size
from m3tui.tui.panes.base import Pane
from m3tui.versions.backend import IndexView, VersionsBackend

if TYPE_CHECKING:
    from m3tui.tui.backends import Backends
    from m3tui.versions.install import Progress
    from m3tui.versions.names import GoFile, GoRelease, InstalledGo
    from m3tui.versions.project import ProjectView


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
        Binding("x", "prune", "Prune old patches", show=False, id="versions.prune"),
        Binding("p", "pin", "Pin here (.go-version)", show=False, id="versions.pin"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="versions.clear_filter"),
        Binding("j", "cursor('down')", "Down", show=False, id="versions.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="versions.up"),
    ]

    def __init__(self, backends: Backends, **kwargs: Any) -> None:
        super().__init__(backends, **kwargs)
        self.backend: VersionsBackend = backends.versions
        self.installs: list[InstalledGo] = []
        self.index: IndexView | None = None
        self.filter_text = ""
        self.installing: str | None = None
        self._remove_armed: str | None = None

    # --- layout -----------------------------------------------------------------------------

    def _make_body(self) -> Widget:
        self.built = True
        installed: DataTable[str | Text] = DataTable(id="installed", cursor_type="row", zebra_stripes=True)
        installed.add_columns(" ", "version", "manager", "os/arch", "size", "where")
        remote: DataTable[str | Text] = DataTable(id="remote", cursor_type="row", zebra_stripes=True)
        remote.add_columns("release", "", "archive", "")
        progress = ProgressBar(id="install-progress", show_eta=False)
        progress.display = False
        return Vertical(
            Static("Looking at this directory…", id="project-panel"),
            Static("Installed", classes="section-title"),
            installed,
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
        return self.query_one("#installed", DataTable)

    def _load(self) -> None:
        self.query_one("#remote-filter", Input).display = False
        cached = self.backend.cached_index()
        if cached is not None:
            self.index = cached
            self._fill_remote()
        self._load_installed()
        self._load_project()
        self._load_index()

    # --- workers: each a thin call into a service ---------------------------------------------

    @work(exclusive=True, group="versions-installed")
    async def _load_installed(self) -> None:
        self.installs = await self.backend.installed()
        self._fill_installed()
        self._fill_remote()
        sized = await self.backend.sizes(self.installs)
        if [i.goroot for i in sized] == [i.goroot for i in self.installs]:
            self.installs = sized
            self._fill_installed()

    @work(exclusive=True, group="versions-project")
    async def _load_project(self) -> None:
        try:
            view = await self.backend.project()
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never fatal (a bug: in crash.log)
            self.query_one("#project-panel", Static).update(Text(f"here: cannot tell ({self.failure_line(exc)})", style="red"))
            return
        self.query_one("#project-panel", Static).update(project_text(view))

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
            status.update(Text(self.index.warning or "", style="yellow"))
        self._fill_remote()

    @work(exclusive=False, group="versions-install")
    async def _install(self, release: GoRelease, archive: GoFile) -> None:
        status = self.query_one("#install-status", Static)
        bar = self.query_one("#install-progress", ProgressBar)
        self.installing = release.version
        bar.display = True
        bar.update(total=archive.size or None, progress=0)
        status.update(f"installing {release.version}…")

        def progress(p: Progress) -> None:
            bar.update(total=p.total_bytes, progress=p.done_bytes)
            rate = f" {human_size(int(p.rate_bytes_per_s))}/s" if p.rate_bytes_per_s else ""
            eta = f" ETA {p.eta_s:.0f}s" if p.eta_s is not None else ""
            status.update(f"{p.phase} {release.version}: {human_size(p.done_bytes)}/{human_size(p.total_bytes)}{rate}{eta}")

        try:
            goroot = await self.backend.install(archive, progress)
        except Exception as exc:  # noqa: BLE001 - InstallError, LockBusy: one line, nothing partial left
            problem = self.failure_line(exc)
            status.update(Text(f"install of {release.version} failed: {problem}", style="bold red"))
            self.app.notify(problem, title=f"install {release.version}", severity="error", timeout=10)
            return
        finally:
            self.installing = None
            bar.display = False
        status.update(Text(f"installed {release.version} in {goroot} · u makes it current", style="green"))
        self._load_installed()

    # --- tables -------------------------------------------------------------------------------

    def _fill_installed(self) -> None:
        table = self.query_one("#installed", DataTable)
        table.clear()
        for install in self.installs:
            mark = Text("●", style="bold green") if install.current else ""
            table.add_row(
                mark, install.version, install.manager, f"{install.goos or '?'}/{install.goarch or '?'}",
                human_size(install.size_bytes), str(install.goroot), key=str(install.goroot),
            )  # fmt: skip
        if not self.installs:
            table.add_row("", "none", "", "", "", "install one from the releases below (i)")

    def _fill_remote(self, problem: str | None = None) -> None:
        table = self.query_one("#remote", DataTable)
        table.clear()
        if self.index is None:
            if problem:
                table.add_row(Text("unavailable", style="red"), "", "", Text("r retries", style="dim"))
            return
        installed = {i.version for i in self.installs}
        for release in self.index.releases:
            if self.filter_text and self.filter_text not in release.version:
                continue
            if not release.stable and not self.filter_text:
                continue  # rc/beta only when asked for by filter
            archive = self.backend.archive(release)
            table.add_row(
                release.version,
                "" if release.stable else Text("unstable", style="yellow"),
                human_size(archive.size) if archive else Text("no archive here", style="dim"),
                Text("installed", style="green") if release.version in installed else "",
                key=release.version,
            )

    def _selected_install(self) -> InstalledGo | None:
        table = self.query_one("#installed", DataTable)
        if not self.installs or table.row_count == 0:
            return None
        return self.installs[min(table.cursor_row, len(self.installs) - 1)]

    def _selected_release(self) -> GoRelease | None:
        table = self.query_one("#remote", DataTable)
        if self.index is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((r for r in self.index.releases if r.version == key), None)

    # --- actions ------------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "remote":
            self.action_install()

    def action_install(self) -> None:
        release = self._selected_release()
        if release is None:
            self.app.notify("Choose a release in the list below first (tab to it).", severity="warning")
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
        focused = self.app.focused
        if focused is not None and focused.id == "remote":
            release = self._selected_release()
            target = release.version if release else None
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
        message = f"now using {result.version}"
        if not result.on_path:
            from m3tui.versions.switch import rc_hint

            message += f"; add to your shell rc: {rc_hint(result.rc_lines, os.environ)}"
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
        is_current = self.backend.current_version() == install.version
        if is_current and self._remove_armed != install.version:
            self._remove_armed = install.version
            self.app.notify(f"{install.version} is the current version: press d again to remove it.", severity="warning")
            return
        self._remove_armed = None
        self.query_one("#install-status", Static).update(f"removing {install.version}…")
        try:
            freed = await self.backend.remove(install.version, is_current)
        except Exception as exc:  # noqa: BLE001
            self.app.notify(self.failure_line(exc), title="remove", severity="error")
            return
        self.query_one("#install-status", Static).update("")
        self.app.notify(f"removed {install.version}, freed {human_size(freed)}", title="remove")
        self._load_installed()

    @work(exclusive=True, group="versions-remove")
    async def action_prune(self) -> None:
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

    def action_cursor(self, direction: str) -> None:
        """j/k as well as the arrows, in whichever table has focus."""
        table = self.app.focused
        if isinstance(table, DataTable):
            table.action_cursor_down() if direction == "down" else table.action_cursor_up()

    def action_filter(self) -> None:
        box = self.query_one("#remote-filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "remote-filter":
            self.filter_text = event.value.strip().removeprefix("go")
            self._fill_remote()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "remote-filter":
            self.query_one("#remote", DataTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#remote-filter", Input)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self._fill_remote()
        self.query_one("#remote", DataTable).focus()

    def action_refresh(self) -> None:
        self._load_installed()
        self._load_project()
        self._load_index()

    def action_pin(self) -> None:
        release = self._selected_release() if (self.app.focused and self.app.focused.id == "remote") else None
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


def project_text(view: ProjectView) -> Text:
    """Two lines: what this directory asks for, and what really runs here."""
    text = Text()
    text.append("here ", style="bold")
    text.append(f"{view.cwd}: ")
    asks = []
    for name, module in (view.modules or {}).items():
        asks.append(f"{name} " + ", ".join(f"{k} {v}" for k, v in module.items() if k != "path"))
    pinned = view.pin.pinned if view.pin is not None else None
    if pinned is not None:
        asks.append(f"{pinned.kind} {pinned.value}")
    text.append("; ".join(asks) or "no go.mod, no pin")
    text.append("\nruns ", style="bold")
    runs = view.effective or (view.local.version if view.local else "no go")
    text.append(runs, style="bold red" if view.would_download or view.switches else "bold")
    if view.would_download:
        text.append(" (go would download it first)", style="red")
    elif view.switches and view.local is not None:
        text.append(f" (not {view.local.version} on PATH)", style="yellow")
    where = f"GOTOOLCHAIN={view.gotoolchain} ({view.gotoolchain_source})" if view.gotoolchain else f"GOTOOLCHAIN {view.gotoolchain_source}"
    text.append(f" · {where}", style="dim")
    if view.error:
        text.append(f"\n{view.error}", style="red")
    return text
