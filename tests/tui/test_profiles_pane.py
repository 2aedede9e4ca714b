"""The Profiles pane driven by keys: a real (fixed) profile through the real decoder and analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from m3tui.tui.panes.profiles import ProfilesPane
from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.decode import load_file
from m3tui.tui.widgets.flame_graph import FlameGraph

from tests.appkit import m3_cpu_profile_bytes, settle, snapshot_app


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
        peek = str(pane.query_one("#prof-peek-text", Static).render())
        assert "example.com/shop/cart.price" in peek and "example.com/shop/cart.Checkout" in peek

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
        pane.query_one("#prof-bench", Input).value = "^BenchmarkSum$"
        pane.query_one("#prof-kind", Input).value = "cpu"
        await pilot.press("enter", "n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert pane.entries and pane.entries[0].kind == "cpu" and pane.entries[0].binary.name == "pkg.test"
        names = cells(pane.query_one("#prof-top", DataTable), 5)
        assert any("BenchmarkSum" in n or "gobench.sum" in n for n in names), names
