"""The text a Pilot-driven app shows right now, for tests that assert what the user reads."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot


def screen_text(app: App[object]) -> str:
    """The screen's cells as lines of plain text (what `tmux capture-pane -p` would print)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def styled(app: App[object], region: Region) -> list[tuple[str, str]]:
    """The text and style of every segment inside region, row by row."""
    strips = app.screen._compositor.render_strips()
    return [(s.text, str(s.style)) for y in range(region.y, region.bottom) for s in strips[y].crop(region.x, region.right)]


async def looks_focused(pilot: Pilot[int]) -> bool:
    """Does the focused widget look different from the same cells while the terminal has no
    focus (Textual then takes focus away, so nothing is highlighted)? Focus comes back after."""
    app = pilot.app
    focused = app.focused
    assert focused is not None, "nothing focused"
    region = focused.region.intersection(app.screen.region)
    assert region.area, f"the focused {focused!r} is not on screen (an invisible tab stop)"
    seen = styled(app, region)
    app.post_message(events.AppBlur())
    await pilot.pause()
    await pilot.pause()
    assert app.focused is None
    unseen = styled(app, region)
    app.post_message(events.AppFocus())
    await pilot.pause()
    return seen != unseen
