"""The installed list as both fronts show it, and the text that fits 80 columns.

One row per installation, keyed by its GOROOT (a row's identity across refreshes), marked when
it is the Go that runs here and tagged when it is m3tui's global choice (both as
`versions.current` defines them). Paths are shown with ~ for the home directory and, where a
column is narrow, cut in the middle (the full path is in the row's details); install progress
is one short line (`progress_line`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from m3tui.core.text import human_size, one_line
from m3tui.versions import names
from m3tui.versions.current import Current
from m3tui.versions.names import InstalledGo

if TYPE_CHECKING:  # install imports httpx: not for `versions list`
    from m3tui.core.pins import Pin
    from m3tui.versions.install import Progress

ELLIPSIS = "…"


@dataclass(frozen=True)
class InstalledRow:
    key: str  # str(goroot): the row's identity
    runs_here: bool  # ● (versions.current: the Go that runs in this directory)
    is_global: bool  # m3tui's global choice (the store's `current` link)
    version: str
    manager: str
    platform: str  # "darwin/arm64" ("?" for what bin/go's headers do not say)
    arch: str  # "arm64": the narrow form
    size: str  # "" until measured
    where: str  # the GOROOT, one line, full
    install: InstalledGo

    @property
    def mark(self) -> str:
        return "●" if self.runs_here else ""

    @property
    def tag(self) -> str:
        return "global" if self.is_global else ""


def installed_rows(installs: Sequence[InstalledGo], current: Current | None) -> list[InstalledRow]:
    """The rows, in the installs' order. Without ``current`` (not known yet) nothing is marked."""
    return [
        InstalledRow(
            key=str(i.goroot), runs_here=current is not None and current.runs(i),
            is_global=current is not None and current.is_global(i), version=one_line(i.version),
            manager=i.manager, platform=f"{i.goos or '?'}/{i.goarch or '?'}", arch=i.goarch or "?",
            size=human_size(i.size_bytes), where=one_line(i.goroot), install=i,
        )  # fmt: skip
        for i in installs
    ]


def home_dir() -> str:
    return os.path.expanduser("~")


def tilde(text: str, home: str | None = None) -> str:
    """``text`` with the home directory spelled ~ wherever a path starts with it."""
    home = (home if home is not None else home_dir()).rstrip(os.sep)
    if not home:
        return text
    return "~" if text == home else text.replace(home + os.sep, "~" + os.sep)


def short_path(path: str | os.PathLike[str], width: int | None = None, home: str | None = None) -> str:
    """A path in at most ``width`` cells: ~ for the home directory, then the middle cut to …,
    keeping the first directory and as many of the last components as fit (the last one always)."""
    text = tilde(one_line(path), home)
    if width is None or len(text) <= width:
        return text
    parts = text.split(os.sep)
    head = parts[0] + os.sep if parts[0] else os.sep + (parts[1] + os.sep if len(parts) > 2 else "")
    rest = parts[1:] if parts[0] else parts[2:]
    tail: list[str] = []
    for part in reversed(rest):
        candidate = os.sep.join([part, *tail])
        if len(head) + len(ELLIPSIS) + 1 + len(candidate) > width and tail:
            break
        tail.insert(0, part)
    shown = f"{head}{ELLIPSIS}{os.sep}{os.sep.join(tail)}"
    if len(shown) <= width:
        return shown
    last = ELLIPSIS + os.sep + tail[-1]
    return last if len(last) <= width else ELLIPSIS + tail[-1][-(width - 1) :]


def _size_pair(done: int, total: int | None) -> str:
    """"3.1/7.6 MiB" when both have one unit, else "900 KiB/7.6 MiB"; "3.1 MiB" without a total."""
    if total is None:
        return human_size(done)
    a, b = human_size(done), human_size(total)
    num_a, _, unit_a = a.partition(" ")
    num_b, _, unit_b = b.partition(" ")
    return f"{num_a}/{num_b} {unit_b}" if unit_a == unit_b else f"{a}/{b}"


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def progress_line(version: str, p: Progress) -> str:
    """"download go1.22.10 3.1/7.6 MiB 2.1 MiB/s ETA 3s": under 60 cells, to sit next to a bar at 80 columns."""
    parts = [p.phase, version, _size_pair(p.done_bytes, p.total_bytes)]
    if p.rate_bytes_per_s:
        parts.append(f"{human_size(int(p.rate_bytes_per_s))}/s")
    if p.eta_s is not None:
        parts.append(f"ETA {eta_text(p.eta_s)}")
    line = " ".join(parts)
    return f"{line} ({p.note})" if p.note else line


def details(row: InstalledRow, current: Current | None) -> str:
    """Everything about one row, for enter: the full path, and why it is marked or tagged."""
    lines = [f"{row.version} · {row.manager} · {row.platform}" + (f" · {row.size}" if row.size else ""), row.where]
    if row.runs_here and current is not None:
        lines.append(f"● runs here: {current.why}")
    if row.is_global:
        lines.append("global: m3tui's `current` link names it" + ("" if row.runs_here else " (it does not run here)"))
    return "\n".join(lines)


# --- where the Go that runs here comes from (the header) ------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where the Go that runs here comes from, said in the header: a pin file (`.go-version`,
    `mise.toml in ~/src/shop`), M3TUI_GO_VERSION, m3tui's global `current`, or just PATH;
    ``warn`` when m3tui's choice (the pin, else the global one) is not what runs here."""

    forms: tuple[str, ...]  # the same fact, longest first: the header shows the longest that fits
    warn: bool = False


def _switcher(current: Current) -> str:
    """"go.mod", "go.work" or "GOTOOLCHAIN": what made go switch toolchains here (as `versions current` says it)."""
    word = current.why.split(" ")[0].split("=")[0]
    return word if word in ("go.mod", "go.work", "GOTOOLCHAIN") else "go.mod"


def _pin_runs(pin: Pin, version: str | None) -> bool:
    if version is None or pin.version is None:
        return False
    try:
        return names.parse_spec(pin.version).matches(version)
    except names.NotAGoVersion:
        return False


def _labels(pin: Pin, cwd: Path, home: str | None) -> list[str]:
    """["mise.toml in ~/src/shop", "mise.toml in ~/…/shop", "mise.toml"]: the pin's name, with
    its directory (shorter and shorter) when that is not ``cwd``."""
    if pin.kind == "env" or pin.source is None:
        return ["M3TUI_GO_VERSION"]
    name, directory = pin.source.name, pin.source.parent
    if os.path.normpath(directory) == os.path.normpath(cwd):
        return [name]
    wide, narrow = short_path(directory, 28, home), short_path(directory, 14, home)
    return [f"{name} in {wide}", *([f"{name} in {narrow}"] if narrow != wide else []), name]


def origin(current: Current, pin: Pin | None, home: str | None = None) -> Origin:
    """The header's words for ``current`` (versions.current) and the directory's ``pin``
    (core.pins.resolve_pin; None when it could not be read: then from ``current`` alone)."""
    runs = current.version
    switched = current.reason in ("go.mod", "GOTOOLCHAIN")
    asks = f"{_switcher(current)} asks {runs}"
    if pin is not None and pin.pinned:
        labels = _labels(pin, current.cwd, home)
        name = labels[-1]
        if _pin_runs(pin, runs):
            return Origin(tuple(f"from {label}" for label in labels))
        value = one_line(pin.value)
        if switched:
            why = asks
        elif pin.installed is None:
            why = "not installed"
        else:
            why = f"{runs} on PATH runs" if runs else "no go runs"
        short = [f"{name}={value}"] if pin.kind == "env" else []
        forms = [f"{label} pins {value}, {why}" for label in labels] + [f"{name} pins {value}", *short, name]
        return Origin(tuple(forms), warn=True)
    if current.global_state == "dangling":
        return Origin(("global link broken: m3tui versions use VERSION", "global link broken", "global broken"), warn=True)
    if current.global_state == "not-a-link":
        return Origin(("global link: a file is in its place", "global link broken", "global broken"), warn=True)
    wanted = current.global_version
    if current.global_state == "ok" and wanted:
        if current.runs_global:
            return Origin(("from m3tui's global current", "from global current", "from global"))
        if switched:
            return Origin((f"global {wanted}, {asks}", f"global {wanted}, {_switcher(current)} switches", f"global {wanted}"), warn=True)
        return Origin((f"global {wanted} is not first on PATH", f"global {wanted} not on PATH", f"global {wanted}"), warn=True)
    if runs is None:
        return Origin(())
    if switched:
        return Origin((asks,))
    return Origin(("from PATH",))
