"""What the Bench pane asks of this feature: the `BenchBackend` Protocol and the real one.

The pane depends on the Protocol only (tests hand it fixed runs: tests/appkit.py). The real
backend imports the services on first call, so building the pane costs nothing at start-up,
and runs every SQLite call in a thread: the history never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from m3tui.bench.fmt import BenchResult
    from m3tui.bench.history import RunInfo, StoredRun
    from m3tui.bench.revisions import Revision, RevisionChoice
    from m3tui.bench.run import BenchSpec
    from m3tui.bench.session import SessionResult, Toolchain


@dataclass(frozen=True)
class Prepared:
    """A package, toolchains and (for a revision A/B run) revisions resolved for a run."""

    directory: Path
    import_path: str
    toolchains: list[Toolchain]
    revisions: list[Revision] = field(default_factory=list)


class Session(Protocol):
    """A benchmark run in progress (`bench.session.BenchSession`)."""

    async def run(self) -> SessionResult: ...
    def stop(self) -> None: ...


class BenchBackend(Protocol):
    """The Bench feature as the pane sees it. Failures are M3tuiErrors with the user's line."""

    async def packages(self, cwd: Path) -> list[tuple[str, Path]]: ...
    async def default_cpu(self) -> tuple[int, ...]: ...
    async def prepare(self, package: str, versions: Sequence[str], revs: Sequence[str] = ()) -> Prepared: ...
    async def revision_choices(self, directory: Path) -> list[RevisionChoice]: ...
    def session(
        self,
        spec: BenchSpec,
        toolchains: Sequence[Toolchain],
        package: str,
        *,
        on_result: Callable[[str, BenchResult], None],
        on_status: Callable[[str], None],
        revisions: Sequence[Revision] = (),
    ) -> Session: ...
    async def list_runs(self, limit: int) -> list[RunInfo]: ...
    async def get_run(self, run_id: int) -> StoredRun: ...
    async def delete_run(self, run_id: int) -> bool: ...
    async def add_profile(self, run_id: int, kind: str, benchmark: str, procs: int, path: Path) -> None: ...
    async def export(self, run: StoredRun, fmt: str, target: Path) -> None: ...


class LocalBench:
    """The real services: `go` on this machine and m3tui's SQLite history."""

    async def packages(self, cwd: Path) -> list[tuple[str, Path]]:
        from m3tui.bench import run

        return await run.list_packages(cwd)

    async def default_cpu(self) -> tuple[int, ...]:
        from m3tui.bench.run import default_cpu_list
        from m3tui.bench.session import machine_facts

        facts = await machine_facts()
        return default_cpu_list(facts.cores, facts.perf_cores)

    async def prepare(self, package: str, versions: Sequence[str], revs: Sequence[str] = ()) -> Prepared:
        """SessionError for a package or version that does not resolve; UsageError for two Gos and
        revisions (one axis at a time); InputError for a revision that does not exist or a directory
        outside git. One rev: it against the working tree (snapshotted now)."""
        from m3tui.bench import session
        from m3tui.core.errors import UsageError

        if revs and len(versions) > 1:
            raise UsageError("two Gos and a revision: one axis at a time (compare revisions under one Go, or Gos at one revision)")
        toolchains = session.resolve_toolchains(versions)
        directory, import_path = await session.resolve_package(package, toolchains[0].go)
        revisions = await session.resolve_revisions(directory, revs) if revs else []
        return Prepared(directory, import_path, toolchains, revisions)

    async def revision_choices(self, directory: Path) -> list[RevisionChoice]:
        """Branches, tags and recent commits of the repository holding ``directory`` (empty outside git)."""
        from m3tui.bench.revisions import revision_choices

        return await revision_choices(directory)

    def session(
        self,
        spec: BenchSpec,
        toolchains: Sequence[Toolchain],
        package: str,
        *,
        on_result: Callable[[str, BenchResult], None],
        on_status: Callable[[str], None],
        revisions: Sequence[Revision] = (),
    ) -> Session:
        from m3tui.bench.session import BenchSession

        return BenchSession(spec, toolchains, package=package, on_result=on_result, on_status=on_status,
                            revisions=revisions)  # fmt: skip

    async def list_runs(self, limit: int) -> list[RunInfo]:
        from m3tui.bench.history import History

        def list_runs() -> list[RunInfo]:
            with History() as history:
                return history.list_runs(limit)

        return await asyncio.to_thread(list_runs)

    async def get_run(self, run_id: int) -> StoredRun:
        """RunNotFound (a KeyError) when the run is gone."""
        from m3tui.bench.history import History

        def get_run() -> StoredRun:
            with History() as history:
                return history.get_run(run_id)

        return await asyncio.to_thread(get_run)

    async def delete_run(self, run_id: int) -> bool:
        from m3tui.bench.history import History

        def delete_run() -> bool:
            with History() as history:
                return history.delete_run(run_id)

        return await asyncio.to_thread(delete_run)

    async def add_profile(self, run_id: int, kind: str, benchmark: str, procs: int, path: Path) -> None:
        from m3tui.bench.history import History

        def add_profile() -> None:
            with History() as history:
                history.add_profile(run_id, kind, benchmark, procs, str(path))

        await asyncio.to_thread(add_profile)

    async def export(self, run: StoredRun, fmt: str, target: Path) -> None:
        from m3tui.bench.export import write_export

        await asyncio.to_thread(write_export, run, fmt, target)
