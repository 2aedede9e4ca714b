"""Capture a profile of ONE benchmark at ONE GOMAXPROCS, and keep it with its test binary.

A profile covers the whole test binary run, so a capture runs one benchmark (``-test.bench``)
at one ``-test.cpu`` value. The test binary is built with ``go test -c`` (``GOTOOLCHAIN=local``,
optionally ``-gcflags=-l`` for clearer stacks) and kept next to the profile: ``go tool pprof``
needs it for ``-source``/``-disasm`` and for the symbols of profiles written by old Go.

Layout: ``state_root()/profiles/<id>/`` (0700) holds ``pkg.test``, the profile (named by
:mod:`m3tui.profiles.naming`, like the capture itself) and ``capture.json`` (0600, redacted: it
holds the package path and flags). A capture is assembled in a scratch directory of :mod:`m3tui.core.tmp` (``tmp/capture-p<pid>-*``, removed on every exit
path, swept when its process died) and renamed into place only when complete, so an
interrupted, stopped or failed capture leaves nothing behind. A state root that cannot be
written is one line naming the path and the cause (exit 3).

Every subprocess goes through :mod:`m3tui.core.runner`. Plain asyncio; never imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import errno
import json
import math
import os
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from m3tui.bench.fmt import BenchResult
from m3tui.bench.run import (
    BINARY_NAME,
    BUILD_TIMEOUT,
    MAX_COUNT,
    MAX_ERROR_LINES,
    MAX_GOMAXPROCS,
    BadFlag,
    BenchRun,
    BenchSpec,
    BuildFailed,
    build_test_binary,
    check_benchtime,
    run_test_binary,
)
from m3tui.core import runner
from m3tui.core.config import state_root
from m3tui.core.errors import InputError, M3tuiError, UsageError, os_error
from m3tui.core.files import PRIVATE_FILE, open_private, private_dir, read_input, tighten
from m3tui.core.runlock import hold
from m3tui.core.redact import redact_data
from m3tui.profiles.naming import profile_file_name
from m3tui.profiles.pprof.model import printable

__all__ = [
    "BINARY_NAME",
    "KINDS",
    "RATE_FLAGS",
    "Capture",
    "CaptureError",
    "CaptureSpec",
    "InvalidCaptureSpec",
    "build_binary",
    "capture",
    "capture_dir",
    "delete_capture",
    "list_captures",
    "load_capture",
    "open_external",
    "profile_args",
    "profiles_root",
    "run_binary",
    "scan_captures",
]

KINDS = ("cpu", "mem", "block", "mutex")  # their labels for a form: naming.KIND_CHOICES

#: The test binary flag that writes each kind's profile.
PROFILE_FLAGS = {
    "cpu": "-test.cpuprofile",
    "mem": "-test.memprofile",
    "block": "-test.blockprofile",
    "mutex": "-test.mutexprofile",
}
#: The test binary flag that sets each kind's sampling rate (cpu has none: 100 Hz).
RATE_FLAGS = {
    "mem": "-test.memprofilerate",
    "block": "-test.blockprofilerate",
    "mutex": "-test.mutexprofilefraction",
}

META_NAME = "capture.json"
CAPTURE_STEPS = 3  # on_step's: build, run, keep (the CLI's progress)
META_VERSION = 1
_META_LIMIT = 1 << 20
_TMP_PREFIX = ".tmp-"
_ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}\.[0-9]{3}-[0-9a-f]{6}$")


class CaptureError(M3tuiError):
    """A capture failed. ``str()`` is one line, fit to print (it may quote the compiler or the
    benchmark: control characters escaped, URL credentials masked); ``details`` keeps every line."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        message = printable(message)
        super().__init__(message)
        self.message = message
        self.details = list(details) or [message]


class InvalidCaptureSpec(UsageError, ValueError):
    """A capture asked for that cannot be made (unknown kind, a rate for cpu, a count below 1, a
    -benchtime or regexp the test binary refuses…): exit 2."""


@dataclass(frozen=True)
class CaptureSpec:
    package_dir: Path
    bench: str
    kind: str
    procs: int = 1
    rate: int | None = None
    benchtime: str | None = None
    count: int = 1
    noinline: bool = False
    go: str = "go"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidCaptureSpec(f"unknown profile kind {self.kind!r} (one of {', '.join(KINDS)})")
        if self.rate is not None:
            if self.kind == "cpu":
                raise InvalidCaptureSpec("a cpu profile has no rate (it samples at 100 Hz)")
            if not 1 <= int(self.rate) <= 2**63 - 1:  # the test binary's flags are Go ints
                raise InvalidCaptureSpec(f"rate must be from 1 to {2**63 - 1}")
        if not 1 <= int(self.procs) <= MAX_GOMAXPROCS:
            raise InvalidCaptureSpec(f"procs must be from 1 to {MAX_GOMAXPROCS}")
        if not 1 <= int(self.count) <= MAX_COUNT:
            raise InvalidCaptureSpec(f"count must be from 1 to {MAX_COUNT}")
        if not self.bench:
            raise InvalidCaptureSpec("bench must be a non-empty regular expression")
        if self.benchtime is not None:
            _check_benchtime(self.benchtime)

    def test_args(self, profile: Path) -> list[str]:
        """Arguments for the test binary (after its path) writing the profile to ``profile``."""
        args = ["-test.run", "^$", "-test.bench", self.bench, "-test.cpu", str(self.procs)]
        args += ["-test.count", str(self.count)]
        if self.benchtime:
            args += ["-test.benchtime", self.benchtime]
        args.append("-test.benchmem")
        args += profile_args(self.kind, profile, self.rate)
        return args

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["package_dir"] = str(self.package_dir)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CaptureSpec:
        return cls(
            package_dir=Path(d["package_dir"]),
            bench=str(d["bench"]),
            kind=str(d["kind"]),
            procs=int(d.get("procs", 1)),
            rate=None if d.get("rate") is None else int(d["rate"]),
            benchtime=d.get("benchtime"),
            count=int(d.get("count", 1)),
            noinline=bool(d.get("noinline", False)),
            go=str(d.get("go", "go")),
        )


@dataclass
class Capture:
    profile: Path
    binary: Path | None  # None for a profile file opened from outside (no binary known)
    kind: str  # one of KINDS, or "unknown" for an external file
    spec: CaptureSpec | None  # None for an external file
    results: list[BenchResult]
    created: str  # ISO 8601, UTC
    id: str  # "external" for an external file
    warnings: list[str] = field(default_factory=list)
    go_version: str | None = None
    external: bool = False

    @property
    def directory(self) -> Path:
        return self.profile.parent


def profile_args(kind: str, profile: Path, rate: int | None = None) -> list[str]:
    """The test binary flags that write a ``kind`` profile to ``profile`` at ``rate``."""
    if kind not in KINDS:
        raise ValueError(f"unknown profile kind {kind!r}")
    args = [PROFILE_FLAGS[kind], str(profile)]
    if rate is not None:
        if kind == "cpu":
            raise ValueError("a cpu profile has no rate")
        args += [RATE_FLAGS[kind], str(int(rate))]
    return args


def profiles_root() -> Path:
    """``state_root()/profiles``, made absolute (the build and the run have other cwds)."""
    return Path(os.path.abspath(state_root() / "profiles"))


def capture_dir(capture_id: str) -> Path:
    if not _ID_RE.match(capture_id):
        raise ValueError(f"not a capture id: {capture_id!r}")
    return profiles_root() / capture_id


def _new_id() -> str:
    now = _dt.datetime.now(_dt.UTC)
    return f"{now:%Y%m%d-%H%M%S}.{now.microsecond // 1000:03d}-{secrets.token_hex(3)}"


def _go_env() -> dict[str, str | None]:
    return {"GOTOOLCHAIN": "local"}


def _one_line(first: str, lines: list[str]) -> str:
    more = len(lines) - 1
    return first + (f" (+{more} more line{'s' if more > 1 else ''})" if more > 0 else "")


async def build_binary(
    package_dir: Path,
    out: Path,
    *,
    go: str = "go",
    noinline: bool = False,
    timeout: float | None = BUILD_TIMEOUT,
    stop: asyncio.Event | None = None,
) -> Path:
    """``go test -c -o <out> [-gcflags=-l] .`` in ``package_dir`` (the build of
    :mod:`m3tui.bench.run`); returns ``out``.

    ``out`` is named ``pkg.test`` (``BINARY_NAME``, as in bench runs). Raises
    :class:`CaptureError` with the compiler's message (first line in ``str()``, up to
    ``MAX_ERROR_LINES`` in ``details``), or "stopped" / "build timed out".
    """
    spec = BenchSpec(Path(package_dir), go=go, build_flags=("-gcflags=-l",) if noinline else ())
    try:
        built = await build_test_binary(spec, Path(out).parent, timeout=timeout, stop=stop)
    except runner.RunnerError as exc:
        raise CaptureError(f"cannot run {go}: {exc}") from None
    except BuildFailed as exc:
        if exc.message == "build stopped":
            raise CaptureError("stopped") from None
        if exc.message.startswith("build timed out"):
            raise CaptureError(exc.message) from None
        raise CaptureError(_one_line(f"build failed: {exc.lines[0]}", exc.lines), exc.lines) from None
    if built != Path(out):
        built.replace(out)
    return Path(out)


async def run_binary(
    binary: Path,
    package_dir: Path,
    args: Sequence[str],
    *,
    on_line: Callable[[str], None] | None = None,
    timeout: float | None = None,
    stop: asyncio.Event | None = None,
) -> list[BenchResult]:
    """Run the test binary once (cwd = the package) and return its parsed results.

    Raises :class:`CaptureError`: "stopped", "timed out after …", a panic / failure line, or
    the exit status; :class:`InvalidCaptureSpec` when the binary refused its arguments (a
    -benchtime or -bench regexp Go does not take). Does not check that anything matched.
    """
    run = BenchRun()
    await run_test_binary(binary, BenchSpec(Path(package_dir)), list(args), run, None, on_line, timeout, stop)
    if run.cancelled:
        raise CaptureError("stopped")
    if run.rejected:
        raise InvalidCaptureSpec(printable(run.error or "the test binary refused its arguments"))
    if run.error is not None:
        raise CaptureError(run.error, run.raw_output[-MAX_ERROR_LINES:])
    return list(run.results)


def bench_names(results: Sequence[BenchResult]) -> list[str]:
    """Distinct benchmark names (with sub-benchmarks), in first-seen order."""
    seen: dict[str, None] = {}
    for r in results:
        seen.setdefault(r.name, None)
    return list(seen)


async def _go_version(go: str) -> str | None:
    with contextlib.suppress(runner.RunnerError, OSError):
        res = await runner.run([go, "env", "GOVERSION"], env=_go_env(), timeout=30)
        if res.ok and res.stdout and res.stdout[0].strip():
            return res.stdout[0].strip()
    return None


def _result_json(r: BenchResult) -> dict[str, Any]:
    values = {k: v for k, v in r.values.items() if isinstance(v, int | float) and math.isfinite(v)}
    return {"name": r.name, "procs": r.procs, "iters": r.iters, "values": values}


def _result_from_json(d: dict[str, Any]) -> BenchResult:
    return BenchResult(
        name=str(d["name"]),
        procs=int(d.get("procs", 1)),
        iters=int(d.get("iters", 0)),
        values={str(k): float(v) for k, v in dict(d.get("values", {})).items()},
    )


def _meta(cap: Capture) -> dict[str, Any]:
    assert cap.spec is not None and cap.binary is not None
    return {
        "version": META_VERSION,
        "id": cap.id,
        "created": cap.created,
        "kind": cap.kind,
        "profile": cap.profile.name,
        "binary": cap.binary.name,
        "go_version": cap.go_version,
        "spec": cap.spec.to_json(),
        "results": [_result_json(r) for r in cap.results],
        "warnings": list(cap.warnings),
    }


def _check_benchtime(text: str) -> None:
    try:
        check_benchtime(text)
    except BadFlag as exc:
        raise InvalidCaptureSpec(str(exc)) from None


def _write_meta(path: Path, data: dict[str, Any]) -> None:
    """``capture.json``, private (0600) and redacted: it names the package, the flags, the output."""
    text = json.dumps(redact_data(data), indent=2) + "\n"
    try:
        fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise os_error(exc, path, "write") from None


def _scratch_dir() -> Path:
    """The capture's assembly directory: private, named after this process (swept when it is dead)."""
    from m3tui.core import tmp

    root = tmp.tmp_root()  # an M3tuiError naming the path when the state root cannot hold it
    try:
        return tmp.make_dir("capture-")
    except OSError as exc:
        raise os_error(exc, root, "create a directory in") from None


def _store(assembled: Path, final: Path) -> None:
    """Move a complete capture into ``profiles/``: a rename, or (another file system) a copy
    beside the target first, renamed in, so a half-copied capture is never listed."""
    try:
        os.rename(assembled, final)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise os_error(exc, final.parent, "write to") from None
    staging = final.with_name(f"{_TMP_PREFIX}{final.name}")
    try:
        shutil.copytree(assembled, staging)
        os.rename(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise os_error(exc, final.parent, "write to") from None


async def capture(
    spec: CaptureSpec,
    *,
    on_line: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
    timeout: float | None = 600,
    wait_lock: bool = True,
    on_wait: Callable[[str], None] | None = None,
    on_step: Callable[[int, str], None] | None = None,
) -> Capture:
    """Build the test binary, run the benchmark with profiling, keep profile + binary (on_step: CAPTURE_STEPS).

    ``timeout`` bounds the build and the run (each). ``on_line`` gets every output line of the
    build's failure and of the run. Raises :class:`CaptureError` ("build failed: …", "no
    benchmark matched …", "timed out …", "stopped", a panic line, …); then nothing is left
    under ``profiles/``. A regular expression matching several benchmarks is allowed, with a
    warning in ``Capture.warnings`` (the profile then mixes all of them).
    """
    package_dir = Path(os.path.abspath(spec.package_dir))
    spec = replace(spec, package_dir=package_dir)
    if not package_dir.is_dir():
        raise InvalidCaptureSpec(f"no such package directory: {printable(package_dir)}")
    root = private_dir(profiles_root())  # 0700; an M3tuiError naming the path if it cannot be
    what = f"m3tui profile capture {printable(package_dir)} -bench {spec.bench}"
    step = on_step or (lambda n, text: None)
    async with hold(what, wait=wait_lock, on_wait=on_wait, stopped=stop.is_set if stop else None) as held:
        if not held:  # stopped while waiting for another m3tui run: nothing ran
            raise CaptureError("stopped")
        cap_id = _new_id()
        tmp = _scratch_dir()
        try:
            step(1, "building the test binary (go test -c)")
            binary = await build_binary(package_dir, tmp / BINARY_NAME, go=spec.go, noinline=spec.noinline,
                                        timeout=timeout, stop=stop)  # fmt: skip
            profile = tmp / f"{spec.kind}.pprof"
            step(2, f"running {printable(spec.bench)} with {spec.kind} profiling")
            results = await run_binary(binary, package_dir, spec.test_args(profile), on_line=on_line, timeout=timeout,
                                       stop=stop)  # fmt: skip
            if stop is not None and stop.is_set():
                raise CaptureError("stopped")
            names = bench_names(results)
            if not names:
                raise CaptureError(f"no benchmark matched {spec.bench!r}")
            if not profile.exists() or profile.stat().st_size == 0:
                raise CaptureError("the test binary wrote no profile")
            profile = profile.rename(tmp / profile_file_name(spec.kind, names, spec))
            warnings = []
            if len(names) > 1:
                shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
                warnings.append(f"{len(names)} benchmarks matched {spec.bench!r} ({shown}); the profile mixes all of them")
            step(3, "keeping the profile and the binary")
            go_version = await _go_version(spec.go)
            final = root / cap_id
            cap = Capture(
                profile=final / profile.name,
                binary=final / BINARY_NAME,
                kind=spec.kind,
                spec=spec,
                results=results,
                created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                id=cap_id,
                warnings=warnings,
                go_version=go_version,
            )
            _write_meta(tmp / META_NAME, _meta(cap))
            _store(tmp, final)
            return cap
        finally:
            # Gone on every path: renamed into place, or removed after a failure, a stop or a cancel.
            shutil.rmtree(tmp, ignore_errors=True)


def _load(directory: Path) -> Capture:
    # A regular file of at most 1 MiB (a FIFO put there must not block the list).
    data = json.loads(read_input(directory / META_NAME, limit=_META_LIMIT).decode("utf-8"))
    if not isinstance(data, dict) or data.get("version") != META_VERSION:
        raise ValueError(f"unsupported {META_NAME} version")
    spec = CaptureSpec.from_json(data["spec"])
    names = str(data["profile"]), str(data["binary"])
    if any(os.path.basename(n) != n or n in ("", ".", "..") for n in names):
        raise ValueError(f"{META_NAME} names a file outside its directory")
    profile, binary = directory / names[0], directory / names[1]
    if not profile.is_file():
        raise ValueError(f"profile file {profile.name} is missing")
    warnings = [str(w) for w in data.get("warnings", [])]
    if not binary.is_file():
        warnings.append(f"the test binary {binary.name} is missing (pprof -source will not work)")
    return Capture(
        profile=profile,
        binary=binary,
        kind=str(data["kind"]),
        spec=spec,
        results=[_result_from_json(r) for r in data.get("results", [])],
        created=str(data["created"]),
        id=str(data["id"]),
        warnings=warnings,
        go_version=data.get("go_version"),
    )


def scan_captures() -> tuple[list[Capture], list[tuple[Path, str]]]:
    """(captures newest first, problems) where problems are (directory, why) of broken ones.

    Temporary directories of captures in progress (``.tmp-*``) are not listed.
    """
    root = profiles_root()
    caps: list[Capture] = []
    problems: list[tuple[Path, str]] = []
    try:
        entries = sorted(root.iterdir(), reverse=True)
    except OSError:
        return caps, problems
    _tighten(root, 0o700)
    for d in entries:
        if d.name.startswith(".") or not d.is_dir():
            continue
        _tighten(d, 0o700)  # an earlier version made them 0755 / 0644
        _tighten(d / META_NAME, PRIVATE_FILE)
        try:
            caps.append(_load(d))
        except (M3tuiError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append((d, f"{type(exc).__name__}: {exc}"))
    return caps, problems


def _tighten(path: Path, mode: int) -> None:
    with contextlib.suppress(OSError):  # not ours to change (another user's state): leave it
        tighten(path, mode)


def list_captures() -> list[Capture]:
    """Stored captures, newest first; broken ones are skipped (see :func:`scan_captures`)."""
    return scan_captures()[0]


def load_capture(capture_id: str) -> Capture:
    """One stored capture; raises CaptureError if it is missing or broken."""
    try:
        return _load(capture_dir(capture_id))
    except (M3tuiError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CaptureError(f"capture {capture_id}: {exc}") from None


def delete_capture(capture_id: str) -> bool:
    """Remove a stored capture; False if there was none (or the id is not a capture id)."""
    try:
        d = capture_dir(capture_id)
    except ValueError:
        return False
    if not d.is_dir():
        return False
    # Rename first so a half-deleted capture never shows up as a broken one.
    doomed = d.with_name(f"{_TMP_PREFIX}del-{capture_id}")
    try:
        os.rename(d, doomed)
    except OSError:
        doomed = d
    shutil.rmtree(doomed, ignore_errors=True)
    return not d.exists()


def _guess_kind(path: Path) -> str:
    """The capture kind from the profile's sample types, if the decoder is available."""
    try:
        from m3tui.profiles.pprof import decode  # noqa: PLC0415 - optional, and heavy

        prof = decode.load_file(path)
        types = {st.type for st in prof.sample_types}
    except M3tuiError:  # not a profile it can read: the views will say why
        return "unknown"
    if "cpu" in types:
        return "cpu"
    if "alloc_space" in types or "inuse_space" in types:
        return "mem"
    if "delay" in types:
        # Block and mutex profiles have the same sample types: the file name may tell.
        return "mutex" if "mutex" in path.name.lower() else "block"
    return "unknown"


def open_external(path: Path, binary: Path | None = None) -> Capture:
    """A record for a profile file the user opens (``m3tui profile FILE``); no binary needed.

    Only checks that the file (and the binary, if given) is a readable regular file, without
    reading it (`core.files.check_input`: a FIFO or a directory is refused, never opened for
    long); the kind is guessed from the sample types when the decoder can read it, else
    "unknown". Raises `InputError` (missing, not a regular file, empty) or `M3tuiError`
    (unreadable), one line with the name made printable.
    """
    from m3tui.profiles.pprof.decode import check_file

    p = Path(path).expanduser()
    check_file(p, "profile")
    try:
        st = p.stat()
    except OSError as exc:
        raise os_error(exc, f"profile {printable(p)}", "read", user_input=True) from None
    if st.st_size == 0:
        raise InputError(f"empty profile file: {printable(p)}")
    b = None
    if binary is not None:
        b = Path(binary).expanduser()
        check_file(b, "binary")
    mtime = _dt.datetime.fromtimestamp(st.st_mtime, _dt.UTC)
    return Capture(
        profile=p.resolve(),
        binary=b.resolve() if b else None,
        kind=_guess_kind(p),
        spec=None,
        results=[],
        created=mtime.isoformat(timespec="seconds"),
        id="external",
        external=True,
    )
