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

- the path, while it is still a file: exactly that Go (shown by its version name when it is
  m3tui's store copy of it, which is the same thing);
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

    Each: its path while that is a go binary (a store copy shown by its version name: the same
    thing); else its version, which resolve() finds again or refuses with the install command.
    """
    from m3tui.versions import store

    refs = []
    for version, go in recorded(meta):
        if go is not None and _executable(go):
            if version is not None and store.is_version_name(version) and _same_file(go, store.version_dir(version) / "bin" / "go"):
                refs.append(version)
            else:
                refs.append(go)
        elif version is not None:
            refs.append(version)
        elif go is not None:
            refs.append(go)  # resolve() says it is gone
    return refs


def _same_file(a: str, b: Path) -> bool:
    """The same path (not merely the same binary: a store copy may link to another Go's)."""
    try:
        goroot = Path(a).parent.parent  # <GOROOT>/bin/go: the GOROOT itself, its links resolved
        return Path(a).name == b.name and os.path.realpath(goroot) == os.path.realpath(b.parent.parent)
    except (OSError, ValueError):
        return False


def join(refs: Sequence[str]) -> str:
    """Toolchain words as one line for the form (a path with a space quoted)."""
    return shlex.join(refs)


def split(text: str) -> list[str]:
    """The form's go field -> toolchain words; ValueError for an unbalanced quote."""
    return shlex.split(text)
