"""The text a Pilot-driven app shows right now, for tests that assert what the user reads."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App[object]) -> str:
    """The screen's cells as lines of plain text (what `tmux capture-pane -p` would print)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)
