"""Helpers for the TUI tests: a fixed toolchain report for snapshots, and settling the app."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from m3tui.app import M3tuiApp
from m3tui.services.config import LoadedConfig, load_config
from m3tui.services.host import HostInfo
from m3tui.services.toolchain import GoOnPath, GoVersion, ToolchainReport

# What the probe reports on an M3 Pro with Homebrew's Go: snapshots must not depend on the
# machine that runs them, so they show this report instead of probing.
M3_REPORT = ToolchainReport(
    host=HostInfo(goos="darwin", goarch="arm64", translated=False),
    go=GoOnPath(
        Path("/opt/homebrew/bin/go"),
        Path("/opt/homebrew/Cellar/go/1.24.2/libexec/bin/go"),
        is_script=False,
    ),
    version=GoVersion("go1.24.2", "darwin", "arm64"),
    env={
        "GOROOT": "/opt/homebrew/Cellar/go/1.24.2/libexec",
        "GOOS": "darwin",
        "GOARCH": "arm64",
        "GOPATH": "/Users/gopher/go",
        "GOENV": "/Users/gopher/Library/Application Support/go/env",
        "GOVERSION": "go1.24.2",
    },
)


async def fixed_probe() -> ToolchainReport:
    return M3_REPORT


def snapshot_app(config: LoadedConfig | None = None, theme: str | None = None) -> M3tuiApp:
    return M3tuiApp(config=config or load_config(), theme=theme, toolchain_probe=fixed_probe)


async def settle(pilot: Pilot) -> None:
    """Wait until the post-paint probe has run and the screen has caught up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def write_executable(path: Path, text: str) -> Path:
    """A small script standing in for a program (e.g. a `go` that hangs)."""
    path.write_text(text)
    path.chmod(0o755)
    return path
