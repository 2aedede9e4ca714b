"""Bench pane: live `go test -bench` runs with benchstat-grade statistics."""

from __future__ import annotations

from .base import Pane


class BenchPane(Pane):
    PANE_ID = "bench"
    TITLE = "Bench"
    SUMMARY = "Run benchmarks live and tell whether a change is really faster."
    PLANNED = (
        "run go test -bench with a -cpu sweep and enough -count, results streaming into a table",
        "medians, confidence intervals and p-values that match benchstat",
        "a CPU scaling table (speed-up and efficiency per GOMAXPROCS)",
        "compare two runs, or the same benchmarks under two Go versions, interleaved",
        "keep every run in a history, and warn when the machine is too busy to trust",
    )
    PLANNED_HEADLESS = "m3tui bench compare OLD NEW [--json] works today; run and history will follow"
