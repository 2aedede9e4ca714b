"""What a log line says: level, time, message; JSON (log/slog), logfmt and plain text.

Pure functions, no I/O. Levels are normalised to ``DEBUG``, ``INFO``, ``WARN``,
``ERROR`` and ``FATAL`` (``WARNING`` → ``WARN``, ``ERR`` → ``ERROR``, slog's
``INFO+2``/``DEBUG-4`` → their base level, glog's ``I``/``W``/``E``/``F``
prefixes, ``panic:`` → ``FATAL``, go test's ``--- FAIL``/``FAIL`` → ``ERROR``).
Unrecognised levels are kept as written, upper-cased, and rank as 0.

A line alone cannot say that ``    calc_test.go:14: got 3, want 4`` is a failure: its test's
``--- FAIL:`` line says so, after it (``go test -v``) or above it (``go test``).
:class:`GoTestScanner` reads go test output line by line and marks the lines that belong to a
failure (its messages, the ``--- FAIL`` and ``FAIL`` lines, a panic and its goroutine trace).

This module is plain Python and must never import Textual.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LEVELS",
    "GoTestMark",
    "GoTestScanner",
    "LogRecord",
    "columns",
    "go_test_failures",
    "go_test_marks",
    "is_error",
    "level_rank",
    "looks_like_go_test",
    "normalize_level",
    "parse_line",
    "pretty",
]

#: Canonical levels, in rank order.
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_RANK = {"TRACE": 5, "DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40, "FATAL": 50}
_ALIASES = {
    "TRACE": "TRACE",
    "DEBUG": "DEBUG",
    "DBG": "DEBUG",
    "DEBU": "DEBUG",
    "INFO": "INFO",
    "INF": "INFO",
    "NOTICE": "INFO",
    "WARN": "WARN",
    "WARNING": "WARN",
    "WRN": "WARN",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "ERRO": "ERROR",
    "FATAL": "FATAL",
    "FATA": "FATAL",
    "CRITICAL": "FATAL",
    "CRIT": "FATAL",
    "PANIC": "FATAL",
    "EMERGENCY": "FATAL",
    "ALERT": "FATAL",
}
_TIME_KEYS = ("time", "ts", "timestamp", "@timestamp", "t")
_LEVEL_KEYS = ("level", "severity", "lvl", "levelname", "log.level")
_MSG_KEYS = ("msg", "message", "@message")


@dataclass(frozen=True, slots=True)
class LogRecord:
    level: str | None
    time: str | None
    message: str
    fields: dict[str, Any] | None
    is_json: bool


def normalize_level(value: Any) -> str | None:
    """A canonical level name for ``value`` (str or slog/zap number), or None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):  # slog: -4 debug, 0 info, 4 warn, 8 error
        v = int(value)
        return "DEBUG" if v < 0 else "INFO" if v < 4 else "WARN" if v < 8 else "ERROR"
    s = str(value).strip()
    if not s:
        return None
    m = re.match(r"^([A-Za-z]+)([+-]\d+)?$", s)
    if m:
        word = m.group(1).upper()
        return _ALIASES.get(word, word)
    return s.upper()


def level_rank(level: str | None) -> int:
    """Ordering of levels: DEBUG < INFO < WARN < ERROR < FATAL; unknown/None → 0."""
    if level is None:
        return 0
    return _RANK.get(_ALIASES.get(level.upper(), level.upper()), 0)


def is_error(record: LogRecord) -> bool:
    """ERROR or worse (includes panics and go test failures)."""
    return level_rank(record.level) >= _RANK["ERROR"]


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

_LOGFMT_PAIR = re.compile(r'([A-Za-z_][\w.\-/@]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)')
_GLOG = re.compile(r"^([IWEF])(\d{4} \d{2}:\d{2}:\d{2}\.\d+)\s+\d+\s+\S+:\d+\]\s?(.*)$")
_GO_TEST_FAIL = re.compile(r"^\s*--- FAIL\b")
_FAIL = re.compile(r"^(FAIL\b|panic: |fatal error: )")
_BRACKET = re.compile(r"\[(trace|debug|info|notice|warn|warning|error|err|fatal|critical|panic)\]", re.IGNORECASE)
_LOGRUS = re.compile(r"\b(DEBU|INFO|WARN|ERRO|FATA|PANI)\[\d+\]")
_WORD = re.compile(r"\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|PANIC)\b")
_LEVEL_COLON = re.compile(r"\b(trace|debug|info|warn|warning|error|fatal)\b:", re.IGNORECASE)
_TIME_PREFIX = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*"
)


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        try:
            text: str = json.loads(v)  # a JSON string literal (anything else raises)
        except ValueError:
            return v[1:-1]
        return text
    return v


def _first(d: dict[str, Any], keys: Sequence[str]) -> tuple[str | None, Any]:
    for k in keys:
        if k in d:
            return k, d[k]
    return None, None


def _from_mapping(d: dict[str, Any], *, is_json: bool, raw: str) -> LogRecord:
    fields = dict(d)
    tk, tv = _first(fields, _TIME_KEYS)
    lk, lv = _first(fields, _LEVEL_KEYS)
    mk, mv = _first(fields, _MSG_KEYS)
    for k in (tk, lk, mk):
        if k is not None:
            fields.pop(k, None)
    level = normalize_level(lv) if lk is not None else None
    time = None if tv is None else str(tv)
    if mk is not None:
        message = mv if isinstance(mv, str) else json.dumps(mv, default=str)
    else:
        message = raw if not fields else ""
    return LogRecord(level, time, message, fields, is_json)


def parse_line(text: str) -> LogRecord:
    """Parse one line (without its newline); never raises."""
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            return _from_mapping(data, is_json=True, raw=text)
    # logfmt (slog TextHandler, logrus text, …): needs level= or msg=
    if "=" in stripped and ("level=" in stripped or "msg=" in stripped or "lvl=" in stripped):
        pairs = _LOGFMT_PAIR.findall(stripped)
        if pairs:
            d = {k: _unquote(v) for k, v in pairs}
            if any(k in d for k in ("level", "lvl", "msg")):
                rec = _from_mapping(d, is_json=False, raw=text)
                return rec
    return _plain(text)


def _plain(text: str) -> LogRecord:
    m = _GLOG.match(text)
    if m:
        return LogRecord({"I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"}[m.group(1)], m.group(2), m.group(3), None, False)
    if _GO_TEST_FAIL.match(text):
        return LogRecord("ERROR", None, text, None, False)
    fm = _FAIL.match(text)
    if fm:
        return LogRecord("ERROR" if fm.group(1).startswith("FAIL") else "FATAL", None, text, None, False)
    time = None
    body = text
    tm = _TIME_PREFIX.match(text)
    if tm:
        time = tm.group(1)
        body = text[tm.end() :]
    level = None
    for rx in (_BRACKET, _LOGRUS, _WORD, _LEVEL_COLON):
        lm = rx.search(body)
        if lm:
            level = normalize_level(lm.group(1))
            break
    return LogRecord(level, time, body, None, False)


# --------------------------------------------------------------------------
# Go test output, display
# --------------------------------------------------------------------------


def go_test_failures(lines: Iterable[str]) -> list[int]:
    """0-based indices of the ``--- FAIL:`` lines (the start of each failure block)."""
    return [i for i, line in enumerate(lines) if _GO_TEST_FAIL.match(line)]


@dataclass(frozen=True, slots=True)
class GoTestMark:
    """A line of go test output that belongs to a failure."""

    level: str  # "ERROR", or "FATAL" for the panic line
    first: bool  # where a failure starts (`e` lands here); False: it goes on from the line above
    test: str  # the failing test ("" for the package's FAIL lines)


_GT_HEADER = re.compile(r"^=== (?:RUN|CONT|NAME|PAUSE)\s+(\S+)")
_GT_RESULT = re.compile(r"^(\s*)--- (FAIL|PASS|SKIP): (\S+)")
_GT_PANIC = re.compile(r"^(?:panic: |fatal error: )")
_GT_SUMMARY = re.compile(r"^(?:FAIL(?:\s|$)|exit status \d+$)")
_GT_END = re.compile(r"^(?:ok|\?)\s|^PASS$|^FAIL\s")  # a package's last line: its tests are done
_GT_LIKE = re.compile(r"^(?:=== (?:RUN|CONT|NAME|PAUSE) |\s*--- (?:FAIL|PASS|SKIP): |(?:ok|FAIL)\t\S)")
#: Output lines of one test kept undecided (until its --- line); older ones stay unmarked.
MAX_PENDING = 50_000


def _root(test: str) -> str:
    return test.split("/", 1)[0]


class GoTestScanner:
    """Go test output read one line at a time: :meth:`feed` returns the lines now known to
    belong to a failure, as ``(0-based line, mark)`` pairs, possibly for earlier lines (with
    ``-v`` a test's messages come before its ``--- FAIL`` line). Lines of a test that has not
    ended yet stay undecided. Pure: no I/O; a scanner can be kept and fed as a file grows.

    With ``-v``, a test's output follows its ``=== RUN``/``=== CONT``/``=== NAME`` line and is
    decided by its ``--- FAIL``/``--- PASS``/``--- SKIP`` line; without, the failing test's
    output is indented under its ``--- FAIL`` line. A ``panic:`` (or ``fatal error:``) fails
    every running test and its goroutine trace runs to the package's ``FAIL`` line.
    """

    def __init__(self) -> None:
        self.count = 0  # lines fed
        self._current = ""  # the test whose output follows (=== RUN/CONT/NAME)
        self._pending: dict[str, list[int]] = {}  # test -> its undecided output lines
        self._headers: list[tuple[int, bool, str]] = []  # open --- headers: (indent, failed, test)
        self._trace: str | None = None  # in a panic's trace: the test that panicked
        self._prev: tuple[str, str] | None = None  # the line above, when it is (or may be) a failure's: (kind, test)

    def feed(self, line: str) -> list[tuple[int, GoTestMark]]:
        i = self.count
        self.count += 1
        prev, self._prev = self._prev, None
        out: list[tuple[int, GoTestMark]] = []
        if self._trace is not None:
            if not (_GT_SUMMARY.match(line) or _GT_END.match(line) or _GT_HEADER.match(line)):
                out.append((i, GoTestMark("ERROR", False, self._trace)))
                self._prev = ("trace", self._trace)
                return out
            self._trace = None
        result = _GT_RESULT.match(line)
        if result:
            indent, verdict, test = len(result.group(1)), result.group(2), result.group(3)
            pending = self._pending.pop(test, [])
            while self._headers and self._headers[-1][0] >= indent:
                self._headers.pop()
            self._headers.append((indent, verdict == "FAIL", test))
            if verdict == "FAIL":
                out += self._decided(pending, test)
                related = prev is not None and prev[0] in ("out", "result") and _root(prev[1]) == _root(test)
                out.append((i, GoTestMark("ERROR", not related, test)))
                self._prev = ("result", test)
            return out
        header = _GT_HEADER.match(line)
        if header:
            self._current = header.group(1)
            self._headers.clear()
            return out
        if _GT_PANIC.match(line):
            test = self._current
            for name in list(self._pending):  # every test still running failed with it
                out += self._decided(self._pending.pop(name), name)
            out.append((i, GoTestMark("FATAL", prev is None, test)))
            self._trace = test
            self._headers.clear()
            self._prev = ("trace", test)
            return out
        if _GT_SUMMARY.match(line) or _GT_END.match(line):
            if _GT_SUMMARY.match(line):
                out.append((i, GoTestMark("ERROR", prev is None, "")))
                self._prev = ("summary", "")
            self._headers.clear()
            if _GT_END.match(line):  # the package is done: its tests with it
                self._current = ""
                self._pending.clear()
            return out
        body = line.lstrip(" \t")
        indent = len(line) - len(body)
        if not indent:
            if body:
                self._headers.clear()
            return out
        while self._headers and indent <= self._headers[-1][0]:
            self._headers.pop()
        if self._headers:  # under a --- line (go test without -v): that test's output
            _, failed, test = self._headers[-1]
            if failed:
                out.append((i, GoTestMark("ERROR", False, test)))
                self._prev = ("out", test)
            return out
        if self._current:
            pending = self._pending.setdefault(self._current, [])
            pending.append(i)
            if len(pending) > MAX_PENDING:
                del pending[: len(pending) - MAX_PENDING]
            self._prev = ("out", self._current)
        return out

    @staticmethod
    def _decided(lines: list[int], test: str) -> list[tuple[int, GoTestMark]]:
        """A failed test's output lines: each run of adjacent lines is one failure's message."""
        return [(n, GoTestMark("ERROR", k == 0 or lines[k - 1] != n - 1, test)) for k, n in enumerate(lines)]


def go_test_marks(lines: Iterable[str]) -> dict[int, GoTestMark]:
    """The lines of go test output that belong to a failure (0-based), with their marks."""
    scanner = GoTestScanner()
    marks: dict[int, GoTestMark] = {}
    for line in lines:
        marks.update(scanner.feed(line))
    return marks


def looks_like_go_test(lines: Iterable[str]) -> bool:
    """Whether these (first) lines are go test output: a ``=== RUN``, ``--- FAIL:`` or ``ok``/``FAIL`` package line."""
    return any(_GT_LIKE.match(line) for line in lines)


def columns(record: LogRecord) -> tuple[str, str, str]:
    """(level, time, message) for the compact view; fields follow the message as k=v."""
    msg = record.message
    if record.fields:
        extra = " ".join(f"{k}={_short(v)}" for k, v in record.fields.items())
        msg = f"{msg} {extra}" if msg else extra
    return (record.level or "", record.time or "", msg)


def _short(v: Any) -> str:
    if isinstance(v, str):
        return json.dumps(v) if (not v or any(c in v for c in ' ="')) else v
    return json.dumps(v, default=str, separators=(",", ":"))


def pretty(record: LogRecord) -> str:
    """A multi-line rendering: time, level and message first, then the fields."""
    if record.is_json or record.fields:
        d: dict[str, Any] = {}
        if record.time is not None:
            d["time"] = record.time
        if record.level is not None:
            d["level"] = record.level
        d["msg"] = record.message
        d.update(record.fields or {})
        return json.dumps(d, indent=2, ensure_ascii=False, default=str)
    head = " ".join(x for x in (record.time, record.level) if x)
    return f"{head}\n{record.message}" if head else record.message
