"""Where m3tui keeps Go versions, and the per-version lock.

Layout: go/ and the env files in the data directory, downloads/ and cache/ in the cache directory
(``core/config.py``; under M3TUI_HOME all of it is under that one root):

    go/go1.22.10/       a complete GOROOT: the archive's go/ directory, renamed into place
    go/current          symlink -> go1.22.10 (relative), swapped atomically on `use`: m3tui's global
                        choice (`current_link_state` says what it names, and whether that is
                        still installed); removing that version removes the link with it
    go/.tmp-V-*/        unpacks (and removals) of version V in progress (same filesystem, so the
                        final rename is atomic); one whose V is not locked is an interrupted
                        install's, swept by the next install (`sweep_stale`)
    go/.locks/V.lock    flock'ed while version V is being installed or removed
    downloads/F.part    a download in progress (resumable); renamed away when verified. F always
                        starts with "V.", so the lock of V says whether a live m3tui owns it: the
                        next install of V resumes it, any other install sweeps it
    cache/              the download index and its ETag/Last-Modified (0600, in 0700 directories)
    env.sh, env.fish    the PATH line for shells (go/current/bin first), 0600

Every directory here is made by `ensure_dir` (0700, and an OSError becomes the one line
"cannot create <path>: <strerror>", exit 3), so a read-only or misplaced M3TUI_HOME is said
as such, never as a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from m3tui.core import config
from m3tui.core.config import state_root
from m3tui.core.errors import M3tuiError, UsageError, os_error
from m3tui.core.files import private_dir

TMP_PREFIX = ".tmp-"
# A version as a file name: what names.parse_version accepts, in go.dev's spelling.
_VERSION_NAME = re.compile(r"go\d{1,9}\.\d{1,9}(?:\.\d{1,9})?(?:(?:rc|beta)\d{1,9})?", re.ASCII)


def store_dir() -> Path:
    return state_root() / "go"


def version_dir(version: str) -> Path:
    return store_dir() / version


def current_link() -> Path:
    return store_dir() / "current"


def downloads_dir() -> Path:
    return config.cache_dir() / "downloads"


def cache_dir() -> Path:
    return config.cache_dir() / "cache"


def lock_path(version: str) -> Path:
    return store_dir() / ".locks" / f"{version}.lock"


class LockBusy(M3tuiError):
    """Another m3tui process holds the lock (and we were told not to wait)."""


class NotInStore(UsageError, LookupError):
    """A version the user named that m3tui's store does not have (exit 2, like a missing file)."""


def is_version_name(name: str) -> bool:
    """Is ``name`` a version as the store spells it ("go1.22.10", "go1.23rc1"): nothing else
    ever becomes a path under the store (a hostile index cannot name "../x")."""
    return _VERSION_NAME.fullmatch(name) is not None


def ensure_dir(path: Path, *, private: bool = False) -> Path:
    """``path`` as a directory m3tui can use: made 0700 (with missing parents) when absent; an
    existing one is left as it is, or with ``private`` tightened to 0700 when it is ours (the
    cache, downloads). Else the one line "cannot create <path>: <strerror>" or "cannot use
    <path>: …" (exit 3): M3TUI_HOME read-only, a regular file, not searchable."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return private_dir(path)
    except OSError as exc:
        raise os_error(exc, path, "use") from None
    if not stat.S_ISDIR(info.st_mode):
        raise M3tuiError(f"cannot use {path}: it exists and is not a directory")
    if private and info.st_uid == os.geteuid() and info.st_mode & 0o077:
        with contextlib.suppress(OSError):
            os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)
    return path


@contextlib.contextmanager
def version_lock(version: str, *, wait: bool = True, timeout: float = 600.0) -> Iterator[None]:
    """An exclusive flock per version: two processes never install or remove one version at once.

    flock is released by the kernel when the holder dies, so a killed install never leaves a
    stale lock behind.
    """
    if not is_version_name(version):
        raise M3tuiError(f"not a version m3tui's store can hold: {version[:80]!r}")
    path = lock_path(version)
    ensure_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise os_error(exc, path, "create") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise os_error(exc, path, "lock") from None
                if not wait or time.monotonic() > deadline:
                    raise LockBusy(f"{version} is being installed or removed by another m3tui") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def remove_path(path: Path) -> None:
    """Remove a file, a link or a whole tree, whichever ``path`` is; quietly, as far as it can."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


def version_of_temp(name: str) -> str | None:
    """The version a store temp belongs to: ".tmp-go1.22.1-x7k2" -> "go1.22.1" (versions have no '-')."""
    if not name.startswith(TMP_PREFIX):
        return None
    version = name[len(TMP_PREFIX) :].split("-", 1)[0]
    return version if is_version_name(version) else None


def version_of_download(name: str) -> str | None:
    """The version a downloads/ entry belongs to: "go1.22.1.linux-amd64.tar.gz.part" -> "go1.22.1"."""
    match = _VERSION_NAME.match(name)
    if match is None or name[match.end() : match.end() + 1] != ".":
        return None
    return match[0]


def sweep_stale(*, holding: str | None = None) -> list[Path]:
    """Remove what dead installs left: unpack temps in the store and downloads in downloads/
    whose version no live m3tui holds the lock of (each removed under that lock, so an install
    starting meanwhile never loses its resumable download). ``holding``: the version whose lock
    the caller holds (its own temps and download are the caller's business)."""
    found: dict[str, list[Path]] = {}
    for directory, version_of in ((store_dir(), version_of_temp), (downloads_dir(), version_of_download)):
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            version = version_of(entry.name)
            if version is not None and version != holding:
                found.setdefault(version, []).append(Path(entry.path))
    removed: list[Path] = []
    for version, paths in sorted(found.items()):
        try:
            with version_lock(version, wait=False):
                for path in paths:
                    remove_path(path)
                    removed.append(path)
        except M3tuiError:  # LockBusy: a live m3tui is at work on it; anything else: leave it be
            continue
    return removed


def is_complete(path: Path) -> bool:
    """A finished install: a real directory (not a link) with a regular bin/go; False on any error."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode) and stat.S_ISREG(os.stat(path / "bin" / "go").st_mode)
    except (OSError, ValueError):
        return False


def installed_versions() -> list[str]:
    """Versions complete in m3tui's store: a directory with bin/go (temps and links excluded)."""
    try:
        entries = list(os.scandir(store_dir()))
    except OSError:
        return []
    return sorted(e.name for e in entries if is_version_name(e.name) and is_complete(Path(e.path)))


def current_version() -> str | None:
    """The version `current` points at, if the link exists and its target is complete."""
    try:
        target = os.readlink(current_link())
    except (OSError, ValueError):
        return None
    name = Path(target).name
    return name if is_version_name(name) and is_complete(store_dir() / name) else None


LinkState = Literal["none", "ok", "dangling", "not-a-link"]


@dataclass(frozen=True)
class CurrentLink:
    """m3tui's global choice as it is on disk: what ``<store>/current`` names, and whether that
    version is still a complete install ("dangling": removed behind m3tui's back, or by an
    m3tui older than the one that clears the link with the version)."""

    path: Path
    target: str | None  # the version the link names (None: no link, or one that names no version)
    state: LinkState

    @property
    def version(self) -> str | None:
        """The version that is global, when it is really there."""
        return self.target if self.state == "ok" else None

    @property
    def goroot(self) -> Path | None:
        return self.path.parent / self.target if self.state == "ok" and self.target else None


def current_link_state() -> CurrentLink:
    """What `current` is: no link, a link to a complete install, a dangling one, or something
    else in its place (a directory or file m3tui did not make). Reads two inodes; never raises."""
    link = current_link()
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        return CurrentLink(link, None, "none")
    except OSError as exc:
        if exc.errno == errno.EINVAL:  # not a link: a directory or a file in its place
            return CurrentLink(link, None, "not-a-link")
        return CurrentLink(link, None, "none")
    except ValueError:
        return CurrentLink(link, None, "none")
    name = Path(target).name
    if not is_version_name(name):
        return CurrentLink(link, None, "dangling")
    return CurrentLink(link, name, "ok" if is_complete(store_dir() / name) else "dangling")


def clear_current_link(version: str) -> bool:
    """Remove ``current`` when it names ``version`` (whose removal is under way, under its lock);
    True when it did. A `use` of another version that lands in between is kept: the link is
    read, then removed only if it still names ``version`` (the window is the two syscalls)."""
    link = current_link()
    try:
        if Path(os.readlink(link)).name != version:
            return False
        os.unlink(link)
    except (OSError, ValueError):
        return False
    return True
