"""The Profiles pane's traces view (`a`): `go tool pprof -traces` in the pane, the same lines as
`m3tui profile traces` (profiles/pprof/traces.py, compared with pprof there), following the sample
type, the filters and the diff base, on a real profile with labels."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from m3tui.profiles.pprof.graph import Filters
from m3tui.profiles.pprof.traces import read_traces, traces_lines
from tests.appkit import m3_cpu_profile_bytes, snapshot_app
from tests.screen import screen_text
from tests.testdata import PPROF
from tests.tui.test_profiles_pane import open_profiles, view


def shown(pane) -> str:
    return str(pane.query_one("#prof-traces-text", Static).render())


def pprof_text(path: Path, **kwargs) -> str:
    return "\n".join(traces_lines(read_traces(path, **kwargs))) + "\n"


async def test_a_shows_the_traces_as_profile_traces_prints_them(tmp_path: Path) -> None:
    path = PPROF / "cpu.pb.gz"
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, path)
        footer = screen_text(app).splitlines()[-1]
        assert "a Traces" in footer, footer
        assert " a traces " in screen_text(app), "in the view bar"
        await view(pilot, "a")
        assert pane.view == "traces" and app.focused is pane.query_one("#prof-traces")
        assert shown(pane) == pprof_text(path)
        assert "-----------+" in shown(pane)

        await view(pilot, "i")  # the other sample type
        assert pane.sample_index == 0 and shown(pane) == pprof_text(path, sample_index=0)

        await pilot.press("slash", *"runtime", "enter")  # a focus: the samples through runtime.*
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.view == "traces" and shown(pane) == pprof_text(path, sample_index=0, filters=Filters(focus="runtime"))
        assert shown(pane) != pprof_text(path, sample_index=0)


async def test_traces_of_a_diff_and_of_labels(tmp_path: Path) -> None:
    """Against the diff base (b on the list), as `profile traces --diff-base`; a profile's labels shown."""
    cur = tmp_path / "cpu.pprof"
    cur.write_bytes(m3_cpu_profile_bytes())
    base = PPROF / "cpu.pb.gz"
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, cur)
        await view(pilot, "a")
        assert shown(pane) == pprof_text(cur)
        pane.open_path(base)
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane.query_one("#prof-list").move_cursor(row=0)  # cpu.pprof is the base, the other one shown
        await view(pilot, "b")
        assert pane.base is not None and pane.base.path == cur and pane.current.path == base
        assert shown(pane) == pprof_text(base, diff_base=cur) and "pprof::base" in shown(pane)
