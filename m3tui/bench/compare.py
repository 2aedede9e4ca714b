"""benchstat's comparison tables: by default rows by benchmark, columns by file, tables by
config and unit; any benchproc projection and filter (``-table``, ``-row``, ``-col``,
``-ignore``, ``-filter``) instead.

Built on :mod:`m3tui.bench.fmt` (parsing), :mod:`m3tui.bench.benchtab` (the grouping, over
:mod:`m3tui.bench.benchproc` and :mod:`m3tui.bench.benchfilter`) and :mod:`m3tui.bench.stats`
(the numbers); the first column is the base every other column is compared with.
`render_text` and `render_csv` lay them out as benchstat's text and CSV formats do, byte for byte.
"""
from __future__ import annotations

import math

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NotRequired, TypedDict

from m3tui.bench import stats as bs
from m3tui.bench.fmt import BenchResult
from m3tui.bench.units import common_scale, tidy_unit, unit_class
from m3tui.core.text import one_line

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def superscript(i: int) -> str:
    return "".join(SUPERSCRIPTS[int(d)] for d in str(i))


@dataclass(frozen=True)
class Cell:
    summary: bs.Summary
    comparison: bs.Comparison | None  # against the first column; None for the first column
    vary: str | None = None  # "benchmarks vary in …": what no projection names differs within the cell


@dataclass
class Table:
    config: dict[str, str]  # what this table's results share (pkg, goos, …)
    unit: str  # tidied: sec/op, B/op, B/s, …
    columns: list[str]
    rows: list[tuple[str, dict[str, Cell]]] = field(default_factory=list)
    geomean: dict[str, bs.ColumnSummary] = field(default_factory=dict)
    adjusted: int = 0  # comparisons whose p-values were Holm-adjusted together (0: none)
    # The column header rows when columns have several fields (-col a,b): per level, (value,
    # first column, span). None: one row, the column labels.
    col_levels: list[list[tuple[str, int, int]]] | None = None

    def header_levels(self) -> list[list[tuple[str, int, int]]]:
        if self.col_levels is None:
            return [[(c, i, 1) for i, c in enumerate(self.columns)]]
        return self.col_levels


def display_name(result: BenchResult) -> str:
    """Name as benchstat shows it: as written (``Parse-1`` stays ``Parse-1``); for a result not
    parsed from text, with the -P suffix when GOMAXPROCS is not 1."""
    if result.written:
        return result.written
    return result.name if result.procs == 1 else f"{result.name}-{result.procs}"


def unit_assumptions(text: str, into: dict[str, str] | None = None) -> dict[str, str]:
    """The ``assume=`` of benchstat's unit metadata lines (``Unit points/op assume=exact``), by
    tidied unit; ``into``: what earlier inputs said, which is kept (benchfmt's first wins)."""
    if "Unit" not in text:
        return {} if into is None else into
    return unit_assumptions_of_lines(text.split("\n"), into)


def unit_assumptions_of_lines(lines: Sequence[str], into: dict[str, str] | None = None) -> dict[str, str]:
    """:func:`unit_assumptions` of the lines a parse kept (``ParseResult.unit_lines``): no second
    pass over the text."""
    found = {} if into is None else into
    for line in lines:
        line = line.rstrip("\r")
        if not line.startswith("Unit"):
            continue
        fields = line.split()
        if len(fields) < 2 or fields[0] != "Unit":
            continue
        unit = tidy_unit(fields[1])[0]
        for kv in fields[2:]:
            key, eq, value = kv.partition("=")
            if eq and key == "assume":
                found.setdefault(unit, value)
    return found


def build_tables(
    columns: Sequence[tuple[str, Sequence[BenchResult]]],
    *,
    col_key: str | None = None,
    ignore: Sequence[str] = (),
    assume: dict[str, str] | None = None,
    holm: bool = False,
    alpha: float = 0.05,
    confidence: float = 0.95,
    table: str = ".config",
    row: str = ".fullname",
    col: str | None = None,
    filter: str = "*",
) -> list[Table]:
    """benchstat's tables. columns: (label, results) per input file (the label is ``.file``).
    ``table``, ``row``, ``col``: benchstat's ``-table``, ``-row``, ``-col`` projections (``col``
    defaults to ``col_key``, a config key, else ``.file``); ``ignore``: the ``-ignore`` keys or
    projections; ``filter``: ``-filter``. UsageError for a malformed one.

    ``holm``: adjust each table's p-values together (Holm-Bonferroni), so comparing many
    benchmarks at once does not turn chance into "significant" rows. benchstat never does this.
    ``alpha`` and ``confidence``: benchstat's ``-alpha`` and ``-confidence``.
    """
    from m3tui.bench.benchtab import group

    assume = assume or {}
    if col is None:
        col = ".file" if col_key is None else benchproc_key(col_key)
    groups = group(columns, table=table, row=row, col=col, ignore=",".join(ignore), filter=filter)
    tables = []
    for g in groups:
        mode = assume.get(tidy_unit(g.unit)[0], "nothing")  # a 0 kept in ns/op takes sec/op's
        cols = g.cols
        out = Table(dict(g.header), g.unit, cols, col_levels=g.col_levels)
        by_row: list[dict[int, list[float]]] = [{} for _ in g.rows]
        for (ri, ci), values in g.cells.items():
            values.sort()  # each cell sorted once (in place: the list is the group's own), as bs.sorted_sample would
            by_row[ri][ci] = values
        for ri, name in enumerate(g.rows):
            cells = by_row[ri]
            base = cells.get(0)
            r: dict[str, Cell] = {}
            for ci in sorted(cells):
                comparison = bs.compare_sorted(base, cells[ci], alpha, mode, confidence) if ci > 0 and base is not None else None
                r[cols[ci]] = Cell(bs.summarize_sorted(cells[ci], confidence, mode), comparison, g.vary.get((ri, ci)))
            out.rows.append((name, r))
        if len(g.rows) > 1:
            base_centers = [row[cols[0]].summary.center if cols[0] in row else None for _, row in out.rows]
            for i, c in enumerate(cols):
                centers = [row[c].summary.center if c in row else None for _, row in out.rows]
                out.geomean[c] = bs.summarize_column(centers, None if i == 0 else base_centers)
        if holm:
            _holm(out)
        tables.append(out)
    return tables


def benchproc_key(key: str) -> str:
    """A config key as a projection word (quoted when it would not read back as itself)."""
    from m3tui.bench.benchproc import quote_word

    return quote_word(key)


def _holm(table: Table) -> None:
    """Replace each comparison's p-value with its Holm-adjusted one, within this table."""
    spots = [(i, col) for i, (_, row) in enumerate(table.rows) for col, cell in row.items() if cell.comparison is not None]
    comparisons = [c for i, col in spots if (c := table.rows[i][1][col].comparison) is not None]
    if len(comparisons) < 2:
        return
    adjusted = bs.holm_adjust([c.p for c in comparisons])
    for (i, col), c, p in zip(spots, comparisons, adjusted):
        cell = table.rows[i][1][col]
        table.rows[i][1][col] = Cell(cell.summary, bs.with_adjusted_p(c, p), cell.vary)
    table.adjusted = len(comparisons)


class _TextTable:
    """Layout of benchstat's text tables (a port of cmd/benchstat/internal/texttab's rules)."""

    LEFT, CENTER, RIGHT = 0, 1, 2

    def __init__(self) -> None:
        self.cells: list[tuple[int, int, int, str, str, int]] = []  # (row, col, span, value, left_margin, alignment)
        self.cols = 0
        self.shrink: set[int] = set()
        self.cur_row = 0
        self.cur_col = 0

    def row(self) -> _TextTable:
        if self.cells:
            self.cur_row += 1
        self.cur_col = 0
        return self

    def col(self, col: int) -> _TextTable:
        self.cur_col = col
        return self

    def span(self, cols: int, value: str, align: int = 0, margin: str | None = None) -> _TextTable:
        value = one_line(value)  # names, units and labels come from the input: a terminal escape is shown, not obeyed
        if margin is None:
            margin = "" if self.cur_col == 0 or not value else " "
        self.cells.append((self.cur_row, self.cur_col, cols, value, margin, align))
        self.cur_col += cols
        self.cols = max(self.cols, self.cur_col)
        return self

    def cell(self, value: str, align: int = 0, margin: str | None = None) -> _TextTable:
        return self.span(1, value, align, margin)

    def lines(self) -> list[str]:
        lmargin = [0] * self.cols
        for _, c, _, _, m, _ in self.cells:
            lmargin[c] = max(lmargin[c], len(m))
        ws = [0] * self.cols
        for _, c, span, value, _, _ in sorted(self.cells, key=lambda cell: cell[2]):
            w = len(value) + lmargin[c]
            if span == 1:
                ws[c] = max(ws[c], w)
                continue
            if sum(ws[c : c + span]) >= w:
                continue
            stretch = []
            for j in range(c, c + span):
                if j in self.shrink:
                    w -= ws[j]
                else:
                    stretch.append(j)
            stretch.sort(key=lambda j: -ws[j])
            n = len(stretch)
            for j in stretch:
                ws[j] = max(ws[j], (w + n - 1) // n)
                w -= ws[j]
                n -= 1
        offs = [0] * (self.cols + 1)
        for i, w in enumerate(ws):
            offs[i + 1] = offs[i] + w

        out: list[str] = []
        line, row, off = "", 0, 0
        for r, c, span, value, margin, align in sorted(self.cells, key=lambda cell: (cell[0], cell[1])):
            if not value.strip() and not margin.strip():
                continue
            while r > row:
                out.append(line)
                line, row, off = "", row + 1, 0
            spaces = offs[c] - off
            line += " " * abs(spaces) + margin.rjust(lmargin[c])
            off += spaces + lmargin[c]
            tw = offs[c + span] - offs[c] - lmargin[c]
            if align == self.CENTER:
                pad = tw - len(value)
                pad = abs(int(pad / 2))  # Go: truncating division; a negative width pads on the right
                s = " " * pad + value
            elif align == self.RIGHT:
                s = value.rjust(tw)
            else:
                s = value
            line += s
            off += len(s)
        if self.cells:
            out.append(line)
        return out


def render_text(tables: Sequence[Table]) -> list[str]:
    """benchstat's text layout, byte for byte: config headers when they change, then per table a
    two-line column header (column label, then unit / ``vs base``) between ``│`` rules, the rows,
    the geomean row and the footnotes (plus the Holm line when the p-values were adjusted)."""
    out: list[str] = []
    previous: dict[str, str] | None = None
    for table in tables:
        for k, v in table.config.items():
            if previous is None or previous.get(k) != v:
                out.append(one_line(f"{k}: {v}"))
        previous = table.config
        out += _table_lines(table)
        if table.adjusted:
            out.append(f"p-values Holm-Bonferroni adjusted over {table.adjusted} comparisons")
        out.append("")
    return out[:-1] if out and out[-1] == "" else out


def _table_lines(table: Table) -> list[str]:
    """One table as benchstat's ToText lays it out, followed by its footnotes."""
    center_cols, delta_cols = 3, 3  # <center> <± range> <marks>, <delta> <(p=… n=…)> <marks>
    tt = _TextTable()
    L, C, R = _TextTable.LEFT, _TextTable.CENTER, _TextTable.RIGHT

    def start(exp: int) -> int:
        return 1 if exp == 0 else 1 + center_cols + (exp - 1) * (center_cols + delta_cols)

    warnings: list[str] = []

    def warn(*messages: str | None) -> None:
        marks = []
        for m in messages:
            if m:
                if m not in warnings:
                    warnings.append(m)
                marks.append(superscript(warnings.index(m) + 1))
        tt.cell(" ".join(marks))

    right_edge = start(len(table.columns) + 1)
    for level in table.header_levels():
        tt.row()
        for value, first, span in level:
            tt.col(start(first)).span(start(first + span) - start(first), value, C, " │ ")
        tt.col(right_edge).cell("", L, " │")
    tt.row()
    for i in range(len(table.columns)):
        tt.col(start(i)).span(center_cols, table.unit, C, " │ ")
        if i > 0:
            tt.span(delta_cols, "vs base", L, "  ")
        tt.shrink.update(range(start(i) + 1, tt.cur_col))
    tt.col(right_edge).cell("", L, " │")

    cls = unit_class(table.unit)
    for name, row in table.rows:
        tt.row().cell(name)
        scaler = common_scale([cell.summary.center for cell in row.values()], cls)
        for exp, col in enumerate(table.columns):
            cell = row.get(col)
            if cell is None:
                continue
            tt.col(start(exp)).cell(scaler.format(cell.summary.center), R)
            tt.cell(bs.format_interval(cell.summary, prefix=False), R, " ± ")
            warn(cell.vary, cell.summary.warning)
            if exp > 0 and cell.comparison is not None:
                tt.cell(bs.format_delta(cell.comparison), R)
                tt.cell(bs.format_p(cell.comparison))
                warn(cell.comparison.warning)
    if table.geomean:
        tt.row().cell("geomean")
        for exp, col in enumerate(table.columns):
            g = table.geomean.get(col)
            if g is None:
                continue
            if g.geomean is not None:
                tt.col(start(exp)).cell(common_scale([g.geomean], cls).format(g.geomean), R)
            if exp > 0:
                tt.col(start(exp) + center_cols)
                if g.ratio is not None:
                    tt.cell(bs.format_ratio(g.ratio), R)
                else:
                    tt.cell("?")
            tt.col(start(exp + 1) - 1)
            warn(*g.warnings)
    return tt.lines() + [one_line(f"{superscript(i + 1)} {m}") for i, m in enumerate(warnings)]


def go_float(v: float) -> str:
    """A float as Go's ``fmt.Sprint`` writes it: the shortest digits, %e when the exponent is
    below -4 or 6 and over (``2.98e-08``, ``2.530510859531825e+09``, ``398.5``)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    sign, digits, exp = Decimal(repr(v)).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0")
    assert isinstance(exp, int)
    x = len(digits) + exp - 1  # the decimal exponent of the first digit
    out = "-" if sign else ""
    if x < -4 or x >= 6:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{out}{mant}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if x < 0:
        return f"{out}0.{'0' * (-x - 1)}{ds}"
    whole = ds[: x + 1].ljust(x + 1, "0")
    frac = ds[x + 1 :]
    return f"{out}{whole}{'.' + frac if frac else ''}"


def _csv_field(value: str) -> str:
    """One field as Go's encoding/csv writes it (quoted when it holds a comma, a quote, a line
    break, or starts with a space)."""
    if value == "" or not (value == "\\." or any(c in value for c in ',"\r\n') or value[0].isspace()):
        return value
    return '"' + value.replace('"', '""') + '"'


def _cell_ref(col: int) -> str:
    """benchtab's spreadsheet-style column name (its own arithmetic: 1 is B, 26 is BA)."""
    name = ""
    while col > 0:
        name = chr(ord("A") + col % 26) + name
        col //= 26
    return name or "A"


def render_csv(tables: Sequence[Table]) -> tuple[str, list[str]]:
    """benchstat's ``-format csv``, byte for byte: (the CSV text, the warnings, each prefixed
    with the cell it belongs to, for stderr). A port of benchtab's Tables.ToCSV."""
    out: list[list[str]] = []
    warnings: list[str] = []
    previous: dict[str, str] | None = None
    for ti, table in enumerate(tables):
        if ti > 0:
            out.append([""])
        for k, v in table.config.items():
            if previous is None or previous.get(k) != v:
                out.append([f"{k}: {v}"])
        previous = table.config

        def start(exp: int) -> int:
            return 1 if exp == 0 else 1 + 2 + (exp - 1) * 4

        row: list[str] = []

        def clear_to(col: int) -> None:
            row.extend([""] * (col - len(row)))

        def emit() -> None:
            out.append(row[:])
            row.clear()

        def warn(*messages: str | None) -> None:
            for m in messages:
                if m:
                    warnings.append(f"{_cell_ref(len(row))}{len(out) + 1}: {m}")

        for level in table.header_levels():
            for value, first, span in level:
                for exp in range(first, first + span):
                    clear_to(start(exp))
                    row.append(value)
            clear_to(start(len(table.columns)))
            emit()
        for exp in range(len(table.columns)):
            clear_to(start(exp))
            row += [table.unit, "CI"] + (["vs base", "P"] if exp > 0 else [])
        emit()
        for name, cells in table.rows:
            row.append(name)
            for exp, col in enumerate(table.columns):
                cell = cells.get(col)
                if cell is None:
                    continue
                clear_to(start(exp))
                warn(cell.vary)
                warn(cell.summary.warning)
                row += [go_float(cell.summary.center), bs.format_interval(cell.summary, prefix=False)]
                if exp > 0 and cell.comparison is not None:
                    warn(cell.comparison.warning)
                    row += [bs.format_delta(cell.comparison), bs.format_p(cell.comparison, parens=False)]
            emit()
        geomean = table.geomean or _geomeans(table)
        row.append("geomean")
        for exp, col in enumerate(table.columns):
            g = geomean.get(col)
            if g is None:
                continue
            clear_to(start(exp))
            warn(*g.warnings)
            if g.geomean is not None:
                row.append(go_float(g.geomean))
            if exp > 0:
                clear_to(start(exp) + 2)
                row.append("?" if g.ratio is None else f"{(g.ratio - 1) * 100:+.2f}%")
        clear_to(start(len(table.columns)))
        emit()
    return "".join(",".join(map(_csv_field, r)) + "\n" for r in out), warnings


def _geomeans(table: Table) -> dict[str, bs.ColumnSummary]:
    """The geomean row of every column (text tables show it only under two rows or more)."""
    cols = table.columns
    base = [row[cols[0]].summary.center if cols[0] in row else None for _, row in table.rows]
    return {
        col: bs.summarize_column([row[col].summary.center if col in row else None for _, row in table.rows], None if i == 0 else base)
        for i, col in enumerate(cols)
    }


class VsBaseJSON(TypedDict):
    delta_pct: float | None
    p: float
    significant: bool
    warning: str | None
    p_unadjusted: NotRequired[float]


class CellJSON(TypedDict):
    center: float
    lo: float
    hi: float
    n: int
    interval_pct: float | None
    warning: str | None
    vs_base: NotRequired[VsBaseJSON]


class RowJSON(TypedDict):
    name: str
    cells: dict[str, CellJSON]


class GeomeanJSON(TypedDict):
    value: float | None
    ratio: float | None


class TableJSON(TypedDict):
    """One table in ``bench compare --json`` (and ``bench --json``'s "compare")."""

    config: dict[str, str]
    unit: str
    columns: list[str]
    rows: list[RowJSON]
    geomean: dict[str, GeomeanJSON]
    holm_adjusted: int


def to_json(tables: Sequence[Table]) -> list[TableJSON]:
    def cell(c: Cell) -> CellJSON:
        s = c.summary
        d: CellJSON = {"center": s.center, "lo": s.lo, "hi": s.hi, "n": s.n, "interval_pct": bs.pct_interval(s), "warning": s.warning}
        if c.comparison is not None:
            k = c.comparison
            vs: VsBaseJSON = {"delta_pct": k.delta_pct, "p": k.p, "significant": k.significant, "warning": k.warning}
            if k.p_raw is not None:
                vs["p_unadjusted"] = k.p_raw
            d["vs_base"] = vs
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
