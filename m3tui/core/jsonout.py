"""Strict JSON for every ``--json`` output: what Python's json would write as NaN or Infinity
(which strict parsers such as jq's or Go's reject) is written as null instead, and DEL, the C1
controls and U+2028/2029 (raw, a terminal may act on them) as \\u escapes: still the same JSON,
since they can only occur inside strings."""

from __future__ import annotations

import json
import math
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
