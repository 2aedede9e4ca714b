"""The Environment pane: findings stream in, sort worst first, expand, copy a fix, re-run."""

from __future__ import annotations

import asyncio

from textual import events

from m3tui.core.config import load_config
from m3tui.doctor.model import Finding, Group, Status
from m3tui.tui.app import M3tuiApp
from m3tui.tui.panes.environment import EnvironmentPane, FindingView
from m3tui.tui.widgets.status_line import StatusLine
from tests.appkit import M3_FINDINGS, fixed_probe, settle, snapshot_app
from tests.screen import screen_text

FAST = Finding("system.os", Group.SYSTEM, Status.OK, "fast check done")
SLOW = Finding("network.proxy", Group.NETWORK, Status.ERROR, "slow check: proxy unreachable", fix="go env -w GOPROXY=direct")


async def test_first_findings_show_before_the_slowest_check_finishes() -> None:
    release = asyncio.Event()

    async def doctor(on_finding):
        on_finding(FAST)
        await release.wait()  # the slow network check
        on_finding(SLOW)
        return [FAST, SLOW]

    app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=doctor)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        pane = app.main_screen.query_one(EnvironmentPane)
        views = list(pane.query(FindingView))
        assert [v.finding.id for v in views] == ["system.os"] and pane.running
        assert "doctor: ok…" in str(app.main_screen.query_one(StatusLine).render())
        release.set()
        await settle(pilot)
        assert not pane.running
        assert [v.finding.id for v in pane.query(FindingView)] == ["system.os", "network.proxy"]
        assert "doctor: 1 problem" in str(app.main_screen.query_one(StatusLine).render())


async def test_findings_sorted_by_group_then_worst_first() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        pane = app.main_screen.query_one(EnvironmentPane)
        order = [(v.finding.group, v.finding.status) for v in pane.query(FindingView)]
        groups = [g for g, _ in order]
        assert groups == sorted(groups, key=[Group.SYSTEM, Group.GO, Group.NETWORK, Group.DRIFT].index)
        go = [s for g, s in order if g is Group.GO]
        assert go == sorted(go, key=lambda s: s.rank)
        assert len(order) == len(M3_FINDINGS)
        # The header counts the problems: warn, error and crashed.
        problems = sum(1 for f in M3_FINDINGS if f.is_problem)
        assert f"doctor: {problems} problems" in str(app.main_screen.query_one(StatusLine).render())


async def test_expand_and_copy_a_fix() -> None:
    app = snapshot_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # the terminal's clipboard (OSC 52) is not there in tests
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        pane = app.main_screen.query_one(EnvironmentPane)
        first = pane.query(FindingView).first()  # focused at start: the Homebrew error
        assert first.finding.id == "system.homebrew" and first.collapsed
        await pilot.press("enter")
        assert not first.collapsed
        await pilot.press("c")
        assert copied == ["install Homebrew natively into /opt/homebrew"]
        await pilot.press("e")
        assert all(v.collapsed != v.finding.is_problem for v in pane.query(FindingView))


async def test_r_runs_the_doctor_again() -> None:
    runs = []

    async def doctor(on_finding):
        runs.append(1)
        finding = Finding("system.os", Group.SYSTEM, Status.OK, f"run {len(runs)}")
        on_finding(finding)
        return [finding]

    app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=doctor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        pane = app.main_screen.query_one(EnvironmentPane)
        assert len(runs) == 2
        assert [v.finding.summary for v in pane.query(FindingView)] == ["run 2"]


# --- keyboard: focus, cursor, nothing cut (issue 12) ----------------------------------------


def _focused_finding(app: M3tuiApp) -> str | None:
    focused = app.focused
    view = next((n for n in (focused.ancestors_with_self if focused else []) if isinstance(n, FindingView)), None)
    return view.finding.id if view else None


async def test_the_first_finding_is_focused_at_start_and_enter_and_arrows_work_at_once() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.main_screen.query_one(EnvironmentPane)
        ids = [v.finding.id for v in pane.query(FindingView)]
        assert _focused_finding(app) == ids[0], "no tab needed before enter and arrows work"
        await pilot.press("enter")
        assert not pane.query(FindingView).first().collapsed
        await pilot.press("down", "j")
        assert _focused_finding(app) == ids[2]
        await pilot.press("k")
        assert _focused_finding(app) == ids[1]
        await pilot.press("G")
        assert _focused_finding(app) == ids[-1]
        await pilot.press("g")
        assert _focused_finding(app) == ids[0]


async def test_tab_walks_the_findings_with_no_invisible_stop() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.main_screen.query_one(EnvironmentPane)
        ids = [v.finding.id for v in pane.query(FindingView)]
        seen = [_focused_finding(app)]
        for _ in range(len(ids) - 1):
            await pilot.press("tab")
            seen.append(_focused_finding(app))
        assert seen == ids, "every tab stop is a finding, in order"


async def test_the_cursor_stays_on_its_finding_across_a_rerun_and_goes_to_the_neighbour_if_it_is_gone() -> None:
    runs: list[int] = []
    base = [Finding(f"go.check{i}", Group.GO, Status.OK, f"check {i}") for i in range(5)]

    async def doctor(on_finding):
        runs.append(1)
        found = base if len(runs) < 3 else [f for f in base if f.id != "go.check3"]
        for finding in reversed(found):  # arrive in another order than shown
            on_finding(finding)
            await asyncio.sleep(0)
        return found

    app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=doctor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert _focused_finding(app) == "go.check0", "the cursor stayed on top while the others arrived"
        await pilot.press("j", "j", "j")
        assert _focused_finding(app) == "go.check3"
        await pilot.press("r")
        await settle(pilot)
        assert _focused_finding(app) == "go.check3", "a re-run keeps the cursor on the same finding"
        await pilot.press("r")
        await settle(pilot)
        assert _focused_finding(app) == "go.check4", "the finding is gone: its neighbour"
        await pilot.press("c")  # a pane key still works: focus was never lost
        assert len(runs) == 3


async def test_a_long_summary_wraps_at_80_columns_instead_of_being_cut() -> None:
    long = Finding("go.path", Group.GO, Status.WARN,
                   "/root/go/bin is not on PATH: tools from go install (gopls, dlv) are not found by the shell")

    async def doctor(on_finding):
        on_finding(long)
        return [long]

    app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=doctor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert "are not found by the shell" in text


async def test_keys_typed_faster_than_the_screen_updates_act_on_the_row_the_cursor_reached() -> None:
    app = snapshot_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        views = list(app.main_screen.query_one(EnvironmentPane).query(FindingView))
        for key in ("j", "enter"):  # queued together, as a terminal delivers a fast typist's keys
            app.post_message(events.Key(key, "\r" if key == "enter" else key))
        await pilot.pause()
        await pilot.pause()
        assert views[0].collapsed and not views[1].collapsed
