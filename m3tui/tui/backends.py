"""The features as the panes see them: one typed backend per pane, handed in by the app.

Each field's type is the feature's Protocol (`m3tui/<feature>/backend.py`); the defaults are the
real services, and tests pass fixed ones (tests/appkit.py). Building the real ones is cheap:
their services are imported on first call, not before the first paint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from m3tui.bench.backend import BenchBackend, LocalBench
from m3tui.logs.backend import LocalLogs, LogsBackend
from m3tui.profiles.backend import LocalProfiles, ProfilesBackend
from m3tui.versions.backend import LocalVersions, VersionsBackend


@dataclass
class Backends:
    versions: VersionsBackend = field(default_factory=LocalVersions)
    bench: BenchBackend = field(default_factory=LocalBench)
    profiles: ProfilesBackend = field(default_factory=LocalProfiles)
    logs: LogsBackend = field(default_factory=LocalLogs)
