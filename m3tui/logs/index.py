"""Line access to log files of any size: open at the tail at once, index in the background.

Design, in brief:

* The file is memory-mapped (read-only); nothing is read into Python memory
  except the lines that are asked for (what is on screen).
* :meth:`LineIndex.tail` works straight after opening, *without* an index: it
  scans backwards from the end with ``mmap.rfind``. Its lines are identified by
  byte offset, since line numbers are not known yet (:meth:`line_of` maps an
  offset to a line number once the index covers it).
* :meth:`LineIndex.build` indexes the whole file. The index is a *checkpoint*
  index, not one offset per line: for every 64 KiB block of the file it keeps
  the number of newlines before the block (one ``array('Q')`` item, 8 bytes per
  block). That is ~0.01 byte per line for typical logs instead of 8 or 16, and
  building it is one ``bytes.count(b"\\n")`` per block, i.e. memchr speed (a
  few times ``wc -l``), instead of a Python-level step per line. Line ``i`` is
  found by a bisect over the checkpoints plus one scan of a single 64 KiB block;
  the newline positions of the last few blocks used are cached (as 2-byte
  ``array('H')`` offsets), so reading a screenful of consecutive lines costs
  one block scan. :attr:`index_nbytes` is the whole memory of the index,
  checkpoints and cache.
* :meth:`refresh` picks up appended data (the index is extended incrementally)
  and detects truncation or replacement (inode change, or the size shrinking),
  in which case the index is :meth:`reset` and re-opened on the new file.
* ``.gz`` files are decompressed once into a temporary file under
  ``state_root()/tmp`` and indexed from there (the temp file is removed by
  :meth:`close`). stdin is handled the same way by the caller:
  :func:`spool_stdin` writes it to a temp file, which is then opened.

Thread safety: the pane builds the index in a worker thread while the UI thread
reads lines. Every method takes the instance's lock around mmap access and
index changes; :meth:`build` takes it per 4 MiB chunk only, so readers wait at
most one chunk (a millisecond or so). Lines are returned as ``bytes`` copies,
never views of the mmap, so a re-map (refresh) cannot invalidate them.

This module is plain Python and must never import Textual.
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import hashlib
import mmap
import os
import re
import shutil
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

__all__ = [
    "BLOCK",
    "LineIndex",
    "safe_text",
    "spool_stdin",
    "temp_dir",
]

#: Bytes per checkpoint block. A power of two, and at most 65536 so newline
#: positions inside a block fit the cache's 2-byte ``array('H')``.
BLOCK = 1 << 16
#: Blocks counted per lock hold in :meth:`LineIndex.build`.
_CHUNK_BLOCKS = 64
#: Blocks whose newline positions are kept (LRU).
_CACHE_BLOCKS = 8
#: Backwards-scan step of :meth:`LineIndex.tail`.
_TAIL_STEP = 1 << 16
_GZ_MAGIC = b"\x1f\x8b"


class _StopFlag(Protocol):
    def is_set(self) -> bool: ...


def temp_dir() -> Path:
    """``state_root()/tmp``, created on demand (for .gz and stdin spools)."""
    from m3tui.core.config import state_root

    d = state_root() / "tmp"
    d.mkdir(parents=True, exist_ok=True)
    return d


def spool_stdin(stream: BinaryIO | None = None, *, chunk: int = 1 << 20) -> Path:
    """Copy ``stream`` (default: ``sys.stdin.buffer``) to a temp file and return its path.

    The caller opens the path with :class:`LineIndex` (and may keep following it
    while it copies in a thread); the file lives under ``state_root()/tmp``.
    """
    import sys
    import tempfile

    src = stream if stream is not None else sys.stdin.buffer
    fd, name = tempfile.mkstemp(prefix="stdin-", suffix=".log", dir=temp_dir())
    with os.fdopen(fd, "wb") as out:
        while True:
            data = src.read(chunk)
            if not data:
                break
            out.write(data)
            out.flush()
    return Path(name)


def _is_gzip(path: Path) -> bool:
    if path.suffix == ".gz":
        return True
    try:
        with open(path, "rb") as f:
            return f.read(2) == _GZ_MAGIC
    except OSError:
        return False


def _gunzip_once(path: Path) -> Path:
    """Decompress ``path`` into ``state_root()/tmp`` (reused while the .gz is unchanged)."""
    st = path.stat()
    key = f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}"
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
    stem = path.name[:-3] if path.name.endswith(".gz") else path.name
    out = temp_dir() / f"gz-{digest}-{stem}"
    if out.exists():
        return out
    part = out.with_name(out.name + f".part{os.getpid()}")
    try:
        with gzip.open(path, "rb") as src, open(part, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(part, out)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    return out


def _strip_eol(b: bytes) -> bytes:
    return b[:-1] if b[-1:] == b"\r" else b


class LineIndex:
    """Lines of one file, by number, via mmap and a compact checkpoint index.

    Line numbers are 0-based. A final line without a newline counts as a line;
    ``b"a\\n"`` has one line, ``b""`` none. Returned lines have no ``\\n`` and no
    trailing ``\\r`` (CRLF files read like LF files).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._fd: int | None = None
        self._mm: mmap.mmap | None = None
        self._size = 0
        self._ino = 0
        self._dev = 0
        self._temp: Path | None = None
        self._source = self.path
        self.compressed = False
        #: How many times the index was cleared (a rotation or truncation): 0 for the first one.
        self.generation = -1
        self._reset_index()
        self._open()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> LineIndex:
        """Open ``path`` (a log file or a ``.gz``); raises OSError if unreadable."""
        return cls(path)

    # ------------------------------------------------------------------ opening

    def _reset_index(self) -> None:
        #: cum[b] = number of newlines before block b; len(cum) - 1 blocks indexed.
        self._cum = array("Q", [0])
        #: Bytes covered by the index (the last block may be partial).
        self._indexed = 0
        self._complete = False
        self._cache: OrderedDict[int, array[int]] = OrderedDict()
        self.generation += 1

    def _open(self) -> None:
        path = self.path
        if _is_gzip(path):
            self.compressed = True
            self._temp = _gunzip_once(path)
            self._source = self._temp
        fd = os.open(self._source, os.O_RDONLY)
        try:
            st = os.fstat(fd)
            if not _regular(st.st_mode):
                raise OSError(f"{path}: not a regular file")
            self._fd, self._ino, self._dev = fd, st.st_ino, st.st_dev
            self._map(st.st_size)
        except BaseException:
            os.close(fd)
            self._fd = None
            raise
        st_path = os.stat(path)
        # For a .gz source, rotation is judged on the .gz itself.
        self._path_ino = (st_path.st_dev, st_path.st_ino)

    def _map(self, size: int) -> None:
        old = self._mm
        self._mm = mmap.mmap(self._fd, size, access=mmap.ACCESS_READ) if size > 0 else None  # type: ignore[arg-type]
        self._size = size
        if old is not None:
            old.close()

    def close(self) -> None:
        """Unmap and close; removes a .gz's temp file."""
        with self._lock:
            if self._mm is not None:
                self._mm.close()
                self._mm = None
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            if self._temp is not None:
                with contextlib.suppress(OSError):
                    self._temp.unlink()
                self._temp = None

    def __enter__(self) -> LineIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- properties

    @property
    def size(self) -> int:
        """Bytes mapped (the file's size as of the last open/refresh)."""
        return self._size

    @property
    def complete(self) -> bool:
        """True once the index covers every mapped byte."""
        return self._complete and self._indexed == self._size

    @property
    def indexed_bytes(self) -> int:
        return self._indexed

    @property
    def progress(self) -> float:
        return 1.0 if self._size == 0 else self._indexed / self._size

    @property
    def line_count(self) -> int:
        """Lines in the indexed part (all lines once :attr:`complete`)."""
        with self._lock:
            n = self._cum[-1]
            if self._indexed and self._mm is not None and self._mm[self._indexed - 1] != 0x0A:
                n += 1
            return n

    @property
    def index_nbytes(self) -> int:
        """Memory held by the index: checkpoint array plus cached block offsets."""
        with self._lock:
            total = self._cum.buffer_info()[1] * self._cum.itemsize
            for arr in self._cache.values():
                total += arr.buffer_info()[1] * arr.itemsize
            return total

    # ------------------------------------------------------------------ building

    def build(
        self,
        progress: Callable[[float], None] | None = None,
        stop: _StopFlag | None = None,
    ) -> bool:
        """Index every byte mapped (continuing from where the index stops).

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
                progress(done / self._size)
        if progress is not None:
            progress(1.0)
        return True

    def _count_blocks(self, start: int, end: int) -> None:
        """Count newlines of blocks in [start, end); caller holds the lock.

        ``start`` is block-aligned except when the last indexed block was
        partial, in which case it is re-counted from its block start.
        """
        mm = self._mm
        assert mm is not None
        cum = self._cum
        if start % BLOCK:  # partial last block: drop it and re-count
            cum.pop()
            start -= start % BLOCK
            self._cache.pop(start // BLOCK, None)
        n = cum[-1]
        append = cum.append
        for off in range(start, end, BLOCK):
            n += mm[off : min(off + BLOCK, end)].count(b"\n")
            append(n)
        self._indexed = end

    def refresh(self) -> str:
        """Catch up with the file on disk.

        Returns ``"same"``, ``"grew"`` (the mapping and, if the index was
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
            if (st.st_dev, st.st_ino) != self._path_ino or st.st_size < self._size:
                self.reset()
                return "reset"
            cur = os.fstat(self._fd).st_size  # type: ignore[arg-type]
            if cur == self._size:
                return "same"
            if cur < self._size:
                self.reset()
                return "reset"
            self._map(cur)
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
            mm, size = self._mm, self._size
            if mm is None or n <= 0:
                return out
            end = size - 1 if mm[size - 1] == 0x0A else size  # end of the last line
            while len(out) < n:
                # find the newline before `end`
                nl = -1
                hi = end
                while hi > 0:
                    lo = max(0, hi - _TAIL_STEP)
                    nl = mm.rfind(b"\n", lo, hi)
                    if nl >= 0:
                        break
                    hi = lo
                start = nl + 1
                stop = end if limit is None else min(end, start + limit)
                out.append((start, _strip_eol(mm[start:stop])))
                if start == 0:
                    break
                end = nl
            out.reverse()
            return out

    def _nl_pos(self, k: int) -> int:
        """Absolute offset of newline number ``k`` (0-based); needs it indexed. Lock held."""
        cum = self._cum
        b = bisect.bisect_right(cum, k) - 1
        arr = self._cache.get(b)
        if arr is None:
            arr = self._block_newlines(b)
        else:
            self._cache.move_to_end(b)
        return b * BLOCK + arr[k - cum[b]]

    def _block_newlines(self, b: int) -> array[int]:
        mm = self._mm
        assert mm is not None
        base = b * BLOCK
        data = mm[base : min(base + BLOCK, self._indexed)]
        arr = array("H")
        pos = data.find(b"\n")
        find = data.find
        append = arr.append
        while pos >= 0:
            append(pos)
            pos = find(b"\n", pos + 1)
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
        return start, end

    def line(self, i: int, *, limit: int | None = None) -> bytes:
        """Line ``i`` (0-based, negative counts from the end) of the indexed part."""
        with self._lock:
            if i < 0:
                i += self.line_count
            start, end = self._span(i)
            if limit is not None:
                end = min(end, start + limit)
            return _strip_eol(self._mm[start:end])  # type: ignore[index]

    def lines(self, start: int, stop: int, *, limit: int | None = None) -> list[bytes]:
        """Lines ``start`` ≤ i < ``stop`` (clamped to what is indexed)."""
        with self._lock:
            count = self.line_count
            start, stop = max(0, start), min(stop, count)
            return [self.line(i, limit=limit) for i in range(start, stop)]

    def line_offset(self, i: int) -> int:
        """Byte offset where line ``i`` starts."""
        with self._lock:
            return self._span(i)[0]

    def line_of(self, offset: int) -> int:
        """Number of the line containing byte ``offset`` (must be indexed)."""
        with self._lock:
            if offset < 0 or offset > self._indexed:
                raise IndexError(f"offset {offset} not indexed (indexed: {self._indexed} bytes)")
            b = min(offset // BLOCK, len(self._cum) - 2) if len(self._cum) > 1 else 0
            if len(self._cum) == 1:
                return 0
            arr = self._cache.get(b)
            if arr is None:
                arr = self._block_newlines(b)
            rel = offset - b * BLOCK
            return self._cum[b] + bisect.bisect_left(arr, rel)

    def iter_lines(self, start: int = 0, *, limit: int | None = None) -> Iterator[bytes]:
        """Lines from ``start`` to the end of the indexed part, read lazily."""
        i = start
        while True:
            with self._lock:
                if i >= self.line_count:
                    return
                line = self.line(i, limit=limit)
            yield line
            i += 1

    def search(
        self,
        pattern: str | bytes | re.Pattern[bytes],
        start_line: int = 0,
        *,
        reverse: bool = False,
        regex: bool = False,
        ignore_case: bool = False,
    ) -> int | None:
        """First line at/after (or, with ``reverse``, before) ``start_line`` matching.

        Plain text by default, a (bytes) regular expression with ``regex``.
        Searches the mmap directly with ``re``, so it runs at C speed.
        """
        if isinstance(pattern, re.Pattern):
            rx = pattern
        else:
            pat = pattern.encode() if isinstance(pattern, str) else pattern
            rx = re.compile(pat if regex else re.escape(pat), re.IGNORECASE if ignore_case else 0)
        with self._lock:
            mm = self._mm
            count = self.line_count
            if mm is None or count == 0:
                return None
            if not reverse:
                if start_line >= count:
                    return None
                m = rx.search(mm, self.line_offset(max(0, start_line)), self._indexed)
                return None if m is None else self.line_of(m.start())
            for i in range(min(start_line, count) - 1, -1, -1):
                if rx.search(self.line(i)):
                    return i
            return None


def _regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


# --------------------------------------------------------------------------
# Safe display
# --------------------------------------------------------------------------


def _escape_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for c in range(0x20):
        if c != 0x09:
            table[c] = f"\\x{c:02x}"
    table[0x7F] = "\\x7f"
    for c in range(0x80, 0xA0):  # C1 controls (a terminal may act on them)
        table[c] = f"\\u{c:04x}"
    for c in range(0xDC80, 0xDD00):  # undecodable bytes (surrogateescape)
        table[c] = "\ufffd"
    for c in (0x2028, 0x2029):  # line/paragraph separators
        table[c] = f"\\u{c:04x}"
    return table


_ESCAPES = _escape_table()


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
