"""pprof's internal/measurement: scaling a value between units, its label, a percentage.

Split from :mod:`m3tui.profiles.pprof.analysis` (the reports, which use it). Pure Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Self

__all__ = ["ReportUnit", "common_type", "format_value", "go_round", "percentage", "scale"]

#: (canonical name, the names it is known by, its size in the base unit)
_Unit = tuple[str, tuple[str, ...], float]

_UNIT_TYPES: list[tuple[list[_Unit], tuple[str, float]]] = [
    (
        [
            ("B", ("b", "byte"), 1.0),
            ("kB", ("kb", "kbyte", "kilobyte"), float(1 << 10)),
            ("MB", ("mb", "mbyte", "megabyte"), float(1 << 20)),
            ("GB", ("gb", "gbyte", "gigabyte"), float(1 << 30)),
            ("TB", ("tb", "tbyte", "terabyte"), float(1 << 40)),
            ("PB", ("pb", "pbyte", "petabyte"), float(1 << 50)),
        ],
        ("B", 1.0),
    ),
    (
        [
            ("ns", ("ns", "nanosecond"), 1.0),
            ("us", ("μs", "us", "microsecond"), 1e3),
            ("ms", ("ms", "millisecond"), 1e6),
            ("s", ("s", "sec", "second"), 1e9),
            ("hrs", ("hour", "hr"), 3600e9),
        ],
        ("s", 1e9),
    ),
    (
        [
            ("n*GCU", ("nanogcu",), 1e-9),
            ("u*GCU", ("microgcu",), 1e-6),
            ("m*GCU", ("milligcu",), 1e-3),
            ("GCU", ("gcu",), 1.0),
            ("k*GCU", ("kilogcu",), 1e3),
            ("M*GCU", ("megagcu",), 1e6),
            ("G*GCU", ("gigagcu",), 1e9),
            ("T*GCU", ("teragcu",), 1e12),
            ("P*GCU", ("petagcu",), 1e15),
        ],
        ("GCU", 1.0),
    ),
]


def _sniff(units: Sequence[_Unit], unit: str) -> tuple[str, float] | None:
    unit = unit.lower()
    if len(unit) > 2 and unit.endswith("s"):
        unit = unit[:-1]
    for canon, aliases, factor in units:
        if unit in aliases:
            return canon, factor
    return None


def scale(value: int, from_unit: str, to_unit: str) -> tuple[float, str]:
    """measurement.Scale: value in from_unit expressed in to_unit ("auto"/"minimum": best fit)."""
    if value < 0:
        v, u = scale(-value, from_unit, to_unit)
        return -v, u
    for units, (dcanon, dfactor) in _UNIT_TYPES:
        fu = _sniff(units, from_unit)
        if fu is None:
            continue
        v = float(value) * fu[1]
        if to_unit in ("minimum", "auto"):
            f, name = 0.0, ""
            for canon, _aliases, factor in units:
                if factor >= f and v / factor >= 1.0:
                    f, name = factor, canon
            if f == 0:
                return v / dfactor, dcanon
            return v / f, name
        tu = _sniff(units, to_unit)
        if tu is None:
            return v / dfactor, dcanon
        return v / tu[1], tu[0]
    if to_unit in ("count", "sample", "unit", "minimum", "auto"):
        return float(value), ""
    return float(value), to_unit


def _compatible(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """measurement.compatibleValueTypes: one type (a trailing "s" aside), units of one kind."""
    if a[0].removesuffix("s") != b[0].removesuffix("s"):
        return False
    return a[1] == b[1] or any(_sniff(units, a[1]) is not None and _sniff(units, b[1]) is not None
                               for units, _default in _UNIT_TYPES)


def common_type(types: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """measurement.CommonValueType: of (type, unit)s, the one in the finest unit (the first such),
    what merged profiles are scaled to; None for fewer than two (nothing to scale). Raises
    ValueError(i) when ``types[i]`` cannot be put in the same unit as those before it."""
    if len(types) <= 1:
        return None
    finest = types[0]
    for i, t in enumerate(types[1:], 1):
        if not _compatible(finest, t):
            raise ValueError(i)
        if scale(1, t[1], finest[1])[0] < 1:
            finest = t
    return finest


def go_round(x: float) -> int:
    """Go's math.Round (half away from zero), as int64: Python's round() rounds half to even."""
    whole = math.trunc(x)
    return whole + (1 if x > 0 else -1) if abs(x - whole) >= 0.5 else whole


class ReportUnit(str):
    """A sample unit (a plain `str`) that also carries the output unit its report chose."""

    output_unit: str = "auto"

    def __new__(cls, unit: str, output_unit: str = "auto") -> Self:
        obj = super().__new__(cls, unit)
        obj.output_unit = output_unit
        return obj


def format_value(value: int, unit: str, output_unit: str | None = None) -> str:
    """measurement.ScaledLabel: "10ms", "1.50MB", "512.02kB", "1234".

    `unit` is the sample type's unit; `output_unit` the unit to show the value in ("auto": the
    best unit for this one value). Left out, it is `unit.output_unit` when `unit` is a
    `TopReport.unit` (the unit pprof picks for the whole report, e.g. "0.56s" rather than
    "560ms"), else "auto".
    """
    if output_unit is None:
        output_unit = unit.output_unit if isinstance(unit, ReportUnit) else "auto"
    v, u = scale(value, str(unit), output_unit)
    sv = f"{v:.2f}"
    if sv.endswith(".00"):
        sv = sv[:-3]
    if sv in ("0", "-0"):
        return "0"
    return sv + u


def percentage(value: int, total: int) -> str:
    """measurement.Percentage: at least two digits, padded to width 5 ("  100%", " 5.00%")."""
    ratio = abs(value / total) * 100 if total != 0 else 0.0
    if 99.95 <= ratio <= 100.05:
        return "  100%"
    if ratio >= 1.0:
        return f"{ratio:5.2f}%"
    return f"{ratio:5.2g}%"
