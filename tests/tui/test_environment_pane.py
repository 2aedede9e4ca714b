"""The Environment pane: findings stream in, sort worst first, expand, copy a fix, re-run."""

from __future__ import annotations

import asyncio

from m3tui.tui.app import M3tuiApp
from m3tui.tui.panes.environment import EnvironmentPane, FindingView
from m3tui.core.config import load_config
from m3tui.doctor.model import Finding, Group, Status
from m3tui.tui.widgets.status_line import StatusLine

from tests.appkit import M3_FINDINGS, fixed_probe, settle, snapshot_app

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
        await pilot.press("c")
        assert copied == [], "nothing focused: nothing copied"
        await pilot.press("tab")  # the first finding: the Homebrew error
        first = pane.query(FindingView).first()
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
