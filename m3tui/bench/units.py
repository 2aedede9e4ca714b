"""benchstat's units and numbers (golang.org/x/perf/benchunit): unit tidying (ns -> sec,
MB -> B), SI or IEC prefixes chosen per table row, and Go's ``%v`` float formatting.

Split from :mod:`m3tui.bench.stats`: the statistics decide the numbers, this module only writes
them. Pure Python; never imports Textual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

__all__ = [
    "BINARY",
    "DECIMAL",
    "Scaler",
    "common_scale",
    "format_center",
    "go_value",
    "tidy_unit",
    "unit_class",
]


def go_value(x: float) -> str:
    """Format a number like Go's ``%v`` / ``fmt.Sprint`` (shortest digits,
    ``%e`` form when the decimal exponent is < -4 or >= 6)."""
    if isinstance(x, int):
        return str(x)
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if math.isnan(x):
        return "NaN"
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    r = repr(float(abs(x)))  # shortest round-trip digits
    mant, _, ex = r.partition("e")
    ip, _, fp = mant.partition(".")
    raw = (ip + fp).lstrip("0")
    # exponent of the leading significant digit
    e = (int(ex) if ex else 0) + len(ip.lstrip("0")) - 1 if ip.lstrip("0") else \
        (int(ex) if ex else 0) - (len(fp) - len(fp.lstrip("0"))) - 1
    digits = raw.rstrip("0") or "0"
    sg = "-" if x < 0 else ""
    if e < -4 or e >= 6:
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sg}{m}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if e >= 0:
        if len(digits) <= e + 1:
            return sg + digits + "0" * (e + 1 - len(digits))
        return sg + digits[: e + 1] + "." + digits[e + 1:]
    return sg + "0." + "0" * (-e - 1) + digits


# ---------------------------------------------------------------------------
# Units and number formatting (benchunit)

DECIMAL = "decimal"
BINARY = "binary"


def _unit_tokens(unit: str) -> Iterator[tuple[str, int, bool]]:
    """Yield (token, pos, in_denominator) like benchunit's parser."""
    denom = False
    i, n = 0, len(unit)
    while i < n:
        ch = unit[i]
        if ch == "*":
            denom = False
            i += 1
        elif ch == "/":
            denom = True
            i += 1
        elif ch == "-" or ch.isspace():
            i += 1
        else:
            j = i
            while j < n and not (unit[j] in "*/-" or unit[j].isspace()):
                j += 1
            yield unit[i:j], i, denom
            i = j


def tidy_unit(unit: str) -> tuple[str, float]:
    """Normalise pre-scaled units: ns -> sec (×1e-9), MB -> B (×1e6)."""
    if unit == "ns/op":
        return "sec/op", 1e-9
    if unit == "MB/s":
        return "B/s", 1e6
    if unit in ("B/op", "allocs/op"):
        return unit, 1.0
    if "ns" not in unit and "MB" not in unit:
        return unit, 1.0
    factor = 1.0
    edits = []
    for tok, pos, denom in _unit_tokens(unit):
        if denom:
            continue
        if tok == "ns":
            edits.append((pos, 2, "sec"))
            factor /= 1e9
        elif tok == "MB":
            edits.append((pos, 2, "B"))
            factor *= 1e6
    for pos, ln, rep in reversed(edits):
        unit = unit[:pos] + rep + unit[pos + ln:]
    return unit, factor


def unit_class(unit: str) -> str:
    for tok, _, denom in _unit_tokens(unit):
        if tok in ("B", "MB", "bytes") and not denom:
            return BINARY
    return DECIMAL


@dataclass(frozen=True)
class Scaler:
    prec: int
    factor: float
    prefix: str

    def format(self, val: float) -> str:
        if self.prec < 0:
            return go_value(val / self.factor) + self.prefix
        return f"{val / self.factor:.{self.prec}f}{self.prefix}"


# (factor, prefix, then the least values that common_scale shows with 1, 2 and 3 decimals)
_Factor = tuple[float, str, float, float, float]


def _si_factors() -> list[_Factor]:
    out: list[_Factor] = []
    exp = 12
    for p in ["T", "G", "M", "k", "", "m", "µ", "n"]:
        out.append((10.0 ** exp if exp >= 0 else math.pow(10, exp), p,
                    float(f"99.995e{exp}"), float(f"9.9995e{exp}"), float(f".99995e{exp}")))
        exp -= 3
    return out


def _iec_factors() -> list[_Factor]:
    out: list[_Factor] = []
    exp = 40
    for p in ["Ti", "Gi", "Mi", "Ki", ""]:
        out.append((math.pow(2, exp), p,
                    float.fromhex(f"0x1.8ffae147ae148p{6 + exp}"),
                    float.fromhex(f"0x1.3ffbe76c8b439p{3 + exp}"),
                    float.fromhex(f"0x1.fff972474538fp{-1 + exp}")))
        exp -= 10
    return out


_SI = _si_factors()
_IEC = _iec_factors()
_SIGFIGS = [float(f"9.9995e{e}") for e in range(-1, -9, -1)]


def common_scale(values: Iterable[float], cls: str = DECIMAL) -> Scaler:
    """Scaler showing >= 3 significant digits for every value."""
    mn = 0.0
    for v in values:
        v = abs(v)
        if v != 0 and (mn == 0 or v < mn):
            mn = v
    if mn == 0:
        return Scaler(3, 1.0, "")
    factors = _IEC if cls == BINARY else _SI
    for fac, prefix, t100, t10, t1 in factors:
        if mn >= t100:
            return Scaler(1, fac, prefix)
        if mn >= t10:
            return Scaler(2, fac, prefix)
        if mn >= t1:
            return Scaler(3, fac, prefix)
    fac, prefix = factors[-1][0], factors[-1][1]
    val = mn / fac
    for i, thresh in enumerate(_SIGFIGS):
        if val >= thresh or i == len(_SIGFIGS) - 1:
            return Scaler(i + 3, fac, prefix)
    raise AssertionError("unreachable")


def format_center(value: float, unit: str, row: Sequence[float] | None = None) -> str:
    """Format a centre like benchstat: ``format_center(46.55, "ns/op")`` ->
    ``"46.55n"``; ``format_center(1024, "B/op")`` -> ``"1.000Ki"``.

    ``value`` (and ``row``) are in ``unit``; pre-scaled units (ns, MB) are
    tidied first. ``row`` gives all centres of the table row, which share
    one scale in benchstat (e.g. ``115.00n`` next to ``78.80n``).
    """
    tidied, factor = tidy_unit(unit)
    v = value * factor
    vals = [x * factor for x in row] if row is not None else [v]
    return common_scale(vals, unit_class(tidied)).format(v)
