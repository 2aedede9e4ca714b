"""Build a Go package's test binary once and run its benchmarks, streaming results live.

Every subprocess goes through :mod:`m3tui.core.runner`. ``go test -c`` runs with
``GOTOOLCHAIN=local`` (never download a toolchain); the binary lives in a build directory of
:mod:`m3tui.core.tmp` (``<state>/tmp/bench-p<pid>-…``; the system temp dir when the state root
cannot be written) that is removed on every way out, a cancel included; what a SIGKILL leaves
is swept by the next m3tui that uses the directory.

Flags are checked before anything runs (`check_benchtime`, `parse_go_duration`,
`parse_gomaxprocs_list`, `check_count`: Go's own forms); a test binary that still rejects its
arguments (a flag after ``--`` it does not define) ends with ``BenchRun.rejected``.

Stopping: pass ``stop`` (an :class:`asyncio.Event`); when it is set the runner kills the test
binary's tree and :func:`run_benchmarks` returns the partial results with ``cancelled=True``.
Cancelling the awaiting task also kills the tree (the runner does) but then nothing is returned.

Plain asyncio; never imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from m3tui.bench.fmt import BenchResult, Parser
from m3tui.core import runner
from m3tui.core.errors import M3tuiError, UsageError

__all__ = [
    "BUILD_TIMEOUT",
    "MAX_COUNT",
    "MAX_CPU_VALUES",
    "MAX_GOMAXPROCS",
    "MAX_OUTPUT_BYTES",
    "MAX_OUTPUT_LINES",
    "BadCpuList",
    "BadFlag",
    "BenchRun",
    "BenchSpec",
    "BuildFailed",
    "OutputBudget",
    "Side",
    "build_test_binary",
    "check_benchtime",
    "check_count",
    "default_cpu_list",
    "list_packages",
    "parse_go_duration",
    "parse_gomaxprocs_list",
    "run_benchmarks",
    "run_interleaved",
    "run_test_binary",
]

#: Seconds ``go test -c`` may take before it is killed.
BUILD_TIMEOUT = 600.0
#: How many compiler error lines :class:`BuildFailed` keeps.
MAX_ERROR_LINES = 10
BINARY_NAME = "pkg.test"
_TMP_PREFIX = "bench-"

# Lines (stdout or stderr of the test binary) that say the run went wrong.
_FATAL_PREFIXES = ("panic:", "fatal error:", "SIGQUIT:")
# The first words of a test binary that refused its arguments (Go's flag package and testing).
_REJECTED_PREFIXES = (
    "flag provided but not defined:", "invalid value ", "bad flag syntax:", "flag needs an argument:",
    "testing: invalid", "testing: -", "testing: cannot use -test.",
)  # fmt: skip

#: Output a run keeps (in memory, and in the history): a benchmark that logs every iteration
#: must not fill the memory or the disk. Past either cap, only the lines that say why a run
#: failed (panics, fatal errors, --- FAIL; the first hundred of them) are kept, and the count
#: of the others.
MAX_OUTPUT_LINES = 100_000
MAX_OUTPUT_BYTES = 16 * 1024 * 1024
_MAX_LATE_LINES = 100


class OutputBudget:
    """Which output lines to keep: the first MAX_OUTPUT_LINES / MAX_OUTPUT_BYTES, then failures only."""

    def __init__(self) -> None:
        self.lines = self.bytes = self.late = self.dropped = 0

    def take(self, line: str) -> bool:
        """Whether to keep ``line`` (counted as dropped when not)."""
        if self.lines < MAX_OUTPUT_LINES and self.bytes + len(line) <= MAX_OUTPUT_BYTES:
            self.lines += 1
            self.bytes += len(line)
            return True
        if self.late < _MAX_LATE_LINES and line.lstrip().startswith((*_FATAL_PREFIXES, "--- FAIL")):
            self.late += 1
            return True
        self.dropped += 1
        return False

#: The largest -count and GOMAXPROCS value taken (Go reads them as int; beyond, they wrap).
MAX_COUNT = 2**31 - 1
MAX_GOMAXPROCS = 2**31 - 1
#: The most -cpu values one run takes (each one is a full pass over the benchmarks).
MAX_CPU_VALUES = 256
#: Go's largest time.Duration, in nanoseconds (ParseDuration refuses more).
_MAX_DURATION_NS = 2**63 - 1
_GO_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


class BuildFailed(M3tuiError):
    """The package's test binary did not build; ``str()`` is the compiler's first error lines."""

    def __init__(self, message: str, returncode: int | None = None, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.lines = lines or [message]  # the compiler's lines, one per entry


class BadCpuList(UsageError, ValueError):
    """A `-cpu` list that is not positive GOMAXPROCS values: the message names the text."""


class BadFlag(UsageError, ValueError):
    """A -benchtime, -count or duration that Go would refuse: the message names the text."""


def parse_go_duration(text: str) -> int | None:
    """Nanoseconds of a Go duration as time.ParseDuration reads it ("1m30s", ".5s", "0"); None if not one."""
    s = text
    negative = s[:1] == "-"
    if s[:1] in "+-" and s:
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        return None
    total = Fraction(0)
    pos = 0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if m is None or m.end() == pos:
            return None
        whole, frac, unit = m.group(1), m.group(2), m.group(3)
        if not whole and not frac:
            return None  # no digits: ".s", "s"
        if unit not in _GO_UNIT_NS:
            return None  # a missing or unknown unit
        value = Fraction(int(whole or "0"))
        if frac:
            value += Fraction(int(frac), 10 ** len(frac))
        total += value * _GO_UNIT_NS[unit]
        if total > _MAX_DURATION_NS:
            return None
        pos = m.end()
    ns = int(total)
    return -ns if negative else ns


def check_benchtime(text: str) -> str:
    """``text`` if Go's -test.benchtime takes it (a positive duration, or Nx with N ≥ 1); BadFlag if not."""
    bad = BadFlag(f"bad -benchtime {text!r} (a duration like 1s, 500ms, 1m30s, or iterations like 100x)")
    if text.endswith("x"):
        digits = text[:-1].removeprefix("+")
        if not (digits.isascii() and digits.isdigit()) or not 0 < int(digits) <= 2**63 - 1:
            raise bad
        return text
    ns = parse_go_duration(text)
    if ns is None or ns <= 0:
        raise bad
    return text


def check_count(count: int) -> int:
    """``count`` if it is a -count Go takes (1 to MAX_COUNT); BadFlag if not."""
    if not 1 <= count <= MAX_COUNT:
        raise BadFlag(f"bad -count {count} (a whole number from 1 to {MAX_COUNT})")
    return count


@dataclass(frozen=True)
class BenchSpec:
    package_dir: Path
    bench: str = "."
    cpu: tuple[int, ...] = (1,)
    count: int = 10
    benchtime: str | None = None
    benchmem: bool = True
    extra: tuple[str, ...] = ()
    go: str = "go"  # the go command that builds the test binary (a path for A/B runs)
    build_flags: tuple[str, ...] = ()  # for `go test -c`, e.g. ("-gcflags=-l",) for clearer profiles

    def test_args(self) -> list[str]:
        """The arguments for the test binary (everything after its path)."""
        args = ["-test.run", "^$", "-test.bench", self.bench]
        if self.cpu:
            args += ["-test.cpu", ",".join(str(c) for c in self.cpu)]
        args += ["-test.count", str(self.count)]
        if self.benchtime:
            args += ["-test.benchtime", self.benchtime]
        if self.benchmem:
            args.append("-test.benchmem")
        args += list(self.extra)
        return args


@dataclass
class BenchRun:
    results: list[BenchResult] = field(default_factory=list)
    unparsed: list[tuple[int, str, str]] = field(default_factory=list)
    raw_output: list[str] = field(default_factory=list)  # stdout and stderr, as received
    returncode: int | None = None
    cancelled: bool = False
    timed_out: bool = False
    error: str | None = None
    rejected: bool = False  # the test binary refused its arguments (a usage error: error says which)
    build_lines: list[str] = field(default_factory=list)  # the compiler's lines, when this side did not build
    budget: OutputBudget = field(default_factory=OutputBudget, repr=False)  # what raw_output keeps

    @property
    def ok(self) -> bool:
        return (
            self.returncode == 0 and not self.cancelled and not self.timed_out and not self.error
        )


def default_cpu_list(cores: int, perf_cores: int | None = None) -> tuple[int, ...]:
    """1, 2, 4, … up to ``cores``, plus ``perf_cores`` and ``cores``; sorted, no duplicates."""
    cores = max(1, int(cores))
    out = set()
    n = 1
    while n <= cores:
        out.add(n)
        n *= 2
    out.add(cores)
    if perf_cores is not None and 1 <= perf_cores <= cores:
        out.add(int(perf_cores))
    return tuple(sorted(out))


def parse_gomaxprocs_list(text: str) -> tuple[int, ...]:
    """`-cpu 1,2,4` as both fronts take it: positive GOMAXPROCS values; BadCpuList names the text."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isascii() and part.isdigit() for part in parts):  # "", "1,,2", "2,", "-1", "٣"
        raise BadCpuList(f"bad --cpu {text!r} (like 1,2,4)")
    if len(parts) > MAX_CPU_VALUES:
        raise BadCpuList(f"bad --cpu: {len(parts)} values (at most {MAX_CPU_VALUES})")
    values = tuple(int(part) for part in parts)
    if any(not 1 <= v <= MAX_GOMAXPROCS for v in values):
        raise BadCpuList(f"bad --cpu {text!r} (GOMAXPROCS values from 1 to {MAX_GOMAXPROCS})")
    return values


def _go_env() -> dict[str, str | None]:
    return {"GOTOOLCHAIN": "local"}


def build_error_lines(lines: list[str]) -> list[str]:
    """The compiler's first error lines (``# pkg`` headers and blank lines dropped)."""
    picked = []
    for ln in lines:
        s = ln.rstrip()
        if not s or s.startswith("# "):
            continue
        picked.append(s)
        if len(picked) >= MAX_ERROR_LINES:
            break
    return picked or ["go test -c failed"]


async def build_test_binary(
    spec: BenchSpec,
    out_dir: Path,
    *,
    timeout: float | None = BUILD_TIMEOUT,
    stop: asyncio.Event | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """``go test -c -o <out_dir>/pkg.test .`` in ``spec.package_dir``; returns the binary path.

    Raises :class:`BuildFailed` (compiler message, at most ``MAX_ERROR_LINES`` lines) when the
    package does not compile, the build times out or is stopped through ``stop``.
    """
    out = Path(out_dir) / BINARY_NAME
    res = await runner.run(
        [spec.go, "test", "-c", "-o", str(out), *spec.build_flags, "."],
        env={**_go_env(), **(env or {})},
        cwd=spec.package_dir,
        timeout=timeout,
        stop_event=stop,
    )
    if res.cancelled:
        raise BuildFailed("build stopped", res.returncode)
    if res.timed_out:
        raise BuildFailed(f"build timed out after {timeout:g}s", res.returncode)
    if res.returncode != 0 or not out.exists():
        lines = build_error_lines(list(res.stderr) + list(res.stdout))
        raise BuildFailed("\n".join(lines), res.returncode, lines)
    return out


def _make_tmp_dir() -> Path:
    """A build directory named after this process (swept when it is dead), removed by the caller."""
    from m3tui.core import tmp

    try:
        return tmp.make_dir(_TMP_PREFIX)
    except (M3tuiError, OSError):  # a read-only state root: the system's temp dir, still ours by name
        try:
            return Path(tempfile.mkdtemp(prefix=tmp.owned_name(f"m3tui-{_TMP_PREFIX}")))
        except OSError as exc:
            from m3tui.core.errors import os_error

            raise os_error(exc, tempfile.gettempdir(), "create a build directory in") from None


def find_error(lines: list[str]) -> str | None:
    """The first panic / fatal error line, else the first ``--- FAIL`` line, else None."""
    fallback = None
    for ln in lines:
        s = ln.strip()
        if s.startswith(_FATAL_PREFIXES):
            return s
        if fallback is None and s.startswith("--- FAIL"):
            fallback = s
    return fallback


# What the testing package prints around its own messages: not the reason for a failure.
_CHATTER = ("FAIL", "PASS", "ok ", "exit status", "goos:", "goarch:", "pkg:", "cpu:")


def _last_words(lines: list[str]) -> str | None:
    """The binary's own explanation, e.g. "testing: invalid regexp for -test.bench: …" (first such line)."""
    for ln in lines:
        s = ln.strip()
        if s and not s.startswith(_CHATTER) and not s.startswith("Benchmark"):
            return s[:300]
    return None


async def run_benchmarks(
    spec: BenchSpec,
    *,
    on_result: Callable[[BenchResult], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    timeout: float | None = None,
    stop: asyncio.Event | None = None,
) -> BenchRun:
    """Build the test binary once, run its benchmarks and stream the results.

    ``on_result`` is called for each result as it arrives, ``on_line`` for each output line
    (stdout and stderr). ``timeout`` bounds the benchmark run (not the build). Setting ``stop``
    ends the run with ``cancelled=True`` and the results gathered so far. Raises
    :class:`BuildFailed` when the package does not compile.
    """
    tmp = _make_tmp_dir()
    try:
        try:
            binary = await build_test_binary(spec, tmp, stop=stop)
        except BuildFailed:
            if stop is not None and stop.is_set():
                return BenchRun(cancelled=True, error=None)
            raise
        run = BenchRun()
        await run_test_binary(binary, spec, spec.test_args(), run, on_result, on_line, timeout, stop)
        return run
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp, ignore_errors=True)


async def run_test_binary(
    binary: Path,
    spec: BenchSpec,
    args: list[str],
    run: BenchRun,
    on_result: Callable[[BenchResult], None] | None,
    on_line: Callable[[str], None] | None,
    timeout: float | None,
    stop: asyncio.Event | None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Run the test binary once, appending its output and results to ``run`` (errors land in it too)."""
    parser = Parser()

    def on_batch(batch: list[runner.OutputLine]) -> None:
        for ol in batch:
            if run.budget.take(ol.text):
                run.raw_output.append(ol.text)
            if on_line is not None:
                on_line(ol.text)
            if ol.stream != "stdout":
                continue
            for r in parser.feed(ol.text):
                if on_result is not None:
                    on_result(r)

    res = await runner.run(
        [str(binary), *args],
        env={**_go_env(), **(env or {})},
        cwd=spec.package_dir,
        timeout=timeout,
        on_batch=on_batch,
        capture=False,
        stop_event=stop,
    )
    for r in parser.finish():
        if on_result is not None:
            on_result(r)
    parsed = parser.result()
    run.results.extend(parsed.results)
    run.unparsed.extend(parsed.unparsed)
    run.returncode = res.returncode
    run.cancelled = res.cancelled
    run.timed_out = res.timed_out
    if not res.cancelled and not res.timed_out:
        run.error = find_error(run.raw_output)
        if run.error is None and res.returncode != 0:
            why = _last_words(run.raw_output)
            if why is not None and why.startswith(_REJECTED_PREFIXES) and not run.results:
                run.rejected = True
                run.error = f"the test binary refused its arguments: {why}"
            else:
                run.error = f"test binary exited with status {res.returncode}" + (f": {why}" if why else "")
    elif res.timed_out:
        run.error = f"timed out after {timeout:g}s"


@dataclass(frozen=True)
class Side:
    """One side of an interleaved comparison: a toolchain, or a revision checked out elsewhere."""

    label: str
    go: str = "go"
    #: Where this side builds and runs (a revision's worktree); None: the spec's package_dir.
    package_dir: Path | None = None
    #: Environment overrides for this side's go commands (a revision's GOWORK, bench.revbuild).
    env: tuple[tuple[str, str], ...] = ()


async def run_interleaved(
    spec: BenchSpec,
    sides: Sequence[Side | tuple[str, str]],
    *,
    on_result: Callable[[str, BenchResult], None] | None = None,
    on_line: Callable[[str, str], None] | None = None,
    timeout: float | None = None,
    stop: asyncio.Event | None = None,
) -> dict[str, BenchRun]:
    """The same benchmarks on several sides, interleaved A B A B … ``spec.count`` rounds.

    ``sides`` are toolchains ((label, go command) pairs) or :class:`Side` objects (a revision's
    checkout). Each side's test binary is built once; each round runs every side with
    ``-test.count 1``, so slow drift of the machine (heat, background work) hits every side
    equally instead of biasing whichever ran last. ``timeout`` bounds each single run. A side that
    fails while running stops the whole comparison (its error is kept). A side that does not build
    is left out with its compiler lines in its run's ``error``/``build_lines`` while the others
    still run; :class:`BuildFailed` (naming the side) only when no side builds.
    """
    resolved = [s if isinstance(s, Side) else Side(s[0], s[1]) for s in sides]
    if len({s.label for s in resolved}) != len(resolved):
        raise ValueError("each side needs its own label")
    tmp = _make_tmp_dir()
    runs = {s.label: BenchRun() for s in resolved}
    specs = {s.label: replace(spec, go=s.go, package_dir=s.package_dir or spec.package_dir) for s in resolved}
    try:
        binaries: dict[str, Path] = {}
        first_failure: BuildFailed | None = None
        for i, side in enumerate(resolved):
            out_dir = tmp / str(i)
            out_dir.mkdir()
            try:
                binaries[side.label] = await build_test_binary(specs[side.label], out_dir, stop=stop, env=dict(side.env))
            except BuildFailed as exc:
                if stop is not None and stop.is_set():
                    for r in runs.values():
                        r.cancelled = True
                    return runs
                failed = BuildFailed(f"{side.label}: {exc.message}", exc.returncode, exc.lines)
                first_failure = first_failure or failed
                runs[side.label].error = f"{side.label}: the build failed: {exc.lines[0]}"
                runs[side.label].build_lines = list(exc.lines)
        if not binaries and first_failure is not None:
            raise first_failure
        args = replace(spec, count=1).test_args()
        for _ in range(max(1, spec.count)):
            for side in resolved:
                if side.label not in binaries:
                    continue
                run = runs[side.label]
                await run_test_binary(
                    binaries[side.label],
                    specs[side.label],
                    args,
                    run,
                    functools.partial(on_result, side.label) if on_result else None,
                    functools.partial(on_line, side.label) if on_line else None,
                    timeout,
                    stop,
                    env=dict(side.env),
                )
                if run.cancelled or run.timed_out or run.error:
                    for other in runs.values():
                        other.cancelled = other.cancelled or run.cancelled
                    return runs
        return runs
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp, ignore_errors=True)


async def list_packages(module_dir: Path, go: str = "go") -> list[tuple[str, Path]]:
    """The module's packages that have tests: (import path, directory), from ``go list ./...``.

    Empty when ``go list`` fails (not a module, no go); the pane then offers the directory itself.
    """
    fmt = "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}\t{{.Dir}}{{end}}"
    res = await runner.run([go, "list", "-f", fmt, "./..."], env=_go_env(), cwd=module_dir, timeout=60)
    if res.returncode != 0:
        return []
    out = []
    for line in res.stdout:
        path, tab, directory = line.strip().partition("\t")
        if tab:
            out.append((path, Path(directory)))
    return out
