"""Helpers for the TUI tests: a fixed toolchain report for snapshots, and settling the app."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from m3tui.app import M3tuiApp
from m3tui.services.config import LoadedConfig, load_config
from m3tui.panes.versions import IndexView, VersionsBackend
from m3tui.services.doctor.model import Finding, Group, Status
from m3tui.services.goinstall import InstallError
from m3tui.services.goinstall import Progress as InstallProgress
from m3tui.services.goproject import ProjectPin, ProjectView
from m3tui.services.goswitch import SwitchError
from m3tui.services.goversions import GoFile, GoRelease, InstalledGo
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


def snapshot_app(config: LoadedConfig | None = None, theme: str | None = None, versions=None) -> M3tuiApp:
    return M3tuiApp(
        config=config or load_config(), theme=theme, toolchain_probe=fixed_probe, doctor=fixed_doctor,
        versions_backend=versions or FixedVersionsBackend(),
    )  # fmt: skip


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


# --- the Versions pane with fixed data ---------------------------------------------------------


def _release(version: str, stable: bool = True) -> GoRelease:
    files = tuple(
        GoFile(f"{version}.{goos}-{arch}.tar.gz", goos, arch, version, "0" * 64, size, "archive")
        for goos, arch, size in (("darwin", "arm64", 73_400_320), ("linux", "amd64", 75_497_472))
    )
    return GoRelease(version, stable, files)


M3_RELEASES = [_release(v) for v in ("go1.27.3", "go1.27.2", "go1.26.6", "go1.25.5", "go1.24.11")] + [
    _release("go1.28rc1", stable=False)
]
M3_INSTALLS = [
    InstalledGo("go1.27.3", Path("/Users/gopher/Library/Application Support/m3tui/go/go1.27.3"), "m3tui", "darwin", "arm64", current=True),
    InstalledGo("go1.24.2", Path("/opt/homebrew/Cellar/go/1.24.2/libexec"), "homebrew", "darwin", "arm64"),
    InstalledGo("go1.21.5", Path("/usr/local/go"), "system", "darwin", "amd64"),
]


class FixedVersionsBackend(VersionsBackend):
    """Fixed installs, index and project; install() reports progress, then waits or fails."""

    def __init__(self, install_outcome: str = "wait") -> None:
        self.install_outcome = install_outcome  # "wait" (stays in progress), "fail", "ok"
        self.release_install = asyncio.Event()
        self.used: list[str] = []

    def mirror(self) -> str:
        return "https://go.dev"

    async def installed(self) -> list[InstalledGo]:
        return list(M3_INSTALLS)

    async def sizes(self, installs: list[InstalledGo]) -> list[InstalledGo]:
        return [dataclasses.replace(i, size_bytes=(263 - 12 * n) * 1024 * 1024) for n, i in enumerate(installs)]

    async def remove(self, version: str, force: bool) -> int:
        await asyncio.sleep(0.3)  # a real removal takes a while: the UI must not wait on it
        return 263 * 1024 * 1024

    async def prune(self) -> list[tuple[str, int]]:
        return [("go1.21.5", 241 * 1024 * 1024)]

    async def project(self):
        return ProjectView(
            cwd=Path("/Users/gopher/src/shop"), go=M3_REPORT.go, local=M3_REPORT.version,
            gotoolchain="auto", gotoolchain_source="/opt/homebrew/Cellar/go/1.24.2/libexec/go.env",
            modules={"go.mod": {"path": "/Users/gopher/src/shop/go.mod", "go": "1.25.0"}},
            pin=ProjectPin(Path("/Users/gopher/src/shop")), effective="go1.25.0", would_download=True,
        )  # fmt: skip

    def cached_index(self) -> IndexView | None:
        return IndexView(list(M3_RELEASES), "cache")

    async def fetch_index(self) -> IndexView:
        return IndexView(list(M3_RELEASES), "network")

    def archive(self, release: GoRelease) -> GoFile | None:
        return release.archive_for("darwin", "arm64")

    async def install(self, file: GoFile, on_progress) -> Path:
        on_progress(InstallProgress(31_457_280, file.size, 12_582_912.0, 3.5, "download"))
        if self.install_outcome == "fail":
            raise InstallError("checksum mismatch for go1.26.6.darwin-arm64.tar.gz: expected 3f2a…9c01, got 77b0…e412")
        if self.install_outcome == "wait":
            await self.release_install.wait()
        return Path("/Users/gopher/Library/Application Support/m3tui/go") / file.version

    def use(self, version: str):
        self.used.append(version)
        raise SwitchError(f"{version} is not installed in m3tui's store")
