"""Moving an older m3tui's files to the XDG layout (once), and keeping the cache out of backups.

Before the XDG layout (see ``core/config.py``) everything lived in platformdirs' user data
directory: ``~/Library/Application Support/m3tui`` on macOS (a space in GOROOT and PATH),
``~/.local/share/m3tui`` on Linux (already the new data directory: there only the config and
the cache move). :func:`migrate` moves each top-level entry of that old root to where it now
belongs, each one atomically (a rename; across file systems a copy beside the target renamed
into place, then the original removed), so an interrupted migration loses nothing and the next
start carries on. An entry whose new place is already taken stays where it is (the notice says
so). Where env.sh/env.fish moved away, a stub stays in the old place that sources the new one
(users' rc files name the old path). A marker file in the old root says it is done, so later
starts cost one or two stats; the move runs under a lock file there (two starts at once: one
moves, the other waits and finds the marker). Nothing happens under ``$M3TUI_HOME`` (it keeps
the one-root layout).

On macOS the cache directory is excluded from Time Machine (``tmutil addexclusion``, through
the runner) when it is made, which :func:`prepare` does at start-up before anything else can.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import shutil
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from m3tui.core.config import (
    CONFIG_FILE,
    cache_dir,
    config_dir,
    data_dir,
    home_override,
    legacy_root,
)
from m3tui.core.errors import M3tuiError, os_error
from m3tui.core.files import PRIVATE_FILE, atomic_write, private_dir

MARKER = ".moved-to-xdg-layout"
LOCK = MARKER + ".lock"
MOVING_PREFIX = ".m3tui-moving-"
# Top-level entries of the old root that are config or cache; everything else is data.
CONFIG_ENTRIES = frozenset({CONFIG_FILE, "default-go-packages"})
CACHE_ENTRIES = frozenset({"cache", "downloads", "tmp"})
ENV_FILES = ("env.sh", "env.fish")
STUB_FIRST_LINE = "# m3tui moved its files: this stub stays for rc files that name this path."


@dataclass
class Migration:
    """What :func:`migrate` did: (old, new) pairs moved and left in place, the stubs written."""

    old_root: Path
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    kept: list[tuple[Path, Path]] = field(default_factory=list)
    stubs: list[Path] = field(default_factory=list)

    @property
    def env_moved(self) -> bool:
        return any(src.name in ENV_FILES for src, _ in self.moved)

    def notice(self) -> str | None:
        """The one line for stderr (None when nothing moved or stayed)."""
        if not self.moved and not self.kept:
            return None
        parents = {dst.parent for _, dst in self.moved}
        places = [str(d) for d in (config_dir(), data_dir(), cache_dir()) if d in parents]
        text = f"m3tui: moved its files from {self.old_root} to {', '.join(places) or 'the XDG directories'}"
        if self.stubs:
            text += f" (the {' and '.join(p.name for p in self.stubs)} there now source the new ones)"
        if self.kept:
            text += f"; left {', '.join(src.name for src, _ in self.kept)} there: the new place is taken"
        return text


def destination(name: str) -> Path:
    """Where a top-level entry of the old root belongs now."""
    if name in CONFIG_ENTRIES:
        return config_dir() / name
    if name in CACHE_ENTRIES:
        return cache_dir() / name
    return data_dir() / name


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stub_text(name: str, target: Path) -> str:
    """The stub left at the old env file's place: it sources ``target`` when that exists."""
    if name == "env.fish":
        quoted = _fish_quote(str(target))
        return f"{STUB_FIRST_LINE}\ntest -f {quoted}; and source {quoted}\n"
    quoted = _sh_quote(str(target))
    return f"{STUB_FIRST_LINE}\nif [ -f {quoted} ]; then . {quoted}; fi\n"


def _is_stub(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(STUB_FIRST_LINE)).decode("utf-8", "replace") == STUB_FIRST_LINE
    except OSError:
        return False


def legacy_env_stub(name: str) -> Path | None:
    """The stub at an older layout's env file path (``name``: env.sh or env.fish), when there is
    one: rc lines that name it source m3tui's env file as well as a line naming the new one.
    Both platforms' old roots are looked at (a stat each: a home synced between systems)."""
    if home_override() is not None:
        return None
    for root in (legacy_root("darwin"), legacy_root("linux")):
        stub = root / name
        if stub != data_dir() / name and _is_stub(stub):
            return stub
    return None


def _remove(path: Path) -> None:
    """Remove a file, a symlink or a whole tree (read-only parts made writable first)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink()
        return

    def retry(func: Callable[..., object], p: str, _exc: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), stat.S_IRWXU)
            if not os.path.islink(p) and not os.path.isdir(p):
                os.chmod(p, stat.S_IRUSR | stat.S_IWUSR)
        func(p)

    shutil.rmtree(path, onerror=retry)


def move_entry(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst`` (absent) so that ``dst`` appears whole or not at all: a rename,
    or across file systems a copy beside ``dst`` renamed into place, then ``src`` removed."""
    try:
        os.rename(src, dst)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    staging = dst.parent / f"{MOVING_PREFIX}{dst.name}"
    if os.path.lexists(staging):  # an interrupted copy's: made again from the original
        _remove(staging)
    if src.is_symlink():
        os.symlink(os.readlink(src), staging)
    elif src.is_dir():
        shutil.copytree(src, staging, symlinks=True)
    else:
        shutil.copy2(src, staging)
    os.rename(staging, dst)
    _remove(src)


def migrate(platform: str | None = None) -> Migration | None:
    """Move the old roots' entries to the XDG layout once; None when there was nothing to do.

    The old roots: platformdirs' place on this platform, and the data directory (platformdirs
    4.3 and later put an older m3tui there on macOS too when XDG_DATA_HOME was set). Raises
    M3tuiError naming the path and the cause when a move fails (what moved stays moved; the
    next start carries on)."""
    if home_override() is not None:
        return None
    done: Migration | None = None
    for old in dict.fromkeys((legacy_root(platform), data_dir())):
        step = _migrate_root(old)
        if done is None:
            done = step
        elif step is not None:
            done.moved += step.moved
            done.kept += step.kept
            done.stubs += step.stubs
    return done


def _migrate_root(old: Path) -> Migration | None:
    marker = old / MARKER
    if not old.is_dir() or os.path.lexists(marker):
        return None
    try:  # two m3tui starting at once: the second waits, then finds the marker
        fd = os.open(old / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, PRIVATE_FILE)
    except OSError as exc:
        raise os_error(exc, old, "write to") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return None if os.path.lexists(marker) else _move_root(old, marker)
    finally:
        os.close(fd)


def _move_root(old: Path, marker: Path) -> Migration:
    done = Migration(old)
    made: set[Path] = set()
    try:
        entries = sorted(os.scandir(old), key=lambda e: e.name)
    except OSError as exc:
        raise os_error(exc, old, "read") from None
    for entry in entries:
        src, dst = Path(entry.path), destination(entry.name)
        if entry.name in (MARKER, LOCK) or entry.name.startswith(MOVING_PREFIX) or dst == src:
            continue
        if entry.name in ENV_FILES and _is_stub(src):
            continue
        if os.path.lexists(dst):
            done.kept.append((src, dst))
            continue
        if dst.parent not in made:
            private_dir(dst.parent)
            made.add(dst.parent)
        try:
            move_entry(src, dst)
        except OSError as exc:
            raise os_error(exc, src, f"move to {dst.parent}") from None
        done.moved.append((src, dst))
    for name in ENV_FILES:
        target = data_dir() / name
        stub = old / name
        if target != stub and target.is_file() and not os.path.lexists(stub):
            atomic_write(stub, stub_text(name, target), mode=PRIVATE_FILE)
            done.stubs.append(stub)
    try:
        atomic_write(marker, "m3tui moved what was here to the XDG directories; see the README.\n", mode=PRIVATE_FILE)
    except M3tuiError:
        pass  # the next start checks again, and finds nothing left to move
    return done


# --- Time Machine --------------------------------------------------------------------------------


def exclusion_argv(directory: Path, platform: str | None = None) -> list[str] | None:
    """The command that keeps ``directory`` out of Time Machine backups (macOS only)."""
    if (platform or sys.platform) != "darwin":
        return None
    return ["tmutil", "addexclusion", str(directory)]


def exclude_from_backups(directory: Path, platform: str | None = None) -> bool:
    """``tmutil addexclusion directory`` on macOS (through the runner); whether it ran and succeeded.
    No tmutil, or its failure, is not m3tui's to fail on: backups are the user's business."""
    argv = exclusion_argv(directory, platform)
    if argv is None:
        return False
    from m3tui.core import runner

    try:
        result = asyncio.run(runner.run(argv, timeout=15))
    except (M3tuiError, OSError):
        return False
    return result.ok


def ensure_cache_dir(platform: str | None = None) -> bool:
    """Make the cache directory when it is missing, and on macOS exclude it from Time Machine
    then (once: later starts find it made). Under $M3TUI_HOME nothing happens (that root holds
    the data too). Returns whether the exclusion ran and succeeded."""
    if home_override() is not None or os.path.lexists(cache_dir()):
        return False
    try:
        directory = private_dir(cache_dir())
    except M3tuiError:  # a read-only home: the command that needs the cache will say why
        return False
    return exclude_from_backups(directory, platform)


def prepare(platform: str | None = None) -> Migration | None:
    """At start-up, before anything touches the files: migrate, and when the cache directory was
    missing before, make it (the migration may have) and exclude it from Time Machine. The
    exclusion runs after the move: the runner's command log is data, and would take its place."""
    if home_override() is not None:
        return None
    missing = not os.path.lexists(cache_dir())
    migration = migrate(platform)
    if missing:
        with contextlib.suppress(M3tuiError):  # a read-only home: the command that needs it says why
            exclude_from_backups(private_dir(cache_dir()), platform)
    return migration
