"""The field filter: ``level>=warn component=m3-query trace_id=4bf9* duration>500ms msg~timeout``.

An expression is terms separated by spaces, all of which must hold (AND). A term is
``NAME OP VALUE``, with OP one of ``=`` ``!=`` ``>`` ``>=`` ``<`` ``<=`` ``~`` (regex) ``!~``;
``NAME`` alone holds when the field is there, ``!NAME`` when it is not. A value with spaces is
quoted, ``"..."`` (``\\"`` inside) or ``'...'``. Fields are those of
:func:`m3tui.logs.fields.record_fields` (nested JSON keys dotted: ``http.status>=500``); plain
text lines (neither JSON nor logfmt) never match.

How a value compares (decided by the value written in the term):

* ``level`` (or ``severity``, ``lvl``, ``levelname``, ``log.level``: whichever the line has)
  compares by rank: ``level>=warn`` is WARN, ERROR and FATAL, whatever their spelling (``warning``,
  ``ERR``, slog's ``8``); a line whose level is not one m3tui knows never compares.
* a number (``500``, ``0.25``, ``1e3``): numerically, against a JSON number or a string that is one;
* a Go duration (``500ms``, ``1.5s``, ``1h2m``): against a field that is one, written as a Go
  duration string (slog's TextHandler) or as an integer of nanoseconds (slog's JSONHandler);
* anything else: as text (``time>=2024-05-01T12`` compares RFC 3339 times of one zone well).
  ``=`` is exact; a value ending in an unquoted ``*`` (or ``…``) is a prefix: ``trace_id=4bf9*``.
* ``~`` is a Python regular expression (``re.search``, case-sensitive; ``(?i)`` for any case), over
  the value as text (a JSON non-string as JSON: ``true``, ``null``, ``[1,2]``); patterns that could
  backtrack for ever are refused (core.regexp).

A field that is missing, or cannot be compared that way (``duration>1s`` on ``"n/a"``), fails
its term; ``!=`` and ``!~`` are exactly the negations of ``=`` and ``~`` (a missing field passes).
``msg``/``message``/``@message`` and ``time``/``ts``/``timestamp``/``@timestamp``/``t`` find each
other the same way as the level's names, a key written as-is first.

Pure: no I/O; never imports Textual.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, Protocol

from m3tui.core.errors import UsageError
from m3tui.logs.fields import record_fields
from m3tui.logs.format import _LEVEL_KEYS, _MSG_KEYS, _TIME_KEYS, LEVELS, level_rank, normalize_level

__all__ = ["Term", "Where", "WhereError", "WhereLines", "go_duration", "parse_where", "text_of"]

Kind = Literal["present", "level", "number", "duration", "prefix", "regex", "text"]
_OPS = ("!~", "!=", ">=", "<=", "~", "=", ">", "<")
_NAME = re.compile(r"[A-Za-z_@][\w.\-/@]*")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_INT = re.compile(r"[-+]?\d+")
_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION = re.compile(r"([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)")
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_ALIASES = {name: group for group in (_LEVEL_KEYS, _MSG_KEYS, _TIME_KEYS) for name in group}
#: Characters a value may hold to be looked for in a line's raw bytes first (JSON and logfmt write them as is).
_PLAIN = re.compile(r"[\w.:\-@+]+", re.ASCII)


class _LineReader(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


class WhereError(UsageError):
    """An expression that cannot be used; the message names the bad term and why (exit 2)."""


def go_duration(text: str) -> Fraction | None:
    """Nanoseconds of a Go duration string (``1h2m3.5s``, ``-500ms``, ``0``), exactly; None if it is not one."""
    if text == "0":
        return Fraction(0)
    m = _DURATION.fullmatch(text)
    if m is None:
        return None
    total = sum((Fraction(num) * _UNITS[unit] for num, unit in _DURATION_PART.findall(m.group(2))), Fraction(0))
    return -total if m.group(1) == "-" else total


def _number(text: str) -> int | float | None:
    if not _NUMBER.fullmatch(text):
        return None
    return int(text) if _INT.fullmatch(text) else float(text)


def text_of(value: object) -> str:
    """A field's value as text: a string as is, anything else as compact JSON (``true``, ``500``, ``[1,2]``)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _as_number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    return _number(value) if isinstance(value, str) else None


def _as_duration(value: object) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        n = _number(value)
        if n is not None:
            return _as_duration(n)
        return go_duration(value)
    return None


@functools.lru_cache(maxsize=512)
def _level(value: str | int | float) -> str | None:
    """A level as written, normalised (a log has few spellings: cached)."""
    return normalize_level(value)


def _lookup(fields: dict[str, object], name: str) -> tuple[bool, object]:
    """(found, value): ``name`` as written, else the first of its aliases the line has."""
    if name in fields:
        return True, fields[name]
    for alias in _ALIASES.get(name, ()):
        if alias in fields:
            return True, fields[alias]
    return False, None


def _ordered(op: str, a: Any, b: Any) -> bool:
    """``a op b`` for values of one kind (ranks, numbers, Fractions of nanoseconds, texts)."""
    if op == "=":
        return bool(a == b)
    if op == ">":
        return bool(a > b)
    if op == ">=":
        return bool(a >= b)
    if op == "<":
        return bool(a < b)
    return bool(a <= b)


@dataclass(frozen=True)
class Term:
    """One condition: ``name op value`` as written, and what it compares as (``kind``)."""

    text: str
    name: str
    op: str  # one of _OPS, or "" for present/absent
    value: str
    kind: Kind
    negate: bool = False  # !=, !~, !NAME
    rank: int = 0
    number: int | float | None = None
    duration: Fraction | None = None
    rx: re.Pattern[str] | None = None

    def holds(self, fields: dict[str, object]) -> bool:
        found, v = _lookup(fields, self.name)
        return (self._test(v) if found else False) != self.negate

    def _test(self, v: object) -> bool:
        kind, op = self.kind, self.op.lstrip("!")
        if kind == "present":
            return True
        if kind == "regex":
            assert self.rx is not None
            return self.rx.search(text_of(v)) is not None
        if kind == "prefix":
            return text_of(v).startswith(self.value)
        if kind == "level":
            level = _level(v) if isinstance(v, (str, int, float)) else normalize_level(v)
            if op == "=":
                return level is not None and level == normalize_level(self.value)
            rank = level_rank(level)
            return bool(rank) and _ordered(op, rank, self.rank)
        if kind == "number":
            n = _as_number(v)
            if n is None:
                return op == "=" and text_of(v) == self.value
            return _ordered(op, n, self.number)
        if kind == "duration":
            d = _as_duration(v)
            return d is not None and _ordered(op, d, self.duration)
        return _ordered(op, text_of(v), self.value)


@dataclass(frozen=True)
class Where:
    """A parsed expression: :meth:`matches` a raw line, :meth:`holds` for fields already parsed."""

    text: str
    terms: tuple[Term, ...]
    #: Bytes every matching line contains (looked for before parsing it): a cheap first test.
    needles: tuple[bytes, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.terms)

    def holds(self, fields: dict[str, object] | None) -> bool:
        """Whether a line with these fields (None: plain text, which never matches) passes every term."""
        if fields is None:
            return False
        return all(t.holds(fields) for t in self.terms)

    def matches(self, raw: bytes) -> bool:
        for needle in self.needles:
            if needle not in raw:
                return False
        return self.holds(record_fields(raw))


def _split(text: str) -> list[tuple[str, bool]]:
    """Terms split at spaces outside quotes: (term, whether its last character was quoted)."""
    out: list[tuple[str, bool]] = []
    buf: list[str] = []
    last_quoted = False
    started = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            if started:
                out.append(("".join(buf), last_quoted))
                buf, started, last_quoted = [], False, False
            i += 1
            continue
        started = True
        if c in "\"'":
            end = i + 1
            while end < n and text[end] != c:
                if c == '"' and text[end] == "\\" and end + 1 < n and text[end + 1] in '"\\':
                    buf.append(text[end + 1])
                    end += 2
                    continue
                buf.append(text[end])
                end += 1
            if end >= n:
                raise WhereError(f"where: unclosed quote in {''.join(buf)!r}… ({c} opened, never closed)")
            last_quoted = True
            i = end + 1
            continue
        buf.append(c)
        last_quoted = False
        i += 1
    if started:
        out.append(("".join(buf), last_quoted))
    return out


def _term(token: str, quoted_end: bool) -> Term:
    def bad(why: str) -> WhereError:
        return WhereError(f"where: bad term {token!r}: {why}")

    negate = token.startswith("!")
    m = _NAME.match(token, 1 if negate else 0)
    if m is None:
        raise bad("a term is NAME, NAME OP VALUE or !NAME (OP: = != > >= < <= ~ !~)")
    name, rest = m.group(0), token[m.end() :]
    if not rest:
        return Term(token, name, "", "", "present", negate=negate)
    if negate:
        raise bad("! goes before a name alone (!NAME: the field is missing); use != or !~ to negate a comparison")
    op = next((o for o in _OPS if rest.startswith(o)), None)
    if op is None:
        raise bad(f"{rest[:1]!r} is not an operator (= != > >= < <= ~ !~)")
    value = rest[len(op) :]
    neg = op.startswith("!")
    if value[:1] in ("=", "<", ">", "~") and not quoted_end:
        raise bad(f"{op + value[:1]!r} is not an operator (= != > >= < <= ~ !~)")
    if op in ("~", "!~"):
        from m3tui.core.regexp import RegexpError, compile_safe

        try:
            rx = compile_safe(value, "regexp")
        except RegexpError as exc:
            raise bad(str(exc)) from None
        return Term(token, name, op, value, "regex", negate=neg, rx=rx)
    ordering = op not in ("=", "!=")
    if not value and ordering:
        raise bad(f"{op} needs a value")
    if not ordering and not quoted_end and value[-1:] in ("*", "…"):
        return Term(token, name, op, value[:-1], "prefix", negate=neg)
    if name in _LEVEL_KEYS:
        level = normalize_level(value)
        rank = level_rank(level)
        if rank:
            return Term(token, name, op, value, "level", negate=neg, rank=rank)
        if ordering:
            raise bad(f"unknown level {value!r} (known: {', '.join(x.lower() for x in LEVELS)})")
    number = _number(value)
    if number is not None:
        return Term(token, name, op, value, "number", negate=neg, number=number)
    duration = go_duration(value)
    if duration is not None:
        return Term(token, name, op, value, "duration", negate=neg, duration=duration)
    return Term(token, name, op, value, "text", negate=neg)


def _needles(terms: tuple[Term, ...]) -> tuple[bytes, ...]:
    """What a matching line must contain: the name (last dotted part) of each positive term, and
    an exact text value that JSON and logfmt both write as is."""
    out: list[bytes] = []
    for t in terms:
        if t.negate or t.name in _ALIASES:
            continue
        if t.name.isascii():
            out.append(t.name.rsplit(".", 1)[-1].encode())
        if t.kind in ("text", "prefix") and t.op == "=" and t.value and _PLAIN.fullmatch(t.value):
            out.append(t.value.encode())
    return tuple(dict.fromkeys(out))


def parse_where(text: str) -> Where:
    """An expression parsed; `WhereError` (exit 2), naming the bad term and why, when it cannot be used.

    An empty (or blank) expression has no terms: a caller takes it as no filter at all.
    """
    terms = tuple(_term(token, quoted) for token, quoted in _split(text))
    return Where(text.strip(), terms, _needles(terms))


class WhereLines:
    """A byte stream read by lines (lint's LineReader) in which each line ``where`` does not match
    reads as an empty line: ``--lint --where`` lints the matching lines only, under their own
    numbers (lint skips blank lines). A line longer than a read (lint's cap) passes as it is."""

    def __init__(self, stream: _LineReader, where: Where) -> None:
        self._stream = stream
        self._where = where
        self._long = False  # in the middle of a line longer than one read

    def readline(self, size: int = -1, /) -> bytes:
        line = self._stream.readline(size)
        if not line:
            return line
        if self._long or (not line.endswith(b"\n") and 0 < size <= len(line)):
            self._long = not line.endswith(b"\n")
            return line
        return line if self._where.matches(line.rstrip(b"\r\n")) else b"\n"
