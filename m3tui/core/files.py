"""Files the user names, and files m3tui keeps: opened safely, written all-or-nothing, kept private.

- Inputs (a profile, a log, a results file): regular files only. They are opened with
  O_NONBLOCK, so a FIFO cannot block the open, then checked with fstat: a FIFO, device,
  socket or directory is refused with a clear `InputError`, never read. Reads can be capped.
- Outputs the user names (``-o PATH``): ``-`` is stdout; a symlink is followed to its target;
  the data goes to a temporary file beside the target, which is then renamed over it, so the
  target is either the old file or the whole new one, and a link stays a link. Devices, FIFOs
  and directories are refused rather than replaced.
- Private state (the command log, the history, env files): directories 0700, files 0600,
  tightened when an earlier version created them looser.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from m3tui.core.errors import InputError, M3tuiError, UsageError, os_error

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words ("a directory", "a FIFO", …)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_input(path: str | os.PathLike[str], *, what: str = "") -> BinaryIO:
    """Open a user-named input for reading in binary; only a regular file gets through.

    Raises `InputError` (exit 2) for a missing path or one that is not a regular file, and
    `M3tuiError` (exit 3) for the rest (permissions, I/O). ``what`` prefixes the message
    ("profile cpu.out: …").
    """
    label = f"{what} {os.fspath(path)}" if what else os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except ValueError:  # a NUL in the name: no file can have it
        raise InputError(f"{label!r}: a file name cannot hold a NUL character") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a device with no driver: opening is refused
            with contextlib.suppress(OSError):
                raise InputError(f"{label}: is {kind_of(os.stat(path).st_mode)}, not a regular file") from None
        raise os_error(exc, label, "read", user_input=True) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{label}: is {kind_of(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_input(path: str | os.PathLike[str], *, what: str = "") -> Path:
    """`open_input`'s checks without reading: the path, if it is a readable regular file."""
    with open_input(path, what=what):
        return Path(path)


def read_input(path: str | os.PathLike[str], *, limit: int, what: str = "") -> bytes:
    """A user-named regular file's bytes, refusing (before reading them) more than ``limit``."""
    label = f"{what} {os.fspath(path)}" if what else os.fspath(path)
    with open_input(path, what=what) as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                raise InputError(f"{label}: {size:,} bytes is more than the {limit:,}-byte limit")
            data = f.read(limit + 1)
        except OSError as exc:
            raise os_error(exc, label, "read") from None
    if len(data) > limit:  # it grew while we looked
        raise InputError(f"{label}: more than the {limit:,}-byte limit")
    return data


def read_text_to_edit(path: str | os.PathLike[str], *, limit: int, what: str) -> bytes:
    """A user's text file that m3tui is about to edit (an rc file, go.mod): its exact bytes.

    Refused (`InputError`, exit 2, the file untouched) when it is not a regular file, has more
    than ``limit`` bytes, or holds NUL bytes (then it is not the text file it should be).
    """
    label = f"{what} {os.fspath(path)}"
    with open_input(path, what=what) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise os_error(exc, label, "read") from None
    if len(data) > limit:
        raise InputError(f"{label}: more than {limit:,} bytes; not changed")
    if b"\x00" in data:
        raise InputError(f"{label}: has NUL bytes, so it is not a text file; not changed")
    return data


def read_capped(stream: BinaryIO, *, limit: int, label: str) -> bytes:
    """All of a stream (stdin, a decompressor), refusing more than ``limit`` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{label}: more than the {limit:,}-byte limit")
    return data


# --- outputs the user names ------------------------------------------------------------------


def output_target(target: str | os.PathLike[str]) -> Path:
    """Where writing ``target`` really goes: symlinks resolved; refused unless a regular file or new."""
    if "\0" in os.fspath(target):
        raise UsageError(f"cannot write {os.fspath(target)!r}: a file name cannot hold a NUL character")
    path = Path(os.path.realpath(os.fspath(target)))
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise InputError(f"cannot write {target}: {path.parent} is not a directory") from None
        return path
    except OSError as exc:  # a symlink loop, a name too long: the name is the problem (exit 2)
        raise os_error(exc, target, "write", user_input=True) from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"cannot write {target}: it is {kind_of(mode)}, not a regular file")
    if not os.access(path, os.W_OK):  # the rename would replace it anyway: a read-only file stays as it is
        raise M3tuiError(f"cannot write {target}: Permission denied (the file is read-only to you)")
    return path


def write_output(target: str, data: bytes | str) -> None:
    """Write a user-named output: ``-`` is stdout; otherwise all-or-nothing through `atomic_write`."""
    if target == "-":
        if isinstance(data, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(data)
            sys.stdout.flush()
        return
    atomic_write(target, data)


def atomic_write(target: str | os.PathLike[str], data: bytes | str, *, mode: int | None = None) -> Path:
    """Replace ``target`` (through symlinks) with ``data``, all or nothing; return the real path.

    The new file keeps an existing target's permission bits (else ``mode``, else 0o644 minus the
    umask); on any failure the temporary file is removed and the target is untouched.
    """
    path = output_target(target)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        keep = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        keep = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise os_error(exc, target, "write") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if keep is not None:
            os.chmod(tmp, keep)
        elif mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise os_error(exc, target, "write") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


# --- private state -------------------------------------------------------------------------------


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents, all 0700) a directory; the leaf is tightened to 0700."""
    try:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for p in reversed(missing):
            with contextlib.suppress(FileExistsError):  # another process made it first
                p.mkdir(mode=PRIVATE_DIR)
        if not path.is_dir():
            raise FileExistsError
    except FileExistsError:
        raise M3tuiError(f"cannot use {path}: it exists and is not a directory") from None
    except OSError as exc:
        raise os_error(exc, path, "create") from None
    try:
        tighten(path, PRIVATE_DIR)
    except OSError as exc:
        raise os_error(exc, path, "make private") from None
    return path


def tighten(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Remove group and other permission bits beyond ``mode`` (files of earlier, looser versions).

    A shared directory (sticky or world-writable, like /tmp given as M3TUI_HOME) is left as it is:
    it is not m3tui's to close, and what m3tui keeps inside it is private anyway.
    """
    with contextlib.suppress(FileNotFoundError):
        st = path.stat()
        current = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode) and current & (stat.S_ISVTX | 0o002):
            return
        if current & ~mode & 0o077:
            os.chmod(path, current & mode)


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND) -> int:
    """An fd on a private state file: created 0600, tightened to 0600 if it was looser."""
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        current = stat.S_IMODE(os.fstat(fd).st_mode)
        if current & 0o077:
            os.fchmod(fd, current & PRIVATE_FILE)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def private_append(path: Path) -> Iterator[BinaryIO]:
    """Append to a private state file (0600 in a 0700 directory)."""
    private_dir(path.parent)
    fd = open_private(path)
    with os.fdopen(fd, "ab") as f:
        yield f
