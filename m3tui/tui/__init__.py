"""The terminal UI: the app shell (`app.py`), one module per pane (`panes/`), shared widgets
(`widgets/`). The only package that imports Textual; its styles are the top-level `styles/`,
shipped as `m3tui.styles`.
"""
