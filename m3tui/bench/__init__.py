"""Benchmarks: the Go benchmark format, benchstat's statistics and tables, runs (built once,
streamed, interleaved A/B), the noise guard, scaling tables and the SQLite history.

May use `core` and `versions` (toolchains to run under); never Textual, `tui` or `cli`.
"""
