"""One benchmark session, as both the Bench pane and `m3tui bench` run it.

A session ties the pieces together so the two fronts cannot drift apart: resolve the package
and toolchains, look at the machine (noise guard), open a history record, run (one toolchain, or
several interleaved A B A B), save what arrives, and close the record with its outcome.

Saving is batched (every ``FLUSH_SECONDS``): a commit per sample would fsync in the middle of the
measurement; a crash loses at most the last batch, and the record is then marked interrupted by
the next :class:`~m3tui.bench.history.History` that opens. While the benchmark runs the
session does nothing else but a cheap load-average reading; the full process scan of the noise
guard runs before the first and after the last sample.

The history never costs a run its summary: if it cannot be opened the run does not start (the
caller says why; ``--no-save`` runs without it), and if it fails once the run is going (a full
disk, a damaged file) the run goes on unsaved and its result says so (``save_error``). A test
binary that refuses its arguments is a usage error, not a run: its record is deleted
(``rejected``). A session cancelled outright (a signal) still closes its record as cancelled.

Plain asyncio; never imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from m3tui.bench.fmt import BenchResult
from m3tui.bench.revisions import Revision
from m3tui.bench.run import (
    BenchRun,
    BenchSpec,
    BuildFailed,
    OutputBudget,
    Side,
    run_benchmarks,
    run_interleaved,
)
from m3tui.bench.toolchains import SessionError as SessionError
from m3tui.bench.toolchains import Toolchain as Toolchain
from m3tui.core import runner
from m3tui.core.errors import InputError, M3tuiError, UsageError

if TYPE_CHECKING:
    from m3tui.bench.history import History, HistoryError

#: Seconds between history writes while a run goes on.
FLUSH_SECONDS = 2.0
#: Seconds between load-average readings while a run goes on.
LOAD_SECONDS = 5.0


@dataclass(frozen=True)
class MachineFacts:
    go_version: str | None
    goos: str | None
    goarch: str | None
    cpu_model: str | None
    cores: int
    perf_cores: int | None  # Apple silicon's performance cores (hw.perflevel0.physicalcpu)
    goroot: str | None = None  # `go env GOROOT`: where PATH's go really is (not a shim or a link)


@dataclass
class SessionResult:
    spec: BenchSpec
    toolchains: list[Toolchain]
    runs: dict[str, BenchRun]  # label -> what that toolchain produced
    status: str  # done / failed / cancelled
    error: str | None = None
    run_id: int | None = None
    noise: list[str] = field(default_factory=list)  # warnings, before and during the run
    save_error: str | None = None  # the history failed during the run: what was measured was not (all) saved
    rejected: bool = False  # the test binary refused its arguments (a usage error); nothing saved
    revisions: list[Revision] = field(default_factory=list)  # the git revisions compared, A first

    @property
    def results(self) -> list[BenchResult]:
        return [r for run in self.runs.values() for r in run.results]

    @property
    def unparsed(self) -> list[tuple[int, str, str]]:
        return [u for run in self.runs.values() for u in run.unparsed]


# --- resolving what to run -----------------------------------------------------------------


def _parse_int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


async def _first_line(argv: list[str], cwd: Path | None = None) -> str | None:
    try:
        res = await runner.run(argv, cwd=cwd, timeout=10, env={"GOTOOLCHAIN": "local"})
    except runner.RunnerError:
        return None
    if res.returncode != 0 or not res.stdout:
        return None
    return res.stdout[0].strip() or None


async def machine_facts(go: str = "go") -> MachineFacts:
    """The Go version, target and CPU a run is recorded with; the core counts behind the -cpu default."""
    import psutil

    version = goos = goarch = goroot = None
    try:
        res = await runner.run([go, "env", "GOVERSION", "GOOS", "GOARCH", "GOROOT"], timeout=20, env={"GOTOOLCHAIN": "local"})
        if res.returncode == 0 and len(res.stdout) >= 4:
            version, goos, goarch, goroot = (line.strip() or None for line in res.stdout[:4])
    except runner.RunnerError:
        pass
    cores = psutil.cpu_count(logical=True) or os.cpu_count() or 1
    perf_cores = None
    cpu_model = None
    if sys.platform == "darwin":
        cpu_model = await _first_line(["sysctl", "-n", "machdep.cpu.brand_string"])
        perf_cores = _parse_int(await _first_line(["sysctl", "-n", "hw.perflevel0.physicalcpu"]))
    else:
        from m3tui.core.system_parsers import cpuinfo_model, parse_cpuinfo

        with contextlib.suppress(OSError):
            cpu_model = cpuinfo_model(parse_cpuinfo(Path("/proc/cpuinfo").read_text(errors="replace")))
    return MachineFacts(version, goos, goarch, cpu_model, cores, perf_cores, goroot)


async def resolve_package(package: str, go: str = "go", cwd: Path | None = None) -> tuple[Path, str]:
    """(directory, import path) of PKG given as a directory or an import path (``go list``)."""
    if cwd is None:
        try:
            cwd = Path.cwd()
        except OSError as exc:  # the directory m3tui was started in is gone
            raise SessionError(f"no current directory to look for {package!r} in: {exc.strerror or exc}") from None
    candidate = (cwd / package).resolve() if not Path(package).is_absolute() else Path(package)
    is_dir = _is_dir(candidate)
    target = str(candidate) if is_dir else package
    try:
        res = await runner.run([go, "list", "-f", "{{.Dir}}\t{{.ImportPath}}", target], cwd=cwd, timeout=60,
                               env={"GOTOOLCHAIN": "local"})  # fmt: skip
    except runner.CommandNotFoundError as exc:
        raise M3tuiError(f"{go} not found: {exc}") from None
    if res.returncode == 0 and res.stdout:
        directory, _, import_path = res.stdout[0].strip().partition("\t")
        return Path(directory), import_path
    if is_dir:
        return candidate, package  # not a module package go knows: go test -c will say why
    why = next((line.strip() for line in res.stderr if line.strip()), "go list failed")
    raise SessionError(f"no package {package!r}: {why}")


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a directory; False for a name too long or a place we may not look."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def resolve_toolchains(versions: Sequence[str]) -> list[Toolchain]:
    """Installed Go versions or paths of go binaries -> toolchains; none given: `go` on PATH (bench.toolchains)."""
    from m3tui.bench.toolchains import resolve

    return resolve(versions)


async def resolve_revisions(package_dir: Path, words: Sequence[str]) -> list[Revision]:
    """``--rev A [--rev B]`` as revisions of the repository holding ``package_dir``; B defaults to
    the working tree, snapshotted now (bench.revisions.snapshot_worktree). InputError for a
    directory outside git or a revision that does not exist."""
    from m3tui.bench.revisions import resolve, snapshot_worktree

    if not 1 <= len(words) <= 2:
        raise UsageError("--rev once (A, against the working tree) or twice (A and B)")
    out = [await resolve(package_dir, word) for word in words]
    if len(out) == 1:
        out.append(await snapshot_worktree(package_dir))
    return out


async def recorded_revisions(package_dir: Path, recorded: Sequence[tuple[str, str, bool]]) -> list[Revision]:
    """A saved run's revisions again, by commit (a snapshot's commit is kept under refs/m3tui/)."""
    from dataclasses import replace

    from m3tui.bench.revisions import resolve

    out = []
    for label, commit, dirty in recorded:
        try:
            found = await resolve(package_dir, commit)
        except InputError:
            raise InputError(f"revision {label} ({commit[:12]}) is no longer in the repository: the run cannot be repeated") from None
        out.append(replace(found, label=label, dirty=dirty))
    return out


def recorded_toolchains(toolchains: Sequence[Toolchain], facts: MachineFacts) -> tuple[tuple[str, str], ...]:
    """(version, go) of each toolchain as the history keeps it: PATH's go as the GOROOT's real go
    (an upgrade or another PATH cannot change what a re-run runs), a chosen one as it was chosen."""
    import shutil

    out = []
    for t in toolchains:
        go, version = t.go, t.label
        if not os.path.isabs(go):  # PATH's go: where it really is, and what it said it is
            found = str(Path(facts.goroot) / "bin" / "go") if facts.goroot else shutil.which(go)
            go = os.path.realpath(found) if found else go
            version = facts.go_version or version
        out.append((version, go))
    return tuple(out)


def command_line(spec: BenchSpec) -> tuple[str, ...]:
    """The `go test` command the run is equivalent to (recorded, and shown to the user)."""
    args = ["-run", "^$", "-bench", spec.bench]
    if spec.cpu:
        args += ["-cpu", ",".join(map(str, spec.cpu))]
    args += ["-count", str(spec.count)]
    if spec.benchtime:
        args += ["-benchtime", spec.benchtime]
    if spec.benchmem:
        args.append("-benchmem")
    return (spec.go, "test", *args, *spec.extra, ".")


# --- the session ---------------------------------------------------------------------------

#: The error of a session stopped while it waited for the run lock (nothing ran).
LOCK_WAIT_STOPPED = "stopped while waiting for another m3tui run"


class BenchSession:
    """Run ``spec`` under ``toolchains`` (one: a plain run; two or more: interleaved comparison).

    Callbacks (all optional, called on the event loop): ``on_result(label, result)`` as each
    sample arrives, ``on_line(label, line)`` for every output line, ``on_status(text)`` for
    progress ("building…", noise warnings). ``stop()`` ends the run keeping what arrived.
    """

    def __init__(
        self,
        spec: BenchSpec,
        toolchains: Sequence[Toolchain],
        *,
        package: str,
        save: bool = True,
        timeout: float | None = None,
        noise: bool = True,
        on_result: Callable[[str, BenchResult], None] | None = None,
        on_line: Callable[[str, str], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        wait_lock: bool = True,
        revisions: Sequence[Revision] = (),
    ) -> None:
        self.spec = spec
        #: Git revisions compared (bench.revisions), each built and run in its own temporary
        #: worktree under the one toolchain; empty: the sides are the toolchains.
        self.revisions = list(revisions)
        self.toolchains = list(toolchains) or [Toolchain("go", spec.go)]
        self.package = package
        self.save = save
        self.timeout = timeout
        self.noise = noise
        self._on_result = on_result
        self._on_line = on_line
        self._on_status = on_status
        #: Wait for another m3tui run holding the machine-wide run lock (False: fail naming it).
        self.wait_lock = wait_lock
        self._stop = asyncio.Event()
        self._pending_results: list[BenchResult] = []
        self._pending_lines: list[str] = []
        self._budget = OutputBudget()
        self.run_id: int | None = None
        self._history: History | None = None
        self._sides: list[Side] = []
        #: What went wrong with the history once the run had started (the run went on unsaved).
        self.save_error: str | None = None

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _status(self, text: str) -> None:
        if self._on_status is not None:
            self._on_status(text)

    async def run(self) -> SessionResult:
        """Build and run under the machine-wide run lock (``core/runlock.py``), waiting for it first."""
        from m3tui.core.runlock import hold

        what = f"m3tui bench {self.package} -bench {self.spec.bench}"
        async with hold(what, wait=self.wait_lock, on_wait=self._status, stopped=self._stop.is_set) as held:
            if not held:  # stopped while waiting: nothing ran, nothing recorded
                return SessionResult(self.spec, self.toolchains, {}, "cancelled", error=LOCK_WAIT_STOPPED)
            if not self.revisions:
                return await self._run_locked()
            async with contextlib.AsyncExitStack() as stack:  # the worktrees go on every way out
                self._sides = await self._check_out(stack)
                return await self._run_locked()

    async def _check_out(self, stack: contextlib.AsyncExitStack) -> list[Side]:
        """Each revision in a temporary worktree, made to build as the user's tree does (bench.revbuild)."""
        from m3tui.bench.revbuild import prepare
        from m3tui.bench.revisions import checkout

        go = self.toolchains[0].go
        sides = []
        for label, revision in zip(self.side_labels, self.revisions, strict=True):
            self._status(f"checking out {label} ({revision.commit[:12]})")
            co = await stack.enter_async_context(checkout(self.spec.package_dir, revision))
            env = await prepare(co, self.spec.package_dir, go)
            sides.append(Side(label, go, co.package, tuple(sorted(env.items()))))
        return sides

    @property
    def side_labels(self) -> list[str]:
        """The column of each side: the revisions' labels (told apart when equal), else the toolchains'."""
        if not self.revisions:
            return [t.label for t in self.toolchains]
        labels = [r.label for r in self.revisions]
        if len(set(labels)) < len(labels):
            labels = [f"{label} ({chr(ord('A') + i)})" for i, label in enumerate(labels)]
        return labels

    @property
    def comparing(self) -> bool:
        """Whether this is an interleaved comparison (two sides or more)."""
        return len(self.side_labels) > 1

    async def _run_locked(self) -> SessionResult:
        from m3tui.bench.history import History, RunMeta, module_commit
        from m3tui.bench.noise import busy_during, finish_watch, sample_noise, start_watch

        spec = self.spec if len(self.toolchains) != 1 else _with_go(self.spec, self.toolchains[0].go)
        facts = await machine_facts(self.toolchains[0].go)
        warnings: list[str] = []
        before = None
        if self.noise:
            before = await sample_noise(exclude_pids=[os.getpid()])
            warnings += before.warnings
            for w in before.warnings:
                self._status(f"noise: {w}")
        # The look after the run reads the CPU used during it: no extra wait once the run is done.
        watch = await start_watch(exclude_pids=[os.getpid()]) if self.noise else None
        history = None
        if self.save:
            history = History()  # HistoryError: nothing has run yet, the caller says why
            try:
                commit, dirty = await module_commit(spec.package_dir)
                meta = RunMeta.from_spec(
                    spec,
                    command=command_line(spec),
                    package=self.package,
                    go_version=facts.go_version if len(self.toolchains) == 1 else None,
                    goos=facts.goos,
                    goarch=facts.goarch,
                    cpu_model=facts.cpu_model,
                    commit=commit,
                    dirty=dirty,
                    label=" vs ".join(self.side_labels) if self.comparing else None,
                    noise=tuple(warnings),
                    toolchains=recorded_toolchains(self.toolchains, facts),
                    revisions=[(label, r.commit, r.dirty) for label, r in zip(self.side_labels, self.revisions, strict=False)],
                )
                self.run_id = history.start_run(meta)
            except BaseException:
                history.close()
                raise
        self._history = history
        flusher = asyncio.create_task(self._flush_loop()) if history is not None else None
        load_peak: list[float] = []
        loadwatch = asyncio.create_task(self._watch_load(load_peak))
        result = SessionResult(spec, self.toolchains, {}, "done", run_id=self.run_id, revisions=self.revisions)
        try:
            self._status("building the test binaries" if self.comparing else "building the test binary")
            try:
                result.runs = await self._run(spec)
            except BuildFailed as exc:
                result.status, result.error = "failed", exc.message
            except runner.CommandNotFoundError as exc:
                result.status, result.error = "failed", f"{self.toolchains[0].go} not found: {exc}"
        except BaseException:  # cancelled outright (a signal): what arrived is kept, the record closed
            self._stop_tasks(loadwatch, flusher)
            self._flush()
            self._end_record("cancelled", "stopped before the end", ())
            raise
        self._stop_tasks(loadwatch, flusher)
        if self._budget.dropped:
            self._pending_lines.append(f"[m3tui: {self._budget.dropped} more output lines not kept]")
        self._flush()
        if result.status != "failed":
            runs = list(result.runs.values())
            if any(r.rejected for r in runs):
                result.status, result.rejected = "failed", True
                result.error = next(r.error for r in runs if r.rejected)
            elif any(r.cancelled for r in runs) or self._stop.is_set():
                result.status = "cancelled"
            elif any(r.error for r in runs):
                result.status = "failed"
                result.error = next(r.error for r in runs if r.error)
            elif not result.results:  # go test ran, passed, and measured nothing: say so, keep no empty run
                result.status, result.rejected = "failed", True
                result.error = f"no benchmark matches -bench {spec.bench!r} (go test -list . shows the names)"
        if watch is not None and before is not None and result.status != "failed":
            # The 1-minute load still counts the benchmark itself: allow for its GOMAXPROCS.
            busy_cores = max(spec.cpu or (1,))
            allowance = (busy_cores + 0.5 * facts.cores) / facts.cores
            after = await finish_watch(watch, load_factor=allowance)
            during = list(busy_during(before, after))
            peak = max(load_peak, default=None)
            if peak is not None and peak > busy_cores + 0.5 * facts.cores and not any("load" in w for w in during):
                during.append(f"load average reached {peak:.1f} during the run ({busy_cores} expected from the benchmark)")
            for w in during:
                self._status(f"noise during the run: {w}")
            warnings += [f"during the run: {w}" for w in during]
        result.noise = warnings
        if result.rejected:
            self._delete_record()
            result.run_id = self.run_id
        else:
            self._end_record(result.status, result.error, warnings)
        result.save_error = self.save_error
        return result

    # --- the history record: any failure of it is kept in save_error, never raised ---------------

    def _stop_tasks(self, *tasks: asyncio.Task[None] | None) -> None:
        for task in tasks:
            if task is not None:
                task.cancel()

    def _lose_history(self, exc: HistoryError) -> None:
        """The history failed: say it once, go on unsaved (the record is recovered as interrupted later)."""
        if self.save_error is None:
            self.save_error = str(exc)
            self._status(f"not saving any more: {exc}")
        history, self._history = self._history, None
        if history is not None:
            with contextlib.suppress(Exception):
                history.close()

    def _end_record(self, status: str, error: str | None, warnings: Sequence[str]) -> None:
        from m3tui.bench.history import HistoryError

        history = self._history
        if history is None or self.run_id is None:
            return
        try:
            if warnings:
                history.set_noise(self.run_id, tuple(warnings))
            history.finish_run(self.run_id, status, error)
        except HistoryError as exc:
            self._lose_history(exc)
        finally:
            self._history = None
            history.close()

    def _delete_record(self) -> None:
        """A run that never ran (the binary refused its flags) leaves no record."""
        from m3tui.bench.history import HistoryError

        history = self._history
        if history is None or self.run_id is None:
            return
        try:
            history.delete_run(self.run_id)
            self.run_id = None
        except HistoryError as exc:
            self._lose_history(exc)
        finally:
            self._history = None
            history.close()

    async def _run(self, spec: BenchSpec) -> dict[str, BenchRun]:
        if self._sides:
            return await run_interleaved(spec, self._sides, on_result=self._result, on_line=self._line,
                                         timeout=self.timeout, stop=self._stop)  # fmt: skip
        if len(self.toolchains) == 1:
            label = self.toolchains[0].label
            run = await run_benchmarks(
                spec,
                on_result=lambda r: self._result(label, r),
                on_line=lambda line: self._line(label, line),
                timeout=self.timeout,
                stop=self._stop,
            )
            return {label: run}
        return await run_interleaved(
            spec,
            [(t.label, t.go) for t in self.toolchains],
            on_result=self._result,
            on_line=self._line,
            timeout=self.timeout,
            stop=self._stop,
        )

    def _result(self, label: str, r: BenchResult) -> None:
        if self.comparing:
            r = _labelled(r, label, "revision" if self.revisions else "toolchain")
        self._pending_results.append(r)
        if self._on_result is not None:
            self._on_result(label, r)

    def _line(self, label: str, line: str) -> None:
        """Every line to ``on_line``; to the history what the output budget keeps (run.OutputBudget)."""
        if self._budget.take(line):
            self._pending_lines.append(f"[{label}] {line}" if self.comparing else line)
        if self._on_line is not None:
            self._on_line(label, line)

    def _flush(self) -> None:
        from m3tui.bench.history import HistoryError

        results, self._pending_results = self._pending_results, []
        lines, self._pending_lines = self._pending_lines, []
        history = self._history
        if history is None or self.run_id is None:
            return
        try:
            if results:
                history.add_results(self.run_id, results)
            if lines:
                history.add_output(self.run_id, lines)
        except HistoryError as exc:
            self._lose_history(exc)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self._flush()

    async def _watch_load(self, peaks: list[float]) -> None:
        while True:
            await asyncio.sleep(LOAD_SECONDS)
            with contextlib.suppress(OSError, AttributeError):
                peaks.append(os.getloadavg()[0])


def _with_go(spec: BenchSpec, go: str) -> BenchSpec:
    from dataclasses import replace

    return replace(spec, go=go)


#: The config keys a saved A/B run's results carry their side in (``toolchain: go1.22.3``).
SIDE_KEYS = ("toolchain", "revision")


def _labelled(r: BenchResult, label: str, key: str) -> BenchResult:
    """The result with ``<key>: <label>`` in its config, so a saved A/B run splits by side."""
    from dataclasses import replace

    return replace(r, config={**r.config, key: label})
