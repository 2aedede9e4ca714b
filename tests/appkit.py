"""Helpers for the TUI tests: a fixed toolchain report for snapshots, and settling the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from m3tui.app import M3tuiApp
from m3tui.services.config import LoadedConfig, load_config
from m3tui.services.doctor.model import Finding, Group, Status
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


# Findings of every status, as the doctor reports them on an M3 Pro with a few classic problems.
M3_FINDINGS = [
    Finding("system.os", Group.SYSTEM, Status.OK, "macOS 15.1 on Apple M3 Pro: 11 cores (5 performance + 6 efficiency)",
            data={"perf_cores": 5, "eff_cores": 6}),  # fmt: skip
    Finding("system.rosetta", Group.SYSTEM, Status.OK, "native arm64: neither m3tui nor the login shell runs under Rosetta"),
    Finding("system.homebrew", Group.SYSTEM, Status.ERROR, "Homebrew in /usr/local on an arm64 Mac: installed from a Rosetta shell",
            "brew config: HOMEBREW_PREFIX: /usr/local, Rosetta 2: true", "install Homebrew natively into /opt/homebrew"),  # fmt: skip
    Finding("go.path", Group.GO, Status.WARN, "2 different go binaries on PATH; /opt/homebrew/bin/go shadows /usr/local/go/bin/go (go1.21.5)",
            "/opt/homebrew/bin/go: go1.24.2; binary Mach-O 64-bit arm64\n/usr/local/go/bin/go: go1.21.5; binary Mach-O 64-bit x86_64",
            "remove the others from PATH (or uninstall them) so one go is used everywhere"),  # fmt: skip
    Finding("go.env.gosumdb", Group.GO, Status.WARN, "GOSUMDB=off: module downloads are not checked against the checksum database",
            fix="go env -u GOSUMDB (use GOPRIVATE for private modules instead)"),  # fmt: skip
    Finding("go.env.target", Group.GO, Status.OK, "builds for darwin/arm64, the host's platform"),
    Finding("go.tools.dlv", Group.GO, Status.SKIPPED, "dlv not installed", fix="go install github.com/go-delve/delve/cmd/dlv@latest"),
    Finding("go.tools.gopls", Group.GO, Status.CRASHED, "the tools check crashed: OSError: [Errno 5] Input/output error",
            fix="please report this"),  # fmt: skip
    Finding("network.proxy", Group.NETWORK, Status.OK, "https://proxy.golang.org answers in 38 ms"),
    Finding("drift.baseline", Group.DRIFT, Status.SKIPPED, "no baseline saved", fix="m3tui doctor --save-baseline"),
]


async def fixed_probe() -> ToolchainReport:
    return M3_REPORT


async def fixed_doctor(on_finding: Callable[[Finding], None]) -> list[Finding]:
    for finding in M3_FINDINGS:
        on_finding(finding)
    return list(M3_FINDINGS)


def snapshot_app(config: LoadedConfig | None = None, theme: str | None = None) -> M3tuiApp:
    return M3tuiApp(config=config or load_config(), theme=theme, toolchain_probe=fixed_probe, doctor=fixed_doctor)


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
