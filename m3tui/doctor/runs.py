"""(In the doctor so its check "the pinned Go is what runs here" reads it; versions/runs.py
re-exports it.) After the pin, what `go` really runs: the pin → the go PATH finds → go.work/go.mod's
`go`/`toolchain` lines and GOTOOLCHAIN → the toolchain that runs, and from where.

Computed from files, without running go: the go on PATH is known by its GOROOT's VERSION file
(the caller passes the version go itself said when there is none, e.g. a wrapper script);
GOTOOLCHAIN comes from the environment, else the `go env -w` file ($GOENV, else
<user config dir>/go/env), else <GOROOT of that go>/go.env (go's own default, "auto" since
1.21), as go itself reads them. The choice follows cmd/go/internal/toolchain (Go 1.21+):
`local` runs the go on PATH; `goX.Y.Z` runs that one; `auto`/`path` (alone or after
`goX.Y.Z+` or `local+`) start from that minimum and take go.work's (else go.mod's) toolchain
line when newer, then its go line when newer still (a language version "1.23" as go1.23.0). A
switched-to toolchain runs from the module cache (golang.org/toolchain@v0.0.1-goX.GOOS-GOARCH)
when it is there, else after a download (`auto`) or from a goX.Y.Z on PATH (`path`).
Not handled: GOTOOLCHAIN/GOMODCACHE set by `go env -w` for the module cache's place (the
environment's and the GOPATH default are), "toolchain default" lines and custom toolchain names.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from m3tui.core import toolchain
from m3tui.core.host import goarch_for_machine, goos_for_platform
from m3tui.doctor.checks_go import module_files
from m3tui.core import gonames as names
from m3tui.core.gofiles import is_file
from m3tui.core.pins import Pin

_GO_VERSION = re.compile(r"(?:go)?(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?")


@dataclass(frozen=True)
class Runs:
    """The steps from the pin to what runs, each said as the user sees it."""

    pin: Pin
    path_go: Path | None  # the go PATH finds first
    path_version: str | None  # its version ("go1.22.10"), from its VERSION file
    gotoolchain: str  # "auto", "local", "go1.23.4+auto", …
    gotoolchain_source: str  # "environment", "go env -w (<file>)", "<GOROOT>/go.env", "go's default"
    asks: str | None  # the toolchain go.work/go.mod make go switch to ("go1.23.4"); None: no switch
    asks_why: str  # "go.mod toolchain go1.23.4 (/p/go.mod)", "GOTOOLCHAIN=go1.23.4 (environment)", ""
    runs: str | None  # what really runs; None: no go here
    runs_from: str  # "PATH", "the module cache", "a download", "PATH (go1.23.4)", "nowhere"

    @property
    def matches(self) -> bool:
        """The pin is what runs (always True when nothing is pinned here)."""
        if not self.pin.pinned:
            return True
        if self.runs is None or self.pin.version is None:
            return False
        try:
            return names.parse_spec(self.pin.version).matches(self.runs)
        except names.NotAGoVersion:
            return False

    def line(self) -> str:
        """"pinned 1.22.10 (.go-version) → go.mod asks go1.23.4 → runs go1.23.4 from the module cache"."""
        parts = []
        if self.pin.pinned:
            where = self.pin.where if self.pin.kind == "env" else (self.pin.source.name if self.pin.source else "")
            parts.append(f"pinned {self.pin.value} ({where})")
            if self.pin.installed is None:
                parts.append("not installed (m3tui versions install)")
        elif self.pin.kind == "global":
            parts.append(f"nothing pinned here; m3tui's global choice {self.pin.value}")
        else:
            parts.append("nothing pinned here")
        if self.path_version is not None and not (self.pin.installed and self.path_version == self.pin.installed):
            hint = ", not the pinned one: is m3tui's env file sourced? (m3tui versions env --add-to-rc)" if self.pin.pinned and self.pin.installed else ""
            parts.append(f"the go on PATH is {self.path_version} ({self.path_go}){hint}")
        elif self.path_go is None:
            parts.append("no go on PATH")
        if self.asks is not None:
            parts.append(f"{self.asks_why.split(' ')[0].split('=')[0]} asks {self.asks}")
        if self.runs is not None:
            where = "" if self.runs_from == "PATH" else f" from {self.runs_from}"
            parts.append(f"runs {self.runs}{where}")
        return " → ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "pin": self.pin.to_json(), "path_go": str(self.path_go) if self.path_go else None,
            "path_version": self.path_version, "gotoolchain": self.gotoolchain,
            "gotoolchain_source": self.gotoolchain_source, "asks": self.asks, "asks_why": self.asks_why,
            "runs": self.runs, "runs_from": self.runs_from, "pin_runs": self.matches, "line": self.line(),
        }  # fmt: skip


def _key(version: str) -> tuple[int, int, int, int, int]:
    """gover.Compare's order: a language version "1.23" < go1.23rc1 < go1.23.0."""
    match = _GO_VERSION.fullmatch(version.strip())
    if match is None:
        return (-1, -1, -1, -1, -1)
    major, minor, patch, kind, pre = match.groups()
    if patch is None and kind is None:
        return (int(major), int(minor), 0, -1 if (int(major), int(minor)) >= (1, 21) else 2, 0)
    stage = 2 if kind is None else (1 if kind == "rc" else 0)
    return (int(major), int(minor), int(patch or 0), stage, int(pre or 0))


def _setting(path: Path, key: str) -> str | None:
    text = toolchain.read_small(path)
    for line in (text or "").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.strip() == key and value.strip():
            return value.strip()
    return None


def _goenv_file(env: Mapping[str, str]) -> Path | None:
    if value := env.get("GOENV"):
        return None if value == "off" else Path(value)
    home = env.get("HOME") or str(Path.home())
    if sys.platform == "darwin":
        return Path(home) / "Library" / "Application Support" / "go" / "env"
    return Path(env.get("XDG_CONFIG_HOME") or Path(home) / ".config") / "go" / "env"


def gotoolchain(env: Mapping[str, str], goroot: Path | None) -> tuple[str, str]:
    """(GOTOOLCHAIN, where it comes from) as go reads it, for the go whose root is ``goroot``."""
    if value := env.get("GOTOOLCHAIN"):
        return value, "environment"
    if (path := _goenv_file(env)) is not None and (value := _setting(path, "GOTOOLCHAIN")):
        return value, f"go env -w ({path})"
    if goroot is not None and (value := _setting(goroot / "go.env", "GOTOOLCHAIN")):
        return value, f"{goroot}/go.env"
    return "local", "go's default"


def _modcache(env: Mapping[str, str]) -> Path:
    if value := env.get("GOMODCACHE"):
        return Path(value)
    gopath = (env.get("GOPATH") or "").split(os.pathsep)[0]
    return Path(gopath or Path(env.get("HOME") or str(Path.home())) / "go") / "pkg" / "mod"


def _on_path(env: Mapping[str, str], name: str) -> Path | None:
    for entry in (env.get("PATH") or "").split(os.pathsep):
        candidate = Path(entry or ".") / name
        if entry and is_file(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def path_go(env: Mapping[str, str]) -> tuple[Path | None, str | None, Path | None]:
    """(the go PATH finds, its version from <GOROOT>/VERSION or None, that GOROOT)."""
    gos = toolchain.go_on_path(env.get("PATH", ""))
    if not gos:
        return None, None, None
    goroot = gos[0].resolved.parent.parent
    first = (toolchain.read_small(goroot / "VERSION") or "").split("\n", 1)[0].strip()
    return gos[0].path, (first if _GO_VERSION.fullmatch(first) and first.startswith("go") else None), goroot


def what_runs(cwd: Path, env: Mapping[str, str], pin: Pin, *, go_said: str | None = None) -> Runs:
    """The chain for ``cwd`` with ``env`` (the user's). ``go_said``: the version the go on PATH
    said itself (GOTOOLCHAIN=local), used when its VERSION file does not say one."""
    go, local, goroot = path_go(env)
    local = local or go_said
    value, source = gotoolchain(env, goroot)
    if go is None or local is None:
        return Runs(pin, go, local, value, source, None, "", None, "nowhere")
    name, _, mode = value.partition("+")
    if name in ("auto", "path"):
        name, mode = "local", name
    if name != "local" and not mode:  # GOTOOLCHAIN=go1.23.4: that one, whatever go.mod says
        return _switched(pin, go, local, value, source, name, f"GOTOOLCHAIN={value} ({source})", env, "auto")
    chosen, minimum, why = (local if name == "local" else name), (local if name == "local" else name), ""
    if name != "local":
        why = f"GOTOOLCHAIN={value} ({source})"
    if mode in ("auto", "path"):
        modules = module_files(cwd)
        lines = modules.get("go.work") or modules.get("go.mod")
        if lines is not None:
            file = Path(lines["path"]).name
            if (line := lines.get("toolchain")) and line != "default" and _key(line) > _key(minimum):
                chosen, minimum, why = line, line, f"{file} toolchain {line} ({lines['path']})"
            if (line := lines.get("go")) and _key(line) > _key(minimum):
                chosen = f"go{line}" + (".0" if _key(line)[3] == -1 else "")
                why = f"{file} go {line} ({lines['path']})"
    if chosen == local:
        return Runs(pin, go, local, value, source, None, "", local, "PATH")
    return _switched(pin, go, local, value, source, chosen, why, env, mode or "auto")


def _switched(pin: Pin, go: Path, local: str, value: str, source: str, chosen: str, why: str,
              env: Mapping[str, str], mode: str) -> Runs:  # fmt: skip
    if chosen == local:
        return Runs(pin, go, local, value, source, None, "", local, "PATH")
    if mode == "path":
        found = _on_path(env, chosen)
        return Runs(pin, go, local, value, source, chosen, why, chosen if found else None, f"PATH ({found})" if found else "nowhere")
    import platform

    target = f"{chosen}.{goos_for_platform(sys.platform)}-{goarch_for_machine(platform.machine())}"
    cached = _modcache(env) / "golang.org" / f"toolchain@v0.0.1-{target}"
    where = "the module cache" if is_file(cached / "bin" / "go") else "a download (GOTOOLCHAIN=auto)"
    return Runs(pin, go, local, value, source, chosen, why, chosen, where)
