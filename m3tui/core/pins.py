"""Which Go a directory pins: one resolution order, the same in the shell hook (`hook.py`),
`m3tui versions current` and the doctor.

    1. $M3TUI_GO_VERSION
    2. the nearest directory, walking up from the start, with a file that names go; in it:
       .tool-versions (a `golang` or `go` line: its first version), then mise.toml, then
       .mise.toml (`[tools] go = "1.22.10"`, or `tools.go = …` at the top; exact versions,
       a minor line "1.22" or "prefix:1.22" = its newest installed patch; any other form
       (a table, a list, "latest", "ref:…") is warned about and skipped), then .go-version
    3. m3tui's global choice (the store's `current` link)

A pinned value that is not a Go version ("system") names no install: the global choice runs,
with a warning. A version that is not installed is reported (`installed` is None); the hook
then leaves PATH alone. Pure over files: no process, no Textual, no network. In core so the
doctor reads the same order (versions/pins.py re-exports it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from m3tui.core import gonames as names
from m3tui.core.gofiles import is_file, read_small_text

ENV_VAR = "M3TUI_GO_VERSION"
#: The files read in each directory, in this order (the first that names go wins).
PIN_FILES = (".tool-versions", "mise.toml", ".mise.toml", ".go-version")
_TOOL_NAMES = ("golang", "go")
_MISE_LINE = re.compile(r"""\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$""")
_QUOTED = re.compile(r"""^(?:"([^"\\]*)"|'([^']*)')\s*(?:#.*)?$""")

Kind = Literal["env", ".tool-versions", "mise.toml", ".mise.toml", ".go-version", "global", "none"]


@dataclass(frozen=True)
class Pin:
    """What a directory asks for, where that is written, and which install of the store it selects."""

    kind: Kind
    value: str  # as written ("1.22.10", "go1.22", "prefix:1.22", "system"); "" for none
    source: Path | None  # the pin file; None for the environment, the global link, none
    version: str | None  # what it names, canonical: "go1.22.10", or the line "go1.22"; None: not a version
    installed: str | None  # the store's version it selects ("go1.22.10"), None when none matches
    warnings: tuple[str, ...] = ()

    @property
    def pinned(self) -> bool:
        """A pin (environment or file), not the global fallback."""
        return self.kind not in ("global", "none")

    @property
    def where(self) -> str:
        """"(.go-version)"-style label: the file's name, the variable, or the global link."""
        if self.kind == "env":
            return ENV_VAR
        if self.source is not None:
            return str(self.source)
        return "m3tui's global choice" if self.kind == "global" else "nothing"

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "value": self.value, "source": str(self.source) if self.source else None,
                "version": self.version, "installed": self.installed, "warnings": list(self.warnings)}  # fmt: skip


def store_versions(store_dir: Path) -> list[str]:
    """The complete installs of a store directory (a version directory with a regular bin/go)."""
    try:
        entries = list(os.scandir(store_dir))
    except OSError:
        return []
    found = []
    for entry in entries:
        if entry.name.startswith("go") and not entry.is_symlink() and is_file(Path(entry.path) / "bin" / "go"):
            try:
                names.parse_version(entry.name)
            except names.NotAGoVersion:
                continue
            found.append(entry.name)
    return found


def _tool_versions(path: Path) -> str | None:
    for line in (read_small_text(path) or "").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] in _TOOL_NAMES:
            return words[1]
    return None


def _mise(path: Path) -> tuple[str | None, str | None]:
    """(value, warning) of a mise.toml's go: the shapes the shell hook reads too; others warned about.

    Read line by line as the hook does: `[tools]` then `go = "…"` (or `golang`), or a top-level
    `tools.go = "…"`."""
    text = read_small_text(path)
    if text is None:
        return None, None
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line.split("]", 1)[0].strip("[ ")
            continue
        match = _MISE_LINE.fullmatch(line)
        if match is None:
            continue
        key, rest = match[1], match[2]
        if not ((section == "tools" and key in _TOOL_NAMES) or (section == "" and key in ("tools.go", "tools.golang"))):
            continue
        quoted = _QUOTED.match(rest)
        if quoted is None:
            return None, f"{path}: go = {names.shown(rest)} is not a version string m3tui reads (write go = \"1.22.10\")"
        return quoted[1] if quoted[1] is not None else quoted[2], None
    return None, None


def _go_version_file(path: Path) -> str | None:
    """The first word of its first line that has one, `#` comments left out (as the hook reads it)."""
    for line in (read_small_text(path) or "").splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            return words[0]
    return None


def _read(path: Path, kind: str) -> tuple[str | None, str | None]:
    if not is_file(path):
        return None, None
    if kind == ".tool-versions":
        return _tool_versions(path), None
    if kind in ("mise.toml", ".mise.toml"):
        return _mise(path)
    return _go_version_file(path), None


def _select(value: str, installed: list[str]) -> tuple[str | None, str | None, str | None]:
    """(version named, store version selected, warning) for a pinned value."""
    text = value.strip().removeprefix("prefix:")
    try:
        spec = names.parse_spec(text)
    except names.NotAGoVersion:
        return None, None, f"{names.shown(value)} is not a Go version m3tui can run (expected e.g. 1.22.10 or 1.22)"
    if spec.latest:
        return None, None, f"{names.shown(value)}: name a version (e.g. 1.22.10 or 1.22), not latest"
    named = spec.exact or f"go{spec.line[0]}.{spec.line[1]}"  # type: ignore[index]
    return named, names.pick(spec, installed), None


def find_pin_file(start: Path) -> tuple[tuple[Kind, Path, str] | None, tuple[str, ...]]:
    """((kind, file, value) of the nearest pin naming go, walking up from ``start``, or None;
    the warnings about files skipped on the way)."""
    warnings: list[str] = []
    for directory in [start, *start.parents]:
        for kind in PIN_FILES:
            value, warning = _read(directory / kind, kind)
            if warning:
                warnings.append(warning)
            if value:
                return (kind, directory / kind, value), tuple(warnings)  # type: ignore[return-value]
    return None, tuple(warnings)


def resolve_pin(start: str | os.PathLike[str], env: Mapping[str, str], store_dir: Path) -> Pin:
    """The Go that ``start`` pins, by the order above, and the install of ``store_dir`` it selects.

    ``store_dir`` is m3tui's store (`store.store_dir()`); its `current` link is the fallback."""
    installed = store_versions(store_dir)
    warnings: tuple[str, ...] = ()
    found: tuple[Kind, Path, str] | tuple[Kind, None, str] | None = None
    if value := env.get(ENV_VAR, "").strip():
        found = ("env", None, value)
    else:
        hit, warnings = find_pin_file(Path(start).absolute())
        found = hit
    if found is not None:
        kind, path, value = found
        named, selected, warning = _select(value, installed)
        if warning is None:
            return Pin(kind, value, path, named, selected, warnings)
        warnings = (*warnings, f"{path or ENV_VAR}: {warning}; m3tui's global choice runs")
    try:
        target = os.readlink(store_dir / "current")
    except (OSError, ValueError):
        return Pin("none", "", None, None, None, warnings)
    name = os.path.basename(target.rstrip("/"))
    return Pin("global", name, store_dir / "current", _canonical(name), name if name in installed else None, warnings)


def _canonical(text: str) -> str | None:
    try:
        return names.canonical(text)
    except names.NotAGoVersion:
        return None
