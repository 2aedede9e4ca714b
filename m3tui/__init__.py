"""m3tui: a keyboard-driven terminal workbench for Go developers on Apple silicon."""

__version__ = "0.1.0"
