"""The fields of one structured log line (a JSON object or logfmt), as a flat mapping.

:func:`record_fields` is what the field filter (``--where``, the pane's ``&``) and the trace
follow (``t``) look values up in: every key as written (``level``, ``time``, ``msg`` too),
nested JSON objects flattened with dots (``{"http": {"status": 500}}`` → ``http.status``),
values as JSON decoded them (logfmt values are strings, unquoted). A line is structured exactly
when :func:`m3tui.logs.format.parse_line` says so (a JSON object, or logfmt with ``level=``,
``lvl=`` or ``msg=``); plain text gives None.

Pure functions over bytes, no I/O; never imports Textual.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from m3tui.logs.format import _LOGFMT_PAIR, _unquote

__all__ = ["MAX_DEPTH", "flatten", "record_fields", "seen_fields"]

#: Nesting flattened into dotted keys; an object deeper than this stays a value (a dict).
MAX_DEPTH = 8


def flatten(obj: dict[str, Any], prefix: str = "", out: dict[str, object] | None = None, depth: int = 0) -> dict[str, object]:
    """``obj`` with nested objects as dotted keys; an empty object stays a value ({}), lists stay lists."""
    out = {} if out is None else out
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and depth < MAX_DEPTH:
            flatten(v, key + ".", out, depth + 1)
        else:
            out[key] = v
    return out


def record_fields(raw: bytes) -> dict[str, object] | None:
    """The fields of one log line (bytes, with or without its newline); None for plain text.

    Never raises: a line that looks like JSON and does not parse is tried as logfmt, then is plain.
    """
    text = raw.decode("utf-8", "replace").strip().lstrip("\ufeff")
    if text.startswith("{") and text.endswith("}"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            for v in data.values():
                if isinstance(v, dict):
                    return flatten(data)
            return data  # nothing nested: as decoded (most lines; half the cost of flattening)
    if "=" in text and ("level=" in text or "msg=" in text or "lvl=" in text):
        pairs = _LOGFMT_PAIR.findall(text)
        if pairs:
            d: dict[str, object] = {k: _unquote(v) for k, v in pairs}
            if "level" in d or "lvl" in d or "msg" in d:
                return d
    return None


def seen_fields(lines: Iterable[bytes], most_values: int = 12) -> dict[str, list[str]]:
    """The field names of these lines, the most frequent first, each with its values (as text,
    sorted) when it has at most ``most_values`` distinct ones, else []: what the ``&`` prompt completes."""
    counts: dict[str, int] = {}
    values: dict[str, set[str] | None] = {}
    for raw in lines:
        fields = record_fields(raw)
        if not fields:
            continue
        for name, value in fields.items():
            counts[name] = counts.get(name, 0) + 1
            seen = values.setdefault(name, set())
            if seen is None or isinstance(value, (dict, list)):
                continue
            seen.add(value if isinstance(value, str) else json.dumps(value))
            if len(seen) > most_values:
                values[name] = None
    return {name: sorted(values[name] or ()) for name in sorted(counts, key=lambda n: (-counts[n], n))}
