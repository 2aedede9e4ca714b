"""The live results table's model: samples grouped per benchmark row, summarised on demand.

Samples arrive one by one (often many per second on short benchmarks); the pane repaints at a low
rate. This model takes every sample at once (cheap appends) and hands the pane only the rows that
changed since its last repaint, so a repaint costs the changed rows, not the whole table. The pure
functions here are what the headless summary and the pane share.

Plain Python; never imports Textual.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from m3tui.bench import stats as bs
from m3tui.bench.fmt import BenchResult
from m3tui.bench.units import common_scale, tidy_unit, unit_class

SPARK = "▁▂▃▄▅▆▇█"


@dataclass
class LiveRow:
    key: tuple[str, str, int]  # (toolchain label, benchmark name, GOMAXPROCS)
    samples: dict[str, list[float]] = field(default_factory=dict)  # unit -> values, in arrival order

    @property
    def label(self) -> str:
        return self.key[0]

    @property
    def name(self) -> str:
        return self.key[1]

    @property
    def procs(self) -> int:
        return self.key[2]

    @property
    def n(self) -> int:
        return max((len(v) for v in self.samples.values()), default=0)


@dataclass(frozen=True)
class CellView:
    """A unit's cell: the median (scaled like benchstat) and the ± interval."""

    center: str
    interval: str
    warning: str | None


class LiveTable:
    """Rows keyed by (label, name, procs), in first-seen order; units in first-seen order."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, int], LiveRow] = {}
        self.units: list[str] = []
        self.labels: dict[str, None] = {}  # toolchain labels seen, in order
        self._dirty: dict[tuple[str, str, int], None] = {}
        self.samples = 0

    def add(self, label: str, result: BenchResult) -> None:
        key = (label, result.name, result.procs)
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = LiveRow(key)
            self.labels.setdefault(label, None)
        for unit, value in result.values.items():
            values = row.samples.get(unit)
            if values is None:
                values = row.samples[unit] = []
                if unit not in self.units:
                    self.units.append(unit)
            values.append(value)
        self._dirty[key] = None
        self.samples += 1

    def take_dirty(self) -> list[LiveRow]:
        """The rows changed since the last call (for the next repaint)."""
        keys, self._dirty = self._dirty, {}
        return [self.rows[k] for k in keys]

    def clear(self) -> None:
        self.rows.clear()
        self.units.clear()
        self.labels.clear()
        self._dirty.clear()
        self.samples = 0


def cell_view(values: Sequence[float], unit: str) -> CellView:
    """Median and interval of one unit's samples, formatted as benchstat would."""
    tunit, factor = tidy_unit(unit)
    summary = bs.summarize([v * factor for v in values], 0.95)
    scaler = common_scale([summary.center], unit_class(tunit))
    return CellView(scaler.format(summary.center), bs.format_interval(summary), summary.warning)


def sparkline(values: Sequence[float], width: int = 10) -> str:
    """The last ``width`` samples as block characters (drift and outliers at a glance)."""
    tail = [v for v in values[-width:] if math.isfinite(v)]
    if not tail:
        return ""
    lo, hi = min(tail), max(tail)
    if hi == lo:
        return SPARK[3] * len(tail)
    scale = (len(SPARK) - 1) / (hi - lo)
    return "".join(SPARK[round((v - lo) * scale)] for v in tail)


def display_unit(unit: str) -> str:
    """The column heading benchstat uses for a unit (ns/op -> sec/op)."""
    return tidy_unit(unit)[0]
