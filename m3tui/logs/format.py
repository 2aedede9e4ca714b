"""What a log line says: level, time, message; JSON (log/slog), logfmt and plain text.

Pure functions, no I/O. Levels are normalised to ``DEBUG``, ``INFO``, ``WARN``,
``ERROR`` and ``FATAL`` (``WARNING`` → ``WARN``, ``ERR`` → ``ERROR``, slog's
``INFO+2``/``DEBUG-4`` → their base level, glog's ``I``/``W``/``E``/``F``
prefixes, ``panic:`` → ``FATAL``, go test's ``--- FAIL``/``FAIL`` → ``ERROR``).
Unrecognised levels are kept as written, upper-cased, and rank as 0.

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
    "LogRecord",
    "columns",
    "go_test_failures",
    "is_error",
    "level_rank",
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
