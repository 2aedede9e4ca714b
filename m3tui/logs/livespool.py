"""Piped stdin spooled as it comes (`go test -json ./... | m3tui logs -`), so the Logs pane follows it live.

The TUI needs the terminal on fd 0, so the pipe is dup'd away first and a daemon thread copies
it into a spool file (``<tmp>/stdin-p<pid>-….log``, 0600) a read at a time, written straight
through (no buffer: the pane's follower sees each batch as it lands); gzip, bzip2 and zstd input
(``gzip -c x.log | m3tui logs -``) is decompressed as it comes, a MiB of output at most at a time. The copy keeps the spools'
limits (:data:`~m3tui.logs.index.SPOOL_MAX`, half the free space, the reserve); a limit or a
failed write (a full disk) stops it with one line in :attr:`LiveSpool.error`, which the pane
says in its status. The thread never holds up the app's exit: it is a daemon, and after
:meth:`LiveSpool.stop` it writes nothing more.
"""

from __future__ import annotations

import bz2
import os
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

from m3tui.core.errors import M3tuiError, os_error, strerror
from m3tui.logs.index import _FULL, _SPOOL_CHECK, _SPOOL_CHUNK, SPOOL_MAX, SPOOL_RESERVE, _free

__all__ = ["LiveSpool", "live_spool", "start_stdin"]

_LIVE: dict[str, LiveSpool] = {}  # spool path -> its copy, for the pane that opens the path


class LiveSpool:
    """A pipe copied into a file by a thread: ``path`` grows while ``done`` is false."""

    def __init__(self, src_fd: int, out_fd: int, path: Path, *, budget: int | None = None, label: str = "stdin") -> None:
        self.path = path
        self.label = label
        self.written = 0
        self.error = ""  # one line when the copy stopped early (a limit, a full disk, a read error)
        self.done = threading.Event()  # set when the copy ended (end of input, an error, or stop)
        self._src, self._out = src_fd, out_fd
        self._budget = budget
        self._stop = threading.Event()
        self._unzip: zlib._Decompress | bz2.BZ2Decompressor | None = None  # gzip or bzip2 input: its decompressor
        self._kind = ""  # "plain", "gzip", "bzip2" or "zstd" once the first bytes are read
        self.thread = threading.Thread(target=self._copy, name=f"m3tui-spool-{label}", daemon=True)

    def start(self) -> LiveSpool:
        _LIVE[str(self.path)] = self
        self.thread.start()
        return self

    def stop(self) -> None:
        """Write nothing more (the app quits); the thread ends at its next read's return."""
        self._stop.set()
        _LIVE.pop(str(self.path), None)

    def _copy(self) -> None:
        try:
            budget = self._budget if self._budget is not None else min(SPOOL_MAX, _free(self.path.parent) // 2)
            while not self._stop.is_set():
                try:
                    data = os.read(self._src, _SPOOL_CHUNK)
                except OSError as exc:
                    raise os_error(exc, self.label, "read", user_input=True) from None
                if not data or self._stop.is_set():
                    break
                if not self.written and self._unzip is None and self._kind == "":
                    data = self._magic(data)
                    if self._kind == "zstd":  # read through zstandard's reader from here on
                        self._copy_zstd(data, budget)
                        break
                for piece in self._plain(data):
                    self._write(piece, budget)
            if self._unzip is not None and not self._stop.is_set() and not self._unzip.eof:
                raise M3tuiError(f"{self.label}: truncated {self._kind} data (it ended mid-stream)")
        except M3tuiError as exc:
            self.error = str(exc).splitlines()[0] if str(exc) else f"{self.label}: stopped spooling"
        finally:
            for fd in (self._src, self._out):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.done.set()

    def _magic(self, data: bytes) -> bytes:
        """What the input is, from its first bytes (read on if the pipe split them); ``data`` with them."""
        while len(data) < 4 and data[:1] in (b"\x1f", b"B", b"\x28"):
            more = os.read(self._src, 4 - len(data))
            if not more:
                break
            data += more
        if data[:2] == b"\x1f\x8b":
            self._kind, self._unzip = "gzip", zlib.decompressobj(31)
        elif data[:3] == b"BZh":
            self._kind, self._unzip = "bzip2", bz2.BZ2Decompressor()
        elif data[:4] == b"\x28\xb5\x2f\xfd":
            self._kind = "zstd"
        else:
            self._kind = "plain"
        return data

    def _plain(self, data: bytes) -> Iterator[bytes]:
        """``data`` as it is, or decompressed a MiB at most at a time (a bomb meets the budget, not the memory)."""
        unzip = self._unzip
        if unzip is None:
            yield data
            return
        try:
            while data or (isinstance(unzip, bz2.BZ2Decompressor)  # bzip2 keeps input inside: output it has, the next stream
                           and ((not unzip.eof and not unzip.needs_input) or (unzip.eof and unzip.unused_data))):
                if unzip.eof:  # the next member (gzip -c a b, bzip2 -c a b: concatenated)
                    data = unzip.unused_data + (data if isinstance(unzip, bz2.BZ2Decompressor) else b"")
                    unzip = self._unzip = zlib.decompressobj(31) if self._kind == "gzip" else bz2.BZ2Decompressor()
                    if not data:
                        return
                if isinstance(unzip, bz2.BZ2Decompressor):
                    out = unzip.decompress(data, _SPOOL_CHUNK)  # (the rest of data is kept inside)
                    data = b""
                else:
                    out = unzip.decompress(data, _SPOOL_CHUNK)
                    data = unzip.unconsumed_tail or unzip.unused_data
                if out:
                    yield out
        except (zlib.error, OSError, EOFError) as exc:
            raise M3tuiError(f"{self.label}: corrupt {self._kind} data ({exc})") from None

    def _copy_zstd(self, data: bytes, budget: int) -> None:
        """zstd input, through zstandard's reader (its output comes a MiB at most at a time: a zstd
        bomb meets the budget, not the memory); frames one after another are read across."""
        try:
            import zstandard
        except ImportError:
            raise M3tuiError(f"{self.label}: reading zstd needs the zstandard package (pip install zstandard)") from None
        pipe = _Pipe(data, self._src, self._stop)
        reader = zstandard.ZstdDecompressor().stream_reader(pipe, read_across_frames=True)  # type: ignore[arg-type]  # (a reader is all it needs)
        try:
            while not self._stop.is_set():
                out = reader.read(_SPOOL_CHUNK)
                if not out:
                    break
                self._write(out, budget)
        except zstandard.ZstdError as exc:
            raise M3tuiError(f"{self.label}: corrupt zstd data ({exc})") from None

    def _write(self, data: bytes, budget: int) -> None:
        """``data`` appended to the spool, within the budget and the disk's reserve."""
        from m3tui.core.text import human_size

        if self.written + len(data) > budget:
            why = f"half the free space in {self.path.parent}" if budget < SPOOL_MAX else "the most m3tui spools to disk"
            raise M3tuiError(f"{self.label}: stopped spooling after {human_size(self.written)}: it sends more than "
                             f"{human_size(budget)}, {why} (--lint reads any size as a stream)")  # fmt: skip
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._out, view):]
        except OSError as exc:
            if exc.errno in _FULL:
                raise M3tuiError(f"{self.label}: stopped spooling it to {self.path.parent}: {strerror(exc)}") from None
            raise os_error(exc, self.path, "write") from None
        before, self.written = self.written, self.written + len(data)
        if self._budget is None and before // _SPOOL_CHECK != self.written // _SPOOL_CHECK and _free(self.path.parent) < SPOOL_RESERVE:
            raise M3tuiError(f"{self.label}: stopped spooling it to {self.path.parent}: the disk would fill "
                             f"(less than {human_size(SPOOL_RESERVE)} free)")  # fmt: skip


class _Pipe:
    """The pipe as a file for zstandard's reader: the bytes read already, then the pipe's."""

    def __init__(self, head: bytes, fd: int, stop: threading.Event) -> None:
        self._head, self._fd, self._stop = head, fd, stop

    def read(self, n: int = -1) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out
        if self._stop.is_set():
            return b""
        try:
            return os.read(self._fd, n if n > 0 else _SPOOL_CHUNK)
        except OSError as exc:
            raise os_error(exc, "stdin", "read", user_input=True) from None


def start_stdin(fd: int) -> LiveSpool:
    """Start copying the pipe open on ``fd`` (a dup of stdin, owned from now on) into a new spool."""
    from m3tui.core.tmp import make_file

    try:
        out, path = make_file("stdin-", ".log")
    except BaseException:
        os.close(fd)
        raise
    return LiveSpool(fd, out, path).start()


def live_spool(path: Path | str) -> LiveSpool | None:
    """The copy still filling ``path`` (or that filled it), if it is a live stdin spool."""
    return _LIVE.get(str(path))
