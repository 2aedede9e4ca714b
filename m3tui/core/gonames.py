"""Go version names: parsing, ordering, matching (versions/names.py re-exports them; the doctor
reads pins with them too).

Go spells versions "go1.22.10", "go1.22rc1", "go1.21.0", and before 1.21 "go1.20" for
the first release of a minor line. Users type "1.22.10", "go1.22.10", "1.22" (the newest
patch of that line) or "latest". Everything here is pure: parsing, ordering, matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from m3tui.core.errors import UsageError

# ASCII digits only (\d would take "١.٢٢"), at most 9 of them (no int() of a 5000-digit "number").
_VERSION_RE = re.compile(r"(?:go)?(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?(?:(rc|beta)(\d{1,9}))?", re.ASCII)
_LINE_RE = re.compile(r"(?:go)?(\d{1,9})\.(\d{1,9})", re.ASCII)


def shown(text: str, limit: int = 40) -> str:
    """User text quoted for a message: repr (control characters escaped), cut to ``limit``."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


class NotAGoVersion(UsageError, ValueError):
    """Text that names no Go version ("1.22.x", "go"): the message says what was expected."""


@dataclass(frozen=True, order=True)
class VersionKey:
    """Sortable form of a Go version: go1.22rc1 < go1.22.0 < go1.22.1."""

    major: int
    minor: int
    patch: int
    # A release sorts after every prerelease of its line: (2, 0, 0) for a release,
    # (0, 0, N) for betaN, (1, 0, N) for rcN.
    stage: int
    pre: int

    @property
    def is_stable(self) -> bool:
        return self.stage == 2


def parse_version(text: str) -> VersionKey:
    """'go1.22.10' / '1.22.10' / 'go1.22rc1' -> VersionKey; NotAGoVersion for anything else."""
    match = _VERSION_RE.fullmatch(text.strip())
    if not match:
        raise NotAGoVersion(f"not a Go version: {shown(text)} (expected e.g. 1.22.10, go1.22.10, 1.22rc1)")
    major, minor, patch, kind, pre = match.groups()
    if kind is None:
        return VersionKey(int(major), int(minor), int(patch or 0), 2, 0)
    return VersionKey(int(major), int(minor), int(patch or 0), 1 if kind == "rc" else 0, int(pre))


def canonical(text: str) -> str:
    """The go.dev spelling: '1.22.10' -> 'go1.22.10', 'go1.22rc1' stays."""
    parse_version(text)  # validates
    text = text.strip()
    return text if text.startswith("go") else f"go{text}"


def version_sort_key(text: str) -> VersionKey:
    """For sorted(): unparseable names sort first."""
    try:
        return parse_version(text)
    except NotAGoVersion:
        return VersionKey(-1, -1, -1, -1, -1)


@dataclass(frozen=True)
class VersionSpec:
    """What the user asked for: an exact version, a minor line ('1.22'), or 'latest'."""

    text: str
    exact: str | None = None  # "go1.22.10"
    line: tuple[int, int] | None = None  # (1, 22)
    latest: bool = False

    def matches(self, version: str) -> bool:
        if self.latest:
            return True
        if self.exact is not None:
            return canonical(version) == self.exact
        key = parse_version(version)
        return (key.major, key.minor) == self.line


def parse_spec(text: str) -> VersionSpec:
    """'1.22.10', 'go1.22.10', 'go1.22rc1' (exact), '1.22' (newest patch of 1.22), 'latest'."""
    raw = text.strip()
    if raw.lower() == "latest":
        return VersionSpec(raw, latest=True)
    match = _LINE_RE.fullmatch(raw)
    if match:
        return VersionSpec(raw, line=(int(match[1]), int(match[2])))
    return VersionSpec(raw, exact=canonical(raw))


def pick(spec: VersionSpec, versions: list[str], *, include_unstable: bool = False) -> str | None:
    """The newest of ``versions`` that ``spec`` accepts (prereleases only if asked, or named exactly)."""
    candidates = []
    for version in versions:
        try:
            key = parse_version(version)
        except NotAGoVersion:
            continue
        if spec.matches(version) and (key.is_stable or include_unstable or spec.exact is not None):
            candidates.append((key, version))
    return max(candidates)[1] if candidates else None
