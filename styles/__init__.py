"""m3tui's Textual stylesheets: `app.tcss` and one `<pane>.tcss` per pane.

This folder sits beside the `m3tui/` package and ships in the wheel as the package
`m3tui.styles` (pyproject.toml maps it); the app reads it with importlib.resources.
"""
