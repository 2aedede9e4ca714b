"""Logs: the memory-mapped line index, line formats and levels, lint rules, following a file,
and the sources (files, in-memory text) the Logs pane and `m3tui logs` read.

Uses only `core`; never Textual, `tui` or `cli`.
"""
