"""Line access to log files of any size: open at the tail at once, index in the background.

* The file is read with ``os.pread``, never memory-mapped (a mapping kills the process with
  SIGBUS the moment another process truncates the file, as logrotate's copytruncate does; a
  read of a shrunk file just comes back short). Only the lines asked for are read, and one
  chunk at a time while indexing or searching.
* :meth:`LineIndex.tail` works straight after opening, *without* an index, scanning back from
  the end; its lines are identified by byte offset (:meth:`line_of` maps an offset to a line
  number once the index covers it).
* :meth:`LineIndex.build` indexes the whole file: a *checkpoint* index, the number of newlines
  before every 64 KiB block (one ``array('Q')`` item, ~0.01 byte per line), built with one
  ``bytes.count(b"\\n")`` per block at memchr speed. Line ``i`` is a bisect over the
  checkpoints plus one scan of a single block; the newline positions of the last few blocks
  used are cached (2-byte ``array('H')`` offsets). :attr:`index_nbytes` is all of it.
* :meth:`refresh` picks up appended data and detects truncation or replacement (inode change,
  or the size shrinking), in which case the index is :meth:`reset` on the new file.
* The path opens through :func:`m3tui.core.files.open_input`: regular files only (a FIFO,
  device or directory is refused, never read or waited on).
* A gzip file (known by its magic bytes) is decompressed as a stream into a spool of its own,
  ``<state root>/tmp/gz-p<pid>-….log`` (removed by :meth:`close` or at exit; swept by the next
  m3tui if this process died), and indexed from there; :func:`spool_stdin` spools stdin the
  same way. A spool holds at most :data:`SPOOL_MAX` and half its disk's free space (measured
  when it starts), and stops when the disk is down to :data:`SPOOL_RESERVE` or a write fails:
  a clear error, the partial spool removed. A gzip bomb costs disk up to the cap, never memory.

Every failure is an `M3tuiError` naming the file and the cause. Thread safety: the pane builds
the index in a worker thread while the UI thread reads lines; every method takes the lock
around file access and index changes, :meth:`build` per 4 MiB chunk only.

This module is plain Python and must never import Textual.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import os
import re
import shutil
import threading
import time
import weakref
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, Self

from m3tui.core.errors import InputError, M3tuiError, os_error, strerror

__all__ = ["BLOCK", "SPOOL_MAX", "SPOOL_RESERVE", "LineIndex", "decompress_error", "one_line", "safe_text", "spool_stdin"]

#: Bytes per checkpoint block. A power of two, and at most 65536 so newline
#: positions inside a block fit the cache's 2-byte ``array('H')``.
BLOCK = 1 << 16
#: Blocks counted per lock hold in :meth:`LineIndex.build`.
_CHUNK_BLOCKS = 64
#: Blocks whose newline positions are kept (LRU).
_CACHE_BLOCKS = 8
#: Backwards-scan step of :meth:`LineIndex.tail`.
_TAIL_STEP = 1 << 16
#: Bytes searched per read in :meth:`LineIndex.search`.
_SEARCH_CHUNK = 4 << 20
#: :meth:`LineIndex.lines` reads a run of lines at once up to this many bytes, else line by line.
_BATCH_READ = 1 << 20
GZ_MAGIC = b"\x1f\x8b"

#: The most one spool (a decompressed .gz, piped stdin) may hold: 8 GiB, and never more than
#: half the free space of its disk when it starts.
SPOOL_MAX = 8 << 30
#: A spool stops when its disk gets down to this much free space.
SPOOL_RESERVE = 256 << 20
_SPOOL_CHUNK = 1 << 20
_SPOOL_CHECK = 64 << 20  # free space is measured again every this many bytes
#: errno values of a full disk (or quota).
_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG})


class _StopFlag(Protocol):
    def is_set(self) -> bool: ...


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


# --- spools: stdin and decompressed gzip files, on disk, capped ------------------------------------


def decompress_error(exc: BaseException, label: str, *, user_input: bool = False) -> M3tuiError:
    """What went wrong reading ``label`` through a decompressor, as the line the user sees.

    A real I/O error (an errno) is ``cannot read …`` (exit 3); anything else the gzip stream
    raised (zlib.error, EOFError for a truncated file, BadGzipFile) is corrupt input (exit 2).
    """
    if isinstance(exc, OSError) and exc.errno is not None:
        return os_error(exc, label, "read", user_input=user_input)
    if isinstance(exc, EOFError):
        return InputError(f"{label}: truncated gzip data ({strerror(exc)})")
    return InputError(f"{label}: corrupt gzip data ({strerror(exc)})")


#: What a gzip stream raises on bad data (BadGzipFile is an OSError).
DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)


def spool_stdin(stream: _Reader | None = None) -> Path:
    """Copy ``stream`` (default: ``sys.stdin.buffer``) to a spool file and return its path.

    The file is ``<state root>/tmp/stdin-p<pid>-….log`` (0600): the caller removes it when done,
    and the next m3tui sweeps it if this process is killed first. Capped like every spool.
    """
    import sys

    if stream is None:
        if sys.stdin is None:
            raise InputError("stdin: nothing to read (stdin is closed)")
        stream = sys.stdin.buffer
    return _spool(stream, "stdin-", "stdin", "sends", lambda exc: decompress_error(exc, "stdin", user_input=True))


def _spool(src: _Reader, prefix: str, label: str, grows: str, read_error: Callable[[BaseException], M3tuiError], stop: _StopFlag | None = None) -> Path:
    """``src`` copied to a new spool file ``<tmp>/<prefix>p<pid>-….log``; removed again on any failure
    or when ``stop`` is set (checked every MiB: the app quitting does not wait for a big spool)."""
    from m3tui.core.text import human_size
    from m3tui.core.tmp import make_file, tmp_root

    try:
        fd, path = make_file(prefix, ".log")
    except OSError as exc:
        raise os_error(exc, tmp_root(), "write a spool file in") from None
    try:
        with os.fdopen(fd, "wb") as out:
            free = _free(path.parent)
            budget = min(SPOOL_MAX, free // 2)
            written, check_at = 0, _SPOOL_CHECK
            while True:
                try:
                    data = src.read(_SPOOL_CHUNK)
                except DECOMPRESS_ERRORS as exc:
                    raise read_error(exc) from None
                if not data:
                    break
                if stop is not None and stop.is_set():
                    raise M3tuiError(f"{label}: stopped")
                written += len(data)
                if written > budget:
                    why = f"half the free space in {path.parent}" if budget < SPOOL_MAX else "the most m3tui spools to disk"
                    raise InputError(f"{label}: {grows} more than {human_size(budget)}, {why}; "
                                     "--lint reads any size as a stream")  # fmt: skip
                out.write(data)
                if written >= check_at:
                    check_at += _SPOOL_CHECK
                    if _free(path.parent) < SPOOL_RESERVE:
                        raise M3tuiError(f"{label}: stopped spooling it to {path.parent}: the disk would fill "
                                         f"(less than {human_size(SPOOL_RESERVE)} free)")  # fmt: skip
        return path
    except OSError as exc:  # writing the spool (a full disk) or closing it
        _unlink(path)
        if exc.errno in _FULL:
            raise M3tuiError(f"{label}: cannot spool it to {path.parent}: {strerror(exc)}") from None
        raise os_error(exc, path, "write") from None
    except BaseException:
        _unlink(path)
        raise


def _free(directory: Path) -> int:
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return SPOOL_MAX * 2  # cannot tell: the writes themselves will say when the disk is full


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _gunzip(fd: int, label: str, stop: _StopFlag | None) -> Path:
    """The gzip file open on ``fd`` decompressed, as a stream, into a spool file of its own."""
    import gzip

    with os.fdopen(os.dup(fd), "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as src:
        return _spool(src, "gz-", label, "decompresses to", lambda exc: decompress_error(exc, label), stop)


def _strip_eol(b: bytes) -> bytes:
    return b[:-1] if b[-1:] == b"\r" else b


class LineIndex:
    """Lines of one file, by number, via pread and a compact checkpoint index.

    Line numbers are 0-based. A final line without a newline counts as a line;
    ``b"a\\n"`` has one line, ``b""`` none. Returned lines have no ``\\n`` and no
    trailing ``\\r`` (CRLF files read like LF files).
    """

    def __init__(self, path: str | os.PathLike[str], stop: _StopFlag | None = None) -> None:
        self.path = Path(path)
        self._stop = stop  # set: a gzip file's spool stops (the caller gave up waiting)
        self._lock = threading.RLock()
        self._fd: int | None = None
        self._size = 0
        self._cleanup: weakref.finalize[[Path], LineIndex] | None = None
        self.compressed = False
        self.generation = -1  # times the index was cleared (a rotation or truncation): 0 for the first one
        self._reset_index()
        self._open()

    @classmethod
    def open(cls, path: str | os.PathLike[str], stop: _StopFlag | None = None) -> LineIndex:
        """Open ``path`` (a log file or a gzip file); raises `M3tuiError` if it cannot be read."""
        return cls(path, stop)

    def _reset_index(self) -> None:
        #: cum[b] = number of newlines before block b; len(cum) - 1 blocks indexed.
        self._cum = array("Q", [0])
        #: Bytes covered by the index (the last block may be partial).
        self._indexed = 0
        self._ends_nl = True  # the last indexed byte is a newline (or nothing is indexed)
        self._complete = False
        self._cache: OrderedDict[int, array[int]] = OrderedDict()
        self.generation += 1

    def _open(self) -> None:
        from m3tui.core.files import open_input

        label = one_line(self.path)
        with open_input(self.path) as f:
            try:
                st = os.fstat(f.fileno())
                compressed = os.pread(f.fileno(), 2, 0) == GZ_MAGIC
                if compressed:
                    temp = _gunzip(f.fileno(), label, self._stop)
                    self._cleanup = weakref.finalize(self, _unlink, temp)
                    fd = os.open(temp, os.O_RDONLY)
                else:
                    fd = os.dup(f.fileno())
            except OSError as exc:
                raise os_error(exc, label, "read") from None
        self.compressed = compressed
        self._fd = fd
        self._size = os.fstat(fd).st_size
        # For a .gz source, rotation is judged on the .gz itself.
        self._path_ino = (st.st_dev, st.st_ino)

    def close(self) -> None:
        """Close the file; removes a gzip file's spool."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._size = 0
            if self._cleanup is not None:
                self._cleanup()  # removes the spool (once)
                self._cleanup = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, n: int, offset: int) -> bytes:
        """Up to ``n`` bytes at ``offset``: fewer when the file shrank meanwhile, none once closed."""
        fd = self._fd
        if fd is None or n <= 0:
            return b""
        try:
            return os.pread(fd, n, offset)
        except OSError as exc:
            raise os_error(exc, one_line(self.path), "read") from None

    @property
    def size(self) -> int:
        """Bytes known (the file's size as of the last open/refresh)."""
        return self._size

    @property
    def complete(self) -> bool:
        """True once the index covers every known byte."""
        return self._complete and self._indexed == self._size

    @property
    def line_count(self) -> int:
        """Lines in the indexed part (all lines once :attr:`complete`)."""
        with self._lock:
            return self._cum[-1] + (0 if self._ends_nl else 1)

    @property
    def index_nbytes(self) -> int:
        """Memory held by the index: checkpoint array plus cached block offsets."""
        with self._lock:
            return sum(a.buffer_info()[1] * a.itemsize for a in (self._cum, *self._cache.values()))

    # ------------------------------------------------------------------ building

    def build(self, progress: Callable[[float], None] | None = None, stop: _StopFlag | None = None) -> bool:
        """Index every byte known (continuing from where the index stops).

        Meant for a worker thread. ``progress(fraction)`` is called every few
        MiB; ``stop.is_set()`` is checked as often, and a stopped build
        returns False (the partial index stays valid and a later call resumes).
        """
        step = _CHUNK_BLOCKS * BLOCK
        next_report = 0
        while True:
            if stop is not None and stop.is_set():
                return False
            with self._lock:
                if self._indexed >= self._size:
                    self._complete = True
                    break
                self._count_blocks(self._indexed, min(self._size, self._indexed + step))
                done = self._indexed
            time.sleep(0)  # hand the GIL to the UI thread between chunks: the screen stays live
            if progress is not None and done >= next_report:
                next_report = done + (16 << 20)
                progress(done / max(1, self._size))
        if progress is not None:
            progress(1.0)
        return True

    def _count_blocks(self, start: int, end: int) -> None:
        """Count newlines of blocks in [start, end); caller holds the lock.

        ``start`` is block-aligned except when the last indexed block was
        partial, in which case it is re-counted from its block start. A short
        read (the file shrank) ends the known part there: :meth:`refresh` will see it.
        """
        cum = self._cum
        if start % BLOCK:  # partial last block: drop it and re-count
            cum.pop()
            start -= start % BLOCK
            self._cache.pop(start // BLOCK, None)
        data = self._read(end - start, start)
        if len(data) < end - start:
            end = self._size = start + len(data)
        n = cum[-1]
        append = cum.append
        count = data.count
        for off in range(0, end - start, BLOCK):
            n += count(b"\n", off, off + BLOCK)
            append(n)
        self._indexed = end
        self._ends_nl = data[-1:] in (b"\n", b"")

    def refresh(self) -> str:
        """Catch up with the file on disk.

        Returns ``"same"``, ``"grew"`` (the known size and, if the index was
        complete, the index were extended) or ``"reset"`` (the file was
        truncated or replaced: everything was re-opened from the new file and
        the index cleared; :attr:`generation` is incremented).
        """
        if self.compressed:
            return "same"
        try:
            st = os.stat(self.path)
        except OSError:
            return "same"  # rotated away and not (yet) re-created: keep what we have
        with self._lock:
            if self._fd is None:
                return "same"
            if (st.st_dev, st.st_ino) != self._path_ino or st.st_size < self._size:
                self.reset()
                return "reset"
            cur = os.fstat(self._fd).st_size
            if cur == self._size:
                return "same"
            if cur < self._size:
                self.reset()
                return "reset"
            self._size = cur
            if self._complete:
                self._count_blocks(self._indexed, cur)
            return "grew"

    def reset(self) -> None:
        """Drop the index and re-open the path (after truncation or replacement)."""
        with self._lock:
            self.close()
            self._reset_index()
            self._open()

    # ------------------------------------------------------------------ reading

    def tail(self, n: int, *, limit: int | None = None) -> list[tuple[int, bytes]]:
        """The last ``n`` lines as ``(byte offset, line)``; needs no index.

        ``limit`` caps the bytes returned per line (the line's head is kept).
        """
        out: list[tuple[int, bytes]] = []
        with self._lock:
            size = self._size
            if size == 0 or n <= 0:
                return out
            last = self._read(1, size - 1)
            if not last:
                return out  # it shrank: refresh() will say so
            end = size - 1 if last == b"\n" else size  # end of the last line
            chunk, lo = b"", end  # chunk holds bytes [lo, lo + len(chunk))
            while len(out) < n:
                nl, hi = -1, end  # the newline before `end`
                while True:
                    if hi > lo:
                        k = chunk.rfind(b"\n", 0, hi - lo)
                        if k >= 0:
                            nl = lo + k
                            break
                        hi = lo
                    if lo == 0:
                        break
                    new_lo = max(0, lo - _TAIL_STEP)
                    chunk = self._read(lo - new_lo, new_lo)
                    if len(chunk) < lo - new_lo:
                        return out[::-1]  # it shrank meanwhile
                    lo = new_lo
                start = nl + 1
                stop = end if limit is None else min(end, start + limit)
                if lo <= start and stop <= lo + len(chunk):
                    line = chunk[start - lo : stop - lo]
                else:
                    line = self._read(stop - start, start)
                out.append((start, _strip_eol(line)))
                if start == 0:
                    break
                end = nl
            out.reverse()
            return out

    def _nl_pos(self, k: int) -> int:
        """Absolute offset of newline number ``k`` (0-based); needs it indexed. Lock held.

        When the file shrank under the index, the end of the indexed part stands in.
        """
        cum = self._cum
        b = bisect.bisect_right(cum, k) - 1
        arr = self._cache.get(b)
        if arr is None:
            arr = self._block_newlines(b)
        else:
            self._cache.move_to_end(b)
        j = k - cum[b]
        return b * BLOCK + arr[j] if j < len(arr) else self._indexed

    def _block_newlines(self, b: int) -> array[int]:
        base = b * BLOCK
        want = min(BLOCK, self._indexed - base)
        data = self._read(want, base)
        arr = array("H")
        pos = data.find(b"\n")
        find = data.find
        append = arr.append
        while pos >= 0:
            append(pos)
            pos = find(b"\n", pos + 1)
        if len(data) == want:  # a short read (the file shrank) is not kept
            self._cache[b] = arr
            if len(self._cache) > _CACHE_BLOCKS:
                self._cache.popitem(last=False)
        return arr

    def _span(self, i: int) -> tuple[int, int]:
        """(start, end) of line ``i`` without its newline. Lock held."""
        total_nl = self._cum[-1]
        if i < 0 or i >= self.line_count:
            raise IndexError(f"line {i} out of range (0..{self.line_count - 1})")
        start = 0 if i == 0 else self._nl_pos(i - 1) + 1
        end = self._nl_pos(i) if i < total_nl else self._indexed
        return start, max(start, end)

    def line(self, i: int, *, limit: int | None = None) -> bytes:
        """Line ``i`` (0-based, negative counts from the end) of the indexed part."""
        with self._lock:
            if i < 0:
                i += self.line_count
            start, end = self._span(i)
            if limit is not None:
                end = min(end, start + limit)
            return _strip_eol(self._read(end - start, start))

    def lines(self, start: int, stop: int, *, limit: int | None = None) -> list[bytes]:
        """Lines ``start`` ≤ i < ``stop`` (clamped to what is indexed)."""
        with self._lock:
            count = self.line_count
            start, stop = max(0, start), min(stop, count)
            if start >= stop:
                return []
            first, last = self._span(start)[0], self._span(stop - 1)[1]
            if last - first > _BATCH_READ:  # long lines: each read on its own, capped
                return [self.line(i, limit=limit) for i in range(start, stop)]
            data = self._read(last - first, first)
            out = []
            for i in range(start, stop):
                a, b = self._span(i)
                if limit is not None:
                    b = min(b, a + limit)
                out.append(_strip_eol(data[a - first : b - first]))
            return out

    def line_offset(self, i: int) -> int:
        """Byte offset where line ``i`` starts."""
        with self._lock:
            return self._span(i)[0]

    def line_of(self, offset: int) -> int:
        """Number of the line containing byte ``offset`` (must be indexed)."""
        with self._lock:
            if offset < 0 or offset > self._indexed:
                raise IndexError(f"offset {offset} not indexed (indexed: {self._indexed} bytes)")
            if len(self._cum) == 1:
                return 0
            b = min(offset // BLOCK, len(self._cum) - 2)
            arr = self._cache.get(b)
            if arr is None:
                arr = self._block_newlines(b)
            rel = offset - b * BLOCK
            return self._cum[b] + bisect.bisect_left(arr, rel)

    def search(self, pattern: str | bytes | re.Pattern[bytes], start_line: int = 0, *, reverse: bool = False,
               regex: bool = False, ignore_case: bool = False) -> int | None:  # fmt: skip
        """First line at/after (or, with ``reverse``, before) ``start_line`` matching.

        Plain text by default, a (bytes) regular expression with ``regex``. Forward, it
        searches 4 MiB at a time (cut at a line's end) with ``re``, so it runs at C speed; a
        match across two lines can be missed where a chunk ends, as can one inside a single
        line longer than a chunk where the chunk cuts it.
        """
        if isinstance(pattern, re.Pattern):
            rx = pattern
        else:
            pat = pattern.encode() if isinstance(pattern, str) else pattern
            rx = re.compile(pat if regex else re.escape(pat), re.IGNORECASE if ignore_case else 0)
        with self._lock:
            count = self.line_count
            if count == 0:
                return None
            if not reverse:
                if start_line >= count:
                    return None
                pos, end = self.line_offset(max(0, start_line)), self._indexed
                while pos < end:
                    chunk = self._read(min(_SEARCH_CHUNK, end - pos), pos)
                    if not chunk:
                        return None
                    stop = len(chunk)
                    if pos + stop < end:
                        cut = chunk.rfind(b"\n")
                        stop = cut + 1 if cut >= 0 else stop
                    m = rx.search(chunk, 0, stop)
                    if m is not None:
                        return self.line_of(pos + m.start())
                    pos += stop
                return None
            for i in range(min(start_line, count) - 1, -1, -1):
                if rx.search(self.line(i)):
                    return i
            return None


# --- safe display ------------------------------------------------------------------------------------


#: Control characters (but tab) as \xNN; C1 controls (a terminal may act on them) and the line and
#: paragraph separators as \uNNNN; undecodable bytes (surrogateescape) as U+FFFD.
_ESCAPES: dict[int, str] = {
    **{c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F) if c != 0x09},
    **{c: f"\\u{c:04x}" for c in (*range(0x80, 0xA0), 0x2028, 0x2029)},
    **dict.fromkeys(range(0xDC80, 0xDD00), "\ufffd"),
}


def safe_text(raw: bytes, max_chars: int = 4000) -> str:
    """``raw`` as one safe display line.

    UTF-8 with U+FFFD for invalid bytes, control characters (except tab)
    escaped as ``\\xNN``, and cut after ``max_chars`` characters with a
    ``… (N more bytes)`` marker. Only the head of ``raw`` is decoded, so a
    10 MB line costs as much as a short one.
    """
    head = raw[: max_chars * 4]
    text = head.decode("utf-8", "surrogateescape")
    more = len(raw) - len(head)
    if len(text) > max_chars:
        text = text[:max_chars]
        more = len(raw) - len(text.encode("utf-8", "surrogateescape"))
    text = text.translate(_ESCAPES)
    if more > 0:
        text += f" … ({more} more bytes)"
    return text


def one_line(text: str | os.PathLike[str]) -> str:
    """A path or message as one safe line for a terminal: control characters (tab too) escaped, undecodable bytes as U+FFFD."""
    return os.fspath(text).translate(_ESCAPES).replace("\t", "\\t")
