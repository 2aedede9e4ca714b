"""The Profiles pane driven by keys: a real (fixed) profile through the real decoder and analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.decode import load_file
from m3tui.tui.panes.profiles import ProfilesPane
from m3tui.tui.widgets.flame_graph import FlameGraph
from tests.appkit import m3_cpu_profile_bytes, settle, snapshot_app
from tests.screen import looks_focused, screen_text
from tests.testdata import PPROF


def write_profile(tmp_path: Path, name: str = "cpu.pprof") -> Path:
    path = tmp_path / name
    path.write_bytes(m3_cpu_profile_bytes())
    return path


async def open_profiles(pilot, path: Path | None = None) -> ProfilesPane:
    await settle(pilot)
    await pilot.press("4")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    pane = pilot.app.main_screen.query_one(ProfilesPane)
    if path is not None:
        pane.open_path(path)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    return pane


def cells(table: DataTable, column: int) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


@pytest.mark.slow
async def test_top_equals_the_analysis_and_keys_switch_views(tmp_path: Path) -> None:
    path = write_profile(tmp_path)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot)
        await pilot.press("o")
        assert isinstance(app.focused, Input) and app.focused.id == "prof-open"
        await pilot.press(*str(path), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        profile = load_file(path)
        expected = analysis.top(profile, profile.sample_index(None))
        table = pane.query_one("#prof-top", DataTable)
        assert cells(table, 5) == [r.name for r in expected.rows]
        assert cells(table, 0)[0] == expected.format(expected.rows[0].flat) == "610ms"
        assert "Showing nodes accounting for" in pane._status_text

        await pilot.press("i")  # the other sample type: samples (count)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cells(table, 0)[0] == "61"

        await pilot.press("g")  # peek: callers and callees of the selected function
        await app.workers.wait_for_complete()
        await pilot.pause()
        peek = str(screen_text(app))
        assert "| example.com/shop/cart.price" in peek and "example.com/shop/cart.Checkout" in peek

        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        graph = pane.query_one(FlameGraph)
        assert app.focused is graph and graph.rows and graph.rows[0][0].node.name == "root"
        for _ in range(4):
            await pilot.press("down")
        assert graph.selected[0] == 4
        await pilot.press("enter")  # zoom into BenchmarkCheckout's subtree
        assert graph.root.name != "root" and graph.rows[0][0].width == graph.size.width
        await pilot.press("backspace")
        assert graph.root.name == "root"


async def test_filter_and_diff_base(tmp_path: Path) -> None:
    new = write_profile(tmp_path, "new.pprof")
    old = write_profile(tmp_path, "old.pprof")
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, old)
        pane.open_path(new)
        await app.workers.wait_for_complete()
        await pilot.press("slash")
        await pilot.press(*"json", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        names = cells(pane.query_one("#prof-top", DataTable), 5)
        assert "encoding/json.Marshal" in names and "example.com/shop/cart.price" not in names
        await pilot.press("escape")  # clears the filter
        await app.workers.wait_for_complete()
        pane.query_one("#prof-list", DataTable).move_cursor(row=0)
        await pilot.press("b")  # old.pprof is the base: the same profile, so every change is 0
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.base is not None and pane.base.path == old
        flats = cells(pane.query_one("#prof-top", DataTable), 0)
        assert flats and all(f in ("0", "") for f in flats), flats


async def test_a_corrupt_file_is_one_line_in_the_status(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pprof"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, bad)
        assert "bad.pprof:" in pane._status_text and "\n" not in pane._status_text


async def test_a_fifo_or_a_directory_opened_in_the_pane_is_a_notification(tmp_path: Path) -> None:
    """The `o` prompt (and `m3tui profile FILE`) on what is not a regular file: one line, no block, no crash."""
    import os

    fifo = tmp_path / "cpu\x1b[2J.fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.pprof"
    folder.mkdir()
    good = write_profile(tmp_path)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, fifo)
        assert "is a FIFO, not a regular file" in pane._status_text and "\x1b" not in pane._status_text
        pane.open_path(folder)
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("cpu\\x1b[2J.fifo: is a FIFO, not a regular file" in m for m in messages), messages
        assert any("folder.pprof: is a directory, not a regular file" in m for m in messages), messages
        assert not any("internal error" in m for m in messages)
        pane.open_path(good)  # and the pane still works
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cells(pane.query_one("#prof-top", DataTable), 5)


async def test_capture_from_the_pane_with_the_real_go(real_go: Path, tmp_path: Path, monkeypatch) -> None:
    import shutil

    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    pkg = tmp_path / "gobench"
    shutil.copytree(Path(__file__).parents[1] / "data" / "gobench", pkg)
    monkeypatch.chdir(pkg)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot)
        await pilot.press("u")
        assert app.focused is pane.query_one("#prof-bench", Input)
        from textual.widgets import Select

        pane.query_one("#prof-bench", Input).value = "^BenchmarkSum$"
        pane.query_one("#prof-kind", Select).value = "cpu"
        await pilot.press("escape", "n")  # out of the field (to the text below), then n captures
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert pane.entries and pane.entries[0].kind == "cpu" and pane.entries[0].binary.name == "pkg.test"
        names = cells(pane.query_one("#prof-top", DataTable), 5)
        assert any("BenchmarkSum" in n or "gobench.sum" in n for n in names), names


# --- keyboard first (issue 12): the flame selection, pprof web, peek, the form, what is cut -------

REAL_CPU = PPROF / "cpu.pb.gz"


def selection_cells(app, graph: FlameGraph) -> list[str]:
    """The flame graph's selected frame as drawn on screen (the only bold box), if it is."""
    region = graph.region.intersection(graph.parent.region)
    strips = app.screen._compositor.render_strips()
    return [
        segment.text for y in range(region.y, region.bottom)
        for segment in strips[y].crop(region.x, region.right)
        if segment.style is not None and segment.style.bold and segment.text
    ]  # fmt: skip


def flat(text: str) -> str:
    """Screen text with its wrapping undone: every run of whitespace one space."""
    return " ".join(text.split())


async def view(pilot, key: str) -> None:
    await pilot.press(key)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_flame_selection_stays_in_view_enter_zooms_into_it_and_home_goes_back_to_the_root() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_profiles(pilot, REAL_CPU)
        await view(pilot, "f")
        graph = pane.query_one(FlameGraph)
        assert app.focused is graph
        flame_view = pane.query_one("#prof-flame")
        scrolling = [w for w in (flame_view, *flame_view.query("*")) if w.show_vertical_scrollbar or w.show_horizontal_scrollbar]
        assert len(scrolling) == 1, f"one scrollbar, not {scrolling}"
        deepest = len(graph.rows) - 1
        visible = graph.region.intersection(flame_view.region).height
        assert deepest > visible, "the graph must be taller than the screen for this test"
        for _ in range(deepest):
            await pilot.press("j")
            await pilot.pause()
            assert selection_cells(app, graph), f"the selection at depth {graph.selected[0]} is off screen"
        assert graph.selected[0] > visible
        for _ in range(3):
            await pilot.press("k")
            await pilot.pause()
            assert selection_cells(app, graph)
        chosen = graph.selected_node()
        await pilot.press("enter")
        await pilot.pause()
        assert graph.root is chosen and graph.rows[0][0].width == graph.rows[0][0].width and selection_cells(app, graph)
        await pilot.press("home")
        await pilot.pause()
        assert graph.root is graph.full_root and graph.selected == (0, 0)
        assert "root 100.0%" in screen_text(app) and selection_cells(app, graph)


@pytest.mark.go
@pytest.mark.slow
async def test_p_serves_pprof_web_at_its_real_port_says_how_to_reach_it_and_stops(real_go: Path, monkeypatch) -> None:
    import asyncio
    import re

    import httpx

    from tests.wait import eventually

    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.7 50022 198.51.100.4 22")
    monkeypatch.setenv("USER", "gopher")
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_profiles(pilot, REAL_CPU)
        await pilot.press("p")
        text = await eventually(lambda: re.search(r"serving at (http://127\.0\.0\.1:(\d+)/)", flat(screen_text(app))),
                                timeout=240, what="pprof web says where it serves")  # fmt: skip
        url, port = text.group(1), text.group(2)
        assert port != "0"
        page = await asyncio.to_thread(httpx.get, url, follow_redirects=True, trust_env=False, timeout=30)
        assert page.status_code == 200 and "goprof.test" in page.text
        assert f"ssh -L {port}:127.0.0.1:{port} gopher@198.51.100.4" in flat(screen_text(app))
        await pilot.press("p")  # again: stops it
        await eventually(lambda: "pprof web: stopped" in flat(screen_text(app)), timeout=30, what="the final state")
        with pytest.raises(httpx.ConnectError):
            await asyncio.to_thread(httpx.get, url, trust_env=False, timeout=5)


async def test_peek_shows_callers_the_function_then_callees_and_enter_walks_the_call_graph(tmp_path: Path) -> None:
    path = write_profile(tmp_path)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, path)
        table = pane.query_one("#prof-top", DataTable)
        table.move_cursor(row=cells(table, 5).index("example.com/shop/cart.Checkout"))
        await view(pilot, "enter")  # enter on a top row: peek at it
        lines = [line.strip() for line in screen_text(app).splitlines()]
        at = {name: next(i for i, line in enumerate(lines) if line.endswith(name))
              for name in ("callers", "example.com/shop/cart.BenchmarkCheckout", "| example.com/shop/cart.Checkout",
                           "callees", "example.com/shop/cart.price")}  # fmt: skip
        assert at["callers"] < at["example.com/shop/cart.BenchmarkCheckout"] < at["| example.com/shop/cart.Checkout"]
        assert at["| example.com/shop/cart.Checkout"] < at["callees"] < at["example.com/shop/cart.price"]
        await pilot.press("j")  # the first callee (the heaviest): encoding/json.Marshal
        await view(pilot, "enter")
        assert "| encoding/json.Marshal" in screen_text(app), "enter on a callee peeks at it"
        await pilot.press("k")  # its caller: Checkout
        await view(pilot, "enter")
        assert "| example.com/shop/cart.Checkout" in screen_text(app), "enter on a caller peeks at it"
        await view(pilot, "backspace")
        assert "| encoding/json.Marshal" in screen_text(app), "backspace goes back"
        await view(pilot, "backspace")
        assert "| example.com/shop/cart.Checkout" in screen_text(app)


async def test_the_top_tables_flat_column_shrinks_back_after_a_diff(tmp_path: Path) -> None:
    mine = write_profile(tmp_path, "mine.pprof")
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, REAL_CPU)
        pane.open_path(mine)
        await app.workers.wait_for_complete()
        pane.query_one("#prof-list", DataTable).move_cursor(row=0)
        await view(pilot, "b")  # cpu.pb.gz is the base: flat values are signed differences
        table = pane.query_one("#prof-top", DataTable)
        assert any(v.startswith("-") for v in cells(table, 0))
        pane.query_one("#prof-list", DataTable).move_cursor(row=0)
        await view(pilot, "b")  # no base again
        widths = [len(v) for v in cells(table, 0)]
        column = table.ordered_columns[0]
        assert column.get_render_width(table) - 2 * table.cell_padding == max(widths + [len("flat")])


async def test_the_info_of_a_profile_is_never_cut_at_80_columns() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_profiles(pilot, PPROF / "mem.pb.gz")
        types = ["alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes"]
        if not all(t in flat(screen_text(app)) for t in types):
            info = pane.query_one("#prof-info")
            assert "enter" in flat(screen_text(app)), "cut, and nothing says how to see it all"
            while app.focused is not info:
                await pilot.press("tab")
            await pilot.press("enter")
            await pilot.pause()
        shown = flat(screen_text(app))
        assert all(t in shown for t in types), shown


async def test_the_capture_form_help_is_wrapped_at_80_columns() -> None:
    from m3tui.tui.panes.profile_text import TUNE_HELP

    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_profiles(pilot)
        await view(pilot, "u")
        shown = set(screen_text(app).split())
        missing = [w for w in TUNE_HELP.split() if w not in shown]
        assert not missing, missing


async def test_enter_is_in_the_help_of_every_view(tmp_path: Path) -> None:
    from m3tui.tui.widgets.help_screen import HelpScreen

    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_profiles(pilot, write_profile(tmp_path))
        for key, words in (("t", "peek"), ("g", "peek"), ("f", "zoom")):
            await view(pilot, key)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            rows = {k.keys: k.description.lower() for k in app.screen.pane_keys}
            assert words in rows.get("⏎", ""), (key, rows)
            await pilot.press("escape")
            await pilot.pause()


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "ansi-dark"])
async def test_each_view_focuses_its_widget_and_every_tab_stop_is_visible(tmp_path: Path, theme: str) -> None:
    app = snapshot_app(theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:

        async def shows_focus() -> None:
            assert await looks_focused(pilot), f"{app.focused!r} does not show it has focus in {theme}"

        pane = await open_profiles(pilot, write_profile(tmp_path))
        for key in "tgfsu":
            await view(pilot, key)
            assert app.focused is pane.focus_target(), (key, app.focused)
            await shows_focus()
        seen: list[object] = []
        while app.focused not in seen:  # every tab stop, from the form's first field round to it
            seen.append(app.focused)
            await shows_focus()
            await pilot.press("tab")
            await pilot.pause()
        assert len(seen) >= 10, seen


@pytest.mark.go
async def test_the_capture_form_kind_is_a_choice_and_enter_never_submits_half_a_form(pkg: Path, monkeypatch) -> None:
    from textual.widgets import Select

    monkeypatch.chdir(pkg)
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_profiles(pilot)
        await view(pilot, "u")
        kind = pane.query_one("#prof-kind")
        assert isinstance(kind, Select), "the kind is chosen from a list, not typed"
        assert [value for _label, value in kind._options if value is not Select.BLANK] == ["cpu", "mem", "block", "mutex"]
        await pilot.press(*"Sum", "enter")  # enter in -bench: to the next field, nothing runs
        await pilot.pause()
        assert app.focused is kind and not pane.entries and not any(w.name == "_capture" for w in app.workers)
        kind.value = "cpu"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert pane.entries and pane.entries[0].kind == "cpu"
        assert pane.entries[0].label.startswith("cpu Sum -cpu 1 "), pane.entries[0].label


async def test_the_list_marks_the_profile_shown_and_keeps_its_cursor_across_a_reload(tmp_path: Path) -> None:
    first, second, third = (write_profile(tmp_path, f"{n}.pprof") for n in ("first", "second", "third"))
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_profiles(pilot, first)
        pane.open_path(second)
        await app.workers.wait_for_complete()
        table = pane.query_one("#prof-list", DataTable)
        assert cells(table, 0) == ["first.pprof", "▶ second.pprof"] and table.cursor_row == 1
        table.move_cursor(row=0)
        await view(pilot, "r")  # reload: the cursor stays on first.pprof, the one under it
        assert table.cursor_row == 0 and cells(table, 0)[0] == "first.pprof"
        pane.open_path(third)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cells(table, 0)[table.cursor_row] == "▶ third.pprof", "a profile opened is the one under the cursor"


def test_every_key_of_the_panes_widgets_has_an_id_and_a_description() -> None:
    """What `?` lists and a keymap can remap (the app's bindable_nodes can take these classes)."""
    from textual.binding import Binding

    from m3tui.tui.panes.profile_form import CaptureForm
    from m3tui.tui.panes.profile_widgets import BINDABLE

    ids: list[str] = []
    for node in (*BINDABLE, CaptureForm, FlameGraph):
        own = set()
        for _key, binding in node._merge_bindings():
            assert isinstance(binding, Binding) and binding.id and binding.description, (node, binding)
            own.add(binding.id)
        ids += own
    assert len(ids) == len(set(ids)), "an id names one binding"
    assert {"profiles.top_table.enter", "profiles.peek_list.enter", "profiles.peek_list.back", "flame.root",
            "profiles.form.capture", "profiles.info.toggle"} <= set(ids)  # fmt: skip


async def test_a_capture_waiting_for_another_run_says_for_whom(tmp_path: Path, monkeypatch) -> None:
    """The run lock (core/runlock.py) held by another run: the capture form says who it waits for."""
    import tempfile

    from textual.widgets import Select

    from m3tui.core import runlock

    from tests.wait import eventually

    (tmp_path / "sys").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "sys"))  # a lock of this test's own
    monkeypatch.chdir(tmp_path)
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:  # started before the hold: not in its context
        pane = await open_profiles(pilot)
        async with runlock.hold("m3tui bench ./other -bench ."):
            await pilot.press("u")
            pane.query_one("#prof-bench", Input).value = "^BenchmarkSum$"
            pane.query_one("#prof-kind", Select).value = "cpu"
            await pilot.press("escape", "n")
            await eventually(lambda: "waiting for m3tui bench ./other" in " ".join(screen_text(app).split()))
            await pilot.press("escape")  # stops the waiting capture
            await app.workers.wait_for_complete()
        assert not pane.entries, "nothing was captured while another run held the lock"


async def test_a_big_profiles_info_does_not_merge_its_stacks(tmp_path: Path, monkeypatch) -> None:
    """A big profile (the numpy decoder's and top's, forced on here): its twin stacks are not merged
    to count them on opening (a second for a million, on the way to the table and `f`); the count
    shows once something has merged them, the usual decoder's."""
    from m3tui.profiles.pprof import fastagg, fastdecode
    from m3tui.profiles.pprof.model import ArrayProfile
    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile
    from tests.unit.test_pprof_fastdecode import _random_profile

    pb = PbProfile.FromString(_random_profile(11, nlocs=40, nnames=12, samples=2000, inline_every=0))
    for smp in pb.sample:
        smp.value[:] = [abs(v) for v in smp.value]
    path = tmp_path / "big.pprof"
    path.write_bytes(pb.SerializeToString())
    want = len(load_file(path).site_stacks)
    monkeypatch.setattr(fastdecode, "BIG_BYTES", 0)
    monkeypatch.setattr(fastagg, "BIG_STACKS", 0)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, path)
        p = pane.current.profile
        assert type(p) is ArrayProfile and p.n_samples > want
        assert pane.query_one("#prof-top", DataTable).row_count
        assert pane.query_one("#prof-info").lines[1] == f"{p.n_samples:,} samples"
        assert p.__dict__["_merged"] is None and p.__dict__["_site_stacks"] is None
        assert p.distinct_stack_count() == want
        pane._info(pane.current)
        assert pane.query_one("#prof-info").lines[1] == f"{p.n_samples:,} samples · {want:,} stacks"
