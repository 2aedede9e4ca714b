"""Helpers for the TUI tests: a fixed toolchain report for snapshots, and settling the app."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from textual.pilot import Pilot

from m3tui.bench.backend import BenchBackend, LocalBench, Prepared, Session
from m3tui.bench.fmt import BenchResult
from m3tui.bench.history import RunInfo, RunMeta, StoredRun
from m3tui.bench.revisions import WORKTREE_LABEL, Revision, RevisionChoice
from m3tui.bench.run import BenchRun, BenchSpec
from m3tui.bench.session import SessionResult, Toolchain
from m3tui.core.errors import InputError, UsageError
from m3tui.core.cmdlog import CommandRecord
from m3tui.core.config import LoadedConfig, load_config
from m3tui.core.host import HostInfo
from m3tui.core.pins import Pin
from m3tui.core.toolchain import GoOnPath, GoVersion, ToolchainReport
from m3tui.doctor.model import Finding, Group, Status
from m3tui.logs.backend import LocalLogs, LogsBackend
from m3tui.logs.lint import LintConfig
from m3tui.logs.sources import FileSource
from m3tui.profiles.backend import LocalProfiles, ProfilesBackend
from m3tui.profiles.capture import Capture
from m3tui.profiles.fetch import FetchError, FetchedProfile
from m3tui.tui.app import M3tuiApp
from m3tui.tui.backends import Backends
from m3tui.versions.backend import IndexView, VersionsBackend
from m3tui.versions.defaultpkgs import Outcome, PackageProgress
from m3tui.versions.install import InstallError
from m3tui.versions.install import Progress as InstallProgress
from m3tui.versions.names import GoFile, GoRelease, InstalledGo
from m3tui.versions.project import ProjectPin, ProjectView
from m3tui.versions.store import CurrentLink
from m3tui.versions.switch import GlobalChoice, SwitchError, SwitchResult

# What the probe reports on an M3 Pro with Homebrew's Go: snapshots must not depend on the
# machine that runs them, so they show this report instead of probing.
M3_REPORT = ToolchainReport(
    host=HostInfo(goos="darwin", goarch="arm64", translated=False),
    go=GoOnPath(
        Path("/opt/homebrew/bin/go"),
        Path("/opt/homebrew/Cellar/go/1.24.2/libexec/bin/go"),
        is_script=False,
    ),
    version=GoVersion("go1.24.2", "darwin", "arm64"),
    env={
        "GOROOT": "/opt/homebrew/Cellar/go/1.24.2/libexec",
        "GOOS": "darwin",
        "GOARCH": "arm64",
        "GOPATH": "/Users/gopher/go",
        "GOENV": "/Users/gopher/Library/Application Support/go/env",
        "GOVERSION": "go1.24.2",
    },
)


# Findings of every status, as the doctor reports them on an M3 Pro with a few classic problems.
M3_FINDINGS = [
    Finding("system.os", Group.SYSTEM, Status.OK, "macOS 15.1 on Apple M3 Pro: 11 cores (5 performance + 6 efficiency)",
            data={"perf_cores": 5, "eff_cores": 6}),  # fmt: skip
    Finding("system.rosetta", Group.SYSTEM, Status.OK, "native arm64: neither m3tui nor the login shell runs under Rosetta"),
    Finding("system.homebrew", Group.SYSTEM, Status.ERROR, "Homebrew in /usr/local on an arm64 Mac: installed from a Rosetta shell",
            "brew config: HOMEBREW_PREFIX: /usr/local, Rosetta 2: true", "install Homebrew natively into /opt/homebrew"),  # fmt: skip
    Finding("go.path", Group.GO, Status.WARN, "2 different go binaries on PATH; /opt/homebrew/bin/go shadows /usr/local/go/bin/go (go1.21.5)",
            "/opt/homebrew/bin/go: go1.24.2; binary Mach-O 64-bit arm64\n/usr/local/go/bin/go: go1.21.5; binary Mach-O 64-bit x86_64",
            "remove the others from PATH (or uninstall them) so one go is used everywhere"),  # fmt: skip
    Finding("go.env.gosumdb", Group.GO, Status.WARN, "GOSUMDB=off: module downloads are not checked against the checksum database",
            fix="go env -u GOSUMDB (use GOPRIVATE for private modules instead)"),  # fmt: skip
    Finding("go.env.target", Group.GO, Status.OK, "builds for darwin/arm64, the host's platform"),
    Finding("go.tools.dlv", Group.GO, Status.SKIPPED, "dlv not installed", fix="go install github.com/go-delve/delve/cmd/dlv@latest"),
    Finding("go.tools.gopls", Group.GO, Status.CRASHED, "the tools check crashed: OSError: [Errno 5] Input/output error",
            fix="please report this"),  # fmt: skip
    Finding("network.proxy", Group.NETWORK, Status.OK, "https://proxy.golang.org answers in 38 ms"),
    Finding("drift.baseline", Group.DRIFT, Status.SKIPPED, "no baseline saved", fix="m3tui doctor --save-baseline"),
]


async def fixed_probe() -> ToolchainReport:
    return M3_REPORT


async def fixed_doctor(on_finding: Callable[[Finding], None]) -> list[Finding]:
    for finding in M3_FINDINGS:
        on_finding(finding)
    return list(M3_FINDINGS)


def snapshot_app(
    config: LoadedConfig | None = None,
    theme: str | None = None,
    versions: VersionsBackend | None = None,
    bench: BenchBackend | None = None,
    profiles: ProfilesBackend | None = None,
    logs: LogsBackend | None = None,
) -> M3tuiApp:
    """The real app over fixed data (each backend replaceable, e.g. by the real one)."""
    backends = Backends(
        versions=versions or FixedVersionsBackend(), bench=bench or FixedBenchBackend(),
        profiles=profiles or FixedProfilesBackend(), logs=logs or FixedLogsBackend(),
    )  # fmt: skip
    return M3tuiApp(config=config or load_config(), theme=theme, toolchain_probe=fixed_probe, doctor=fixed_doctor,
                    backends=backends)  # fmt: skip


async def settle(pilot: Pilot[int]) -> None:
    """Wait until the post-paint probe has run and the screen has caught up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def write_executable(path: Path, text: str) -> Path:
    """A small script standing in for a program (e.g. a `go` that hangs)."""
    path.write_text(text)
    path.chmod(0o755)
    return path


# --- the Versions pane with fixed data ---------------------------------------------------------


def _release(version: str, stable: bool = True) -> GoRelease:
    files = tuple(
        GoFile(f"{version}.{goos}-{arch}.tar.gz", goos, arch, version, "0" * 64, size, "archive")
        for goos, arch, size in (("darwin", "arm64", 73_400_320), ("linux", "amd64", 75_497_472))
    )
    return GoRelease(version, stable, files)


M3_RELEASES = [_release(v) for v in ("go1.27.3", "go1.27.2", "go1.26.6", "go1.25.5", "go1.24.11")] + [
    _release("go1.28rc1", stable=False)
]
M3_STORE = Path("/Users/gopher/.local/share/m3tui/go")
M3_INSTALLS = [
    InstalledGo("go1.27.3", Path("/Users/gopher/.local/share/m3tui/go/go1.27.3"), "m3tui", "darwin", "arm64", current=True),
    InstalledGo("go1.24.2", Path("/opt/homebrew/Cellar/go/1.24.2/libexec"), "homebrew", "darwin", "arm64"),
    InstalledGo("go1.21.5", Path("/usr/local/go"), "system", "darwin", "amd64"),
]


class FixedVersionsBackend:
    """Fixed installs, index and project; install() reports progress, then waits or fails.

    A VersionsBackend of its own (not a subclass of the real one): mypy holds it to the whole
    Protocol, and nothing it does not say reaches the real store.
    """

    def __init__(self, install_outcome: str = "wait") -> None:
        self.install_outcome = install_outcome  # "wait" (stays in progress), "fail", "ok"
        self.release_install = asyncio.Event()
        self.used: list[str] = []
        self.pinned: list[str] = []

    async def installed(self) -> list[InstalledGo]:
        return list(M3_INSTALLS)

    async def sizes(self, installs: list[InstalledGo]) -> list[InstalledGo]:
        return [dataclasses.replace(i, size_bytes=(263 - 12 * n) * 1024 * 1024) for n, i in enumerate(installs)]

    async def remove(self, version: str, force: bool) -> int:
        await asyncio.sleep(0.3)  # a real removal takes a while: the UI must not wait on it
        return 263 * 1024 * 1024

    async def prune(self) -> list[tuple[str, int]]:
        return [("go1.21.5", 241 * 1024 * 1024)]

    async def project(self) -> ProjectView:
        return ProjectView(
            cwd=Path("/Users/gopher/src/shop"), go=M3_REPORT.go, local=M3_REPORT.version,
            gotoolchain="auto", gotoolchain_source="/opt/homebrew/Cellar/go/1.24.2/libexec/go.env",
            modules={"go.mod": {"path": "/Users/gopher/src/shop/go.mod", "go": "1.25.0"}},
            pin=ProjectPin(Path("/Users/gopher/src/shop")), effective="go1.25.0", would_download=True,
            global_choice=GlobalChoice(CurrentLink(Path("/Users/gopher/.local/share/m3tui/go/current"),
                                                   "go1.27.3", "ok"), False, 'source "…/env.sh"'),
        )  # fmt: skip

    async def pin(self) -> Pin:
        """Nothing pinned in ~/src/shop: the global `current` (the store's version current_version() names)."""
        version = self.current_version()
        if version is None:
            return Pin("none", "", None, None, None)
        return Pin("global", version, M3_STORE / "current", version, version)

    def cached_index(self) -> IndexView | None:
        return IndexView(list(M3_RELEASES), "cache")

    async def fetch_index(self) -> IndexView:
        return IndexView(list(M3_RELEASES), "network")

    def archive(self, release: GoRelease) -> GoFile | None:
        return release.archive_for("darwin", "arm64")

    async def install(self, file: GoFile, on_progress: Callable[[InstallProgress], None]) -> Path:
        on_progress(InstallProgress(31_457_280, file.size, 12_582_912.0, 3.5, "download"))
        if self.install_outcome == "fail":
            raise InstallError("checksum mismatch for go1.26.6.darwin-arm64.tar.gz: expected 3f2a…9c01, got 77b0…e412")
        if self.install_outcome == "wait":
            await self.release_install.wait()
        return Path("/Users/gopher/.local/share/m3tui/go") / file.version

    async def default_packages(self, version: str, on_progress: Callable[[PackageProgress], None]) -> Outcome:
        return Outcome()  # no default-go-packages file

    def use(self, version: str) -> SwitchResult:
        self.used.append(version)
        raise SwitchError(f"{version} is not installed in m3tui's store")

    def current_version(self) -> str | None:
        return next((i.version for i in M3_INSTALLS if i.current), None)

    def switch_hint(self, install: InstalledGo) -> str | None:
        from m3tui.versions.installed import switch_hint

        return switch_hint(install, home=Path("/Users/gopher"), env={})  # the real hint, for this fixed machine

    def pin_here(self, version: str) -> Path:
        self.pinned.append(version)
        return Path("/Users/gopher/src/shop/.go-version")


# --- the Bench pane with fixed data ------------------------------------------------------------

M3_BENCH_CONFIG = {"goos": "darwin", "goarch": "arm64", "pkg": "example.com/shop/cart", "cpu": "Apple M3 Pro"}


def m3_bench_results(speedup: float = 1.0, seed: int = 3) -> list[BenchResult]:
    """Ten samples per benchmark and GOMAXPROCS, as an M3 Pro might give them (seeded, so fixed)."""
    import random

    rnd = random.Random(seed)
    out = []
    for name, base, allocs in (("Checkout/items=10", 1840.0, 12), ("Checkout/items=100", 17900.0, 104), ("Encode", 612.0, 3)):
        for procs, scale in ((1, 1.0), (2, 0.53), (4, 0.29), (5, 0.24)):
            for _ in range(10):
                ns = base * scale / speedup * (1 + rnd.gauss(0, 0.015))
                values = {"ns/op": round(ns, 1), "B/op": float(allocs * 48), "allocs/op": float(allocs)}
                out.append(BenchResult(name, procs, 100000, values, M3_BENCH_CONFIG))
    return out


def m3_run_info(run_id: int, status: str = "done", label: str | None = None) -> RunInfo:
    meta = RunMeta(command=("go", "test", "-run", "^$", "-bench", ".", "-cpu", "1,2,4,5", "-count", "10", "."),
                   package="example.com/shop/cart", package_dir="/Users/gopher/shop/cart", bench=".",
                   cpu=(1, 2, 4, 5), count=10, benchtime=None, benchmem=True, extra=(), go_version="go1.24.2",
                   goos="darwin", goarch="arm64", cpu_model="Apple M3 Pro", commit="3f2c9e1", dirty=False,
                   label=label)  # fmt: skip
    return RunInfo(run_id, f"2026-11-2{run_id % 10}T10:1{run_id % 10}:00Z", None, status, meta, None, 120, 12)


# The shop's repository: its branches, a tag and recent commits (what `down` in the rev field lists).
M3_REPO = Path("/Users/gopher/shop")
M3_REVISION_CHOICES = [
    RevisionChoice("main", "branch", "3f2c1d0 cart: cache the price table"),
    RevisionChoice("faster-encode", "branch", "9e8d7c6 encode: reuse the buffer"),
    RevisionChoice("v1.4.0", "tag", "5b4a392 release v1.4.0"),
    RevisionChoice("3f2c1d0", "commit", "cart: cache the price table"),
    RevisionChoice("77aa01e", "commit", "cart: items as a slice"),
]
# What those names resolve to (a revision run needs no git here: the fake's session measures nothing).
M3_REVISIONS = {
    "main": Revision("3f2c1d0" + "4e" * 16 + "0", "main@3f2c1d0", False, M3_REPO),
    "faster-encode": Revision("9e8d7c6" + "1a" * 16 + "0", "faster-encode@9e8d7c6", False, M3_REPO),
    "v1.4.0": Revision("5b4a392" + "2b" * 16 + "0", "v1.4.0@5b4a392", False, M3_REPO),
    WORKTREE_LABEL: Revision("c0ffee1" + "5d" * 16 + "0", WORKTREE_LABEL, True, M3_REPO),
}
# A build failure as go test prints it (a side that does not build).
M3_BUILD_LINES = ["# example.com/shop/cart [example.com/shop/cart.test]", "./price.go:41:9: undefined: priceCache",
                  "./price.go:57:2: too many return values"]  # fmt: skip


def m3_revision_run_info(run_id: int) -> RunInfo:
    """A saved revision A/B run: main against the working tree (its snapshot commit), under go1.24.2."""
    main, tree = M3_REVISIONS["main"], M3_REVISIONS[WORKTREE_LABEL]
    info = m3_run_info(run_id, label=f"{main.label} vs {WORKTREE_LABEL}")
    meta = dataclasses.replace(info.meta, go_version="go1.24.2", toolchains=(("go1.24.2", "/opt/homebrew/bin/go"),),
                               revisions=((main.label, main.commit, False), (WORKTREE_LABEL, tree.commit, True)))  # fmt: skip
    return dataclasses.replace(info, meta=meta, n_results=240)


def m3_revision_results() -> dict[str, list[BenchResult]]:
    """Both sides of main against the working tree: the working tree 12% faster (fixed samples)."""
    sides = {"main@3f2c1d0": m3_bench_results(seed=3), WORKTREE_LABEL: m3_bench_results(speedup=1.12, seed=8)}
    return {label: [dataclasses.replace(r, config={**r.config, "revision": label}) for r in rs] for label, rs in sides.items()}


class FixedRevisionSession:
    """A revision A/B run over fixed samples, A B A B … one round each tick, as the real one
    streams them; ``fail`` names a side that does not build (M3_BUILD_LINES); ``hold``, when
    given, keeps the run going after its first round until it is set."""

    def __init__(self, spec: BenchSpec, toolchains: Sequence[Toolchain], revisions: Sequence[Revision], *,
                 on_result: Callable[[str, BenchResult], None], on_status: Callable[[str], None],
                 fail: str | None = None, hold: asyncio.Event | None = None) -> None:  # fmt: skip
        self.spec, self.toolchains, self.revisions = spec, list(toolchains), list(revisions)
        self.on_result, self.on_status, self.fail, self.hold = on_result, on_status, fail, hold
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> SessionResult:
        samples = m3_revision_results()
        runs = {r.label: BenchRun() for r in self.revisions}
        for label, run in runs.items():
            self.on_status(f"checking out {label}")
            if label == self.fail:
                run.error, run.build_lines = f"{label}: the build failed: {M3_BUILD_LINES[1]}", list(M3_BUILD_LINES)
        built = [label for label in runs if label != self.fail]
        status, error = "done", next((run.error for run in runs.values() if run.error), None)
        for i in range(10):  # round i: sample i of every benchmark and GOMAXPROCS, side by side
            for label in built:
                for r in samples.get(label, samples["main@3f2c1d0"])[i::10]:
                    r = dataclasses.replace(r, config={**r.config, "revision": label})
                    runs[label].results.append(r)
                    self.on_result(label, r)
            await asyncio.sleep(0)  # a round at a time, quickly: the pane's "done in 0 s" stays fixed
            if i == 0 and self.hold is not None:
                await self.hold.wait()
            if self._stop.is_set():
                status = "cancelled"
                break
        if error and status == "done":
            status = "failed"
        return SessionResult(self.spec, self.toolchains, runs, status, error=error, revisions=self.revisions)


class FixedBenchBackend:
    """Fixed packages, core counts and history: snapshots never depend on this machine.

    Running, exporting and linking a profile are the real ones (`real`), said here one by one;
    a revision run is fixed: the names of M3_REVISIONS (or their full hashes), and a session
    over fixed samples (FixedRevisionSession; ``fail``: the side that does not build).
    """

    def __init__(self, *, revision_run: bool = False) -> None:
        self.real = LocalBench()
        self.stored = {
            12: StoredRun(m3_run_info(12), m3_bench_results(), []),
            11: StoredRun(m3_run_info(11, "cancelled"), m3_bench_results(speedup=0.9, seed=4)[:50], []),
            10: StoredRun(m3_run_info(10), m3_bench_results(speedup=0.97, seed=5), []),
        }
        if revision_run:  # a saved revision A/B run, newest
            results = [r for rs in m3_revision_results().values() for r in rs]
            self.stored = {13: StoredRun(m3_revision_run_info(13), results, []), **self.stored}
        self.fail: str | None = None
        self.hold: asyncio.Event | None = None
        self.prepared: list[tuple[str, list[str], list[str]]] = []  # (package, versions, revs) of each prepare
        self.sessions: list[FixedRevisionSession] = []
        self.choice_dirs: list[Path] = []  # the directory of each revision_choices call

    async def packages(self, cwd: Path) -> list[tuple[str, Path]]:
        return [("example.com/shop/cart", cwd), ("example.com/shop/cart/internal/price", cwd / "internal" / "price")]

    async def default_cpu(self) -> tuple[int, ...]:
        return (1, 2, 4, 5, 8, 11)  # an M3 Pro: 11 cores, 5 of them performance cores

    async def list_runs(self, limit: int) -> list[RunInfo]:
        return [s.info for s in self.stored.values()][:limit]

    async def get_run(self, run_id: int) -> StoredRun:
        return self.stored[run_id]

    async def delete_run(self, run_id: int) -> bool:
        return self.stored.pop(run_id, None) is not None

    async def prepare(self, package: str, versions: Sequence[str], revs: Sequence[str] = ()) -> Prepared:
        self.prepared.append((package, list(versions), list(revs)))
        if not revs:
            return await self.real.prepare(package, versions)
        if len(versions) > 1:
            raise UsageError("two Gos and a revision: one axis at a time (compare revisions under one Go, or Gos at one revision)")
        by_commit = {r.commit: r for r in M3_REVISIONS.values()}
        revisions = []
        for word in revs:
            if word in M3_REVISIONS:
                revisions.append(M3_REVISIONS[word])
            elif word in by_commit:  # a full hash (a re-run): resolve() labels it by its short hash
                revisions.append(dataclasses.replace(by_commit[word], label=word[:7], dirty=False))
            else:
                raise InputError(f"revision {word!r}: no such commit in {M3_REPO}")
        if len(revisions) == 1:
            revisions.append(M3_REVISIONS[WORKTREE_LABEL])
        toolchains = [Toolchain(versions[0], versions[0]) if versions else Toolchain("go", "go")]
        return Prepared(Path(package), "example.com/shop/cart", toolchains, revisions)

    async def revision_choices(self, directory: Path) -> list[RevisionChoice]:
        self.choice_dirs.append(directory)
        return list(M3_REVISION_CHOICES)

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
        if not revisions:
            return self.real.session(spec, toolchains, package, on_result=on_result, on_status=on_status)
        session = FixedRevisionSession(spec, toolchains, revisions, on_result=on_result, on_status=on_status,
                                       fail=self.fail, hold=self.hold)  # fmt: skip
        self.sessions.append(session)
        return session

    async def add_profile(self, run_id: int, kind: str, benchmark: str, procs: int, path: Path) -> None:
        await self.real.add_profile(run_id, kind, benchmark, procs, path)

    async def export(self, run: StoredRun, fmt: str, target: Path) -> None:
        await self.real.export(run, fmt, target)


# --- the Profiles pane with a fixed profile ---------------------------------------------------


def m3_cpu_profile_bytes() -> bytes:
    """A small CPU profile as an M3 Pro might record it for a shop checkout benchmark (fixed)."""
    import gzip

    from m3tui.profiles.pprof.profile_pb2 import Profile as Pb

    strings = [""]

    def s(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    p = Pb()
    for kind, unit in (("samples", "count"), ("cpu", "nanoseconds")):
        vt = p.sample_type.add()
        vt.type, vt.unit = s(kind), s(unit)
    p.period_type.type, p.period_type.unit, p.period = s("cpu"), s("nanoseconds"), 10_000_000
    p.duration_nanos = 2_310_000_000
    names = ["runtime.main", "main.main", "testing.(*B).runN", "example.com/shop/cart.BenchmarkCheckout",
             "example.com/shop/cart.Checkout", "example.com/shop/cart.price", "encoding/json.Marshal",
             "runtime.mallocgc", "example.com/shop/cart.(*Cart).Total", "strconv.AppendFloat", "runtime.memmove"]  # fmt: skip
    for i, name in enumerate(names, 1):
        f = p.function.add()
        f.id, f.name, f.system_name, f.filename, f.start_line = i, s(name), s(name), s(f"/src/{name.split('.')[0]}.go"), 10 * i
        loc = p.location.add()
        loc.id, loc.address = i, 0x1000 + i * 16
        line = loc.line.add()
        line.function_id, line.line = i, 10 * i + 3
    base = [4, 3, 2, 1]  # BenchmarkCheckout <- runN <- main <- runtime.main (ids), leaf first after these
    for leaf_path, n in (([6, 5], 61), ([7, 5], 38), ([8, 7, 5], 22), ([9, 5], 17), ([10, 7, 5], 12), ([11, 8, 7, 5], 6), ([5], 4)):
        sample = p.sample.add()
        sample.location_id.extend([*leaf_path, *base])
        sample.value.extend([n, n * 10_000_000])
    p.string_table.extend(strings)
    return gzip.compress(p.SerializeToString(), mtime=0)


class FixedProfilesBackend(LocalProfiles):
    """No captures and no `go tool pprof` warm-up: the pane shows only what a test opens.

    A subclass of the real one on purpose: decoding and every view are the real analysis (the
    tests compare them with it); only the machine-dependent parts are fixed.
    """

    #: What `fetch` hands back; None: it runs like a CPU profile (30 s, or the seconds asked for) until stopped.
    fetch_result: FetchedProfile | None = None

    def captures(self) -> list[Capture]:
        return []

    async def warm_pprof(self) -> None:
        return None

    async def fetch(
        self, url: str, *, seconds: int | None = None, headers: Sequence[str] = (),
        on_progress: Callable[[float, float], None] | None = None, stop: asyncio.Event | None = None,
    ) -> FetchedProfile:  # fmt: skip
        for tick in range(600):
            if self.fetch_result is not None:
                return self.fetch_result
            if stop is not None and stop.is_set():
                break
            if on_progress is not None:
                on_progress(tick * 0.05, float(seconds or 30))
            await asyncio.sleep(0.05)
        raise FetchError(f"{url}: stopped")


# --- the Logs pane with fixed data -------------------------------------------------------------


class FixedLogsBackend:
    """No commands (or the given ones), no m3tui log, the default lint rules: fixed pictures."""

    def __init__(self, commands: list[CommandRecord] | None = None) -> None:
        self._commands = list(commands or [])

    def commands(self) -> list[CommandRecord]:
        return list(self._commands)

    def own_log(self) -> Path | None:
        return None

    def lint_config(self, near: Path | None = None) -> LintConfig | None:
        return None

    async def open(self, path: Path, name: str, *, progress: Callable[[float], None] | None = None) -> FileSource:
        return await LocalLogs().open(path, name, progress=progress)  # the test's own files, read for real

    def open_now(self, path: Path, name: str) -> FileSource | None:
        return LocalLogs().open_now(path, name)

    async def follow(
        self, path: Path, on_lines: Callable[[list[bytes]], None], stop: asyncio.Event, ready: asyncio.Event
    ) -> None:
        await LocalLogs().follow(path, on_lines, stop, ready)
