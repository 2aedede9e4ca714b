"""Scaling tables for a ``-cpu`` sweep: how a benchmark's time per op changes with GOMAXPROCS.

People run ``go test -bench . -cpu 1,2,4,8`` and then work out by hand, per benchmark, the
speed-up and the parallel efficiency against GOMAXPROCS=1. This module does that from parsed
results (:mod:`m3tui.bench.fmt`), using benchstat's median and confidence interval
(:mod:`m3tui.bench.stats`) so the numbers match what ``benchstat`` would show.

When there is no GOMAXPROCS=1 run, the smallest GOMAXPROCS p0 is the baseline and the table
says so (speed-up t(p0)/t(p), efficiency speed-up / (p/p0)) rather than pretending.

Given what the Go source says of each benchmark (:mod:`m3tui.bench.gosource`: "serial",
"parallel", "unknown"), a table also gets a kind:

- ``serial``: the loop runs on one goroutine, so GOMAXPROCS does not apply; no efficiency is
  shown (speed-up stays: the runtime, its GC above all, may still use the other Ps).
- ``serial-scales``: a serial loop that is nonetheless clearly faster at the largest GOMAXPROCS
  (speed-up >= `FLAT_SPEEDUP` and the two 95% intervals apart): the code it calls, or the GC,
  runs on the other Ps; efficiency shown.
- ``contended``: calls RunParallel, but time per op stays flat: at the largest GOMAXPROCS (at
  least twice the baseline's) the median speed-up is below `FLAT_SPEEDUP` (1.2x, slower
  included); shown with its efficiency there.
- ``parallel``: calls RunParallel and gets faster; ``unknown``: the source could not tell.
Pure Python; never imports Textual.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypedDict

from m3tui.bench.fmt import BenchResult
from m3tui.bench.stats import pct_interval, summarize
from m3tui.bench.units import format_center, tidy_unit
from m3tui.core.text import one_line

__all__ = ["FLAT_SPEEDUP", "ScalingRow", "ScalingTable", "render_scaling", "scaling_json", "scaling_tables"]

_CONFIDENCE = 0.95

#: Below this speed-up at the largest GOMAXPROCS, time per op "stays flat".
FLAT_SPEEDUP = 1.2


@dataclass(frozen=True)
class ScalingRow:
    """One GOMAXPROCS value of a benchmark."""

    procs: int
    center: float  # median per op, in the table's (tidied) unit, e.g. sec/op
    interval_pct: float | None  # half-width of the 95% CI in %; inf when too few samples
    n: int
    speedup: float | None  # t(baseline) / t(procs)
    efficiency: float | None  # speedup / (procs / baseline_procs)


@dataclass(frozen=True)
class ScalingTable:
    """One benchmark (in one configuration) run at two or more GOMAXPROCS values."""

    name: str
    config: dict[str, str]
    unit: str
    rows: tuple[ScalingRow, ...]
    baseline_procs: int | None
    kind: str = "unknown"  # serial, serial-scales, parallel, contended, unknown (module docstring)

    @property
    def note(self) -> str | None:
        """The one-line verdict shown after the title, or None."""
        last = self.rows[-1] if self.rows else None
        if self.kind == "serial":
            return "serial: GOMAXPROCS does not apply"
        if self.kind == "serial-scales":
            return "serial loop, yet faster with more GOMAXPROCS: the code it calls (or the GC) uses the other Ps"
        if self.kind == "contended" and last is not None:
            eff = "?" if last.efficiency is None else f"{last.efficiency * 100:.0f}%"
            return (f"contended: RunParallel, but {self.unit} is flat or worse with more GOMAXPROCS"
                    f" (efficiency {eff} at GOMAXPROCS={last.procs})")
        return None


def scaling_tables(results: Iterable[BenchResult], *, unit: str = "ns/op",
                   kinds: Mapping[str, str] | None = None) -> list[ScalingTable]:
    """One table per (benchmark name, config) measured at >= 2 distinct GOMAXPROCS values.

    Results without ``unit`` are ignored. Tables come in first-seen name order (then
    first-seen config order within a name). ``kinds`` maps a top-level benchmark name
    ("Encode" for "Encode/size=1k") to what its source says (`gosource.read_benchmark_kinds`).
    """
    tidied, factor = tidy_unit(unit)
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], dict[int, list[float]]] = {}
    configs: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}
    name_order: dict[str, int] = {}
    for r in results:
        value = r.values.get(unit)
        if value is None:
            continue
        cfg = dict(r.config)
        key = (r.name, tuple(sorted(cfg.items())))
        name_order.setdefault(r.name, len(name_order))
        configs.setdefault(key, cfg)
        groups.setdefault(key, {}).setdefault(r.procs, []).append(value * factor)

    keys = sorted(groups, key=lambda k: name_order[k[0]])  # stable: configs keep first-seen order
    tables: list[ScalingTable] = []
    for key in keys:
        by_procs = groups[key]
        if len(by_procs) < 2:
            continue
        table = _table(key[0], configs[key], tidied, by_procs)
        source = (kinds or {}).get(key[0].split("/", 1)[0], "unknown")
        tables.append(replace(table, kind=_verdict(source, table)))
    return tables


def _verdict(source: str, table: ScalingTable) -> str:
    """The table's kind from what the source says and how the time per op moved."""
    if source not in ("serial", "parallel") or not table.rows:
        return "unknown"
    first, last = table.rows[0], table.rows[-1]
    if source == "parallel":
        flat = last.speedup is not None and last.speedup < FLAT_SPEEDUP
        wide = table.baseline_procs is not None and last.procs >= 2 * table.baseline_procs
        return "contended" if flat and wide else "parallel"
    p0, p1 = first.interval_pct, last.interval_pct
    apart = (p0 is not None and p1 is not None and math.isfinite(p0) and math.isfinite(p1)
             and last.center * (1 + p1 / 100) < first.center * (1 - p0 / 100))  # fmt: skip
    faster = last.speedup is not None and last.speedup >= FLAT_SPEEDUP
    return "serial-scales" if faster and apart else "serial"


def _table(name: str, config: dict[str, str], unit: str,
           by_procs: dict[int, list[float]]) -> ScalingTable:
    summaries = {p: summarize(xs, _CONFIDENCE) for p, xs in sorted(by_procs.items())}
    p0 = min(summaries)
    t0 = summaries[p0].center
    rows: list[ScalingRow] = []
    for p, s in summaries.items():
        speedup: float | None = None
        efficiency: float | None = None
        if s.center > 0 and t0 > 0 and math.isfinite(t0) and math.isfinite(s.center):
            speedup = t0 / s.center
            efficiency = speedup / (p / p0)
        rows.append(ScalingRow(p, s.center, pct_interval(s), s.n, speedup, efficiency))
    return ScalingTable(name, config, unit, tuple(rows), p0)


def _interval_text(pct: float | None) -> str:
    """Like bench.stats.format_interval, from the stored percentage."""
    if pct is None:
        return "± ?"
    if math.isinf(pct):
        return "± ∞"
    return f"± {pct:.0f}%"


def _title(table: ScalingTable, shown_keys: Sequence[str]) -> str:
    parts = [f"{k}: {table.config[k]}" for k in shown_keys if k in table.config]
    title = table.name + (f"  ({', '.join(parts)})" if parts else "")
    if table.baseline_procs not in (None, 1):
        title += f"  [baseline GOMAXPROCS={table.baseline_procs}]"
    if table.note is not None:
        title += f"  {table.note}"
    return one_line(title)  # names and config values come from the input: escapes shown, not obeyed


def _shown_keys(table: ScalingTable, tables: Sequence[ScalingTable]) -> list[str]:
    """pkg, plus any config key that tells this table apart from another of the same name."""
    keys = ["pkg"] if "pkg" in table.config else []
    for other in tables:
        if other is table or other.name != table.name:
            continue
        for k in sorted(set(table.config) | set(other.config)):
            if k not in keys and table.config.get(k) != other.config.get(k):
                keys.append(k)
    return keys


def render_scaling(tables: Sequence[ScalingTable]) -> list[str]:
    """Plain-text tables, one per benchmark, separated by a blank line."""
    lines: list[str] = []
    for table in tables:
        if lines:
            lines.append("")
        lines.append(_title(table, _shown_keys(table, tables)))
        centres = [format_center(r.center, table.unit) for r in table.rows]
        cw = max(len(c) for c in centres)
        cells = [
            (
                str(r.procs),
                f"{c:>{cw}} {_interval_text(r.interval_pct)}",
                "?" if r.speedup is None else f"{r.speedup:.2f}x",
                "?" if r.efficiency is None else f"{r.efficiency * 100:.0f}%",
            )
            for r, c in zip(table.rows, centres)
        ]
        header = ("GOMAXPROCS", one_line(table.unit), "speed-up", "efficiency")
        shown = 3 if table.kind == "serial" else 4  # no efficiency for a loop on one goroutine
        widths = [max(len(row[i]) for row in (header, *cells)) for i in range(shown)]
        for row in (header, *cells):
            lines.append("   ".join((
                row[0].ljust(widths[0]),
                row[1].ljust(widths[1]),
                *(row[i].rjust(widths[i]) for i in range(2, shown)),
            )).rstrip())
    return lines


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


class ScalingRowJSON(TypedDict):
    procs: int
    center: float
    interval_pct: float | None
    interval: str
    n: int
    speedup: float | None
    efficiency: float | None


class ScalingTableJSON(TypedDict):
    """One table in ``bench --json``'s "scaling" list."""

    name: str
    config: dict[str, str]
    unit: str
    baseline_procs: int | None
    kind: str
    note: str | None
    rows: list[ScalingRowJSON]


def scaling_json(tables: Sequence[ScalingTable]) -> list[ScalingTableJSON]:
    """JSON-ready dicts (an infinite interval becomes null, with ``interval`` saying "± ∞")."""
    return [
        {
            "name": t.name,
            "config": dict(t.config),
            "unit": t.unit,
            "baseline_procs": t.baseline_procs,
            "kind": t.kind,
            "note": t.note,
            "rows": [
                {
                    "procs": r.procs,
                    "center": r.center,
                    "interval_pct": _finite(r.interval_pct),
                    "interval": _interval_text(r.interval_pct),
                    "n": r.n,
                    "speedup": _finite(r.speedup),
                    "efficiency": _finite(r.efficiency),
                }
                for r in t.rows
            ],
        }
        for t in tables
    ]
