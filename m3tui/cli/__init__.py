"""The `m3tui` command: `main.py` (argparse, exit codes, the TUI when no command is given) and
one module per subcommand, each a thin front over its feature package.
"""
