"""Strict JSON for every ``--json`` output: what Python's json would write as NaN or Infinity
(which strict parsers such as jq's or Go's reject) is written as null instead, and DEL, the C1
controls and U+2028/2029 (raw, a terminal may act on them) as \\u escapes: still the same JSON,
since they can only occur inside strings."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

_ESCAPES = {c: f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)}


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats as None, in dicts, lists and tuples at any depth."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text (``allow_nan=False`` after `json_safe`); unknown objects as their str()."""
    text = json.dumps(json_safe(value), indent=indent, allow_nan=False, ensure_ascii=False, default=str)
    return text.translate(_ESCAPES)


#: Each ``--json`` output's schema number, by command; JSON.md (top level) documents every shape.
#: A change of an output's shape (a key added, removed, renamed or retyped) bumps its number
#: (tests/unit/test_json_schema.py records each command's keys per number).
SCHEMAS: dict[str, int] = {
    "error": 1,  # any command's --json failure: {"schema", "error": {"code", "exit", "message"}}
    "doctor": 2,  # 2: each check's "fixes"
    "versions list": 1,
    "versions install": 1,
    "versions default-packages": 1,
    "versions use": 1,
    "versions remove": 1,
    "versions prune": 1,
    "versions current": 1,
    "versions project": 1,
    "bench run": 1,  # bench history rerun too
    "bench compare": 1,
    "bench history list": 1,
    "bench history show": 1,
    "bench history delete": 1,
    "profile top": 1,
    "profile peek": 1,
    "profile list": 1,
    "profile traces": 1,
    "profile capture": 1,
    "profile captured": 1,  # profile list with no FILE too
    "profile tune": 1,
    "logs --lint": 1,
    "logs --where": 1,  # streamed: the lines as they match
    "logs --tests": 1,
}


def document(command: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` as ``command``'s ``--json`` document: ``"schema"`` (its number in `SCHEMAS`) first."""
    return {"schema": SCHEMAS[command], **{k: v for k, v in payload.items() if k != "schema"}}


def dumps_doc(command: str, payload: Mapping[str, Any]) -> str:
    """``command``'s ``--json`` document as strict JSON text (`document` through `dumps`)."""
    return dumps(document(command, payload))
