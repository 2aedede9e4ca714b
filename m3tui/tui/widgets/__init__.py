"""Widgets that more than one pane, or the app shell, uses."""
