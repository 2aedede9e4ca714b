"""The baseline for benchmarks/startup.py: the smallest Textual app that looks like an app.

A Header, one Static reading "bare" (the marker startup.py waits for) and a Footer,
nothing else. ctrl+q (Textual's default binding) quits.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class BareApp(App[None]):
    TITLE = "Baseline"  # not "bare": the marker must only come from the Static.

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("bare")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
