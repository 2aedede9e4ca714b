"""The Profiles pane's flags form (`F`): pprof's report flags as `m3tui profile top` takes them,
applied through the same feature code, so the pane's top table is the CLI's rows for the same
flags (the CLI run in this process on the same real profile, tests/data/pprof); shown in the view
bar, cleared by `R`; a value that cannot be used, or flags the profile cannot take, one line."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

from textual.widgets import DataTable, Input, Select

from m3tui.cli.main import main
from tests.appkit import snapshot_app
from tests.testdata import DATA
from tests.tui.test_profiles_pane import open_profiles


def cli_rows(path: Path, *flags: str) -> list[list[str]]:
    """`m3tui profile top PATH FLAGS` (in this process): its rows, each split in its six columns,
    the names without pprof's inline marks."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["profile", "top", str(path), *flags]) == 0, err.getvalue()
    lines = out.getvalue().splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[:2] == ["flat", "flat%"]) + 1
    rows = [line.split(maxsplit=5) for line in lines[at:]]
    for row in rows:  # the pane's table has no inline marks (its peek view shows them)
        row[5] = row[5].removesuffix(" (inline)").removesuffix(" (partial-inline)")
    return rows


def pane_rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def set_flags(pilot, **values: str) -> None:
    """`F`, the fields typed (granularity chosen), enter."""
    await pilot.press("F")
    await pilot.pause()
    screen = pilot.app.screen
    for name, value in values.items():
        if name == "granularity":
            screen.query_one("#prof-flags-granularity", Select).value = value
        else:
            screen.query_one(f"#prof-flags-{name}", Input).value = value
    screen.query_one("#prof-flags-tagfocus", Input).focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_the_flags_form_gives_the_clis_top_rows_shows_them_and_r_clears(tmp_path: Path, m3tui_home: Path) -> None:
    mem, cpu = tmp_path / "mem.pb.gz", tmp_path / "cpu.pb.gz"
    shutil.copy(DATA / "pprof" / "mem.pb.gz", mem)
    shutil.copy(DATA / "pprof" / "cpu.pb.gz", cpu)
    app = snapshot_app()
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await open_profiles(pilot, mem)
        table = pane.query_one("#prof-top", DataTable)
        plain = pane_rows(table)
        assert plain == cli_rows(mem)

        # Tag range, show-from and a node fraction: the pipeline's path, finished as pprof prints it.
        await set_flags(pilot, tagfocus="bytes=1kb:", show_from="goprof", nodefraction="0.001")
        assert pane_rows(table) == cli_rows(mem, "--tagfocus", "bytes=1kb:", "--show-from", "goprof", "--nodefraction", "0.001")
        assert pane_rows(table) != plain
        bar = str(pane.query_one("#prof-views").render())
        assert "F --tagfocus bytes=1kb: --show-from goprof --nodefraction 0.001" in bar
        assert "tagfocus:Interpreted '1kb:' as range, not regexp" in pane._status_text  # pprof's stderr line
        await pilot.press("R")
        await settle(pilot)
        assert pane_rows(table) == plain and " F " not in str(pane.query_one("#prof-views").render())

        # The pane's own focus filter goes with them, as --focus does.
        await pilot.press("slash")
        pane.query_one("#prof-focus", Input).value = "goprof"
        await pilot.press("enter")
        await settle(pilot)
        await set_flags(pilot, tagignore="bytes=:64", show="goprof|runtime")
        assert pane_rows(table) == cli_rows(mem, "--focus", "goprof", "--tagignore", "bytes=:64", "--show", "goprof|runtime")
        await pilot.press("escape")  # the focus filter off; the flags stay
        await settle(pilot)
        assert pane_rows(table) == cli_rows(mem, "--tagignore", "bytes=:64", "--show", "goprof|runtime")

        # Another profile, a granularity: the flags stay for it (cleared first: R).
        await pilot.press("R")
        pane.open_path(cpu)
        await settle(pilot)
        for granularity in ("lines", "files", "addresses"):
            await set_flags(pilot, granularity=granularity, nodefraction="0.02")
            want = cli_rows(cpu, "--granularity", granularity, "--nodefraction", "0.02")
            if granularity == "files":  # pprof's order of alike rows is its map's: compared as a set
                assert sorted(map(tuple, pane_rows(table))) == sorted(map(tuple, want))
            else:
                assert pane_rows(table) == want
            assert f"--granularity {granularity}" in str(pane.query_one("#prof-views").render())


async def test_a_value_the_form_cannot_use_and_a_profile_without_addresses_are_one_line(
    tmp_path: Path, m3tui_home: Path
) -> None:
    from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

    pb = PbProfile(string_table=["", "samples", "count", "main.f"])
    pb.sample_type.add(type=1, unit=2)
    pb.function.add(id=1, name=3)
    pb.location.add(id=1).line.add(function_id=1, line=3)
    pb.sample.add(location_id=[1], value=[5])
    path = tmp_path / "noaddr.pb"
    path.write_bytes(pb.SerializeToString())
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_profiles(pilot, path)

        def notes() -> list[str]:
            return [str(n.message) for n in app._notifications]

        await pilot.press("F")
        await pilot.pause()
        field = app.screen.query_one("#prof-flags-nodefraction", Input)
        field.value = "1.5"
        app.screen.query_one("#prof-flags-show", Input).value = "main"
        field.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "--nodefraction 1.5: must be from 0 to 1" in notes() and app.focused is field, "the form stays"
        field.value = ""
        app.screen.query_one("#prof-flags-tagfocus", Input).value = "worker=("
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "tagfocus regexp '(': missing closing ): `(`" in notes()
        assert app.focused is app.screen.query_one("#prof-flags-tagfocus", Input)
        await pilot.press("escape")  # closed, nothing applied
        await pilot.pause()
        assert not pane.pprof_flags.active() and app.screen is app.main_screen

        await set_flags(pilot, granularity="addresses")
        assert (f"pprof flags not applied, cleared: {path}: the profile has no addresses: granularity addresses "
                "needs them") in notes()  # fmt: skip
        assert not pane.pprof_flags.active() and pane.report is not None and pane.report.rows[0].name == "main.f"
        await set_flags(pilot, granularity="lines")
        assert [str(c) for c in pane.query_one("#prof-top", DataTable).get_row_at(0)][-1] == "main.f :3"


def cli_out(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["profile", *argv]) == 0, err.getvalue()
    return out.getvalue()


async def test_the_flags_go_with_the_diff_base_and_the_traces_view(tmp_path: Path, m3tui_home: Path) -> None:
    """With a diff base (b), the rows are `profile top FILE --diff-base BASE <flags>`'s; the traces
    view (a) is `profile traces FILE <flags>`'s text."""
    from textual.widgets import Static

    from tests.appkit import m3_cpu_profile_bytes

    base = tmp_path / "m3.pprof"
    base.write_bytes(m3_cpu_profile_bytes())
    cur = tmp_path / "cpu.pb.gz"
    shutil.copy(DATA / "pprof" / "cpu.pb.gz", cur)
    app = snapshot_app()
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await open_profiles(pilot, base)
        pane.open_path(cur)
        await settle(pilot)
        pane.query_one("#prof-list", DataTable).move_cursor(row=0)
        await pilot.press("b")
        await settle(pilot)
        assert pane.base is not None and pane.base.path == base and pane.current is not None and pane.current.path == cur
        await set_flags(pilot, show="goprof|main", granularity="lines")
        table = pane.query_one("#prof-top", DataTable)
        assert pane_rows(table) == cli_rows(cur, "--diff-base", str(base), "--show", "goprof|main", "--granularity", "lines")
        await pilot.press("b")  # no base: the file alone, the flags kept
        await settle(pilot)
        assert pane.base is None
        assert pane_rows(table) == cli_rows(cur, "--show", "goprof|main", "--granularity", "lines")
        await pilot.press("a")
        await settle(pilot)
        shown = str(pane.query_one("#prof-traces-text", Static).render())
        want = cli_out("traces", str(cur), "--show", "goprof|main", "--granularity", "lines")
        assert shown.splitlines()[:40] == want.splitlines()[:40] and "goprof.go:" in shown
