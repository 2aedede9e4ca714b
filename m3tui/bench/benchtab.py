"""Results grouped into benchstat's tables, rows, columns and cells (a port of
cmd/benchstat/internal/benchtab's Builder over benchproc's projections and filter).

``-table`` (default ``.config``, then the unit), ``-row`` (``.fullname``), ``-col`` (``.file``)
and ``-ignore`` are projections (:mod:`m3tui.bench.benchproc`), ``-filter`` a filter
(:mod:`m3tui.bench.benchfilter`). What no projection names (the residue: the rest of the
config and of the name) must not vary within a cell, or the cell says ``benchmarks vary in …``.

Fast: the work that depends on a result's name, config and input is done once per distinct
(name as written, config, input), not per result; values are gathered per unit with list
comprehensions. Only values of 0 or ±Inf in a unit that tidying scales (benchfmt keeps those
in their own unit, so in their own table, at the place they first appear) and filters on
``.unit`` need the exact per-value pass, which is then run instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from m3tui.bench.benchfilter import FilterFn, compile_filter, parse_filter, uses_unit
from m3tui.bench.benchproc import BenchSyntaxError, Extractor, Field, extractor, full_name, go_quote, order_key, parse_projection
from m3tui.bench.fmt import BenchResult, gc_paused
from m3tui.bench.units import tidy_unit
from m3tui.core.errors import UsageError

__all__ = ["Group", "group"]

Key = tuple[str, ...]
SortKey = Callable[[str], tuple[object, ...]]


@dataclass
class Group:
    """One table: its header (field, value) pairs, unit, columns (labels, and the header rows
    benchstat's KeyHeader draws when a column has several fields: (value, first column, span)
    per level), row labels, and cells by (row, column) index with their values and their
    ``benchmarks vary in …`` warning."""

    header: list[tuple[str, str]]
    unit: str
    cols: list[str]
    col_levels: list[list[tuple[str, int, int]]]
    rows: list[str]
    cells: dict[tuple[int, int], list[float]]
    vary: dict[tuple[int, int], str] = field(default_factory=dict)


class _Proj:
    """One projection: its fields (in allocation order, as keys hold their values), the tree
    order they are shown and sorted in, and what a result projects to."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.sorts: list[SortKey] = []
        self.firsts: dict[int, dict[str, int]] = {}  # top-level "first" fields: value -> first appearance
        self.top: list[int | list[int]] = []  # a field, or the .config group's fields
        self.parts: list[Callable[[BenchResult, str, list[str]], None]] = []
        self.seen: set[Key] = set()

    def add(self, name: str, sort: SortKey | None, group: list[int] | None = None) -> int:
        i = len(self.names)
        self.names.append(name)
        if sort is None:
            order: dict[str, int] = {}
            self.firsts[i] = order
            sort = lambda v, order=order: (order[v],)  # noqa: E731
        self.sorts.append(sort)
        (self.top if group is None else group).append(i)
        return i

    def flat(self) -> list[int]:
        return [i for t in self.top for i in (t if isinstance(t, list) else (t,))]

    def project(self, r: BenchResult, label: str) -> Key:
        row = [""] * len(self.names)
        for part in self.parts:
            part(r, label, row)
        while row and row[-1] == "":
            row.pop()
        key = tuple(row)
        if key not in self.seen:  # Projection.internRow: a new key, so maybe new values
            self.seen.add(key)
            for i, order in self.firsts.items():
                order.setdefault(key[i] if i < len(key) else "", len(order))
        return key

    def get(self, key: Key, i: int) -> str:
        return key[i] if i < len(key) else ""

    def sort_key(self, key: Key) -> tuple[tuple[object, ...], ...]:
        return tuple(self.sorts[i](self.get(key, i)) for i in self.flat())

    def key_string(self, key: Key) -> str:
        """benchproc's Key.String(): ``field:value`` for each non-empty value, in field order."""
        return " ".join(f"{self.names[i]}:{v}" for i in self.flat() if (v := self.get(key, i)))

    def string_values(self, key: Key) -> str:
        return " ".join(v for i in self.flat() if (v := self.get(key, i)))


class _Parser:
    """benchproc's ProjectionParser: what the projections together take out of .config and
    .fullname, and the filters their fixed orders add."""

    def __init__(self) -> None:
        self.config_keys: set[str] = set()
        self.fullname_keys: list[str] = []
        self.have_config = self.have_fullname = False
        self.fixed: list[tuple[Extractor, dict[str, int]]] = []
        self._late: list[Callable[[], None]] = []  # extractors made once every projection is parsed

    def parse(self, q: str) -> _Proj:
        proj = _Proj()
        for f in parse_projection(q):
            self.make(proj, q, f)
        return proj

    def residue(self) -> _Proj:
        proj = _Proj()
        if not self.have_config:
            self.make(proj, "", Field(".config"))
        if not self.have_fullname:
            self.make(proj, "", Field(".fullname"))
        return proj

    def finish(self) -> None:
        for late in self._late:
            late()

    def make(self, proj: _Proj, q: str, f: Field) -> None:
        sort: SortKey | None = None
        fixed: dict[str, int] | None = None
        if f.order == "fixed":
            fixed = {v: i for i, v in enumerate(f.fixed)}  # a value listed twice: its last place, as Go's map has it
            sort = lambda v, fx=fixed: (fx[v],)  # noqa: E731
        elif f.order != "first":
            sort = order_key(f.order)
            if sort is None:
                raise BenchSyntaxError(q, f.order_off, f"unknown order {go_quote(f.order)}")
        if f.key == ".config":
            if fixed is not None:
                raise BenchSyntaxError(q, f.order_off, "fixed order not allowed for .config")
            self.have_config = True
            group: list[int] = []
            proj.top.append(group)
            seen: dict[str, int] = {}
            sub_sort: SortKey = sort or (lambda v: (v,))  # its fields' first-appearance maps are never filled (internRow)
            config_keys = self.config_keys

            def project_config(r: BenchResult, label: str, row: list[str]) -> None:
                for k, v in r.config.items():
                    i = seen.get(k)
                    if i is None:
                        if k in config_keys:
                            continue
                        i = seen[k] = proj.add(k, sub_sort, group)
                        row.extend([""] * (len(proj.names) - len(row)))
                    row[i] = v

            proj.parts.append(project_config)
            return
        if f.key == ".unit":
            raise BenchSyntaxError(q, f.key_off, ".unit is only allowed in filters")
        if f.key == ".fullname":
            self.have_fullname = True
        elif f.key == ".name" or f.key.startswith("/"):
            self.fullname_keys.append(f.key)
        else:
            self.config_keys.add(f.key)
        try:
            ext = extractor(f.key)  # .fullname: as written, for a fixed order's filter
        except ValueError as exc:
            raise BenchSyntaxError(q, f.key_off, str(exc)) from None
        i = proj.add(f.key, sort)
        if fixed is not None:
            self.fixed.append((ext, fixed))
        box = [ext]
        proj.parts.append(lambda r, label, row: row.__setitem__(i, box[0](r, label)))
        if f.key == ".fullname":
            self._late.append(lambda: box.__setitem__(0, extractor(".fullname", self.fullname_keys)))


#: The exact pass's plan for a unit: (factor, (unit, list) of a scaled value, (unit, list) of a
#: value tidying leaves as it is); list None: the filter drops such values.
_Plan = tuple[float, tuple[str, "list[float] | None"], tuple[str, "list[float] | None"]]


class _NeedExact(Exception):
    """What the fast pass cannot place (a 0 or ±Inf in a scaled unit, results of one name and
    config with different units): the exact pass runs instead."""


@dataclass
class _Slot:
    """The results of one input that share a name as written and a config."""

    dropped: bool
    observed: bool = False
    keys: tuple[Key, Key, Key, Key] = ((), (), (), ())  # table (without the unit), row, column, residue
    dicts: list[dict[str, float]] = field(default_factory=list)
    shape: tuple[str, ...] = ()  # the first result's units (the fast pass)
    exact: dict[str, list[float]] = field(default_factory=dict)
    plans: dict[str, _Plan] = field(default_factory=dict)  # the exact pass: by unit as written


def group(columns: Sequence[tuple[str, Sequence[BenchResult]]], *, table: str = ".config", row: str = ".fullname",
          col: str = ".file", ignore: str = "", filter: str = "*") -> list[Group]:  # fmt: skip
    """benchstat's tables for ``columns`` ((label, results) per input: the label is ``.file``).
    UsageError naming the flag, the text and the fault for a malformed projection or filter."""
    with gc_paused():  # many small lists and tuples, no cycles: no collection walking every result
        try:
            return _Build(table, row, col, ignore, filter).run(columns, exact=False)
        except _NeedExact:
            return _Build(table, row, col, ignore, filter).run(columns, exact=True)


class _Build:
    def __init__(self, table: str, row: str, col: str, ignore: str, flt: str) -> None:
        try:
            node = parse_filter(flt)
            self.filter: FilterFn = compile_filter(flt, node)
        except BenchSyntaxError as exc:
            raise UsageError(f"parsing -filter: {exc}") from None
        self.unit_filter = uses_unit(node)
        parser = _Parser()
        projs: list[_Proj] = []
        error: UsageError | None = None
        for flag, text in (("-table", table), ("-row", row), ("-col", col), ("-ignore", ignore)):
            try:
                projs.append(parser.parse(text))
            except BenchSyntaxError as exc:  # benchstat parses them all, then reports the first fault
                error = error or UsageError(f"parsing {flag}: {exc}")
        if error is not None:
            raise error
        self.table, self.row, self.col = projs[:3]
        self.residue = parser.residue()
        parser.finish()
        self.fixed = parser.fixed
        self.units: dict[str, int] = {}  # .unit: first appearance
        self.tidy: dict[str, tuple[str, float]] = {}

    def slot(self, r: BenchResult, label: str) -> _Slot:
        ok = all(ext(r, label) in allowed for ext, allowed in self.fixed)
        if ok and not self.unit_filter:
            ok = self.filter(r, label, "", "")
        s = _Slot(dropped=not ok)
        if ok and not self.unit_filter:
            self.observe(s, r, label)
        return s

    def observe(self, s: _Slot, r: BenchResult, label: str) -> None:
        """benchtab's Builder.Add for the slot's first result that is kept."""
        s.observed = True
        s.keys = (self.table.project(r, label), self.row.project(r, label), self.col.project(r, label),
                  self.residue.project(r, label) if self.residue.parts else ())  # fmt: skip

    def tidied(self, unit: str) -> tuple[str, float]:
        t = self.tidy.get(unit)
        if t is None:
            t = self.tidy[unit] = tidy_unit(unit)
        return t

    def run(self, columns: Sequence[tuple[str, Sequence[BenchResult]]], exact: bool) -> list[Group]:
        exact = exact or self.unit_filter
        slots: list[_Slot] = []
        units = self.units
        for label, results in columns:
            caches: dict[int, dict[str, _Slot]] = {}  # by config (results share their config object)
            last: object = None
            cache: dict[str, _Slot] = {}
            for r in results:
                if r.config is not last:
                    last = r.config
                    cache = caches.setdefault(id(last), {})
                name = r.written or full_name(r)
                s = cache.get(name)
                if s is None:
                    s = cache[name] = self.slot(r, label)
                    slots.append(s)
                    if not s.dropped and not exact:  # units in the order they appear: the first result's
                        s.shape = tuple(r.values)  # (a later result with other units: the exact pass)
                        for u in s.shape:
                            tu, f = self.tidied(u)
                            units.setdefault(u if f == 1 else tu, len(units))
                if s.dropped:
                    continue
                if exact:
                    self.add_exact(s, r, label)
                else:
                    s.dicts.append(r.values)
        tables: dict[tuple[Key, str], dict[tuple[Key, Key], tuple[list[float], set[Key]]]] = {}
        for s in slots:
            if s.dropped or not s.observed:
                continue
            per_unit: list[tuple[str, list[float]]]
            if exact:
                per_unit = [(u, vals) for u, vals in s.exact.items() if vals]  # a plan makes lists no value may reach
            else:
                per_unit = self.columns_of(s)
            tkey, rkey, ckey, reskey = s.keys
            for unit, vals in per_unit:
                cells = tables.setdefault((tkey, unit), {})
                cell = cells.get((rkey, ckey))
                if cell is None:
                    cells[(rkey, ckey)] = (vals, {reskey})
                else:
                    cell[0].extend(vals)
                    cell[1].add(reskey)
        return self.groups(tables)

    def columns_of(self, s: _Slot) -> list[tuple[str, list[float]]]:
        """A slot's values unit by unit (one comprehension per unit); _NeedExact when its results
        do not all have the first one's units, or a scaled value is 0 or ±Inf."""
        shape, dicts = s.shape, s.dicts
        if not shape:
            return []
        if sum(map(len, dicts)) != len(shape) * len(dicts):
            raise _NeedExact
        out = []
        try:
            for u in shape:
                tu, f = self.tidied(u)
                if f == 1:  # x * 1.0: x, bit for bit, as a new float; the cell's values then lie side by
                    out.append((u, [d[u] * 1.0 for d in dicts]))  # side in memory, in the order sorting
                    continue  # and ranking read them (the parsed ones, among 100k results: 1/3 slower)
                vals = [d[u] * f for d in dicts]
                if 0.0 in vals or not math.isfinite(sum(vals)):  # 0 or ±Inf before (or after) scaling (or
                    raise _NeedExact  # a NaN, or a sum too big: the exact pass, which keeps them the same way)
                out.append((tu, vals))
        except KeyError:
            raise _NeedExact from None
        return out

    def add_exact(self, s: _Slot, r: BenchResult, label: str) -> None:
        """One result, value by value, as benchfmt reads it and benchtab adds it."""
        plans = s.plans
        units = self.units
        for u, v in r.values.items():
            plan = plans.get(u)
            if plan is None:
                plan = plans[u] = self.plan(s, r, label, u)
            f, tidied, kept = plan
            x = v * f
            # benchfmt's reader: "tidyVal == val" keeps the value in its unit (0, ±Inf; every
            # value of a unit tidying does not scale).
            unit, into = (tidied if x != v else kept)
            if into is None:  # the filter drops it
                continue
            if not s.observed:
                self.observe(s, r, label)
            if unit not in units:
                units[unit] = len(units)
            into.append(x if x != v else v)

    def plan(self, s: _Slot, r: BenchResult, label: str, u: str) -> _Plan:
        """For unit u in this slot: the factor, and where a scaled value goes and where one that
        tidying leaves as it is goes, each (its unit, its list, or None when the filter drops it)."""
        tu, f = self.tidied(u)

        def dest(unit: str, orig: str) -> tuple[str, list[float] | None]:
            if self.unit_filter and not self.filter(r, label, unit, orig):
                return unit, None
            return unit, s.exact.setdefault(unit, [])

        return f, dest(tu, u), dest(u, "")

    def groups(self, tables: dict[tuple[Key, str], dict[tuple[Key, Key], tuple[list[float], set[Key]]]]) -> list[Group]:
        out = []
        tflat = self.table.flat()
        units = self.units
        for tkey, unit in sorted(tables, key=lambda k: (self.table.sort_key(k[0]), units[k[1]])):
            cells = tables[(tkey, unit)]
            rkeys = sorted({rk for rk, _ in cells}, key=self.row.sort_key)
            ckeys = sorted({ck for _, ck in cells}, key=self.col.sort_key)
            rindex = {k: i for i, k in enumerate(rkeys)}
            cindex = {k: i for i, k in enumerate(ckeys)}
            g = Group(
                header=[(self.table.names[i], self.table.get(tkey, i)) for i in tflat],
                unit=unit,
                cols=[self.col.string_values(k) for k in ckeys],
                col_levels=self.key_header(ckeys),
                rows=[self.row.string_values(k) for k in rkeys],
                cells={},
            )
            for (rk, ck), (vals, residues) in cells.items():
                spot = (rindex[rk], cindex[ck])
                g.cells[spot] = vals
                if len(residues) > 1:
                    varying = [self.residue.names[i] for i in self.residue.flat() if len({self.residue.get(k, i) for k in residues}) > 1]
                    if varying:
                        g.vary[spot] = "benchmarks vary in " + ", ".join(varying)
            out.append(g)
        return out

    def key_header(self, keys: list[Key]) -> list[list[tuple[str, int, int]]]:
        """benchproc's NewKeyHeader, level by level: runs of equal values within their parent's span."""
        levels: list[list[tuple[str, int, int]]] = []
        spans = [(0, len(keys))]
        for i in self.col.flat():
            level: list[tuple[str, int, int]] = []
            for start, n in spans:
                for j in range(start, start + n):
                    v = self.col.get(keys[j], i)
                    if level and level[-1][0] == v and level[-1][1] + level[-1][2] == j and j > start:
                        level[-1] = (v, level[-1][1], level[-1][2] + 1)
                    else:
                        level.append((v, j, 1))
            levels.append(level)
            spans = [(s, n) for _, s, n in level]
        return levels
