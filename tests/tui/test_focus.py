"""The focus contract (ARCHITECTURE.md, "Keys and focus"), checked on every pane and theme.

Each pane has a focused widget as soon as it is shown, and the user can see which: the focused
widget's cells look different from the same cells when the terminal has no focus (then Textual
takes focus away and nothing is highlighted).
"""

from __future__ import annotations

import pytest

from m3tui.tui.panes import PANES

from tests.appkit import settle, snapshot_app
from tests.screen import looks_focused

THEMES = ["textual-dark", "textual-light", "ansi-dark"]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("number,pane_id", [(n, p.pane_id) for n, p in enumerate(PANES, start=1)])
async def test_every_pane_has_a_visible_focus_as_soon_as_it_is_shown(theme: str, number: int, pane_id: str) -> None:
    app = snapshot_app(theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(str(number))
        await settle(pilot)
        focused = app.focused
        assert focused is not None, f"{pane_id}: nothing focused"
        assert app.active_pane in focused.ancestors, f"{pane_id}: focus is outside the pane: {focused!r}"
        assert await looks_focused(pilot), f"{pane_id} in {theme}: the focused {focused!r} looks the same without focus"
