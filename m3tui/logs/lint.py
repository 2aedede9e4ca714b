"""Lint structured (JSON-lines) logs against field rules.

Default rules, each checking one field of every JSON record:

* ``level``: one of DEBUG, INFO, WARN, ERROR (case-insensitive);
* ``component``: a lowercase-hyphen name, ``^[a-z][a-z0-9]*(-[a-z0-9]+)*$``;
* ``trace_id``: a W3C trace-context trace id: 32 lowercase hex digits, not all zero;
* ``time``: an RFC 3339 timestamp (``2024-05-01T12:00:00.123Z``, ``…+02:00``).

A rule checks its field when present; ``required`` fields (default ``level`` and
``time``) are also violations when missing. Lines that are not JSON objects are
counted (``non_json``) but not checked, and so are lines that open like a JSON object but do
not parse (``malformed``: a corrupt line, reported with the first one's number, then skipped);
blank lines are skipped, and so is a byte order mark. A line longer than
:data:`MAX_LINE` (1 MiB) is counted (``too_long``) and not checked: a file is read as a
stream, one capped line at a time, so memory stays bounded whatever the input (a gzip bomb,
a 200 MB line). A report lists the first :data:`MAX_LISTED` violations (10,000; the counts
are complete), each value cut to :data:`MAX_VALUE` characters.

Configurable in the config file's ``[logs.lint]`` table (core.config reads the file and
warns about the TOML; this module warns about the rules, naming the key, and uses the
default for that key only)::

    [logs.lint]
    rules = ["level", "component", "trace_id", "time"]   # which rules run
    required = ["level", "time"]                          # missing = violation
    levels = ["DEBUG", "INFO", "WARN", "ERROR"]
    component_pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
    [logs.lint.fields]                                    # rule -> JSON key
    time = "ts"

This module is plain Python and must never import Textual.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from m3tui.core.errors import M3tuiError
from m3tui.logs.lintmarks import LintMarks  # (its own module: the log view needs only it)

__all__ = [
    "DEFAULT_LEVELS",
    "DEFAULT_RULES",
    "MAX_LINE",
    "MAX_LISTED",
    "LintConfig",
    "LintMarks",
    "LintReport",
    "Rule",
    "Violation",
    "lint_lines",
    "lint_stream",
    "load_lint_config",
    "make_rules",
    "open_log",
    "report_json",
    "short_summary",
    "summary",
]

DEFAULT_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
COMPONENT_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
#: Longest line checked (longer ones are counted as ``too_long``): what bounds lint's memory.
MAX_LINE = 1 << 20
#: Violations a report lists (the counts go on); what bounds a report's memory.
MAX_LISTED = 10_000
#: Characters of a value kept in a violation and shown in its message.
MAX_VALUE = 120

class LineReader(Protocol):
    """A binary stream read by lines (a file, a gzip stream, stdin's buffer)."""

    def readline(self, size: int = -1, /) -> bytes: ...


#: A check returns None when the value is fine, else what is wrong with it.
Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Rule:
    name: str
    field: str
    check: Check
    description: str = ""


@dataclass(frozen=True)
class Violation:
    line: int  # 1-based
    rule: str
    field: str
    value: Any
    message: str


@dataclass
class LintReport:
    violations: list[Violation] = field(default_factory=list)  # the first MAX_LISTED
    counts: dict[str, int] = field(default_factory=dict)
    checked: int = 0
    non_json: int = 0
    malformed: int = 0  # lines that open like a JSON object and do not parse, not checked
    first_malformed: int | None = None  # the first such line (1-based)
    too_long: int = 0  # lines over MAX_LINE, not checked
    total: int = 0  # every violation, listed or not
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.total

    def add(self, v: Violation) -> None:
        self.total += 1
        self.counts[v.rule] = self.counts.get(v.rule, 0) + 1
        if len(self.violations) < MAX_LISTED:
            self.violations.append(v)


def shown(v: Any) -> str:
    """A value as a message shows it: its repr (control characters escaped), cut to MAX_VALUE."""
    text = repr(v)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _kept(v: Any) -> Any:
    """A value as a violation keeps it: as is when short, else cut (a string) or its cut repr."""
    if isinstance(v, str):
        return v if len(v) <= MAX_VALUE else v[: MAX_VALUE - 1] + "…"
    if isinstance(v, (dict, list)) and len(repr(v)) > MAX_VALUE:
        return shown(v)
    return v


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def _level_check(levels: Iterable[str]) -> Check:
    allowed = {lv.upper() for lv in levels}
    names = ", ".join(sorted(allowed))

    def check(v: Any) -> str | None:
        if isinstance(v, str) and v.upper() in allowed:
            return None
        return f"level {shown(v)} is not one of {names}"

    return check


def _pattern_check(pattern: str, what: str) -> Check:
    from m3tui.core.regexp import compile_safe

    rx = compile_safe(pattern, f"{what} pattern")  # checked when the config was read

    def check(v: Any) -> str | None:
        if isinstance(v, str) and rx.match(v):
            return None
        return f"{what} {shown(v)} does not match {pattern}"

    return check


def check_trace_id(v: Any) -> str | None:
    if not isinstance(v, str) or not _TRACE_ID.match(v):
        return f"trace_id {shown(v)} is not 32 lowercase hex digits (W3C trace-context)"
    if v == "0" * 32:
        return "trace_id is all zeros (invalid in W3C trace-context)"
    return None


def check_rfc3339(v: Any) -> str | None:
    if not isinstance(v, str):
        return f"time {shown(v)} is not an RFC 3339 string"
    m = _RFC3339.match(v)
    if m is None:
        return f"time {shown(v)} is not RFC 3339"
    try:
        frac = (m.group(7) or "")[:7]  # fromisoformat wants ≤ 6 digits on older Pythons
        tz = m.group(8).upper()
        datetime.fromisoformat(
            f"{m.group(1)}-{m.group(2)}-{m.group(3)}T{m.group(4)}:{m.group(5)}:{min(int(m.group(6)), 59):02d}"
            f"{frac}{'+00:00' if tz == 'Z' else tz}"
        )
    except ValueError as exc:
        return f"time {shown(v)} is not a valid date/time ({exc})"
    if int(m.group(6)) > 60:
        return f"time {shown(v)} has invalid seconds"
    return None


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

RULE_NAMES = ("level", "component", "trace_id", "time")


class LintConfigError(M3tuiError):
    """One key of a ``[logs.lint]`` table that is not valid; the message says why (shown as a warning)."""


@dataclass(frozen=True)
class LintConfig:
    rules: tuple[str, ...] = RULE_NAMES
    required: tuple[str, ...] = ("level", "time")
    levels: tuple[str, ...] = DEFAULT_LEVELS
    component_pattern: str = COMPONENT_PATTERN
    fields: dict[str, str] = field(default_factory=dict)  # rule -> JSON key
    #: What in the table was ignored, one line each (naming the key): for the front to show once.
    warnings: tuple[str, ...] = field(default=(), compare=False)


def make_rules(cfg: LintConfig | None = None) -> list[Rule]:
    cfg = cfg or LintConfig()
    key = {name: cfg.fields.get(name, name) for name in RULE_NAMES}
    every = {
        "level": Rule("level", key["level"], _level_check(cfg.levels), "level is a known level"),
        "component": Rule(
            "component", key["component"], _pattern_check(cfg.component_pattern, "component"),
            "component is a lowercase-hyphen name",
        ),
        "trace_id": Rule("trace_id", key["trace_id"], check_trace_id, "W3C trace-context trace id"),
        "time": Rule("time", key["time"], check_rfc3339, "RFC 3339 time"),
    }  # fmt: skip
    return [every[n] for n in cfg.rules]


DEFAULT_RULES: list[Rule] = make_rules()


def _str_list(v: Any, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise LintConfigError("must be a list of strings")
    if allowed is not None:
        bad = [x for x in v if x not in allowed]
        if bad:
            raise LintConfigError(f"unknown rule(s) {', '.join(map(repr, bad))} (known: {', '.join(RULE_NAMES)})")
    return tuple(v)


def _levels(v: Any) -> tuple[str, ...]:
    levels = _str_list(v)
    if not levels:
        raise LintConfigError("is empty (every level would be a violation)")
    return levels


def _pattern(v: Any) -> str:
    if not isinstance(v, str):
        raise LintConfigError("must be a string")
    from m3tui.core.regexp import RegexpError, compile_safe

    try:  # refused too: a pattern that could backtrack for ever on one log line
        compile_safe(v, "pattern")
    except RegexpError as exc:
        raise LintConfigError(f"cannot be used ({exc})") from None
    return v


def _fields(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(k, str) and isinstance(x, str) and x for k, x in v.items()):
        raise LintConfigError('must be a table of rule = "json key"')
    unknown = [k for k in v if k not in RULE_NAMES]
    if unknown:
        raise LintConfigError(f"unknown rule(s) {', '.join(map(repr, unknown))} (known: {', '.join(RULE_NAMES)})")
    return dict(v)


_KEYS: dict[str, Callable[[Any], Any]] = {
    "rules": lambda v: _str_list(v, RULE_NAMES),
    "required": lambda v: _str_list(v, RULE_NAMES),
    "levels": _levels,
    "component_pattern": _pattern,
    "fields": _fields,
}


def parse_lint_table(table: Any, source: str = "config.toml") -> tuple[LintConfig, list[str]]:
    """A :class:`LintConfig` from a ``[logs.lint]`` table: each bad key keeps its default, with a warning naming it."""
    if table is None:
        return LintConfig(), []
    if not isinstance(table, dict):
        return LintConfig(), [f"{source}: logs.lint must be a table; using the default lint rules"]
    warnings: list[str] = []
    values: dict[str, Any] = {}
    for key, value in table.items():
        parse = _KEYS.get(key)
        if parse is None:
            warnings.append(f"{source}: unknown key 'logs.lint.{key}'; ignored (known: {', '.join(_KEYS)})")
            continue
        try:
            values[key] = parse(value)
        except LintConfigError as exc:
            warnings.append(f"{source}: logs.lint.{key} {exc}; using the default")
    cfg = replace(LintConfig(), **values)
    unchecked = [r for r in cfg.required if r not in cfg.rules]
    if unchecked:
        warnings.append(f"{source}: logs.lint.required names {', '.join(map(repr, unchecked))}, "
                        "not in logs.lint.rules; not checked")  # fmt: skip
    return replace(cfg, warnings=tuple(warnings)), warnings


def load_lint_config(path: Path | None = None) -> tuple[LintConfig, list[str]]:
    """The ``[logs.lint]`` table of the config file (core.config's ``load_config``), and what in it was ignored.

    core.config reads the file (never writes it) and says what is wrong with the TOML itself,
    once; the warnings here are only about the lint rules.
    """
    from m3tui.core.config import load_config

    loaded = load_config(path)
    return parse_lint_table(loaded.config.logs_lint, str(loaded.path))


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


@contextlib.contextmanager
def open_log(path: str | Path) -> Iterator[LineReader]:
    """A user-named log as a byte stream: a regular file only (core.files), read through gzip
    when it starts with gzip's magic bytes (whatever its name). `M3tuiError` when it cannot be."""
    import gzip

    from m3tui.core.errors import os_error
    from m3tui.core.files import open_input
    from m3tui.logs.index import GZ_MAGIC, one_line

    with open_input(path) as raw:
        try:
            magic = raw.read(2)
            raw.seek(0)
        except OSError as exc:
            raise os_error(exc, one_line(path), "read") from None
        if magic != GZ_MAGIC:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield unzipped


def _stream_lines(stream: LineReader, label: str, report: LintReport) -> Iterator[str]:
    """Decoded lines of ``stream``, each read capped at MAX_LINE bytes; a longer one is skipped
    to its end (counted in ``report.too_long``) and stands as a blank line, so numbers stay right."""
    from m3tui.logs.index import DECOMPRESS_ERRORS, decompress_error

    try:
        readline = stream.readline
        while True:
            line = readline(MAX_LINE + 1)
            if not line:
                return
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                report.too_long += 1
                while line and not line.endswith(b"\n"):
                    line = readline(MAX_LINE)
                yield ""
                continue
            yield line.decode("utf-8", "replace").rstrip("\r\n")
    except DECOMPRESS_ERRORS as exc:
        raise decompress_error(exc, label, user_input=label == "stdin") from None


def lint_stream(stream: LineReader, *, label: str, config: LintConfig | None = None) -> LintReport:
    """Lint a byte stream (a file, gzip, stdin) line by line in bounded memory.

    Read failures are `M3tuiError`s naming ``label``: corrupt or truncated gzip data is invalid
    input, an I/O error a failure.
    """
    report = LintReport()
    return lint_lines(_stream_lines(stream, label, report), config=config, report=report)


# --------------------------------------------------------------------------
# Linting
# --------------------------------------------------------------------------


def lint_record(record: dict[str, Any], rules: list[Rule], required: Iterable[str] = ()) -> list[tuple[Rule, Any, str]]:
    """(rule, value, message) for each violation in one decoded record."""
    req = set(required)
    out: list[tuple[Rule, Any, str]] = []
    for rule in rules:
        if rule.field in record:
            value = record[rule.field]
            problem = rule.check(value)
            if problem:
                out.append((rule, value, problem))
        elif rule.name in req:
            out.append((rule, None, f"missing field {rule.field!r}"))
    return out


def lint_lines(
    lines: Iterable[str],
    rules: list[Rule] | None = None,
    *,
    required: Iterable[str] | None = None,
    config: LintConfig | None = None,
    report: LintReport | None = None,
) -> LintReport:
    """Lint every line; line numbers in the report are 1-based.

    ``config`` (e.g. from :func:`load_lint_config`) gives both rules and
    required fields; otherwise ``rules`` (default :data:`DEFAULT_RULES`) and
    ``required`` (default ``level`` and ``time``). ``report`` is filled in (a new one by default).
    """
    if config is not None:
        rules = make_rules(config) if rules is None else rules
        required = config.required if required is None else required
    rules = DEFAULT_RULES if rules is None else rules
    required = tuple(LintConfig().required if required is None else required)
    report = LintReport() if report is None else report
    for r in rules:
        report.counts.setdefault(r.name, 0)
    loads = json.loads
    for n, line in enumerate(lines, 1):
        s = line.strip().lstrip("\ufeff")
        if not s:
            continue
        rec: Any = None
        if s[0] == "{":
            try:
                rec = loads(s)
            except (ValueError, RecursionError):
                report.malformed += 1
                if report.first_malformed is None:
                    report.first_malformed = n
                continue
        if not isinstance(rec, dict):
            report.non_json += 1
            continue
        report.checked += 1
        for rule, value, message in lint_record(rec, rules, required):
            report.add(Violation(n, rule.name, rule.field, _kept(value), message))
    return report


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def summary(report: LintReport, lines: int) -> str:
    """The report in one sentence: violations (per rule) on how many lines, what was not checked."""
    corrupt = f" · {report.malformed:,} malformed JSON (first: line {report.first_malformed})" if report.malformed else ""
    corrupt += f" · {_n(report.too_long, 'line')} too long to check" if report.too_long else ""
    if not report.checked and not report.total:
        return f"lint: no JSON records to check ({_n(report.non_json, 'line')} not JSON){corrupt}"
    if not report.total:
        return f"lint ok: {_n(report.checked, 'record')}{corrupt}"
    rules = ", ".join(f"{name} {n:,}" for name, n in report.counts.items() if n)
    if report.total > len(report.violations):
        return f"lint: {_n(report.total, 'violation')} ({rules}; the first {len(report.violations):,} marked){corrupt}"
    return f"lint: {_n(report.total, 'violation')} on {_n(lines, 'line')} ({rules}){corrupt}"


def short_summary(report: LintReport) -> str:
    """The report in a few characters, for a status line: ``lint 2,089 ⚠`` or ``lint ok``."""
    if report.total:
        return f"lint {report.total:,} ⚠"
    return "lint ok" if report.checked else "lint: no JSON"


def report_json(report: LintReport) -> dict[str, Any]:
    """The report as ``--lint --json`` prints it (through core.jsonout: NaN and ±Infinity are null)."""
    return {
        "ok": report.ok,
        "checked": report.checked,
        "non_json": report.non_json,
        "malformed": report.malformed,
        "first_malformed_line": report.first_malformed,
        "too_long": report.too_long,
        "violation_count": report.total,
        "counts": dict(report.counts),
        "violations": [
            {"line": v.line, "rule": v.rule, "field": v.field, "value": v.value, "message": v.message}
            for v in report.violations
        ],
        "violations_listed": len(report.violations),
        "warnings": list(report.warnings),
    }
