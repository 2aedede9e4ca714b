"""The `m3tui` command: `parser.py` (the grammar of every command, argparse only), `main.py`
(exit codes, run_async, the TUI when no command is given) and one module per command, each a
thin front over its feature package, imported only when its command runs.
"""
