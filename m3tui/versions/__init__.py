"""Go versions: names and specs, the go.dev index, verified installs into the store, every
installed Go on the machine, the `current` switch and per-project versions.

May use `core` and `doctor` (what really runs in a directory); never Textual, `tui` or `cli`.
"""
