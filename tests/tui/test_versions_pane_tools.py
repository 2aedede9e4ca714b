"""The Versions pane after an install: the default-go-packages' progress on the install's status
line, then the summary; a failing tool is a notification and the install still stands."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widgets import Static

from m3tui.tui.panes.versions import VersionsPane
from m3tui.versions.defaultpkgs import Outcome, PackageProgress, PackageResult
from tests.appkit import FixedVersionsBackend, settle, snapshot_app
from tests.wait import eventually

GOPLS = "golang.org/x/tools/gopls@latest"
NOSUCH = "example.com/nosuch@latest"


class ToolsVersions(FixedVersionsBackend):
    def __init__(self) -> None:
        super().__init__(install_outcome="ok")
        self.tools_for: list[str] = []
        self.release_tools = asyncio.Event()

    async def default_packages(self, version: str, on_progress: Callable[[PackageProgress], None]) -> Outcome:
        self.tools_for.append(version)
        on_progress(PackageProgress(1, 2, GOPLS, "installing", "go: downloading golang.org/x/tools v0.30.0"))
        await self.release_tools.wait()
        ok = PackageResult(GOPLS, True, "", 12.5)
        bad = PackageResult(NOSUCH, False, "go: example.com/nosuch@latest: module example.com/nosuch: not found")
        on_progress(PackageProgress(2, 2, NOSUCH, "failed", result=bad))
        return Outcome((ok, bad), ("default-go-packages:3: a flag, not a package (only packages, one a line): '-v'",))


async def test_tools_progress_then_summary_and_failures_notified() -> None:
    backend = ToolsVersions()
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
        pane = app.main_screen.query_one(VersionsPane)
        await pilot.press("tab", "down", "i")  # go1.27.2 (go1.27.3 is installed already)
        status = pane.query_one("#install-status", Static)
        await eventually(lambda: "tools 1/2" in str(status.render()))
        assert str(status.render()) == f"tools 1/2 {GOPLS}: go: downloading golang.org/x/tools v0.30.0"
        assert pane.installing == "go1.27.2"  # one install at a time, its tools included
        backend.release_tools.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert backend.tools_for == ["go1.27.2"] and pane.installing is None
        assert str(status.render()).startswith("installed go1.27.2 in ")
        assert " · 1 of 2 tools installed · u makes it global" in str(status.render())
        said = [n.message for n in app._notifications]
        assert f"{NOSUCH}: failed: go: example.com/nosuch@latest: module example.com/nosuch: not found" in said
        assert "default-go-packages:3: a flag, not a package (only packages, one a line): '-v'" in said
