"""Lint structured (JSON-lines) logs against field rules.

Default rules, each checking one field of every JSON record:

* ``level``: one of DEBUG, INFO, WARN, ERROR (case-insensitive);
* ``component``: a lowercase-hyphen name, ``^[a-z][a-z0-9]*(-[a-z0-9]+)*$``;
* ``trace_id``: a W3C trace-context trace id: 32 lowercase hex digits, not all zero;
* ``time``: an RFC 3339 timestamp (``2024-05-01T12:00:00.123Z``, ``…+02:00``).

A rule checks its field when present; ``required`` fields (default ``level`` and
``time``) are also violations when missing. Lines that are not JSON objects are
counted (``non_json``) but not checked; blank lines are skipped.

Configurable in the config file's ``[logs.lint]`` table (read here with tomllib,
never written)::

    [logs.lint]
    rules = ["level", "component", "trace_id", "time"]   # which rules run
    required = ["level", "time"]                          # missing = violation
    levels = ["DEBUG", "INFO", "WARN", "ERROR"]
    component_pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
    [logs.lint.fields]                                    # rule -> JSON key
    time = "ts"

A bad table yields the defaults plus a warning string.

This module is plain Python and must never import Textual.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from m3tui.core.errors import M3tuiError

__all__ = [
    "DEFAULT_LEVELS",
    "DEFAULT_RULES",
    "LintConfig",
    "LintReport",
    "Rule",
    "Violation",
    "lint_lines",
    "load_lint_config",
    "make_rules",
    "report_json",
]

DEFAULT_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
COMPONENT_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)

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
    violations: list[Violation] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    checked: int = 0
    non_json: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def _level_check(levels: Iterable[str]) -> Check:
    allowed = {lv.upper() for lv in levels}
    shown = ", ".join(sorted(allowed))

    def check(v: Any) -> str | None:
        if isinstance(v, str) and v.upper() in allowed:
            return None
        return f"level {v!r} is not one of {shown}"

    return check


def _pattern_check(pattern: str, what: str) -> Check:
    rx = re.compile(pattern)

    def check(v: Any) -> str | None:
        if isinstance(v, str) and rx.match(v):
            return None
        return f"{what} {v!r} does not match {pattern}"

    return check


def check_trace_id(v: Any) -> str | None:
    if not isinstance(v, str) or not _TRACE_ID.match(v):
        return f"trace_id {v!r} is not 32 lowercase hex digits (W3C trace-context)"
    if v == "0" * 32:
        return "trace_id is all zeros (invalid in W3C trace-context)"
    return None


def check_rfc3339(v: Any) -> str | None:
    if not isinstance(v, str):
        return f"time {v!r} is not an RFC 3339 string"
    m = _RFC3339.match(v)
    if m is None:
        return f"time {v!r} is not RFC 3339"
    try:
        frac = (m.group(7) or "")[:7]  # fromisoformat wants ≤ 6 digits on older Pythons
        tz = m.group(8).upper()
        datetime.fromisoformat(
            f"{m.group(1)}-{m.group(2)}-{m.group(3)}T{m.group(4)}:{m.group(5)}:{min(int(m.group(6)), 59):02d}"
            f"{frac}{'+00:00' if tz == 'Z' else tz}"
        )
    except ValueError as exc:
        return f"time {v!r} is not a valid date/time ({exc})"
    if int(m.group(6)) > 60:
        return f"time {v!r} has invalid seconds"
    return None


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

RULE_NAMES = ("level", "component", "trace_id", "time")


class LintConfigError(M3tuiError):
    """A ``[logs.lint]`` table that is not valid; the message names the key (shown as a warning)."""


@dataclass(frozen=True)
class LintConfig:
    rules: tuple[str, ...] = RULE_NAMES
    required: tuple[str, ...] = ("level", "time")
    levels: tuple[str, ...] = DEFAULT_LEVELS
    component_pattern: str = COMPONENT_PATTERN
    fields: dict[str, str] = field(default_factory=dict)  # rule -> JSON key


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


def _str_list(v: Any, name: str, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise LintConfigError(f"'{name}' must be a list of strings")
    if allowed is not None:
        bad = [x for x in v if x not in allowed]
        if bad:
            raise LintConfigError(f"'{name}' has unknown rule(s) {', '.join(bad)} (known: {', '.join(RULE_NAMES)})")
    return tuple(v)


def parse_lint_table(table: Any, source: str = "config.toml") -> tuple[LintConfig, list[str]]:
    """A :class:`LintConfig` from a ``[logs.lint]`` table; bad → defaults + warning."""
    if table is None:
        return LintConfig(), []
    where = f"{source}: [logs.lint]"
    if not isinstance(table, dict):
        return LintConfig(), [f"{where} must be a table; using the default lint rules"]
    try:
        cfg = LintConfig()
        t = dict(table)
        if "rules" in t:
            cfg = replace(cfg, rules=_str_list(t.pop("rules"), "rules", RULE_NAMES))
        if "required" in t:
            req = _str_list(t.pop("required"), "required", RULE_NAMES)
            cfg = replace(cfg, required=req)
        if "levels" in t:
            cfg = replace(cfg, levels=_str_list(t.pop("levels"), "levels"))
        if "component_pattern" in t:
            pat = t.pop("component_pattern")
            if not isinstance(pat, str):
                raise LintConfigError("'component_pattern' must be a string")
            try:
                re.compile(pat)
            except re.error as exc:
                raise LintConfigError(f"'component_pattern' is not a valid regex ({exc})") from None
            cfg = replace(cfg, component_pattern=pat)
        if "fields" in t:
            f = t.pop("fields")
            if not isinstance(f, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in f.items()):
                raise LintConfigError("'fields' must be a table of rule = \"json key\"")
            unknown = [k for k in f if k not in RULE_NAMES]
            if unknown:
                raise LintConfigError(f"'fields' has unknown rule(s) {', '.join(unknown)}")
            cfg = replace(cfg, fields=dict(f))
        if t:
            raise LintConfigError(f"unknown key(s) {', '.join(sorted(t))}")
    except LintConfigError as exc:
        return LintConfig(), [f"{where}: {exc}; using the default lint rules"]
    return cfg, []


def load_lint_config(path: Path | None = None) -> tuple[LintConfig, list[str]]:
    """Read ``[logs.lint]`` from the config file (default: ``config_path()``); never writes."""
    if path is None:
        from m3tui.core.config import config_path

        path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LintConfig(), []
    except (OSError, UnicodeDecodeError) as exc:
        return LintConfig(), [f"{path.name}: cannot read ({exc}); using the default lint rules"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return LintConfig(), [f"{path.name}: not valid TOML ({exc}); using the default lint rules"]
    logs = data.get("logs")
    if logs is None:
        return LintConfig(), []
    if not isinstance(logs, dict):
        return LintConfig(), [f"{path.name}: [logs] must be a table; using the default lint rules"]
    return parse_lint_table(logs.get("lint"), path.name)


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
) -> LintReport:
    """Lint every line; line numbers in the report are 1-based.

    ``config`` (e.g. from :func:`load_lint_config`) gives both rules and
    required fields; otherwise ``rules`` (default :data:`DEFAULT_RULES`) and
    ``required`` (default ``level`` and ``time``).
    """
    if config is not None:
        rules = make_rules(config) if rules is None else rules
        required = config.required if required is None else required
    rules = DEFAULT_RULES if rules is None else rules
    required = tuple(LintConfig().required if required is None else required)
    report = LintReport(counts={r.name: 0 for r in rules})
    loads = json.loads
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if not s:
            continue
        rec: Any = None
        if s[0] == "{":
            try:
                rec = loads(s)
            except (ValueError, RecursionError):
                rec = None
        if not isinstance(rec, dict):
            report.non_json += 1
            continue
        report.checked += 1
        for rule, value, message in lint_record(rec, rules, required):
            report.violations.append(Violation(n, rule.name, rule.field, value, message))
            report.counts[rule.name] = report.counts.get(rule.name, 0) + 1
    return report


def report_json(report: LintReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "checked": report.checked,
        "non_json": report.non_json,
        "violation_count": len(report.violations),
        "counts": dict(report.counts),
        "violations": [
            {"line": v.line, "rule": v.rule, "field": v.field, "value": v.value, "message": v.message}
            for v in report.violations
        ],
        "warnings": list(report.warnings),
    }
