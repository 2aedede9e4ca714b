"""Several log files as one timeline: a k-way merge by timestamp that keeps each file's own order.

Order. Each line gets a time (:func:`m3tui.logs.timeparse.line_time`; a line without one stays
with the line before it: a stack trace with its message). Within a file the times need not
rise (out-of-order bursts, goroutines): a line is placed by its *effective* time, the smallest
time from it to the file's end (a suffix minimum), never after a later line of its own file.
The timeline is the files' lines sorted by (effective time, file number), each file's lines in
their own order: a stable k-way merge.

Lazy. A suffix minimum needs only the lines after it, so the merge runs *backwards from the
ends* and the last screen costs only the files' tails, read at open (:class:`FileSource`'s
``tail``), never the files whole: :meth:`MergedSource.retail` merges the tails (the rows it can
know for sure: it stops where a tail that is not its file's start runs out). :meth:`build`
(a worker thread) indexes every file (:class:`~m3tui.logs.index.LineIndex`) and merges them
whole, then the source switches to numbered rows, like a single file's view. Lines appended
later (following) are merged among themselves and added at the end (:meth:`extend`).

Memory of the full timeline: 9 bytes a line (row → file, row → line, and each file's line →
row for search). A file with no timestamp at all has its lines at the end of the timeline.

Answers the questions :class:`~m3tui.logs.sources.FileSource` does (count, raw, iter_lines,
search), so the viewer and the scans read it unchanged; :meth:`origin` says which file a row
is from, :attr:`short_names` how the gutter names them. Never imports Textual.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
import re
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from m3tui.logs.timeparse import line_time

if TYPE_CHECKING:
    from m3tui.logs.index import LineIndex
    from m3tui.logs.sources import FileSource, GoTestState

__all__ = ["MergedSource", "merge_backward", "short_names"]

_BATCH = 4096
_READ_MAX = 16 << 20
#: Files one timeline merges (a row's file is one byte).
MAX_FILES = 255
_INF = math.inf
#: One item of the merge: (effective time, file number, line). A line of -1 is a stop mark: the
#: lines before it are not known (a tail that is not its file's start).
Item = tuple[float, int, int]


def short_names(paths: Sequence[Path]) -> list[str]:
    """The shortest path suffix (whole components) that tells each path from the others."""
    parts = [p.parts for p in paths]
    out = []
    for k, mine in enumerate(parts):
        name = mine[-1] if mine else str(paths[k])
        for n in range(1, len(mine) + 1):
            suffix = mine[-n:]
            if all(other[-n:] != suffix for j, other in enumerate(parts) if j != k):
                name = "/".join(suffix)
                break
        out.append(name)
    return out


def _backward(lines: Callable[[int, int], list[bytes]], lo: int, hi: int, k: int, tz: dt.tzinfo | None,
              complete: bool) -> Iterator[Item]:  # fmt: skip
    """Lines ``hi-1`` down to ``lo`` of file ``k`` with their effective times, in that order.

    ``complete``: line ``lo`` is the file's first (else the lines above lo are unknown, and
    the untimed lines at the top, whose time is a line above, end in a stop mark)."""
    running = _INF
    pending: list[int] = []  # untimed lines met going up, waiting for the line they stay with
    end = hi
    while end > lo:
        start = max(lo, end - _BATCH)
        batch = lines(start, end)
        for j in range(len(batch) - 1, -1, -1):
            t = line_time(batch[j], tz)
            if t is None:
                pending.append(start + j)
                continue
            if t < running:
                running = t
            if pending:
                for i in pending:
                    yield running, k, i
                pending.clear()
            yield running, k, start + j
        end = start
    if not complete:
        yield running, k, -1
        return
    for i in pending:  # a file's first lines, before any time: with the line after them
        yield running, k, i


def merge_backward(parts: Sequence[Iterator[Item]]) -> Iterator[tuple[int, int]]:
    """(file, line) from the timeline's end backwards; stops at the first stop mark."""
    for _, k, i in heapq.merge(*parts, reverse=True):
        if i < 0:
            return
        yield k, i


def _raw(index: LineIndex, i: int, limit: int) -> tuple[bytes, int]:
    b = index.line(i, limit=limit)
    if len(b) < limit:
        return b, len(b)
    start = index.line_offset(i)
    end = index.line_offset(i + 1) - 1 if i + 1 < index.line_count else index.size
    return b, end - start


def _slicer(lines: list[bytes]) -> Callable[[int, int], list[bytes]]:
    return lambda a, b: lines[a:b]


def _reader(index: LineIndex) -> Callable[[int, int], list[bytes]]:
    """Lines [a, b) of a file: their bytes read at once and split (a line's span found one by one
    would cost more than its timestamp); a run over 16 MiB (long lines) line by line, cut at 4 KiB."""

    def read(a: int, b: int) -> list[bytes]:
        start = index.line_offset(a)
        stop = index.line_offset(b) if b < index.line_count else index.size
        if stop - start > _READ_MAX:
            return index.lines(a, b, limit=4096)
        data = index._read(stop - start, start)  # one pread (LineIndex's own, as its lines() uses)
        lines = data.split(b"\n")
        if len(lines) > b - a:
            del lines[b - a :]  # the newline after the last line
        if len(lines) < b - a:  # the file shrank under us: what is there
            lines += [b""] * (b - a - len(lines))
        return lines

    return read


def _scaled(say: Callable[[float], None], base: float, part: float) -> Callable[[float], None]:
    return lambda f: say(base + f * part)


class MergedSource:
    """Files as one timeline: their merged tails at once, every line once :meth:`build` is done."""

    kind = "merged"

    def __init__(self, parts: Sequence[FileSource], tz: dt.tzinfo | None = None) -> None:
        if len(parts) > MAX_FILES:
            from m3tui.core.errors import UsageError

            raise UsageError(f"{len(parts)} files: at most {MAX_FILES} merge into one timeline (--no-merge lists them)")
        self.parts = list(parts)
        self.tz = tz
        self.short_names = short_names([p.path for p in self.parts])
        self.name = "merged: " + ", ".join(self.short_names)
        self.indexed = False
        self.progress = 0.0
        self.epoch = 0
        self.stop = threading.Event()
        self.go_test: GoTestState | None = None
        self.marks_lock = threading.Lock()
        self._lock = threading.Lock()
        # tail mode: the rows as (file, byte offset, line), known without any index
        self._tail: list[tuple[int, int, bytes]] = []
        self._tail_before: list[tuple[int, int, bytes]] = []  # the tail rows when adopt() swapped them
        self._built: tuple[array[int], array[int], list[array[int]]] | None = None
        # indexed mode: row -> file, row -> line; each file's line -> row; lines merged per file
        self._src = array("B")
        self._line = array("I")
        self._rows: list[array[int]] = [array("I") for _ in self.parts]
        self.retail()

    # --- the questions every source answers ----------------------------------------------

    def count(self) -> int:
        return len(self._src) if self.indexed else len(self._tail)

    def origin(self, row: int) -> int:
        """The number of the file (in :attr:`parts`) row ``row`` comes from."""
        return self._src[row] if self.indexed else self._tail[row][0]

    def raw(self, row: int) -> tuple[bytes, int]:
        from m3tui.logs.sources import LINE_LIMIT

        if not self.indexed:
            b = self._tail[row][2]
            return b, len(b)
        return _raw(self.parts[self._src[row]].index, self._line[row], LINE_LIMIT)

    def iter_lines(self, start: int = 0, stop: int | None = None, *, limit: int | None = None) -> Iterator[tuple[int, bytes]]:
        """Rows [start, stop), each cut at ``limit`` bytes; read a file run at a time."""
        from m3tui.logs.sources import LINE_LIMIT

        limit = LINE_LIMIT if limit is None else limit
        end = self.count() if stop is None else min(stop, self.count())
        if not self.indexed:
            tail = self._tail
            for r in range(max(0, start), end):
                yield r, tail[r][2]
            return
        src, line = self._src, self._line
        r = max(0, start)
        while r < end:
            hi = min(end, r + 512)
            first: dict[int, int] = {}
            n: dict[int, int] = {}
            for q in range(r, hi):  # a file's lines in a run of rows are consecutive
                k = src[q]
                if k not in first:
                    first[k] = line[q]
                n[k] = n.get(k, 0) + 1
            got = {k: iter(self.parts[k].index.lines(first[k], first[k] + n[k], limit=limit)) for k in first}
            for q in range(r, hi):
                yield q, next(got[src[q]], b"")
            r = hi

    def search(self, rx: re.Pattern[bytes], start: int, reverse: bool = False) -> int | None:
        """The first row at/after ``start`` (before it, ``reverse``) matching: each file searched
        at C speed from its line at that row (:meth:`LineIndex.search`), the nearest hit wins."""
        if not self.indexed:
            tail = self._tail
            rng = range(min(start, len(tail)) - 1, -1, -1) if reverse else range(max(0, start), len(tail))
            for r in rng:
                if rx.search(tail[r][2]):
                    return r
            return None
        best: int | None = None
        for k, part in enumerate(self.parts):
            rows = self._rows[k]
            at = bisect.bisect_left(rows, start)  # this file's first line at or after row start
            if reverse:
                j = part.index.search(rx, min(at, len(rows)), reverse=True) if at else None
                if j is not None and j < len(rows) and (best is None or rows[j] > best):
                    best = rows[j]
            elif at < len(rows):
                j = part.index.search(rx, at)
                if j is not None and j < len(rows) and (best is None or rows[j] < best):
                    best = rows[j]
        return best

    # --- building ------------------------------------------------------------------------

    def retail(self) -> None:
        """Merge the files' tails (as read at open, or re-read since): the timeline's last rows."""
        from m3tui.logs.sources import LINE_LIMIT, TAIL_LINES

        tails = [p.index.tail(TAIL_LINES, limit=LINE_LIMIT) if p.indexed or not p.tail else p.tail for p in self.parts]
        its = [_backward(_slicer([b for _, b in tail]), 0, len(tail), k, self.tz, not tail or tail[0][0] == 0)
               for k, tail in enumerate(tails)]  # fmt: skip
        rows = []
        for k, i in merge_backward(its):
            off, b = tails[k][i]
            rows.append((k, off, b))
            if len(rows) >= TAIL_LINES:
                break
        rows.reverse()
        with self._lock:
            self._tail = rows
            self.epoch += 1

    def tail_row(self, row: int) -> int | None:
        """The numbered row, once :meth:`build` is done, of what was tail row ``row`` (None: unknown)."""
        if not self.indexed or row >= len(self._tail_before):
            return None
        k, off, _ = self._tail_before[row]
        try:
            i = self.parts[k].index.line_of(off)
        except IndexError:
            return None
        rows = self._rows[k]
        return rows[i] if i < len(rows) else None

    def build(self, progress: Callable[[float], None] | None = None, stop: threading.Event | None = None) -> bool:
        """Index every file and merge them whole (a worker thread); False when ``stop`` ended it."""
        sizes = [max(1, p.index.size) for p in self.parts]
        total = 2 * sum(sizes)  # indexing the files is half the work, merging them the other half

        def say(fraction: float) -> None:
            if progress is not None:
                progress(fraction)

        done = 0
        for p, size in zip(self.parts, sizes, strict=True):
            if not p.index.build(_scaled(say, done / total, size / total), stop):
                return False
            done += size
        counts = [p.index.line_count for p in self.parts]
        all_lines = max(1, sum(counts))
        src, line = array("B"), array("I")
        its = [_backward(_reader(p.index), 0, n, k, self.tz, True) for k, (p, n) in enumerate(zip(self.parts, counts, strict=True))]
        for n, (k, i) in enumerate(merge_backward(its)):
            src.append(k)
            line.append(i)
            if n % 65536 == 0:
                if stop is not None and stop.is_set():
                    return False
                say(0.5 + 0.5 * n / all_lines)
        src.reverse()
        line.reverse()
        rows = [array("I", bytes(4 * n)) for n in counts]
        for r, (k, i) in enumerate(zip(src, line, strict=True)):
            rows[k][i] = r
        self._built = (src, line, rows)
        if progress is not None:
            progress(1.0)
        return True

    def adopt(self) -> bool:
        """Switch to the timeline :meth:`build` made (on the thread that reads the rows, between
        two reads: the row numbers change), then merge what the files gained meanwhile."""
        if self._built is None:
            return False
        with self._lock:
            self._src, self._line, self._rows = self._built
            self._built = None
            self.indexed = True
            self.progress = 1.0
            self._tail_before, self._tail = self._tail, []
            self.epoch += 1
        self.extend()
        return True

    def reset(self) -> None:
        """A file was rotated or truncated: back to the merged tails (build again for the rest)."""
        with self._lock:
            self.indexed = False
            self.progress = 0.0
            self._built = None
            self._src, self._line, self._rows = array("B"), array("I"), [array("I") for _ in self.parts]
        self.retail()

    def extend(self) -> int:
        """Merge the lines the files gained since (their indexes refreshed) onto the end; the rows added."""
        if not self.indexed:
            self.retail()
            return 0
        its = []
        for k, p in enumerate(self.parts):
            have, now = len(self._rows[k]), p.index.line_count
            if now > have:
                its.append(_backward(_reader(p.index), have, now, k, self.tz, True))
        new = list(merge_backward(its))
        new.reverse()
        with self._lock:
            base = len(self._src)
            for n, (k, i) in enumerate(new):
                self._src.append(k)
                self._line.append(i)
                self._rows[k].append(base + n)
        return len(new)
