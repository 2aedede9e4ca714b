"""Per project: which Go a directory asks for, pinning one, and which Go really runs there.

A project can name its Go in four places, all read nearest-up from the directory:

    .go-version       one line, "1.22.10" or "go1.22.10" (goenv, asdf's legacy file, mise)
    .tool-versions    asdf's format, a "golang 1.22.10" line (mise also takes "go 1.22.10")
    go.mod / go.work  the `go` line (minimum language version) and the `toolchain` line

Only go.mod's lines change what `go` itself runs (with GOTOOLCHAIN=auto it switches to,
and downloads, a newer toolchain); the others are read by version managers. `what_runs_here`
asks go what it would run, with GOPROXY=off, so looking never downloads anything.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from m3tui.core import runner, toolchain
from m3tui.core.errors import InputError, M3tuiError, UsageError
from m3tui.core.files import open_input, read_text_to_edit
from m3tui.core.toolchain import GoOnPath, GoVersion
from m3tui.doctor.checks_go import (
    _DOWNLOAD_RE,
    active_go,
    module_files,
    run_env,
    toolchain_source,
)
from m3tui.doctor.model import DoctorContext
from m3tui.versions import names
from m3tui.versions.shims import is_dir, is_file
from m3tui.versions.switch import GlobalChoice, global_choice, write_user_file

GO_VERSION_FILE = ".go-version"
TOOL_VERSIONS_FILE = ".tool-versions"
#: The largest .tool-versions or go.mod `set_project_version` rewrites (real ones are a few KB).
MAX_PIN_FILE_BYTES = 4 * 1024 * 1024
# asdf's plugin is "golang"; mise also accepts "go".
_TOOL_NAMES = ("golang", "go")

PinHow = Literal["go-version", "tool-versions", "toolchain"]
T = TypeVar("T")


class BadPin(UsageError, ValueError):
    """A pin that cannot be written as asked: not a release for a toolchain line, an unknown way."""


class NoGoMod(InputError, FileNotFoundError):
    """A toolchain line asked for where no go.mod is (in the directory or above): exit 2, as a
    missing input file is."""


@dataclass(frozen=True)
class PinSource:
    """One place that names a Go version for this directory."""

    kind: str  # ".go-version", ".tool-versions", "go.mod go", "go.mod toolchain", "go.work go", …
    path: Path
    value: str  # as written: "1.22.10", "go1.22.10", "system", "ref:master"
    version: str | None  # canonical ("go1.22.10"), None when the value is not a Go version

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.path}): {self.value}"


@dataclass(frozen=True)
class ProjectPin:
    cwd: Path
    sources: tuple[PinSource, ...] = ()

    def source(self, kind: str) -> PinSource | None:
        return next((s for s in self.sources if s.kind == kind), None)

    @property
    def pinned(self) -> PinSource | None:
        """What a version manager would pick: .go-version or .tool-versions, nearest first."""
        managers = [s for s in self.sources if s.kind in (GO_VERSION_FILE, TOOL_VERSIONS_FILE)]
        # Sources are found nearest-up; the deeper file (longer path) is the nearer one, and in
        # one directory .tool-versions wins over the .go-version "legacy" file, as in asdf.
        return max(managers, key=lambda s: (len(s.path.parts), s.kind == TOOL_VERSIONS_FILE), default=None)


def _canonical_or_none(value: str) -> str | None:
    try:
        return names.canonical(value)
    except names.NotAGoVersion:
        return None


def _nearest(cwd: Path, name: str, accept: Callable[[Path], bool] = lambda path: True) -> Path | None:
    for directory in [cwd, *cwd.parents]:
        path = directory / name
        if is_file(path) and accept(path):
            return path
    return None


def _read_small(path: Path, limit: int = 64 * 1024) -> str | None:
    """A version file's text, if it is a readable regular file of at most ``limit`` bytes
    (a FIFO is never opened for a blocking read); undecodable bytes replaced."""
    try:
        with open_input(path) as f:
            data = f.read(limit + 1)
    except (M3tuiError, OSError, ValueError):  # missing, not a regular file, unreadable
        return None
    return data.decode("utf-8", "replace") if len(data) <= limit else None


def _read_go_version_file(path: Path) -> str | None:
    for line in (_read_small(path) or "").splitlines():
        line = line.split("#")[0].strip()
        if line:
            return line
    return None


def _tool_versions_go(path: Path) -> str | None:
    """The golang (or go) entry of a .tool-versions file: its first version."""
    lines = (_read_small(path) or "").splitlines()
    for line in lines:
        parts = line.split("#")[0].split()
        if len(parts) >= 2 and parts[0] in _TOOL_NAMES:
            return parts[1]
    return None


def read_project_version(cwd: str | os.PathLike[str]) -> ProjectPin:
    """Every place that names a Go for ``cwd``, each the nearest one up from it."""
    cwd = Path(cwd).absolute()
    sources: list[PinSource] = []
    if (path := _nearest(cwd, GO_VERSION_FILE, lambda p: _read_go_version_file(p) is not None)) is not None:
        value = _read_go_version_file(path) or ""
        sources.append(PinSource(GO_VERSION_FILE, path, value, _canonical_or_none(value)))
    # asdf and mise walk past a .tool-versions that does not mention the tool.
    if (path := _nearest(cwd, TOOL_VERSIONS_FILE, lambda p: _tool_versions_go(p) is not None)) is not None:
        value = _tool_versions_go(path) or ""
        sources.append(PinSource(TOOL_VERSIONS_FILE, path, value, _canonical_or_none(value)))
    for name, lines in module_files(cwd).items():
        for key in ("go", "toolchain"):
            if key in lines:
                sources.append(PinSource(f"{name} {key}", Path(lines["path"]), lines[key], _canonical_or_none(lines[key])))
    return ProjectPin(cwd, tuple(sources))


# --- writing a pin ----------------------------------------------------------------------


def _validated(version: str, how: PinHow) -> str:
    canonical = names.canonical(version)  # NotAGoVersion for anything else
    if how == "toolchain" and re.fullmatch(r"go\d+\.\d+", canonical):
        key = names.parse_version(canonical)
        if (key.major, key.minor) >= (1, 21):
            # Since 1.21 "go1.22" is a language version; a toolchain is a release.
            raise BadPin(f"a toolchain line names a release, e.g. {canonical}.0, not {canonical}")
    return canonical


def _split_ending(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _set_tool_versions(text: str, version: str) -> str:
    bare = version.removeprefix("go")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        body, ending = _split_ending(line)
        parts = body.split("#")[0].split()
        if len(parts) >= 2 and parts[0] in _TOOL_NAMES:
            match = re.match(r"^(\s*\S+\s+)(.*?)(\s*(?:#.*)?)$", body)
            assert match is not None
            lines[i] = f"{match[1]}{bare}{match[3]}{ending}"
            return "".join(lines)
    if text and not text.endswith("\n"):
        text += "\n"
    return f"{text}golang {bare}\n"


def _set_toolchain_line(text: str, version: str) -> str:
    """go.mod with its toolchain line set; every other byte as it was."""
    lines = text.splitlines(keepends=True)
    depth = 0
    go_line = None
    for i, line in enumerate(lines):
        body, ending = _split_ending(line)
        code = body.split("//")[0].strip()
        parts = code.split()
        if depth == 0 and parts and parts[0] == "toolchain" and len(parts) == 2:
            match = re.match(r"^(\s*toolchain\s+)(\S+)(.*)$", body)
            assert match is not None
            lines[i] = f"{match[1]}{version}{match[3]}{ending}"
            return "".join(lines)
        if depth == 0 and len(parts) == 2 and parts[0] == "go" and go_line is None:
            go_line = i
        if code.endswith("("):
            depth += 1
        elif code == ")" and depth:
            depth -= 1
    if go_line is None:
        if text and not text.endswith("\n"):
            text += "\n"
        return f"{text}\ntoolchain {version}\n"
    body, ending = _split_ending(lines[go_line])
    if not ending:  # the go line ends the file without a newline
        lines[go_line] = body + "\n"
        ending = "\n"
    lines.insert(go_line + 1, f"toolchain {version}{ending}")
    return "".join(lines)


def _read_pin_file(path: Path, *, missing_ok: bool) -> str:
    """A file to rewrite, as text whose bytes come back exactly (undecodable ones kept through
    surrogateescape): a regular file only, at most MAX_PIN_FILE_BYTES (InputError otherwise)."""
    try:
        data = read_text_to_edit(path, limit=MAX_PIN_FILE_BYTES, what="file")
    except InputError:
        if missing_ok and not os.path.lexists(path):
            return ""
        raise
    return data.decode("utf-8", "surrogateescape")


def _write_pin(path: Path, text: str) -> Path:
    write_user_file(path, text.encode("utf-8", "surrogateescape"))
    return path


def set_project_version(cwd: str | os.PathLike[str], version: str, *, how: PinHow) -> Path:
    """Pin ``version`` for the project at ``cwd``; returns the file written (atomically).

    go-version:    write cwd/.go-version ("1.22.10", the form every manager reads)
    tool-versions: set the golang line of cwd/.tool-versions (other lines kept, file created if absent)
    toolchain:     set the toolchain line of the nearest go.mod (inserted after the go line)

    Raises NotAGoVersion or BadPin for what cannot be pinned, NoGoMod for a toolchain line
    without a go.mod, InputError (exit 2) when the file is a directory, FIFO or binary, and
    M3tuiError (exit 3, path and strerror) when it cannot be written (a read-only directory or
    file). Every other byte of a rewritten file is kept; a symlink is written through.
    """
    if how not in ("go-version", "tool-versions", "toolchain"):
        raise BadPin(f"unknown pin {names.shown(str(how))} (expected go-version, tool-versions or toolchain)")
    canonical = _validated(version, how)
    cwd = Path(cwd).absolute()
    if how == "go-version":
        return _write_pin(cwd / GO_VERSION_FILE, f"{canonical.removeprefix('go')}\n")
    if how == "tool-versions":
        path = cwd / TOOL_VERSIONS_FILE
        return _write_pin(path, _set_tool_versions(_read_pin_file(path, missing_ok=True), canonical))
    gomod = module_files(cwd).get("go.mod")
    if gomod is None:
        raise NoGoMod(f"no go.mod in {cwd} or above: nothing to set a toolchain line in")
    path = Path(gomod["path"])
    return _write_pin(path, _set_toolchain_line(_read_pin_file(path, missing_ok=False), canonical))


# --- what runs here ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectView:
    """Which Go a directory asks for, and which one go really runs there."""

    cwd: Path
    go: GoOnPath | None  # the go PATH finds
    local: GoVersion | None  # its own version (GOTOOLCHAIN=local)
    gotoolchain: str | None  # GOTOOLCHAIN's value, None when unset
    gotoolchain_source: str  # "environment", "go env -w (<file>)", "<GOROOT>/go.env", "unset (…)"
    modules: Mapping[str, Mapping[str, str]]  # module_files(): go.mod/go.work with their go/toolchain lines
    pin: ProjectPin
    effective: str | None = None  # the toolchain go selects here ("go1.99.1")
    would_download: bool = False  # go would have to download `effective` first
    error: str | None = None  # why `effective` (or `local`) is unknown
    notes: tuple[str, ...] = field(default=())
    # m3tui's global choice (the store's `current` link) against this PATH; None: not looked at.
    # Which of all these runs here, and why, is versions.current.resolve()'s one answer.
    global_choice: GlobalChoice | None = None

    @property
    def switches(self) -> bool:
        """go runs another toolchain here than the one on PATH."""
        return self.local is not None and self.effective is not None and self.effective != self.local.version


def _local_env(ctx: DoctorContext) -> dict[str, str | None]:
    """ctx.env for a child, with GOTOOLCHAIN=local winning over the user's own GOTOOLCHAIN.

    (The user's GOTOOLCHAIN=auto must not make the look at the go on PATH switch, or download.)
    """
    return run_env(ctx)


async def _local(probe: Awaitable[T]) -> T | str:
    """A probe's result, or the one line that says why it failed."""
    try:
        return await probe
    except (toolchain.ToolchainError, runner.RunnerError) as exc:
        return str(exc)


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or ["no output"])[-1][:200]


async def _effective(ctx: DoctorContext, go: GoOnPath) -> tuple[str | None, bool, str | None]:
    """(version go selects in ctx.cwd, would it download it, error) — with GOPROXY=off."""
    overrides = {**run_env(ctx, local=False), "GOPROXY": "off"}
    try:
        result = await runner.run(
            [os.fspath(go.path), "version"], env=overrides, cwd=ctx.cwd, timeout=toolchain.PROBE_TIMEOUT
        )
    except runner.RunnerError as exc:
        return None, False, str(exc)
    if result.timed_out:
        return None, False, f"`go version` did not finish within {toolchain.PROBE_TIMEOUT:.0f} s"
    if result.returncode != 0:
        if match := _DOWNLOAD_RE.search(result.stderr_text):
            return match[1], True, None
        return None, False, f"go version fails here: {_last_line(result.stderr_text)}"
    try:
        return toolchain.parse_go_version(result.stdout_text).version, False, None
    except ValueError as exc:
        return None, False, str(exc)


async def what_runs_here(cwd: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> ProjectView:
    """The go on PATH, GOTOOLCHAIN and its source, go.mod's lines, and the Go that runs in ``cwd``.

    ``env`` is the user's environment (default: this process's). Every go runs through the
    runner with a timeout; the effective one with GOPROXY=off, so nothing is downloaded.
    Never raises for a missing or broken go: `error` says what went wrong.
    """
    cwd = Path(cwd).absolute()
    ctx = DoctorContext(env=dict(os.environ if env is None else env), cwd=cwd)
    pin = read_project_version(cwd)
    modules = module_files(cwd)
    go = active_go(ctx)
    chosen = global_choice(ctx.env)
    if go is None:
        value, source = toolchain_source(ctx, "", "")
        return ProjectView(cwd, None, None, value, source, modules, pin, error="no go on PATH", global_choice=chosen)
    if not is_dir(cwd):
        value, source = toolchain_source(ctx, "", "")
        return ProjectView(cwd, go, None, value, source, modules, pin, error=f"{cwd}: no such directory", global_choice=chosen)
    # Three independent go runs, at once.
    local, goenv, (effective, would_download, error) = await asyncio.gather(
        _local(toolchain.go_version(go.path, cwd=cwd, env=_local_env(ctx))),
        _local(toolchain.go_env(go.path, ["GOENV", "GOROOT"], cwd=cwd, env=_local_env(ctx))),
        _effective(ctx, go),
    )
    goenv = goenv if isinstance(goenv, dict) else {}
    value, source = toolchain_source(ctx, goenv.get("GOENV", ""), goenv.get("GOROOT", ""))
    notes = []
    if isinstance(local, str):
        error = error or f"the go on PATH does not run: {local}"
    local_version = None if isinstance(local, str) else local
    if would_download:
        notes.append(f"go would download {effective} here (GOTOOLCHAIN={value or 'auto'}, {source})")
    return ProjectView(
        cwd, go, local_version, value, source, modules, pin, effective, would_download, error, tuple(notes), chosen
    )
