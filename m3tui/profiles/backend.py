"""What the Profiles pane (and the Bench pane's `p`) ask of this feature: the `ProfilesBackend`
Protocol and the real one.

Each view is one named, typed call (no dispatch by name), so the pane, the real backend and the
test fakes are held to one signature by the type checker. Decoding and every analysis run in a
thread: a 50 MB profile must not freeze the keys. Services load on first call, not at start-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from m3tui.profiles.capture import Capture, CaptureSpec
    from m3tui.profiles.fetch import FetchedProfile
    from m3tui.profiles.pprof.traces import Traces
    from m3tui.profiles.pprof.analysis import (
        FlameNode,
        PeekEntry,
        SourceFile,
        TopReport,
    )
    from m3tui.profiles.pprof.graph import Filters
    from m3tui.profiles.pprof.model import Profile
    from m3tui.profiles.pprof.pipeline import Prepared
    from m3tui.profiles.pproftool import WebState
    from m3tui.profiles.tune import ProgressCallback, TuneResult


class ProfilesBackend(Protocol):
    """The Profiles feature as the panes see it. Failures are M3tuiErrors with the user's line:
    invalid input (InputError: a file that is missing, not a regular file or too big;
    ProfileError: not a profile, a bad filter; InvalidCaptureSpec, InvalidTuneSpec) or a failed
    operation (unreadable file, CaptureError, TuneError, PprofError, a state root not writable)."""

    def captures(self) -> list[Capture]: ...
    async def load(self, path: Path) -> Profile: ...
    async def diff(self, profile: Profile, base: Profile) -> Profile: ...
    async def top(self, profile: Profile, sample_index: int, filters: Filters, *, sort: str,
                  node_fraction: float | None = None) -> TopReport: ...  # fmt: skip
    async def prepare(self, path: Path, filters: Filters, granularity: str | None, base: Path | None = None) -> Prepared: ...
    def finish(self, report: TopReport, prepared: Prepared, sort: str) -> TopReport: ...
    async def prepared_traces(self, prepared: Prepared, sample_index: int) -> Traces: ...
    async def peek(self, profile: Profile, sample_index: int, regex: str, filters: Filters) -> list[PeekEntry]: ...
    async def flame(self, profile: Profile, sample_index: int, filters: Filters) -> FlameNode: ...
    async def source(self, profile: Profile, sample_index: int, regex: str, filters: Filters) -> list[SourceFile]: ...
    def header(self, report: TopReport) -> list[str]: ...
    async def export(self, profile: Profile, sample_index: int, filters: Filters, label: str) -> list[Path]: ...
    async def capture(
        self, spec: CaptureSpec, stop: asyncio.Event | None = None, on_wait: Callable[[str], None] | None = None
    ) -> Capture: ...
    async def tune(
        self, package_dir: Path, bench: str, kind: str, *, noinline: bool, on_progress: ProgressCallback,
        stop: asyncio.Event,
    ) -> TuneResult: ...  # fmt: skip
    async def warm_pprof(self) -> None: ...
    async def serve_web(
        self, profile: Path, binary: Path | None, on_state: Callable[[WebState], None], stop: asyncio.Event
    ) -> WebState: ...
    async def fetch(
        self, url: str, *, seconds: int | None = None, headers: Sequence[str] = (),
        on_progress: Callable[[float, float], None] | None = None, stop: asyncio.Event | None = None,
    ) -> FetchedProfile: ...  # fmt: skip
    async def traces(self, path: Path, sample_index: int, filters: Filters, base: Path | None = None) -> Traces: ...


class LocalProfiles:
    """The real services: pprof decoding and views in threads, `go` on this machine."""

    def captures(self) -> list[Capture]:
        from m3tui.profiles.capture import list_captures

        return list_captures()

    async def load(self, path: Path) -> Profile:
        from m3tui.profiles.pprof.decode import load_file

        return await asyncio.to_thread(load_file, path)

    async def diff(self, profile: Profile, base: Profile) -> Profile:
        from m3tui.profiles.pprof.diff import diff

        return await asyncio.to_thread(diff, profile, base)

    async def top(self, profile: Profile, sample_index: int, filters: Filters, *, sort: str,
                  node_fraction: float | None = None) -> TopReport:  # fmt: skip
        from m3tui.profiles.pprof import analysis

        fraction = analysis.DEFAULT_NODE_FRACTION if node_fraction is None else node_fraction
        return await asyncio.to_thread(analysis.top, profile, sample_index, filters, sort=sort, node_fraction=fraction)

    async def prepare(self, path: Path, filters: Filters, granularity: str | None, base: Path | None = None) -> Prepared:
        """pprof's steps that the report flags ask for (`pipeline.prepare`, as `m3tui profile top`
        takes them), on the file (less ``base``); the samples' labels kept for the traces view."""
        from m3tui.profiles.pprof import pipeline
        from m3tui.profiles.pprof.model import printable

        def run() -> Prepared:
            return pipeline.prepare([pipeline.read_profile(str(path))], [printable(str(path))], filters, granularity,
                                    pipeline.read_profile(str(base)) if base else None,
                                    printable(str(base)) if base else "", labels=True)  # fmt: skip

        return await asyncio.to_thread(run)

    def finish(self, report: TopReport, prepared: Prepared, sort: str) -> TopReport:
        from m3tui.profiles.pprof import pipeline

        return pipeline.finish(report, prepared, sort)

    async def prepared_traces(self, prepared: Prepared, sample_index: int) -> Traces:
        """`-traces` of a prepared profile (filtered, its frames named at the granularity), as the CLI's."""
        from m3tui.profiles.pprof import traces

        def run() -> Traces:
            report = traces.traces(prepared.profile, prepared.data, sample_index, None, prepared.base_data, filtered=True)
            for t in report.traces:
                for f in t.frames:
                    f.name = prepared.names.get(f.name, f.name)
            return report

        return await asyncio.to_thread(run)

    async def peek(self, profile: Profile, sample_index: int, regex: str, filters: Filters) -> list[PeekEntry]:
        from m3tui.profiles.pprof import analysis

        return await asyncio.to_thread(analysis.peek, profile, sample_index, regex, filters)

    async def flame(self, profile: Profile, sample_index: int, filters: Filters) -> FlameNode:
        from m3tui.profiles.pprof import analysis

        return await asyncio.to_thread(analysis.flame, profile, sample_index, filters)

    async def source(self, profile: Profile, sample_index: int, regex: str, filters: Filters) -> list[SourceFile]:
        from m3tui.profiles.pprof import analysis

        return await asyncio.to_thread(analysis.source_listing, profile, sample_index, regex, filters)

    def header(self, report: TopReport) -> list[str]:
        from m3tui.profiles.pprof import analysis

        return analysis.header_lines(report)

    async def traces(self, path: Path, sample_index: int, filters: Filters, base: Path | None = None) -> Traces:
        """`go tool pprof -traces` of the file (each sample, as the file holds it), minus ``base``."""
        from m3tui.profiles.pprof.traces import read_traces

        return await asyncio.to_thread(read_traces, path, sample_index, filters, diff_base=base)

    async def export(self, profile: Profile, sample_index: int, filters: Filters, label: str) -> list[Path]:
        """The view as an SVG flame graph, speedscope JSON and collapsed stacks, each written all or
        nothing under ``<state>/exports`` (named by `export.default_name`); their paths."""
        from datetime import datetime, timezone

        from m3tui.core.config import state_root
        from m3tui.core.files import atomic_write, private_dir
        from m3tui.profiles.pprof import export

        def write() -> list[Path]:
            directory = private_dir(state_root() / "exports")
            sample_type, now = profile.sample_types[sample_index].type, datetime.now(timezone.utc)
            return [atomic_write(directory / export.default_name(label, sample_type, fmt, now),
                                 export.export(profile, sample_index, fmt, filters, name=label), mode=0o600)
                    for fmt in ("svg", "speedscope", "collapsed")]  # fmt: skip

        return await asyncio.to_thread(write)

    async def capture(
        self, spec: CaptureSpec, stop: asyncio.Event | None = None, on_wait: Callable[[str], None] | None = None
    ) -> Capture:
        from m3tui.profiles import capture

        return await capture.capture(spec, stop=stop, on_wait=on_wait)

    async def tune(
        self, package_dir: Path, bench: str, kind: str, *, noinline: bool, on_progress: ProgressCallback,
        stop: asyncio.Event,
    ) -> TuneResult:  # fmt: skip
        from m3tui.profiles import tune

        return await tune.tune(package_dir, bench, kind, rounds=3, noinline=noinline, on_progress=on_progress, stop=stop)

    async def warm_pprof(self) -> None:
        from m3tui.profiles import pproftool

        await pproftool.warm()

    async def serve_web(
        self, profile: Path, binary: Path | None, on_state: Callable[[WebState], None], stop: asyncio.Event
    ) -> WebState:
        from m3tui.profiles import pproftool

        return await pproftool.serve_web(profile, binary, on_state, stop=stop)

    async def fetch(
        self, url: str, *, seconds: int | None = None, headers: Sequence[str] = (),
        on_progress: Callable[[float, float], None] | None = None, stop: asyncio.Event | None = None,
    ) -> FetchedProfile:  # fmt: skip
        from m3tui.profiles import fetch

        return await fetch.fetch(url, seconds=seconds, headers=headers, on_progress=on_progress, stop=stop)
