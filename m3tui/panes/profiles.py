"""Profiles pane: pprof in the terminal, and a profile-rate tuner."""

from __future__ import annotations

from .base import Pane


class ProfilesPane(Pane):
    PANE_ID = "profiles"
    TITLE = "Profiles"
    SUMMARY = "Read pprof profiles without a browser, with numbers that agree with go tool pprof."
    PLANNED = (
        "open CPU, heap, allocs, block and mutex profiles (profile.proto, gzipped)",
        "top, tree, flame graph and source views in the terminal",
        "capture a profile of one benchmark from the Bench pane",
        "help choose MemProfileRate, block and mutex rates that are precise but do not distort",
    )
    PLANNED_HEADLESS = "m3tui profile FILE [--top N] [--json]"
