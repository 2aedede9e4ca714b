"""Reading the small files that name Go versions (VERSION, .go-version, .tool-versions, mise.toml)
without ever raising or blocking: shared by versions (shims, pins) and the doctor (pins, what runs).
Moved from versions/shims.py, which re-exports them."""

from __future__ import annotations

import os
import stat

#: The most of a version file (.tool-versions, mise.toml, VERSION) that is read.
MAX_VERSION_FILE_BYTES = 1024 * 1024


def is_file(path: str | os.PathLike[str]) -> bool:
    """Path.is_file() that says False, instead of raising, under a directory it cannot search
    (Python 3.11's raises PermissionError there: a PATH entry or a manager's dir of another user)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_dir(path: str | os.PathLike[str]) -> bool:
    """Path.is_dir() that says False instead of raising (see `is_file`)."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_head(path: str | os.PathLike[str], limit: int) -> bytes | None:
    """Up to ``limit`` bytes of a regular file (links followed); None when it is not one or cannot
    be read. Opened O_NONBLOCK and checked with fstat: a FIFO planted as a version file or a
    VERSION never blocks the listing."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size < limit and (chunk := os.read(fd, min(limit - size, 1 << 16))):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_small_text(path: str | os.PathLike[str], limit: int = MAX_VERSION_FILE_BYTES) -> str | None:
    """A small text file (undecodable bytes replaced); None when it is not a readable regular
    file or is larger than ``limit``."""
    data = read_head(path, limit + 1)
    if data is None or len(data) > limit:
        return None
    return data.decode("utf-8", "replace")
