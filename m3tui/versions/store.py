"""Where m3tui keeps Go versions, and the per-version lock.

Layout, all under the state root (so M3TUI_HOME moves all of it):

    go/go1.22.10/       a complete GOROOT: the archive's go/ directory, renamed into place
    go/current          symlink -> go1.22.10 (relative), swapped atomically on `use`
    go/.tmp-*/          unpacks in progress (same filesystem, so the final rename is atomic);
                        anything left here is from an interrupted install and is removed
    go/.locks/V.lock    flock'ed while version V is being installed or removed
    downloads/F.part    a download in progress (resumable); renamed away when verified
    cache/              the download index and its ETag/Last-Modified
    env.sh, env.fish    the PATH line for shells (go/current/bin first)
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from m3tui.core.config import state_root
from m3tui.core.errors import M3tuiError

TMP_PREFIX = ".tmp-"


def store_dir() -> Path:
    return state_root() / "go"


def version_dir(version: str) -> Path:
    return store_dir() / version


def current_link() -> Path:
    return store_dir() / "current"


def downloads_dir() -> Path:
    return state_root() / "downloads"


def cache_dir() -> Path:
    return state_root() / "cache"


def lock_path(version: str) -> Path:
    return store_dir() / ".locks" / f"{version}.lock"


class LockBusy(M3tuiError):
    """Another m3tui process holds the lock (and we were told not to wait)."""


@contextlib.contextmanager
def version_lock(version: str, *, wait: bool = True, timeout: float = 600.0) -> Iterator[None]:
    """An exclusive flock per version: two processes never install or remove one version at once.

    flock is released by the kernel when the holder dies, so a killed install never leaves a
    stale lock behind.
    """
    path = lock_path(version)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if not wait or time.monotonic() > deadline:
                    raise LockBusy(f"{version} is being installed or removed by another m3tui") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def clean_stale_temps() -> list[Path]:
    """Remove unpack directories left by interrupted installs (never a finished version)."""
    removed: list[Path] = []
    store = store_dir()
    if not store.is_dir():
        return removed
    for entry in store.iterdir():
        if entry.name.startswith(TMP_PREFIX):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def installed_versions() -> list[str]:
    """Versions complete in m3tui's store: a directory with bin/go (temps and links excluded)."""
    store = store_dir()
    if not store.is_dir():
        return []
    return sorted(
        entry.name
        for entry in store.iterdir()
        if entry.name.startswith("go")
        and not entry.is_symlink()
        and (entry / "bin" / "go").is_file()
    )


def current_version() -> str | None:
    """The version `current` points at, if the link exists and its target is complete."""
    link = current_link()
    try:
        target = os.readlink(link)
    except OSError:
        return None
    name = Path(target).name
    return name if (store_dir() / name / "bin" / "go").is_file() else None
