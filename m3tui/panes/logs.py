"""Logs pane: every go command's output, m3tui's own log, and any log file, followed live."""

from __future__ import annotations

from .base import Pane


class LogsPane(Pane):
    PANE_ID = "logs"
    TITLE = "Logs"
    SUMMARY = "Follow, filter and search logs: plain text or JSON lines."
    PLANNED = (
        "show the output of every go command m3tui runs, and its own log",
        "open any log file (plain, JSON lines, gzip, stdin), huge ones instantly, and follow it",
        "filter by level, search with / n N, jump between errors with e E",
        "lint structured logs against a schema",
    )
    PLANNED_HEADLESS = "m3tui logs FILE --lint [--json]"
