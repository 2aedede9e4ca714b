"""The Profiles pane's flame view made off the event loop, and the top report kept across view
switches (issue 14, big profiles): a real profile through the real decoder, analysis and layout."""

from __future__ import annotations

from pathlib import Path

from m3tui.profiles.pprof import analysis, flame
from m3tui.profiles.pprof.decode import load_file
from m3tui.profiles.pprof.graph import Filters
from m3tui.tui.widgets.flame_graph import FlameGraph
from tests.appkit import snapshot_app
from tests.screen import screen_text
from tests.tui.test_profiles_pane import open_profiles, write_profile


def boxes(rows: list[list[flame.FlameBox]]) -> list[list[tuple[int, int, str, int]]]:
    return [[(b.x, b.width, b.node.name, b.node.value) for b in row] for row in rows]


async def test_switching_views_keeps_the_top_report_and_the_flame_graph_is_laid_out_as_layout_does(tmp_path: Path) -> None:
    path = write_profile(tmp_path)
    profile = load_file(path)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, path)

        async def press(*keys: str) -> None:
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()

        report = pane.report
        assert report is not None and report.rows
        await press("f")
        graph = pane.query_one(FlameGraph)
        assert pane.report is report  # the same profile, sample type, filters, sort: not made again
        si = profile.sample_index(None)
        width = graph.rows[0][0].width
        assert width >= graph.size.width - graph.styles.scrollbar_size_vertical
        assert boxes(graph.rows) == boxes(flame.layout(analysis.flame(profile, si, Filters()), width))
        assert "root" in str(screen_text(app))

        await press("t")
        assert pane.report is report

        await press("f", "i")  # another sample type: a new report and graph
        si = pane.sample_index
        assert pane.report is not report and si is not None
        assert boxes(graph.rows) == boxes(flame.layout(analysis.flame(profile, si, Filters()), graph.rows[0][0].width))

        await press("slash", *"cart", "enter")  # a focus filter from the flame view
        assert pane.view == "flame" and pane.filters["focus"] == "cart"
        focused = analysis.flame(profile, si, Filters(focus="cart"))
        assert boxes(graph.rows) == boxes(flame.layout(focused, graph.rows[0][0].width))
        assert pane.report is not None and pane.report.total == analysis.top(profile, si, Filters(focus="cart")).total

        await press("down", "down")  # the selection moves: its rows are drawn again, the others kept
        assert graph.selected[0] == 2
        assert f"{graph.rows[2][graph.selected[1]].node.name}"[:10] in str(screen_text(app))


async def test_a_big_profiles_flame_tree_is_grown_ahead_once_the_top_table_shows_and_f_shows_it(tmp_path: Path) -> None:
    path = write_profile(tmp_path)
    profile = load_file(path)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot)
        pane.FLAME_AHEAD_STACKS = 0  # every profile is big here
        pane.open_path(path)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane._flame_ahead is not None
        key, task = pane._flame_ahead
        tree = await task
        assert key[0] is pane.current.profile and key[1] == pane.sample_index

        await pilot.press("slash", *"cart", "enter")  # another filter: the tree grown ahead is for it
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane._flame_ahead is not None and pane._flame_ahead[1] is not task
        tree = await pane._flame_ahead[1]

        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        graph = pane.query_one(FlameGraph)
        assert graph.full_root is tree and pane._flame_ahead is None  # taken: the graph owns it now
        si = profile.sample_index(None)
        expected = flame.layout(analysis.flame(profile, si, Filters(focus="cart")), graph.rows[0][0].width)
        assert boxes(graph.rows) == boxes(expected)
        assert graph.rows[0][0].width >= graph.size.width - graph.styles.scrollbar_size_vertical
