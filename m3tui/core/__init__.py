"""The floor every feature stands on: the subprocess runner, config and state root, errors,
the command log and crash log, host and system probes, toolchain discovery, binary formats.

Imports no feature package, no TUI, no CLI (enforced by tests/unit/test_layers.py).
"""
