"""What the Versions pane asks of this feature: the `VersionsBackend` Protocol and the real one.

The pane depends on the Protocol only, so tests hand it fixed data (tests/appkit.py) and the
type checker holds both to the same signatures. The real backend imports the services on first
call, not at start-up (the pane is built before the first paint), and moves slow disk work
(sizes, removals) to a thread so the event loop never waits on a 250 MB tree.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from m3tui.core.pins import Pin
    from m3tui.versions.defaultpkgs import Outcome, PackageProgress
    from m3tui.versions.install import Progress
    from m3tui.versions.names import GoFile, GoRelease, InstalledGo
    from m3tui.versions.project import ProjectView
    from m3tui.versions.switch import SwitchResult


@dataclass
class IndexView:
    """The release list as the pane shows it, and where it came from."""

    releases: list[GoRelease]
    source: str  # "network", "cache", "cache-stale"
    warning: str | None = None


class VersionsBackend(Protocol):
    """The Versions feature as the pane sees it. Failures are M3tuiErrors with the user's line."""

    async def installed(self) -> list[InstalledGo]: ...
    async def sizes(self, installs: list[InstalledGo]) -> list[InstalledGo]: ...
    async def project(self) -> ProjectView: ...
    async def pin(self) -> Pin: ...
    def cached_index(self) -> IndexView | None: ...
    async def fetch_index(self) -> IndexView: ...
    def archive(self, release: GoRelease) -> GoFile | None: ...
    async def install(self, file: GoFile, on_progress: Callable[[Progress], None]) -> Path: ...
    async def default_packages(self, version: str, on_progress: Callable[[PackageProgress], None]) -> Outcome: ...
    def use(self, version: str) -> SwitchResult: ...
    def current_version(self) -> str | None: ...
    async def remove(self, version: str, force: bool) -> int: ...
    async def prune(self) -> list[tuple[str, int]]: ...
    def switch_hint(self, install: InstalledGo) -> str | None: ...
    def pin_here(self, version: str) -> Path: ...


class LocalVersions:
    """The real services, on this machine and m3tui's store."""

    def _mirror(self) -> str:
        """go.dev or the `[versions] mirror` of config.toml, as the user has it now."""
        from m3tui.core.config import load_config

        return load_config().config.go_mirror

    async def installed(self) -> list[InstalledGo]:
        from m3tui.versions import installed

        return installed.discover().installs

    async def sizes(self, installs: list[InstalledGo]) -> list[InstalledGo]:
        """Walking ~250 MB trees takes ~0.1 s each: done in a thread, after the list shows."""
        from m3tui.versions import installed

        return await asyncio.to_thread(installed.sizes, installs)

    async def project(self) -> ProjectView:
        from m3tui.versions import project

        return await project.what_runs_here(Path.cwd(), dict(os.environ))

    async def pin(self) -> Pin:
        """What this directory pins (pins.py's order: M3TUI_GO_VERSION, the nearest pin file, the
        global `current`): files only, read in a thread (a slow disk never holds the UI)."""
        from m3tui.versions import store
        from m3tui.versions.pins import resolve_pin

        return await asyncio.to_thread(resolve_pin, Path.cwd(), dict(os.environ), store.store_dir())

    def cached_index(self) -> IndexView | None:
        from m3tui.versions import index

        cached = index.load_cached(self._mirror())
        return IndexView(cached.releases, cached.source, cached.warning) if cached else None

    async def fetch_index(self) -> IndexView:
        from m3tui.versions import index

        result = await index.fetch_index(self._mirror())
        return IndexView(result.releases, result.source, result.warning)

    def archive(self, release: GoRelease) -> GoFile | None:
        from m3tui.versions import index

        return index.choose_archive(release)

    async def install(self, file: GoFile, on_progress: Callable[[Progress], None]) -> Path:
        from m3tui.versions import index, install

        return await install.install(file, index.archive_url(self._mirror(), file.filename), on_progress=on_progress)

    async def default_packages(self, version: str, on_progress: Callable[[PackageProgress], None]) -> Outcome:
        """default-go-packages into the new version's gobin (versions/defaultpkgs.py)."""
        from m3tui.versions import defaultpkgs

        return await defaultpkgs.install_default(version, on_progress=on_progress)

    def use(self, version: str) -> SwitchResult:
        from m3tui.versions import switch

        return switch.use(version)

    def current_version(self) -> str | None:
        from m3tui.versions import store

        return store.current_version()

    async def remove(self, version: str, force: bool) -> int:
        """Deleting a ~250 MB tree takes seconds: in a thread, never on the event loop."""
        from m3tui.versions import install

        return await asyncio.to_thread(install.remove, version, force=force)

    async def prune(self) -> list[tuple[str, int]]:
        from m3tui.versions import install

        return await asyncio.to_thread(install.prune, 1)

    def switch_hint(self, install: InstalledGo) -> str | None:
        from m3tui.versions import installed

        return installed.switch_hint(install)

    def pin_here(self, version: str) -> Path:
        from m3tui.versions import project

        return project.set_project_version(Path.cwd(), version, how="go-version")
