"""benchstat's comparison tables: rows by benchmark, columns by file (or by a config key).

Built on benchfmt (parsing) and benchstats (the numbers). Tables split by the config
keys that vary between results (pkg, goos, …) and by unit, as benchstat's do; the first
column is the base every other column is compared with. `render_text` lays them out;
the numbers and footnotes are benchstat's, the layout is ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import benchstats as bs
from .benchfmt import BenchResult

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def superscript(i: int) -> str:
    return "".join(SUPERSCRIPTS[int(d)] for d in str(i))


@dataclass(frozen=True)
class Cell:
    summary: bs.Summary
    comparison: bs.Comparison | None  # against the first column; None for the first column


@dataclass
class Table:
    config: dict[str, str]  # what this table's results share (pkg, goos, …)
    unit: str  # tidied: sec/op, B/op, B/s, …
    columns: list[str]
    rows: list[tuple[str, dict[str, Cell]]] = field(default_factory=list)
    geomean: dict[str, bs.ColumnSummary] = field(default_factory=dict)
    adjusted: int = 0  # comparisons whose p-values were Holm-adjusted together (0: none)


def display_name(result: BenchResult) -> str:
    """Name as benchstat shows it: with the -P suffix when GOMAXPROCS is not 1."""
    return result.name if result.procs == 1 else f"{result.name}-{result.procs}"


def build_tables(
    columns: Sequence[tuple[str, Sequence[BenchResult]]],
    *,
    col_key: str | None = None,
    ignore: Sequence[str] = (),
    assume: dict[str, str] | None = None,
    holm: bool = False,
) -> list[Table]:
    """Group samples into tables. columns: (label, results) per input file; with ``col_key``
    the columns come from that config key instead (benchstat's ``-col note``).

    ``holm``: adjust each table's p-values together (Holm-Bonferroni), so comparing many
    benchmarks at once does not turn chance into "significant" rows. benchstat never does this.
    """
    assume = assume or {}
    order: dict[str, dict[str, int]] = {}
    field_order: list[str] = []

    def observe(fld: str, val: str) -> None:
        if fld not in order:
            order[fld] = {}
            field_order.append(fld)
        order[fld].setdefault(val, len(order[fld]))

    grouped: dict[tuple[tuple[str, str], ...], dict[tuple[str, str], list[float]]] = {}
    for label, results in columns:
        for r in results:
            column = r.config.get(col_key, "") if col_key else label
            tcfg = tuple((k, v) for k, v in r.config.items() if k not in ignore and k != col_key)
            for k, v in tcfg:
                observe(k, v)
            name = display_name(r)
            observe(".name", name)
            observe(".col", column)
            for unit, value in r.values.items():
                tunit, factor = bs.tidy_unit(unit)
                observe(".unit", tunit)
                cells = grouped.setdefault(tcfg + ((".unit", tunit),), {})
                cells.setdefault((name, column), []).append(value * factor)

    def table_order(key: tuple[tuple[str, str], ...]) -> tuple[int, ...]:
        d = dict(key)
        return tuple(order[f].get(d[f], -1) if f in d else -1 for f in field_order if f not in (".name", ".col"))

    tables = []
    for key in sorted(grouped, key=table_order):
        cells = grouped[key]
        config = dict(key)
        unit = config.pop(".unit")
        names = sorted({n for n, _ in cells}, key=order[".name"].__getitem__)
        cols = sorted({c for _, c in cells}, key=order[".col"].__getitem__)
        mode = assume.get(unit, "nothing")
        table = Table(config, unit, cols)
        for name in names:
            row: dict[str, Cell] = {}
            for i, col in enumerate(cols):
                if (name, col) not in cells:
                    continue
                base = cells.get((name, cols[0])) if i > 0 else None
                comparison = bs.compare(base, cells[(name, col)], 0.05, mode) if base is not None else None
                row[col] = Cell(bs.summarize(cells[(name, col)], 0.95, mode), comparison)
            table.rows.append((name, row))
        if len(names) > 1:
            base_centers = [row[cols[0]].summary.center if cols[0] in row else None for _, row in table.rows]
            for i, col in enumerate(cols):
                centers = [row[col].summary.center if col in row else None for _, row in table.rows]
                table.geomean[col] = bs.summarize_column(centers, None if i == 0 else base_centers)
        if holm:
            _holm(table)
        tables.append(table)
    return tables


def _holm(table: Table) -> None:
    """Replace each comparison's p-value with its Holm-adjusted one, within this table."""
    spots = [(i, col) for i, (_, row) in enumerate(table.rows) for col, cell in row.items() if cell.comparison is not None]
    comparisons = [table.rows[i][1][col].comparison for i, col in spots]
    if len(comparisons) < 2:
        return
    adjusted = bs.holm_adjust([c.p for c in comparisons])
    for (i, col), c, p in zip(spots, comparisons, adjusted):
        cell = table.rows[i][1][col]
        table.rows[i][1][col] = Cell(cell.summary, bs.with_adjusted_p(c, p))
    table.adjusted = len(comparisons)


def render_text(tables: Sequence[Table]) -> list[str]:
    """benchstat-like text: config headers when they change, aligned rows, footnotes per table."""
    out: list[str] = []
    previous: dict[str, str] | None = None
    for table in tables:
        for k, v in table.config.items():
            if previous is None or previous.get(k) != v:
                out.append(f"{k}: {v}")
        previous = table.config
        cls = bs.unit_class(table.unit)
        warnings: list[str] = []

        def mark(*messages: str | None) -> str:
            marks = []
            for m in messages:
                if m:
                    if m not in warnings:
                        warnings.append(m)
                    marks.append(superscript(warnings.index(m) + 1))
            return " ".join(marks)

        header = ["", *(f"{c} {table.unit}" for c in table.columns)]
        grid: list[list[str]] = []
        for name, row in table.rows:
            scaler = bs.common_scale([cell.summary.center for cell in row.values()], cls)
            line = [name]
            for col in table.columns:
                cell = row.get(col)
                if cell is None:
                    line.append("")
                    continue
                text = f"{scaler.format(cell.summary.center)} {bs.format_interval(cell.summary)} {mark(cell.summary.warning)}"
                if cell.comparison is not None:
                    c = cell.comparison
                    text += f" {bs.format_delta(c)} {bs.format_p(c)} {mark(c.warning)}"
                line.append(" ".join(text.split()))
            grid.append(line)
        if table.geomean:
            line = ["geomean"]
            for i, col in enumerate(table.columns):
                g = table.geomean.get(col)
                if g is None:
                    line.append("")
                    continue
                parts = [bs.common_scale([g.geomean], cls).format(g.geomean)] if g.geomean is not None else []
                if i > 0:
                    parts.append(bs.format_ratio(g.ratio))
                parts.append(mark(*g.warnings))
                line.append(" ".join(" ".join(parts).split()))
            grid.append(line)
        widths = [max(len(r[i]) for r in [header, *grid]) for i in range(len(header))]
        out.append(" " * widths[0] + "  │ " + " │ ".join(h.ljust(w) for h, w in zip(header[1:], widths[1:])) + " │")
        for r in grid:
            out.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        out += [f"{superscript(i + 1)} {m}" for i, m in enumerate(warnings)]
        if table.adjusted:
            out.append(f"p-values Holm-Bonferroni adjusted over {table.adjusted} comparisons")
        out.append("")
    return out[:-1] if out and out[-1] == "" else out


def to_json(tables: Sequence[Table]) -> list[dict]:
    def cell(c: Cell) -> dict:
        s = c.summary
        d = {"center": s.center, "lo": s.lo, "hi": s.hi, "n": s.n, "interval_pct": bs.pct_interval(s), "warning": s.warning}
        if c.comparison is not None:
            k = c.comparison
            d["vs_base"] = {"delta_pct": k.delta_pct, "p": k.p, "significant": k.significant, "warning": k.warning}
            if k.p_raw is not None:
                d["vs_base"]["p_unadjusted"] = k.p_raw
        return d

    return [
        {
            "config": t.config,
            "unit": t.unit,
            "columns": t.columns,
            "rows": [{"name": name, "cells": {col: cell(c) for col, c in row.items()}} for name, row in t.rows],
            "geomean": {col: {"value": g.geomean, "ratio": g.ratio} for col, g in t.geomean.items()},
            "holm_adjusted": t.adjusted,
        }
        for t in tables
    ]
