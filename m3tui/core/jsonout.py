"""Strict JSON for every ``--json`` output: what Python's json would write as NaN or Infinity
(which strict parsers such as jq's or Go's reject) is written as null instead."""

from __future__ import annotations

import json
import math
from typing import Any


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
    return json.dumps(json_safe(value), indent=indent, allow_nan=False, ensure_ascii=False, default=str)
