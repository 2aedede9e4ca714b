"""Compressed logs (.gz, .bz2, .zst) decompressed once into the cache: their tail cannot be
reached without it, and the second open of the same file is then as fast as a plain one.

A compressed file is known by its magic bytes (not its name). :func:`decompressed` streams it
into ``cache_dir()/spool/<key>.log``, the key a hash of its real path, size and mtime (a file
that changed gets a new spool; one seen again reuses its spool at once). The decompression goes
through :func:`m3tui.logs.index._spool`'s capped writer (at most SPOOL_MAX and half the free
space, stopping when the disk gets low) into a scratch file of this process, and is renamed
into the cache only when whole: a corrupt or truncated file is one ``InputError`` line, and a
stop (the pane closed, Ctrl-C) or any failure leaves no half spool. ``progress(fraction)`` is
the share of the *compressed* file read. The cache keeps the :data:`KEEP` spools used last.

zstd needs the ``zstandard`` package (a dependency); gzip and bz2 are in Python.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from m3tui.core.errors import InputError, M3tuiError, os_error, strerror

if TYPE_CHECKING:
    from m3tui.logs.sources import FileSource

__all__ = ["KEEP", "compression", "decompressed", "open_log", "spool_dir"]

#: Spools kept in the cache (the least recently used beyond are removed).
KEEP = 8
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\x28\xb5\x2f\xfd", "zstd"))


def compression(head: bytes) -> str | None:
    """``gzip``, ``bzip2`` or ``zstd`` from a file's first bytes; None: not compressed."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def spool_dir() -> Path:
    from m3tui.core.config import cache_dir

    return cache_dir() / "spool"


class _Counting:
    """A decompressing reader that says how much of the compressed file it has read."""

    def __init__(self, stream: io.BufferedIOBase, raw: BinaryIO, size: int, progress: Callable[[float], None] | None) -> None:
        self.stream, self.raw, self.size, self.progress = stream, raw, max(1, size), progress
        self._next = 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        if self.progress is not None:
            pos = self.raw.tell()
            if pos >= self._next or not data:
                self._next = pos + (8 << 20)
                self.progress(1.0 if not data else min(1.0, pos / self.size))
        return data


def _reader(kind: str, raw: BinaryIO, label: str) -> io.BufferedIOBase:
    if kind == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "bzip2":
        import bz2

        return bz2.BZ2File(raw, "rb")
    try:
        import zstandard
    except ImportError:
        raise M3tuiError(f"{label}: reading zstd needs the zstandard package (pip install zstandard)") from None
    reader: io.BufferedIOBase = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)  # type: ignore[assignment]
    return reader


def _errors() -> tuple[type[BaseException], ...]:
    import zlib

    errors: list[type[BaseException]] = [OSError, EOFError, zlib.error, ValueError]
    with contextlib.suppress(ImportError):
        import zstandard

        errors.append(zstandard.ZstdError)
    return tuple(errors)


def decompressed(path: Path, progress: Callable[[float], None] | None = None, stop: threading.Event | None = None) -> Path:
    """The cache's plain copy of compressed ``path`` (made now, or found); ``path`` itself when it
    is not compressed. Blocking: call it in a thread. `M3tuiError` when it cannot be made."""
    from m3tui.core.files import open_input
    from m3tui.logs.index import _spool, one_line

    label = one_line(path)
    with open_input(path) as raw:
        kind = compression(raw.read(4))
        if kind is None:
            return path
        st = os.fstat(raw.fileno())
        import hashlib  # (here: `m3tui logs FILE` imports this module before its first paint)

        key = hashlib.sha256(f"{os.path.realpath(path)}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8", "surrogateescape"))
        target = spool_dir() / f"{key.hexdigest()[:32]}.log"
        if target.is_file():
            with contextlib.suppress(OSError):
                os.utime(target)  # used now: the last to be evicted
            if progress is not None:
                progress(1.0)
            return target
        raw.seek(0)
        errors = _errors()

        def read_error(exc: BaseException) -> M3tuiError:
            if isinstance(exc, OSError) and exc.errno is not None:
                return os_error(exc, label, "read", user_input=True)
            what = "truncated" if isinstance(exc, EOFError) else "corrupt"
            return InputError(f"{label}: {what} {kind} data ({strerror(exc)})")

        try:
            with _reader(kind, raw, label) as stream:
                temp = _spool(_Counting(stream, raw, st.st_size, progress), "unz-", label, "decompresses to", read_error, stop)
        except M3tuiError:
            raise
        except errors as exc:  # opening the stream read bad data (a bz2 header, …)
            raise read_error(exc) from None
    try:
        from m3tui.core.files import private_dir

        private_dir(target.parent)  # 0700: the logs' text, decompressed
        try:
            os.replace(temp, target)
        except OSError:  # another file system: copied, then renamed into place whole
            part = target.with_name(f"{target.name}.p{os.getpid()}")
            shutil.move(temp, part)
            os.replace(part, target)
    except (OSError, M3tuiError) as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, M3tuiError):
            raise
        raise os_error(exc, target.parent, "write a spool in") from None
    _evict(target.parent)
    return target


def _evict(folder: Path) -> None:
    """Keep the :data:`KEEP` spools used last."""
    with contextlib.suppress(OSError):
        spools = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in spools[KEEP:]:
            with contextlib.suppress(OSError):
                old.unlink()


def open_log(path: Path, name: str, stop: threading.Event | None = None,
             progress: Callable[[float], None] | None = None) -> FileSource:  # fmt: skip
    """A log file opened at its tail; a compressed one through its spool in the cache (the
    source keeps the path the user named). Blocking: call it in a thread."""
    from m3tui.logs.sources import open_file

    plain = decompressed(path, progress, stop)
    src = open_file(plain, name, stop)
    src.path = path
    return src
