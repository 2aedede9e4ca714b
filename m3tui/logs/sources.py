"""Where the Logs pane's lines come from, and the scans over them.

A source is either lines held in memory (a command's output, :class:`MemSource`) or a log file
(:class:`FileSource`): its tail, read at once from the end, until the checkpoint
:class:`~m3tui.logs.index.LineIndex` is built in a thread, then numbered lines read on demand.
Both answer the same questions (count, one line, a range, search), so the viewer and the scans
need not know which they read. The scans (search matches, level filter, next error) are plain
functions: the pane runs them in threads, and stops them with a ``threading.Event``.

Never imports Textual: the pane (m3tui/tui/panes/logs.py) and its viewer are the only fronts.
"""

from __future__ import annotations

import bisect
import re
import threading
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from m3tui.logs.format import (
    GoTestMark,
    GoTestScanner,
    is_error,
    level_rank,
    looks_like_go_test,
    parse_line,
)
from m3tui.logs.index import LineIndex, safe_text

if TYPE_CHECKING:
    from m3tui.core.cmdlog import CommandRecord
    from m3tui.logs.merge import MergedSource
    from m3tui.logs.lint import LintReport
    from m3tui.logs.where import Where

#: Lines read at once from the end of a file before its index exists.
TAIL_LINES = 2000
#: Characters shown of one line (the rest is summarised as "… (N more bytes)").
MAX_CHARS = 2000
#: Bytes read of one line (enough for MAX_CHARS characters of UTF-8).
LINE_LIMIT = MAX_CHARS * 4
_MORE = re.compile(r" … \((\d+) more bytes\)$")
#: Lines looked at to tell go test output from other logs (marks: :func:`go_test_marks`).
GO_TEST_SNIFF = 2000
#: Cheap pre-filter for error lines (confirmed with parse_line): never misses an error line.
_ERROR_HINT = re.compile(rb"(?i)err|fatal|panic|crit|fail|emerg|alert|^[EF]\d{4}|\"(?:level|severity|lvl)\":\s*\d", re.MULTILINE)


class MemSource:
    """Lines held in memory (a command's output)."""

    kind = "command"
    indexed = True
    progress = 1.0

    epoch = 0

    def __init__(self, name: str, lines: list[bytes]) -> None:
        self.name = name
        self._lines = lines
        self.go_test: GoTestState | None = None
        self.marks_lock = threading.Lock()

    def count(self) -> int:
        return len(self._lines)

    def raw(self, i: int) -> tuple[bytes, int]:
        b = self._lines[i]
        return b[:LINE_LIMIT], len(b)

    def iter_lines(self, start: int = 0, stop: int | None = None, *, limit: int = LINE_LIMIT) -> Iterator[tuple[int, bytes]]:
        """Lines whole: they are in memory already (``limit`` is for files)."""
        lines = self._lines
        for i in range(start, len(lines) if stop is None else min(stop, len(lines))):
            yield i, lines[i]

    def search(self, rx: re.Pattern[bytes], start: int, reverse: bool = False) -> int | None:
        lines = self._lines
        rng = range(min(start, len(lines)) - 1, -1, -1) if reverse else range(max(0, start), len(lines))
        for i in rng:
            if rx.search(lines[i]):
                return i
        return None


class FileSource:
    """A log file: its tail (by byte offset) until the index is built, then indexed lines."""

    kind = "file"

    def __init__(self, path: Path, name: str, index: LineIndex, tail: list[tuple[int, bytes]]) -> None:
        self.path = path
        self.name = name
        self.index = index
        self.tail = tail
        self.indexed = False
        self.progress = 0.0
        self.stop = threading.Event()
        self.builds = 0  # index builds running (an old one may still be stopping)
        self.epoch = 0  # bumped when the tail is re-read: its line numbers change
        self.go_test: GoTestState | None = None
        self.marks_lock = threading.Lock()

    @property
    def building(self) -> bool:
        return self.builds > 0

    def count(self) -> int:
        return self.index.line_count if self.indexed else len(self.tail)

    def raw(self, i: int) -> tuple[bytes, int]:
        if not self.indexed:
            b = self.tail[i][1]
            return b, len(b)  # tail() already cut it at LINE_LIMIT
        idx = self.index
        b = idx.line(i, limit=LINE_LIMIT)
        if len(b) < LINE_LIMIT:
            return b, len(b)
        start = idx.line_offset(i)
        end = idx.line_offset(i + 1) - 1 if i + 1 < idx.line_count else idx.size
        return b, end - start

    def iter_lines(self, start: int = 0, stop: int | None = None, *, limit: int = LINE_LIMIT) -> Iterator[tuple[int, bytes]]:
        """Lines, each cut at ``limit`` bytes (the tail's, before the index, at LINE_LIMIT)."""
        if not self.indexed:
            tail = self.tail
            for i in range(start, len(tail) if stop is None else min(stop, len(tail))):
                yield i, tail[i][1]
            return
        i = start
        step = 512
        while True:
            end = self.index.line_count if stop is None else min(stop, self.index.line_count)
            if i >= end:
                return
            chunk = self.index.lines(i, min(end, i + step), limit=limit)
            if not chunk:
                return
            for b in chunk:
                yield i, b
                i += 1

    def search(self, rx: re.Pattern[bytes], start: int, reverse: bool = False) -> int | None:
        if self.indexed:
            return self.index.search(rx, max(0, start), reverse=reverse)
        tail = self.tail
        rng = range(min(start, len(tail)) - 1, -1, -1) if reverse else range(max(0, start), len(tail))
        for i in rng:
            if rx.search(tail[i][1]):
                return i
        return None

    def retail(self) -> None:
        self.tail = self.index.tail(TAIL_LINES, limit=LINE_LIMIT)
        self.epoch += 1


class GoTestState:
    """What :func:`go_test_marks` knows of one source: kept, and fed as the source grows."""

    def __init__(self, key: tuple[bool, int]) -> None:
        self.key = key  # (indexed, epoch): the line numbering the marks are in
        self.scanner = GoTestScanner()
        self.marks: dict[int, GoTestMark] = {}
        self.is_go_test: bool | None = None  # None: too few lines yet to tell


#: What the viewer and the scans read; a merged source (m3tui.logs.merge) answers the same questions.
Source: TypeAlias = "MemSource | FileSource | MergedSource"


def open_file(path: Path, name: str, stop: threading.Event | None = None) -> FileSource:
    """Open a log file and read its tail (blocking: call it in a thread; ``stop`` ends a long spool).

    `M3tuiError` when it cannot be: missing, not a regular file (a FIFO is refused, never waited
    on), unreadable, corrupt gzip data, or a spool that would not fit (m3tui.logs.index).
    """
    index = LineIndex.open(path, stop)
    try:
        return FileSource(path, name, index, index.tail(TAIL_LINES, limit=LINE_LIMIT))
    except BaseException:
        index.close()
        raise


def command_source(rec: CommandRecord) -> MemSource:
    """A finished command's output as a source: its command line, stdout, stderr, how it ended."""
    out = [f"$ {' '.join(rec.argv)}".encode("utf-8", "surrogateescape")]
    out += [s.encode("utf-8", "surrogateescape") for s in rec.stdout_tail]
    if rec.stderr_tail:
        if rec.stdout_tail:
            out.append(b"-- stderr --")
        out += [s.encode("utf-8", "surrogateescape") for s in rec.stderr_tail]
    status = "timed out" if rec.timed_out else "cancelled" if rec.cancelled else f"exit status {rec.returncode}"
    out.append(f"-- {status} in {rec.duration_s:.2f} s".encode())
    return MemSource(command_title(rec.argv), out)


def command_title(argv: list[str]) -> str:
    """A command line as the source list shows it (the program's name, not its path)."""
    if not argv:
        return ""
    first = Path(argv[0]).name
    if first.startswith("python"):
        first = "python"
    return " ".join([first, *argv[1:]])


def display_text(raw: bytes, full: int) -> str:
    """``raw`` (the head of a line ``full`` bytes long) as one safe display line."""
    text = safe_text(raw, MAX_CHARS)
    if full > len(raw):
        m = _MORE.search(text)
        shown = len(raw) - (int(m.group(1)) if m else 0)
        text = (text[: m.start()] if m else text) + f" … ({full - shown} more bytes)"
    return text

def lint_texts(src: Source, report: LintReport, start: int = 0, stop: int | None = None,
               halt: threading.Event | None = None, where: Where | None = None) -> Iterator[str]:  # fmt: skip
    """Lines of ``src`` as lint reads them (decoded). One too long to check whole (over lint's
    MAX_LINE, or cut in a file's tail before its index) is counted in ``report.too_long`` and
    stands as a blank line, so the line numbers stay right; so does one that ``where`` (the pane's
    ``&``) does not match, as `--lint --where` lints only the matching lines. ``halt`` stops it early."""
    from m3tui.logs.lint import MAX_LINE

    cut = LINE_LIMIT - 1 if isinstance(src, FileSource) and not src.indexed else MAX_LINE
    for n, (_, b) in enumerate(src.iter_lines(start, stop, limit=MAX_LINE + 1)):
        if halt is not None and n % 4096 == 0 and halt.is_set():
            return
        if where is not None and not where.matches(b):
            yield ""
        elif len(b) > cut:
            report.too_long += 1
            yield ""
        else:
            yield b.decode("utf-8", "replace")


def line_rank(raw: bytes) -> int:
    return level_rank(parse_line(safe_text(raw, 400)).level)


def line_is_error(raw: bytes) -> bool:
    return is_error(parse_line(safe_text(raw, 400)))


def go_test_marks(src: Source) -> Mapping[int, GoTestMark]:
    """The lines of ``src`` that belong to a go test failure (empty for other logs).

    Blocking (call it in a thread): the first call reads the whole source, later ones only the
    lines added since (the scanner is kept on the source), until the numbering changes (a file's
    tail re-read, its index built). The mapping returned grows in place as the source does.
    """
    with src.marks_lock:
        key = (src.indexed, src.epoch)
        state = src.go_test
        n = src.count()
        if state is None or state.key != key or state.scanner.count > n:
            state = GoTestState(key)
        if state.is_go_test is None:
            head = [b.decode("utf-8", "replace") for _, b in src.iter_lines(0, min(n, GO_TEST_SNIFF))]
            if looks_like_go_test(head):
                state.is_go_test = True
            elif n >= GO_TEST_SNIFF:
                state.is_go_test = False
        src.go_test = state
        if state.is_go_test:
            scanner, marks = state.scanner, state.marks
            for _, b in src.iter_lines(scanner.count, n):
                marks.update(scanner.feed(b.decode("utf-8", "replace")))
        return state.marks


def known_marks(src: Source | None) -> Mapping[int, GoTestMark]:
    """The marks :func:`go_test_marks` found last for ``src`` (never blocks; {} when none yet)."""
    if src is None or src.go_test is None or src.go_test.key != (src.indexed, src.epoch):
        return {}
    return src.go_test.marks


def make_pattern(query: str) -> tuple[re.Pattern[bytes], re.Pattern[str]]:
    """`/re/` is a regular expression, anything else plain text; lower-case means any case."""
    regex = len(query) >= 2 and query.startswith("/") and query.endswith("/")
    body = query[1:-1] if regex else query
    flags = re.MULTILINE | (re.IGNORECASE if body == body.lower() else 0)
    pat = body if regex else re.escape(body)
    return re.compile(pat.encode("utf-8", "surrogateescape"), flags), re.compile(pat, flags)


# --- scans (plain functions: the pane runs them in threads) ----------------------------


def scan_lines(
    src: Source,
    rx: re.Pattern[bytes] | None,
    min_rank: int,
    filtering: bool,
    stop: threading.Event | None,
    start: int,
    end: int | None,
    marks: Mapping[int, GoTestMark] | None = None,
    where: Where | None = None,
) -> tuple[array[int] | None, array[int] | None]:
    """(matching lines, shown lines) of lines [start, end); None where not asked for.

    ``marks`` (:func:`go_test_marks`) raise the level of the lines of a go test failure; ``where``
    (the pane's ``&`` field filter, m3tui.logs.where) shows only the lines whose fields match it."""
    matches: array[int] | None = None
    if rx is not None:
        matches = array("Q")
        if isinstance(src, FileSource) and src.indexed:
            i = start
            limit = src.index.line_count if end is None else end
            while i < limit and not (stop is not None and stop.is_set()):
                j = src.index.search(rx, i)
                if j is None or j >= limit:
                    break
                matches.append(j)
                i = j + 1
        else:
            matches.extend(i for i, b in src.iter_lines(start, end) if rx.search(b))
    if not (filtering and matches is not None) and not min_rank and not where:
        return matches, None
    rows = array("Q")
    candidates: Iterator[tuple[int, bytes]]
    # The & filter reads each record whole, up to the CLI's --where limit (MAX_LINE), not as cut
    # for the screen (LINE_LIMIT): a long JSON line is still a record (a tail not yet indexed is
    # all there is, cut as read).
    limit = _where_limit() if where else LINE_LIMIT
    if filtering and matches is not None:
        candidates = (((i, b) for i in matches for _, b in src.iter_lines(i, i + 1, limit=limit)) if where
                      else ((i, src.raw(i)[0]) for i in matches))  # fmt: skip
        if not min_rank and not where:
            rows.extend(matches)
            return matches, rows
    else:
        candidates = src.iter_lines(start, end, limit=limit)
    for n, (i, b) in enumerate(candidates):
        if stop is not None and n % 4096 == 0 and stop.is_set():
            break
        if where and not where.matches(b):
            continue
        if not min_rank:
            rows.append(i)
            continue
        rank = line_rank(b)
        mark = marks.get(i) if marks else None
        if mark is not None:
            rank = max(rank, level_rank(mark.level))
        if (rank or 20) >= min_rank:
            rows.append(i)
    return matches, rows


def _where_limit() -> int:
    from m3tui.logs.lint import MAX_LINE

    return MAX_LINE


def find_error(src: Source, rows: array[int] | None, row: int, reverse: bool) -> int | None:
    """The display row of the next (previous) error line after (before) ``row``.

    Going back, go test's closing ``FAIL`` lines lead to the ``--- FAIL`` block they close. In
    go test output (:func:`go_test_marks`) a failure is the lines that belong to it: the next
    error is where the next failure starts (its first message), the previous one where the
    failure above the cursor (or under it) starts.
    """
    marks = go_test_marks(src)
    if marks:
        return _find_failure(src, marks, rows, row, reverse)
    found = _find_error_line(src, rows, row, reverse)
    if found is None or not reverse:
        return found
    line = rows[found] if rows is not None else found
    if not _is_fail_summary(src.raw(line)[0]):
        return found
    for back in range(found - 1, max(-1, found - 200), -1):
        raw = src.raw(rows[back] if rows is not None else back)[0]
        if raw.lstrip().startswith(b"--- FAIL"):
            return back
        if not (_is_fail_summary(raw) or raw.startswith((b" ", b"\t")) or not raw.strip()):
            break
    return found


def _find_failure(src: Source, marks: Mapping[int, GoTestMark], rows: array[int] | None, row: int, reverse: bool) -> int | None:
    def error(line: int) -> bool:
        return line in marks or line_is_error(src.raw(line)[0])

    def starts(line: int) -> bool:
        if not error(line):
            return False
        mark = marks.get(line)
        return mark is None or mark.first or line == 0 or not error(line - 1)

    count = len(rows) if rows is not None else src.count()
    for r in range(row - 1, -1, -1) if reverse else range(row + 1, count):
        if starts(rows[r] if rows is not None else r):
            return r
    return None


def _is_fail_summary(raw: bytes) -> bool:
    """`FAIL`, `FAIL\tpkg 0.01s`, `exit status 1`: go test's closing lines, not the failure itself."""
    text = raw.strip()
    return text == b"FAIL" or text.startswith((b"FAIL\t", b"exit status "))


def _find_error_line(src: Source, rows: array[int] | None, row: int, reverse: bool) -> int | None:
    if rows is not None:
        rng = range(row - 1, -1, -1) if reverse else range(row + 1, len(rows))
        for r in rng:
            if line_is_error(src.raw(rows[r])[0]):
                return r
        return None
    if reverse:
        for i in range(row - 1, -1, -1):
            b = src.raw(i)[0]
            if _ERROR_HINT.search(b) and line_is_error(b):
                return i
        return None
    i = row + 1
    while True:
        j = src.search(_ERROR_HINT, i)
        if j is None:
            return None
        if line_is_error(src.raw(j)[0]):
            return j
        i = j + 1


def shown(rows: array[int], line: int) -> bool:
    r = bisect.bisect_left(rows, line)
    return r < len(rows) and rows[r] == line
