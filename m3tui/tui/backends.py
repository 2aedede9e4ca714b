"""The features as the panes see them: one typed backend per pane, handed in by the app.

Each is the feature's Protocol (`m3tui/<feature>/backend.py`). Tests pass fixed ones
(tests/appkit.py); those not given are the real services, made when a pane first asks, so the
first paint imports no feature's backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from m3tui.bench.backend import BenchBackend
    from m3tui.logs.backend import LogsBackend
    from m3tui.profiles.backend import ProfilesBackend
    from m3tui.versions.backend import VersionsBackend


class Backends:
    def __init__(
        self,
        *,
        versions: VersionsBackend | None = None,
        bench: BenchBackend | None = None,
        profiles: ProfilesBackend | None = None,
        logs: LogsBackend | None = None,
    ) -> None:
        self._versions, self._bench, self._profiles, self._logs = versions, bench, profiles, logs

    @property
    def versions(self) -> VersionsBackend:
        if self._versions is None:
            from m3tui.versions.backend import LocalVersions

            self._versions = LocalVersions()
        return self._versions

    @property
    def bench(self) -> BenchBackend:
        if self._bench is None:
            from m3tui.bench.backend import LocalBench

            self._bench = LocalBench()
        return self._bench

    @property
    def profiles(self) -> ProfilesBackend:
        if self._profiles is None:
            from m3tui.profiles.backend import LocalProfiles

            self._profiles = LocalProfiles()
        return self._profiles

    @property
    def logs(self) -> LogsBackend:
        if self._logs is None:
            from m3tui.logs.backend import LocalLogs

            self._logs = LocalLogs()
        return self._logs
