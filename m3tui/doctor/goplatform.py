"""Go and the platform it runs on: the go.dev/dl download that fits this machine, and the
oldest macOS each Go release supports (the ``go.macos`` check; ``versions install`` refuses
with the same reason), the go.path finding when there is no go on PATH (offering the go that m3tui's
`[go]` extra bundles, core/gobundle.py), and go.env.gosumdb's verdict (a GOSUMDB that go itself would reject).

The minimums are from Go's release notes: Go 1.17-1.20 need macOS 10.13 High Sierra, Go 1.21
and 1.22 need macOS 10.15 Catalina, Go 1.23 and 1.24 need macOS 11 Big Sur, Go 1.25 and later
need macOS 12 Monterey. Pure functions plus one check; the macOS version comes from the system
probe's ``sw_vers`` (core/system), so tests run on Linux over recorded outputs.
"""

from __future__ import annotations

import re
from typing import Any

from m3tui.core import gobundle
from m3tui.doctor.model import DoctorContext, Finding, Group, Offer, Status
from m3tui.doctor.proxyconf import gosumdb_problem

__all__ = ["GOPLATFORM_CHECKS", "check_go_macos", "download_name", "gosumdb_verdict", "install_fix", "macos_minimum", "macos_too_old", "no_go"]

# (Go minor version from which it holds, the oldest macOS supported), newest first.
_MACOS_MINIMUMS: tuple[tuple[int, tuple[int, int], str], ...] = (
    (25, (12, 0), "macOS 12 Monterey"),
    (23, (11, 0), "macOS 11 Big Sur"),
    (21, (10, 15), "macOS 10.15 Catalina"),
    (17, (10, 13), "macOS 10.13 High Sierra"),
)
_GO_MINOR_RE = re.compile(r"(?:^|\s|go)1\.(\d+)")

_OS_NAMES = {"darwin": "macOS", "linux": "Linux", "windows": "Windows", "freebsd": "FreeBSD"}
_KINDS = {"darwin": ".pkg", "windows": ".msi"}


def download_name(goos: str, goarch: str) -> str:
    """The go.dev/dl download for this platform, as that page names it: 'the darwin-arm64 .pkg'."""
    kind = _KINDS.get(goos, ".tar.gz")
    return f"the {goos}-{goarch} {kind}"


def install_fix(goos: str, goarch: str) -> str:
    """The doctor's fix for a missing or wrong go, naming this platform's package."""
    return f"install Go for this machine: `m3tui versions install latest`, or {download_name(goos, goarch)} from go.dev/dl"


def _version_tuple(text: str) -> tuple[int, ...] | None:
    match = re.match(r"\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", text or "")
    return tuple(int(x) for x in match.groups() if x is not None) if match else None


def macos_minimum(go_version: str) -> tuple[tuple[int, int], str] | None:
    """The oldest macOS a Go release runs on ((12, 0), "macOS 12 Monterey") from "go1.25.3",
    "1.23", "go1.24rc1", "devel go1.26-abc"; None for a Go before 1.17 or no version."""
    match = _GO_MINOR_RE.search(go_version or "")
    if not match:
        return None
    minor = int(match[1])
    for since, version, name in _MACOS_MINIMUMS:
        if minor >= since:
            return version, name
    return None


def macos_too_old(go_version: str, macos_version: str) -> str | None:
    """One line when this macOS (sw_vers' ProductVersion) is older than the Go release supports."""
    need = macos_minimum(go_version)
    have = _version_tuple(macos_version)
    if need is None or have is None:
        return None
    (major, minor), name = need
    if (have + (0,))[:2] >= (major, minor):
        return None
    go = go_version if go_version.startswith("go") else f"go{go_version}"
    return f"{go} needs {name} or later; this Mac runs macOS {macos_version.strip()}"


async def check_go_macos(ctx: DoctorContext) -> list[Finding]:
    """go.macos: the Go in use against this macOS (nothing on other systems)."""
    from m3tui.doctor.checks_go import local_version  # lazy: the Go group's shared `go version`
    from m3tui.doctor.checks_system import system_facts

    facts = await system_facts(ctx)
    if not facts.is_macos or not facts.os_version:
        return []
    version = await local_version(ctx)
    if version is None:
        return []
    data = {"go": version.version, "macos": facts.os_version}
    problem = macos_too_old(version.version, facts.os_version)
    if problem is None:
        need = macos_minimum(version.version)
        summary = f"{version.version} supports macOS {facts.os_version}" + (f" (needs {need[1]} or later)" if need else "")
        return [Finding("go.macos", Group.GO, Status.OK, summary, "", "", data)]
    detail = (
        "Go's release notes name the oldest macOS each release runs on; binaries it builds may fail "
        "or crash on this system."
    )
    fix = "update macOS, or use an older Go: `m3tui versions install 1.22` (macOS 10.15), `1.24` (macOS 11)"
    return [Finding("go.macos", Group.GO, Status.WARN, problem, detail, fix, data)]


def gosumdb_verdict(value: str) -> tuple[Status, str, str, str]:
    """go.env.gosumdb's status, summary, detail and fix for a GOSUMDB other than off."""
    problem = gosumdb_problem(value)
    if problem is None:
        return Status.OK, f"GOSUMDB={value}", "", ""
    detail = (
        "go refuses it when it verifies a new module (`go: …: verifying go.mod: " + problem + "`). "
        "The form is `<name>+<hash>+<key> [URL]`, as a checksum database publishes its key, or a known name "
        "(sum.golang.org, sum.golang.google.cn)."
    )
    return Status.ERROR, problem, detail, "go env -u GOSUMDB"


GOPLATFORM_CHECKS = (check_go_macos,)


def no_go(ctx: DoctorContext, summary: str, detail: str, data: dict[str, Any], install_fix: str) -> Finding:
    """No go on PATH; when m3tui's `[go]` extra bundles one (pipx, uv tool: not on PATH), that one is offered."""
    bundled = gobundle.find_bundled(ctx.site_packages)
    if bundled is None:
        return Finding("go.path", Group.GO, Status.ERROR, summary, detail, install_fix, data)
    data = {**data, "bundled": {"goroot": str(bundled.goroot), "go": str(bundled.go), "version": bundled.version}}
    said = f"m3tui's [go] extra bundles {bundled.version or 'a go'} at {bundled.go}, which is not on PATH"
    fix = f"m3tui versions use bundled (then source m3tui's env file), or add {bundled.bin_dir} to the end of PATH; or {install_fix}"
    offers = (Offer("path_append", (str(bundled.bin_dir),)),)
    return Finding("go.path", Group.GO, Status.ERROR, summary, "\n".join(filter(None, [said, detail])), fix, data, offers=offers)
