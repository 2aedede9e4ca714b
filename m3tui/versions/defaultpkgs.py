"""default-go-packages: the tools `go install`ed into each new Go version's own GOBIN.

The file is ``default-go-packages`` next to config.toml (``$M3TUI_HOME/default-go-packages``;
mise and goenv have the same file): one ``go install`` argument a line, ``#`` starts a comment,
blank lines are skipped::

    golang.org/x/tools/gopls@latest
    github.com/go-delve/delve/cmd/dlv      # no @version: @latest, as mise does

After ``m3tui versions install V`` put a new version in the store, each package is installed
with *that* version's go (``<version dir>/bin/go install SPEC``) into ``<version dir>/gobin``
(GOBIN set for that command only, GOTOOLCHAIN=local so go.dev's toolchain switch cannot build
it with another Go, GOROOT unset so an exported one cannot either), one after the other, each
with a timeout, under the version's lock (a `versions remove` waits). A package that fails is
one line (the spec and go's first error line) and the next one still runs; the Go version stays
installed. A line that is not a package (flags, spaces, a local path, a bad @version) is warned
about as ``file:line`` and skipped. ``parse`` is a pure function over the text.

The hook and the env file put ``<version dir>/gobin`` on PATH right after that version's bin;
m3tui never exports GOBIN, so the user's own `go install` still goes to GOPATH/bin.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from m3tui.core import runner
from m3tui.core.config import config_dir
from m3tui.core.errors import M3tuiError, UsageError, strerror
from m3tui.core.gonames import canonical, shown
from m3tui.versions import store

FILE_NAME = "default-go-packages"
MAX_FILE_BYTES = 64 * 1024
#: One package's `go install` (download and build): gopls takes ~1 min on a slow machine.
TIMEOUT_S = 900.0
LOCK_POLL = 0.1
LOCK_TIMEOUT = 600.0
GOBIN_DIR = "gobin"
MAX_ERROR_CHARS = 300

# A module path's elements (as go's module.CheckPath allows them) and "..." patterns; the first
# element needs a dot (go: "missing dot in first path element"), a version after @ is a tag,
# a pseudo-version, a branch, a commit or a query (latest, upgrade, <v1.2).
_ELEMENT = re.compile(r"[A-Za-z0-9_~+-][A-Za-z0-9._~+-]*|\.\.\.")
_VERSION = re.compile(r"[A-Za-z0-9<>=._+/-]+")
_PROGRESS_LINES = ("go: downloading ", "go: finding ", "go: extracting ", "go: found ")


class DefaultPackagesError(M3tuiError):
    """The default packages could not be installed at all (the version's lock, its gobin)."""


class NotInstalled(UsageError):
    """Default packages were asked for a version that is not in m3tui's store (exit 2)."""


@dataclass(frozen=True)
class Spec:
    """One package of the file: ``arg`` is what `go install` gets (``written`` plus @latest)."""

    written: str
    line: int

    @property
    def arg(self) -> str:
        return self.written if "@" in self.written else f"{self.written}@latest"


@dataclass(frozen=True)
class Parsed:
    specs: tuple[Spec, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackageResult:
    spec: str  # as written in the file
    ok: bool
    error: str = ""  # go's first error line, or why go did not run to the end
    seconds: float = 0.0

    def line(self) -> str:
        """"gopls@latest: installed (12.3s)" / "x@v1: failed: go: …": the one line said for it."""
        if self.ok:
            return f"{self.spec}: installed ({self.seconds:.1f}s)"
        return f"{self.spec}: failed: {self.error}"


@dataclass(frozen=True)
class PackageProgress:
    """A report while installing: ``state`` installing (``text``: go's latest line, or empty),
    then installed/failed with ``result``. ``index`` counts from 1 up to ``total``."""

    index: int
    total: int
    spec: str
    state: Literal["installing", "installed", "failed"]
    text: str = ""
    result: PackageResult | None = None

    def line(self) -> str:
        """"tools 1/3 gopls@latest: go: downloading …": for a status line or a terminal."""
        said = self.result.line() if self.result is not None else f"{self.spec}: {self.text or 'installing'}"
        return f"tools {self.index}/{self.total} {said}"


@dataclass(frozen=True)
class Outcome:
    """The file's packages installed after an install (the pane's view): results and the file's warnings."""

    results: tuple[PackageResult, ...] = ()
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """"3 tools installed" / "2 of 3 tools installed"; "" when the file names none."""
        if not self.results:
            return ""
        ok = sum(r.ok for r in self.results)
        return f"{ok} tool{'s' if ok != 1 else ''} installed" if ok == len(self.results) else f"{ok} of {len(self.results)} tools installed"


# --- the file ------------------------------------------------------------------------------


def file_path() -> Path:
    """``default-go-packages`` beside config.toml, in m3tui's config directory."""
    return config_dir() / FILE_NAME


def _problem(word: str) -> str | None:
    """Why ``word`` is not a `go install` package argument, or None when it is one."""
    if word.startswith("-"):
        return "a flag, not a package (only packages, one a line)"
    path, at, version = word.partition("@")
    if at and not _VERSION.fullmatch(version):
        return "not a version after @"
    if path.startswith((".", "/")) or "\\" in path:
        return "a local path, not a module's package path"
    elements = path.split("/")
    if not all(_ELEMENT.fullmatch(e) for e in elements):
        return "not a package path"
    if "." not in elements[0]:
        return "not a module's package path (no dot in its first element: example.com/cmd/tool)"
    return None


def parse(text: str, source: str = FILE_NAME) -> Parsed:
    """The packages of a default-go-packages text, and a ``source:line: why: 'text'`` warning
    for each line skipped (more than one word, a flag, a local path, a bad version, a repeat)."""
    specs: list[Spec] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if len(words) > 1:
            why = "write the package alone" if words[:2] == ["go", "install"] else "one package a line"
            warnings.append(f"{source}:{number}: {why}: {shown(line, 60)}")
            continue
        problem = _problem(line)
        if problem is not None:
            warnings.append(f"{source}:{number}: {problem}: {shown(line, 60)}")
            continue
        arg = Spec(line, number).arg
        if arg in seen:
            warnings.append(f"{source}:{number}: {shown(line, 60)} is already on line {seen[arg]}")
            continue
        seen[arg] = number
        specs.append(Spec(line, number))
    return Parsed(tuple(specs), tuple(warnings))


def load(path: Path | None = None) -> Parsed:
    """The file's packages; none when it does not exist; a file that cannot be read is one
    warning (the install goes on without its packages)."""
    from m3tui.core.files import read_input

    path = file_path() if path is None else path
    if not os.path.lexists(path):
        return Parsed()
    try:
        data = read_input(path, limit=MAX_FILE_BYTES)
    except M3tuiError as exc:
        return Parsed(warnings=(f"{exc}; no default packages installed",))
    return parse(data.decode("utf-8", "replace"), str(path))


# --- installing ------------------------------------------------------------------------------


def gobin(version: str) -> Path:
    """Where a version's default packages go: ``<version dir>/gobin`` (removed with it)."""
    return store.version_dir(version) / GOBIN_DIR


def first_error(stderr: tuple[str, ...] | list[str], stdout: tuple[str, ...] | list[str] = ()) -> str:
    """go's first line that is not progress ("go: downloading …") or a build's "# package"
    header, cut to one short line."""
    for line in (*stderr, *stdout):
        text = " ".join(line.split())
        if text and not text.startswith(_PROGRESS_LINES) and not text.startswith("# "):  # "# pkg": the compiler's header
            return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
    return ""


@contextlib.asynccontextmanager
async def _version_locked(version: str) -> AsyncIterator[None]:
    """store.version_lock without blocking the loop (as install does): polled, given up after
    LOCK_TIMEOUT with DefaultPackagesError."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    with contextlib.ExitStack() as stack:
        while True:
            try:
                stack.enter_context(store.version_lock(version, wait=False))
                break
            except store.LockBusy as exc:
                if time.monotonic() > deadline:
                    raise DefaultPackagesError(f"default packages of {version}: {exc}") from None
            await asyncio.sleep(LOCK_POLL)
        yield


async def install_packages(
    version: str,
    specs: tuple[Spec, ...] | list[Spec],
    *,
    on_progress: Callable[[PackageProgress], None] | None = None,
    timeout: float = TIMEOUT_S,
) -> list[PackageResult]:
    """`go install` each spec with ``version``'s go into its gobin; one result per spec, in order.

    Raises NotInstalled (exit 2) when the version is not in the store, DefaultPackagesError
    when its lock or gobin cannot be had; a package that fails is a result, not an exception.
    """
    try:
        version = canonical(version)
    except ValueError as exc:
        raise NotInstalled(str(exc)) from None
    goroot = store.version_dir(version)
    if not store.is_complete(goroot):
        raise NotInstalled(f"{version} is not installed in m3tui's store: m3tui versions install {version.removeprefix('go')}")
    if not specs:
        return []
    report = on_progress or (lambda p: None)
    results: list[PackageResult] = []
    async with _version_locked(version):
        target = gobin(version)
        try:
            target.mkdir(exist_ok=True)
        except OSError as exc:
            raise DefaultPackagesError(f"cannot create {target}: {strerror(exc)}") from None
        for index, spec in enumerate(specs, 1):
            report(PackageProgress(index, len(specs), spec.written, "installing"))

            def said(text: str, index: int = index, spec: Spec = spec) -> None:
                report(PackageProgress(index, len(specs), spec.written, "installing", text))

            result = await _install_one(goroot, target, spec, timeout, said)
            results.append(result)
            report(PackageProgress(index, len(specs), spec.written, "installed" if result.ok else "failed", result=result))
    return results


async def _install_one(goroot: Path, target: Path, spec: Spec, timeout: float, said: Callable[[str], None]) -> PackageResult:
    def on_batch(lines: list[runner.OutputLine]) -> None:
        for line in lines:
            text = " ".join(line.text.split())
            if text:
                said(text[:MAX_ERROR_CHARS])

    env: dict[str, str | None] = {"GOBIN": str(target), "GOTOOLCHAIN": "local", "GOROOT": None}
    started = time.monotonic()
    try:
        done = await runner.run([str(goroot / "bin" / "go"), "install", spec.arg], env=env, cwd=target,
                                timeout=timeout, on_batch=on_batch)  # fmt: skip
    except M3tuiError as exc:  # go cannot start (RunnerError, CommandNotFoundError)
        return PackageResult(spec.written, False, str(exc), time.monotonic() - started)
    seconds = time.monotonic() - started
    if done.timed_out:
        return PackageResult(spec.written, False, f"timed out after {timeout:g}s", seconds)
    if done.returncode != 0:
        error = first_error(done.stderr, done.stdout) or f"go install exited with status {done.returncode}"
        return PackageResult(spec.written, False, error, seconds)
    return PackageResult(spec.written, True, "", seconds)


async def install_default(version: str, *, on_progress: Callable[[PackageProgress], None] | None = None) -> Outcome:
    """The file's packages (``load``) installed for ``version``, with the file's warnings."""
    parsed = load()
    results = await install_packages(version, parsed.specs, on_progress=on_progress)
    return Outcome(tuple(results), parsed.warnings)
