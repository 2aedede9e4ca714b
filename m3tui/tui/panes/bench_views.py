"""The Bench pane's views: the live results and the run history (tables), scaling and compare (text).

The tables keep their cursor on the same row (by key) however often they are filled again: the live
table is rebuilt when a run ends or its columns change, the history when it is reloaded (`h`, a
run that ends, a delete). A row that is gone leaves the cursor on its neighbour, the row that
took its place. Whatever acts on "the selected row" (`p`, `R`, `x`, `d`, enter) reads it by key.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding

from m3tui.tui.widgets.key_scroll import KeyScroll
from m3tui.tui.widgets.row_table import RowTable, fit_columns

if TYPE_CHECKING:
    from pathlib import Path

    from m3tui.bench.fmt import BenchResult
    from m3tui.bench.history import RunInfo
    from m3tui.bench.live import LiveRow, LiveTable

STATUS_STYLES = {"done": "green", "failed": "red", "cancelled": "yellow", "interrupted": "yellow", "running": "cyan"}


class KeptCursorTable(RowTable):
    """The app's row table (keys with ids, no enter) with a row cursor and zebra stripes; a table
    whose columns change (the live one) puts its cursor back with restore_cursor."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)


class LiveResults(KeptCursorTable):
    """One row per benchmark and GOMAXPROCS (and Go, in an A/B run), repainted from a LiveTable."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.names: list[str] = []  # the columns shown
        self.placeholder = False  # "no results yet" instead of rows

    def fill(self, live: LiveTable, *, many: bool, rebuild: bool = False, side: str = "go") -> None:
        """The rows ``live`` changed since the last call; everything again when ``rebuild`` or the
        columns change (a new unit, a second side). ``side`` names the sides' column: go or rev."""
        from m3tui.bench.live import display_unit

        wanted = ([side] if many else []) + ["benchmark", "P", "n"] + [display_unit(u) for u in live.units] + ["trend"]
        if rebuild or wanted != self.names:
            key, index = self.cursor_key(), self.cursor_row
            self.clear(columns=True)
            for i, name in enumerate(wanted):
                self.add_column(name, key=f"c{i}")
            self.names = wanted
            rows = list(live.rows.values())
            live.take_dirty()
            self.placeholder = not rows
            if not rows:
                self.add_row(*[""] * (len(wanted) - 1), Text("no results yet · r runs", style="dim"))
            self._add(live, rows)
            fit_columns(self)
            self.restore_cursor(key, index)
            return
        self._add(live, live.take_dirty())
        fit_columns(self)

    def _add(self, live: LiveTable, rows: list[LiveRow]) -> None:
        for row in rows:
            cells = self._cells(live, row)
            key = "|".join(map(str, row.key))
            if key in self.rows:
                for i, value in enumerate(cells):
                    self.update_cell(key, f"c{i}", value, update_width=True)
                continue
            if self.placeholder:
                self.clear()
                self.placeholder = False
            self.add_row(*cells, key=key)

    def _cells(self, live: LiveTable, row: LiveRow) -> list[str | Text]:
        from m3tui.bench.live import cell_view, sparkline

        cells: list[str | Text] = [row.label] if self.names and self.names[0] in ("go", "rev") else []
        cells += [row.name, str(row.procs), str(row.n)]
        for unit in live.units:
            values = row.samples.get(unit)
            if not values:
                cells.append("")
                continue
            view = cell_view(values, unit)
            cell = Text(f"{view.center:>8} ")
            cell.append(view.interval, style="dim" if view.warning else "")
            cells.append(cell)
        first = next(iter(row.samples.values()), [])
        cells.append(Text(sparkline(first, 8), style="cyan"))
        return cells


class RunHistory(KeptCursorTable):
    """The saved runs, newest first; enter opens one; `space` marks (two: base, then new)."""

    BINDINGS: ClassVar = [Binding("enter", "select_cursor", "Open the run", show=False, id="bench.open_run")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runs: list[RunInfo] = []  # newest first
        self.marked: list[int] = []
        # The Go first after the status: what a re-run runs, visible at 80 columns.
        self.add_columns(" ", "id", "started (UTC)", "status", "go", "-bench", "package", "bench", "samples")

    def show(self, runs: list[RunInfo] | None = None) -> None:
        """The rows again (``runs`` when given), the cursor kept on its run."""
        if runs is not None:
            self.runs = runs
        rows: list[tuple[str, list[str | Text]]] = []
        for info in self.runs:
            meta = info.meta
            rows.append((str(info.id), [
                Text("●", style="bold magenta") if info.id in self.marked else "",
                str(info.id), info.started_at.replace("T", " ")[:16], Text(info.status, style=STATUS_STYLES.get(info.status, "")),
                meta.label or meta.go_version or "", meta.bench, meta.package, str(info.benchmarks), str(info.n_results),
            ]))  # fmt: skip
        self.refill(rows or [("none", ["", "", "no saved runs yet", "", "", "", "r runs one", "", ""])])

    def selected(self) -> RunInfo | None:
        """The run under the cursor: by its key, never by a position that may have moved."""
        key = self.cursor_key()
        return next((info for info in self.runs if str(info.id) == key), None)

    def toggle_mark(self, run_id: int) -> None:
        if run_id in self.marked:
            self.marked.remove(run_id)
        else:
            self.marked = [*self.marked[-1:], run_id]  # the last two marks: base, then new
        self.show()

    def forget(self, run_id: int) -> None:
        """A deleted run: no longer marked."""
        self.marked = [m for m in self.marked if m != run_id]


# --- the text views: scaling and compare ------------------------------------------------------


class WideScroll(KeyScroll, can_focus=True):
    """A text view wider and longer than the screen: arrows, j/k, g/G, page keys, and left/right."""

    BINDINGS: ClassVar = [
        Binding("left", "scroll_left", "Scroll left", show=False, id="bench.scroll.left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="bench.scroll.right"),
    ]


def _with_noise(lines: list[str], noise: Sequence[str]) -> Text:
    if noise:
        lines = [*lines, "", "noise (the numbers may be less stable):", *(f"  ! {w}" for w in noise)]
    return Text("\n".join(lines).strip("\n"), no_wrap=True)


def scaling_text(results: dict[str, list[BenchResult]], noise: Sequence[str],
                 package_dir: Path | None = None, other_trees: Collection[str] = ()) -> Text:
    """Speed-up per GOMAXPROCS, per toolchain when there are two; serial or contended benchmarks
    labelled from the Go source in ``package_dir`` (as it is now: a few capped, cached reads),
    except the sides in ``other_trees`` (another revision's source is not this one)."""
    from m3tui.bench.gosource import read_benchmark_kinds
    from m3tui.bench.scaling import render_scaling, scaling_tables

    kinds = read_benchmark_kinds(package_dir) if package_dir is not None else {}
    lines = []
    for label, rs in results.items():
        tables = scaling_tables(rs, kinds=None if label in other_trees else kinds)
        if tables:
            if len(results) > 1:
                lines.append(f"── {label}")
            lines += [*render_scaling(tables), ""]
    return _with_noise(lines or ["No scaling table yet: run with more than one -cpu value (e.g. 1,2,4)."], noise)


def compare_text(columns: list[tuple[str, list[BenchResult]]], noise: Sequence[str], *, holm: bool) -> Text:
    """benchstat's tables: the first column is the base. An A/B run's side (the config key
    ``toolchain`` or ``revision`` its results carry) is the column, not a table of its own."""
    from dataclasses import replace

    from m3tui.bench.compare import build_tables, render_text
    from m3tui.bench.session import SIDE_KEYS

    columns = [(label, [replace(r, config={k: v for k, v in r.config.items() if k not in SIDE_KEYS})
                        if any(k in r.config for k in SIDE_KEYS) else r for r in rs]) for label, rs in columns]  # fmt: skip
    return _with_noise(render_text(build_tables(columns, holm=holm)) or ["Nothing to compare."], noise)
