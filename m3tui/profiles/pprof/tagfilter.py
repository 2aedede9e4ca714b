"""pprof's tag filters, `-tagfocus` and `-tagignore` (driver.compileTagFilter,
parseTagFilterRange; profile.FilterSamplesByTag), over the samples :mod:`.pipeline` parsed:
a regexp on string labels ("key=RE", or RE on "key:value"), or a numeric range ("32kb",
":64kb", "4mb:", "12kb:64mb") on numeric labels in their units. Split from `pipeline`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from m3tui.profiles.pprof.graph import Filters, check_regexp
from m3tui.profiles.pprof.measure import scale

if TYPE_CHECKING:
    from m3tui.profiles.pprof.pipeline import _Prof, _Sample

__all__ = ["check_tag_filter", "filter_tags"]


_RANGE = re.compile(r"([+-]?[0-9]+)([A-Za-z]+)?")


def _range(text: str) -> Callable[[int, str], bool] | None:
    """driver.parseTagFilterRange: "32kb", ":64kb", "4mb:", "12kb:64mb"; None: not a range."""
    found = [(m[0], m[1], m[2] or "") for m in _RANGE.finditer(text)][:2]
    if not found:
        return None
    whole, number, unit0 = found[0]
    lo, unit = scale(int(number), unit0, unit0)
    if len(found) == 1:
        if text == whole:
            return lambda v, u: _in(v, u, unit, lo, lo)
        if text == whole + ":":
            return lambda v, u: _in(v, u, unit, lo, None)
        if text == ":" + whole:
            return lambda v, u: _in(v, u, unit, None, lo)
        return None
    if text != whole + ":" + found[1][0]:
        return None
    hi, unit2 = scale(int(found[1][1]), found[1][2], unit)
    if unit2 != unit:
        return None
    return lambda v, u: _in(v, u, unit, lo, hi)


def _in(v: int, u: str, unit: str, lo: float | None, hi: float | None) -> bool:
    sv, su = scale(v, u, unit)
    return su == unit and (lo is None or sv >= lo) and (hi is None or sv <= hi)


def check_tag_filter(name: str, value: str) -> None:
    """A -tagfocus / -tagignore value checked before any profile is read (a regexp that does not
    compile: `ProfileError`, as `filter_tags` would raise)."""
    _tag_filter(name, value, {}, [])


def _tag_filter(name: str, value: str | None, units: dict[str, str],
                warnings: list[str]) -> Callable[[_Sample], bool] | None:
    if not value:
        return None
    key, eq, rest = value.partition("=")
    want, value = (key, rest) if eq else ("", value)
    num = _range(value)
    if num is not None:
        warnings.append(f"{name}:Interpreted '{value}' as range, not regexp")
        if not want:
            return lambda s: any(num(v, units.get(k, "")) for k, vs in s.nums.items() for v in vs)
        return lambda s: any(num(v, units.get(want, "")) for v in s.nums.get(want, ()))
    rxs = [check_regexp(part, name) for part in value.split(",")]
    if not want:
        return lambda s: all(any(bool(rx.search(f"{k}:{v}")) for k, vs in s.labels.items() for v in vs) for rx in rxs)
    return lambda s: want in s.labels and any(bool(rx.search(v)) for rx in rxs for v in s.labels[want])


def _num_units(p: _Prof) -> dict[str, str]:
    """profile.NumLabelUnits: each numeric label's unit (the first seen; by its name if none)."""
    units: dict[str, str] = {}
    keys: set[str] = set()
    for smp in p.samples:
        for k in smp.nums:
            keys.add(k)
            for u in smp.units.get(k, ()):
                if u and k not in units:
                    units[k] = u
    for k in keys:
        if not units.get(k):
            units[k] = "bytes" if k in ("alignment", "request") else k
    return units


def filter_tags(p: _Prof, f: Filters, warnings: list[str]) -> None:
    units = _num_units(p)
    focus = _tag_filter("tagfocus", f.tagfocus, units, warnings)
    ignore = _tag_filter("tagignore", f.tagignore, units, warnings)
    if focus is None and ignore is None:
        return
    fm = im = False
    out = []
    for smp in p.samples:
        focused = focus is None or focus(smp)
        ignored = ignore is not None and ignore(smp)
        fm, im = fm or focused, im or ignored
        if focused and not ignored:
            out.append(smp)
    p.samples = out
    if focus is not None and not fm:
        warnings.append("TagFocus expression matched no samples")
    if ignore is not None and not im:
        warnings.append("TagIgnore expression matched no samples")
