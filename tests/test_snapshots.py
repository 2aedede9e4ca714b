"""How the app looks: every pane at 80x24 and at 200x60, the help panel, the ANSI theme.

The Go facts come from a fixed report (tests/appkit.py) so the pictures do not depend on
the machine. Update after a deliberate UI change with `pytest --snapshot-update`.
"""

from __future__ import annotations

import pytest

from m3tui.panes import PANES

from .appkit import settle, snapshot_app

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("number", range(1, len(PANES) + 1), ids=[p.PANE_ID for p in PANES])
def test_pane(snap_compare, number: int, size: str) -> None:
    assert snap_compare(snapshot_app(), press=[str(number)], terminal_size=SIZES[size], run_before=settle)


@pytest.mark.parametrize("size", list(SIZES))
def test_help(snap_compare, size: str) -> None:
    assert snap_compare(snapshot_app(), press=["question_mark"], terminal_size=SIZES[size], run_before=settle)


def test_ansi_theme(snap_compare) -> None:
    assert snap_compare(snapshot_app(theme="ansi-dark"), terminal_size=(80, 24), run_before=settle)


def test_light_theme_bench(snap_compare) -> None:
    assert snap_compare(snapshot_app(theme="textual-light"), press=["3"], terminal_size=(80, 24), run_before=settle)


def test_environment_problems_expanded(snap_compare) -> None:
    assert snap_compare(snapshot_app(), press=["e"], terminal_size=(200, 60), run_before=settle)


async def _versions(pilot) -> None:
    await settle(pilot)
    await pilot.press("2")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("outcome", ["wait", "fail"], ids=["install-in-progress", "install-error"])
def test_versions_install(snap_compare, outcome: str) -> None:
    from .appkit import FixedVersionsBackend

    app = snapshot_app(versions=FixedVersionsBackend(install_outcome=outcome))

    async def run_before(pilot) -> None:
        await _versions(pilot)
        await pilot.press("tab", "down", "down", "i")  # the release list, third row: go1.26.6
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


async def _bench_with_results(pilot) -> None:
    from .appkit import m3_bench_results

    await settle(pilot)
    await pilot.press("3")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    pane = pilot.app.query_one("#pane-bench")
    pane.load_results({"run 12": m3_bench_results()}, "example.com/shop/cart · run 12")
    await pilot.pause()


async def _bench_ab(pilot) -> None:
    from .appkit import m3_bench_results

    await _bench_with_results(pilot)
    pane = pilot.app.query_one("#pane-bench")
    pane.load_results({"go1.23.4": m3_bench_results(), "go1.24.2": m3_bench_results(speedup=1.06, seed=9)}, "A/B")
    await pilot.press("c")
    await pilot.pause()


@pytest.mark.parametrize("size", list(SIZES))
def test_bench_live_table(snap_compare, size: str) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=_bench_with_results)


@pytest.mark.parametrize("size", list(SIZES))
def test_bench_compare_view(snap_compare, size: str) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=_bench_ab)


async def _bench_scaling(pilot) -> None:
    await _bench_with_results(pilot)
    await pilot.press("s")
    await pilot.pause()


async def _bench_history(pilot) -> None:
    await _bench_with_results(pilot)
    await pilot.press("h")
    await pilot.app.workers.wait_for_complete()
    await pilot.press("space", "j", "space")
    await pilot.pause()


@pytest.mark.parametrize("view", ["scaling", "history"])
def test_bench_views(snap_compare, view: str) -> None:
    before = {"scaling": _bench_scaling, "history": _bench_history}[view]
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=before)
