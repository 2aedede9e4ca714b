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
