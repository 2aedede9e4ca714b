"""The profile-rate tuner: sweep a sampling rate, show what it costs and what it still sees.

For one benchmark and one kind (mem: ``-memprofilerate``, block: ``-blockprofilerate``,
mutex: ``-mutexprofilefraction``) the test binary is built once (and once more with
``-gcflags=-l`` when asked); then, for each round, the baseline (no profile written) and every
rate run with ``-test.count 1`` in a rotating order, so drift of the machine hits them all alike.

* overhead = median(ns/op at the rate) / median(ns/op of the baseline) − 1.
  For mem the baseline still runs at the runtime's default MemProfileRate (512 KiB: the test
  flags cannot turn it off), so overhead is relative to Go's normal state.
* fidelity = 1 − total variation distance between the flat shares of the functions in the
  union of the top 10 of the rate and the top 10 of the reference (the most precise rate, the
  smallest value: 1 = every event). Flat values are summed over all rounds' profiles first.
  Sample type: alloc_space (mem), delay (block, mutex).
* recommendation = the cheapest rate (the largest value: for all three kinds a higher value
  samples less) with fidelity ≥ 0.9 and overhead ≤ 5 %, else the best fidelity under 10 %
  overhead, else None.

Plain asyncio; every subprocess goes through the runner (via :mod:`m3tui.profiles.capture`); never
imports Textual. The profile decoder is imported inside functions only.
"""

from __future__ import annotations

import asyncio
import math
import shutil
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m3tui.bench.fmt import BenchResult
from m3tui.bench.run import BadFlag, check_benchtime
from m3tui.core.errors import M3tuiError, UsageError, os_error
from m3tui.core.runlock import hold
from m3tui.profiles.capture import (
    BINARY_NAME,
    CaptureError,
    InvalidCaptureSpec,
    bench_names,
    build_binary,
    profile_args,
    run_binary,
)

__all__ = [
    "DEFAULT_RATES",
    "FIDELITY_OK",
    "MAX_RATES",
    "MAX_ROUNDS",
    "OVERHEAD_MAX",
    "OVERHEAD_OK",
    "TOP_N",
    "InvalidTuneSpec",
    "TuneError",
    "TunePoint",
    "TuneResult",
    "check_spec",
    "fidelity",
    "parse_rates",
    "recommend",
    "render_tune",
    "tune",
    "tune_json",
]

TUNE_KINDS = ("mem", "block", "mutex")
DEFAULT_RATES: dict[str, tuple[int, ...]] = {
    "mem": (1, 4096, 65536, 524288, 4194304),
    "block": (1, 1000, 10000, 100000, 1000000),
    "mutex": (1, 2, 5, 10, 100),
}
#: What go test itself would use for each kind when no rate flag is given.
GO_DEFAULT_RATE = {"mem": 524288, "block": 1, "mutex": 1}
SAMPLE_TYPE = {"mem": "alloc_space", "block": "delay", "mutex": "delay"}
#: Short go test flags (as typed after ``go test``), for the flags line.
GO_TEST_FLAGS = {
    "mem": ("-memprofile", "mem.out", "-memprofilerate"),
    "block": ("-blockprofile", "block.out", "-blockprofilerate"),
    "mutex": ("-mutexprofile", "mutex.out", "-mutexprofilefraction"),
}
TOP_N = 10
FIDELITY_OK = 0.9
OVERHEAD_OK = 5.0  # percent
OVERHEAD_MAX = 10.0  # percent
RUN_TIMEOUT = 600.0
DELTA_MIN_SHARE = 0.005
_TMP_PREFIX = "tune-"

ProgressCallback = Callable[[str, int, int], None]


class TuneError(CaptureError):
    """The tune failed (build error, no benchmark matched, a run failed, stopped)."""


class InvalidTuneSpec(UsageError, ValueError):
    """A tune asked for that cannot run: a kind without a rate (cpu), a rate below 1."""


@dataclass
class TunePoint:
    rate: int
    ns_op: list[float]
    overhead_pct: float | None
    fidelity: float | None
    top: list[tuple[str, float]]  # the rate's top functions: (name, flat share 0..1)
    #: What the rate's profiles recorded in all (the sample type summed over every round):
    #: 0 = no samples (fidelity is then None, not 0); None = not counted.
    recorded: float | None = None

    @property
    def no_samples(self) -> bool:
        return self.recorded is not None and self.recorded <= 0


#: A profiled run this much faster than the unprofiled baseline is noise, not a measurement.
NOISE_PCT = 5.0


@dataclass
class TuneResult:
    kind: str
    rates: list[int]
    baseline_ns_op: list[float]
    points: list[TunePoint]
    reference_rate: int
    recommendation: int | None
    flags: str
    noinline_delta: dict[str, Any] | None
    bench: str = ""
    benchmarks: tuple[str, ...] = ()  # the benchmark names the regex matched
    rounds: int = 0
    sample_type: str = ""
    warnings: tuple[str, ...] = ()

    def point(self, rate: int) -> TunePoint:
        for p in self.points:
            if p.rate == rate:
                return p
        raise KeyError(rate)


# --------------------------------------------------------------------------
# Profiles -> flat values per function
# --------------------------------------------------------------------------


def _flat(path: Path, sample_type: str) -> tuple[dict[str, float], float]:
    """Flat value per function of every function (not only those above pprof's node fraction)."""
    from m3tui.profiles.pprof import analysis, decode

    prof = decode.load_file(path)
    rep = analysis.top(prof, prof.sample_index(sample_type), node_fraction=0.0)
    flats: dict[str, float] = {}
    for row in rep.rows:
        flats[row.name] = flats.get(row.name, 0.0) + float(row.flat)
    return flats, float(rep.total)


def _top(flats: dict[str, float], n: int = TOP_N, min_share: float = 0.0) -> list[str]:
    """The ``n`` functions with the largest flat value (> ``min_share`` of the total)."""
    floor = max(0.0, min_share * sum(flats.values()))
    ranked = sorted(flats.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [k for k, v in ranked if v > floor]


def fidelity(flats: dict[str, float], ref: dict[str, float], n: int = TOP_N) -> float | None:
    """1 − TVD of the flat shares over the union of both top-``n`` function sets.

    None when the reference saw nothing; 0.0 when the rate saw nothing but the reference did.
    """
    names = set(_top(ref, n)) | set(_top(flats, n))
    ref_sum = sum(ref.get(k, 0.0) for k in names)
    if ref_sum <= 0:
        return None
    got_sum = sum(flats.get(k, 0.0) for k in names)
    if got_sum <= 0:
        return 0.0
    tvd = 0.5 * sum(abs(flats.get(k, 0.0) / got_sum - ref.get(k, 0.0) / ref_sum) for k in names)
    return max(0.0, min(1.0, 1.0 - tvd))


def recommend(points: Sequence[TunePoint]) -> int | None:
    """The cheapest good-enough rate (see the module docstring)."""
    good = [
        p for p in points
        if p.fidelity is not None and p.fidelity >= FIDELITY_OK
        and p.overhead_pct is not None and p.overhead_pct <= OVERHEAD_OK
    ]
    if good:
        return max(p.rate for p in good)
    ok = [
        p for p in points
        if p.fidelity is not None and p.overhead_pct is not None
        and p.overhead_pct <= OVERHEAD_MAX
    ]
    if ok:
        return max(ok, key=lambda p: (p.fidelity, p.rate)).rate
    return None


def flags_for(kind: str, rate: int) -> str:
    """The go test flags that capture ``kind`` at ``rate``, e.g. ``-memprofile mem.out …``."""
    flag, out, rate_flag = GO_TEST_FLAGS[kind]
    return f"{flag} {out} {rate_flag} {rate}"


# --------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------


def _make_tmp_dir() -> Path:
    """The sweep's scratch (its binaries and profiles): private, named after this process, so the
    start-up sweep removes it when the process died; the caller removes it on every exit path.

    The tuner keeps nothing, so a state root that cannot hold it (read-only, or not a directory)
    is no reason to fail: then the system's temporary directory, still named after this process.
    """
    from m3tui.core import tmp

    try:
        return tmp.make_dir(_TMP_PREFIX)
    except (M3tuiError, OSError):
        try:
            return Path(tempfile.mkdtemp(prefix=tmp.owned_name(f"m3tui-{_TMP_PREFIX}")))
        except OSError as exc:
            raise os_error(exc, tempfile.gettempdir(), "create a directory in") from None


#: The largest rate the test binary takes (its flags are Go ints).
MAX_RATE = 2**63 - 1


#: The most rounds a sweep runs (each round runs every rate once), and the most rates it sweeps.
MAX_ROUNDS = 1000
MAX_RATES = 32


def parse_rates(text: str) -> list[int]:
    """`--rates 1,4096,524288`: whole numbers, comma-separated, none empty; InvalidTuneSpec naming the text."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isascii() and part.isdigit() for part in parts):  # "", "1,,2", "1,", "-5", "1e3", "٣"
        raise InvalidTuneSpec(f"bad --rates {text!r}: comma-separated whole numbers from 1 to {MAX_RATE}, like 1,4096,524288")
    return [int(part) for part in parts]


def check_spec(kind: str, rates: Sequence[int] | None, benchtime: str | None = None, rounds: int = 5) -> list[int]:
    """The sorted rates to sweep for ``kind`` (None: the kind's default sweep); `InvalidTuneSpec`
    (exit 2) for what cannot run: an empty list, a rate out of Go's int range, more than MAX_RATES
    rates, rounds outside 1..MAX_ROUNDS, a benchtime Go refuses."""
    if kind not in TUNE_KINDS:
        raise InvalidTuneSpec(f"the rate tuner works for {', '.join(TUNE_KINDS)}, not {kind!r}")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        raise InvalidTuneSpec(f"bad --rounds {rounds} (a whole number from 1 to {MAX_ROUNDS})")
    rate_list = sorted({int(r) for r in (DEFAULT_RATES[kind] if rates is None else rates)})
    if not rate_list:
        raise InvalidTuneSpec("no rates to sweep (leave --rates out for the default sweep)")
    bad = [r for r in rate_list if not 1 <= r <= MAX_RATE]
    if bad:
        raise InvalidTuneSpec(f"bad rate {bad[0]}: rates must be from 1 to {MAX_RATE}")
    if len(rate_list) > MAX_RATES:
        raise InvalidTuneSpec(f"{len(rate_list)} rates: at most {MAX_RATES} in one sweep")
    if benchtime is not None:
        try:
            check_benchtime(benchtime)
        except BadFlag as exc:
            raise InvalidTuneSpec(str(exc)) from None
    return rate_list


def _ns_op(results: Sequence[BenchResult]) -> float | None:
    """One run's ns/op: the geometric mean over the benchmarks it ran (one: that value)."""
    vals = [r.values["ns/op"] for r in results if r.values.get("ns/op", 0) > 0]
    if not vals:
        return None
    if len(vals) == 1:
        return vals[0]
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def _overhead(ns: list[float], base: list[float]) -> float | None:
    if not ns or not base:
        return None
    b = statistics.median(base)
    return (statistics.median(ns) / b - 1.0) * 100.0 if b > 0 else None


async def tune(
    package_dir: Path,
    bench: str,
    kind: str,
    *,
    rates: Sequence[int] | None = None,
    rounds: int = 5,
    benchtime: str | None = None,
    procs: int = 1,
    go: str = "go",
    noinline: bool = False,
    on_progress: ProgressCallback | None = None,
    stop: asyncio.Event | None = None,
    timeout: float | None = RUN_TIMEOUT,
    wait_lock: bool = True,
) -> TuneResult:
    """Sweep ``rates`` for ``kind`` on the benchmarks matching ``bench``; see the module doc.

    ``on_progress(text, done, total)`` is called before each step and once at the end.
    ``timeout`` bounds each build and each run. Raises :class:`TuneError` on a build error,
    when no benchmark matched, when a run fails, or when ``stop`` is set;
    :class:`InvalidTuneSpec` before anything runs for a kind or rates it cannot tune.
    """
    rate_list = check_spec(kind, rates, benchtime, rounds)
    package_dir = Path(package_dir)
    reference = rate_list[0]
    sample_type = SAMPLE_TYPE[kind]
    # The items of one round: None = baseline, int = a rate, "noinline" = the -l build at ref.
    items: list[int | str | None] = [None, *rate_list]
    if noinline:
        items.append("noinline")
    total = 1 + (1 if noinline else 0) + rounds * len(items)
    done = 0

    def progress(text: str) -> None:
        if on_progress is not None:
            on_progress(text, done, total)

    def common_args() -> list[str]:
        args = ["-test.run", "^$", "-test.bench", bench, "-test.cpu", str(procs)]
        args += ["-test.count", "1"]
        if benchtime:
            args += ["-test.benchtime", benchtime]
        return args

    what = f"m3tui profile tune {package_dir} -bench {bench}"
    async with hold(what, wait=wait_lock, on_wait=progress, stopped=stop.is_set if stop else None) as held:
        if not held:  # stopped while waiting for another m3tui run: nothing ran
            raise TuneError("stopped")
        tmp = _make_tmp_dir()
        try:
            try:
                progress("building the test binary")
                binary = await build_binary(package_dir, tmp / BINARY_NAME, go=go, timeout=timeout, stop=stop)
                done += 1
                binary_l = None
                if noinline:
                    (tmp / "l").mkdir()
                    progress("building the test binary with -gcflags=-l")
                    binary_l = await build_binary(package_dir, tmp / "l" / BINARY_NAME, go=go, noinline=True,
                                                  timeout=timeout, stop=stop)  # fmt: skip
                    done += 1
            except CaptureError as exc:
                raise TuneError(exc.message, exc.details) from None

            ns: dict[object, list[float]] = {item: [] for item in items}
            profiles: dict[object, list[Path]] = {item: [] for item in items}
            names: list[str] = []
            for r in range(rounds):
                k = r % len(items)
                for item in items[k:] + items[:k]:
                    label = (
                        "baseline" if item is None
                        else f"-gcflags=-l at {reference}" if item == "noinline"
                        else f"rate {item}"
                    )
                    progress(f"round {r + 1}/{rounds}: {label}")
                    args = common_args()
                    run_bin = binary
                    prof_path = None
                    if item is not None:
                        rate = reference if item == "noinline" else int(item)
                        prof_path = tmp / f"r{r}-{item}.pprof"
                        args += profile_args(kind, prof_path, rate)
                        if item == "noinline":
                            assert binary_l is not None
                            run_bin = binary_l
                    try:
                        results = await run_binary(run_bin, package_dir, args, timeout=timeout, stop=stop)
                    except InvalidCaptureSpec as exc:  # the binary refused the -bench regexp or a flag
                        raise InvalidTuneSpec(str(exc)) from None
                    except CaptureError as exc:
                        raise TuneError(f"{label}: {exc.message}", exc.details) from None
                    if stop is not None and stop.is_set():
                        raise TuneError("stopped")
                    value = _ns_op(results)
                    if value is None:
                        raise TuneError(f"no benchmark matched {bench!r}")
                    for n in bench_names(results):
                        if n not in names:
                            names.append(n)
                    ns[item].append(value)
                    if prof_path is not None and prof_path.exists():
                        profiles[item].append(prof_path)
                    done += 1

            progress("reading the profiles")
            flats: dict[object, dict[str, float]] = {}
            warnings: list[str] = []
            for item in items[1:]:
                agg: dict[str, float] = {}
                for p in profiles[item]:
                    try:
                        f, _total = _flat(p, sample_type)
                    except M3tuiError as exc:  # one bad profile must not sink the tune
                        warnings.append(f"{p.name}: cannot read the profile: {exc}")
                        continue
                    for name, v in f.items():
                        agg[name] = agg.get(name, 0.0) + v
                flats[item] = agg
            if len(names) > 1:
                warnings.append(
                    f"{len(names)} benchmarks matched {bench!r}; ns/op is their geometric mean"
                )

            ref_flats = flats.get(reference, {})
            base = ns[None]
            points = []
            for rate in rate_list:
                f = flats.get(rate, {})
                tot = sum(f.values())
                top = [(n, f[n] / tot) for n in _top(f)] if tot > 0 else []
                points.append(
                    TunePoint(
                        rate=rate,
                        ns_op=ns[rate],
                        overhead_pct=_overhead(ns[rate], base),
                        fidelity=fidelity(f, ref_flats) if tot > 0 else None,  # nothing seen: no fidelity, not 0
                        top=top,
                        recorded=tot,
                    )
                )
            if not any(ref_flats.values()) and any(p.recorded for p in points):
                warnings.append(
                    f"the reference rate {reference} recorded no {sample_type}: fidelity unknown "
                    f"(run longer: -benchtime)"
                )
            # Profiling cannot make code faster: a baseline clearly slower than profiled runs means the
            # machine's noise is larger than what is measured here.
            faster = [p for p in points if p.overhead_pct is not None and p.overhead_pct < -NOISE_PCT]
            if faster:
                worst = min(faster, key=lambda p: p.overhead_pct or 0.0)
                warnings.append(f"the unprofiled baseline ran {-(worst.overhead_pct or 0.0):.0f}% slower than rate "
                                f"{worst.rate}: the machine is too noisy for these overheads; use more rounds or a "
                                f"quieter machine")  # fmt: skip
            rec = recommend(points)
            delta = None
            if noinline:
                lf = flats.get("noinline", {})
                # Only functions that matter (>= 0.5 %): the tail is sampling noise.
                normal = _top(ref_flats, min_share=DELTA_MIN_SHARE)
                noinl = _top(lf, min_share=DELTA_MIN_SHARE)
                delta = {
                    "rate": reference,
                    "appear": [n for n in noinl if n not in normal],
                    "disappear": [n for n in normal if n not in noinl],
                    "ns_op": ns["noinline"],
                    "overhead_pct": _overhead(ns["noinline"], base),
                    "fidelity_vs_inlined": fidelity(lf, ref_flats),
                    "top": [(n, lf[n] / sum(lf.values())) for n in noinl],
                }
            done = total
            progress("done")
            return TuneResult(
                kind=kind,
                rates=rate_list,
                baseline_ns_op=base,
                points=points,
                reference_rate=reference,
                recommendation=rec,
                flags=flags_for(kind, rec) if rec is not None else "",
                noinline_delta=delta,
                bench=bench,
                benchmarks=tuple(names),
                rounds=rounds,
                sample_type=sample_type,
                warnings=tuple(warnings),
            )
        finally:  # every exit path: done, failed, stopped, cancelled
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------


def _fmt_ns(v: float | None) -> str:
    if v is None:
        return "–"
    if v >= 1e6:
        return f"{v / 1e6:.3g}ms"
    if v >= 1e3:
        return f"{v / 1e3:.3g}µs"
    return f"{v:.3g}ns"


def _median(xs: Sequence[float]) -> float | None:
    return statistics.median(xs) if xs else None


def render_tune(result: TuneResult) -> list[str]:
    """A text table: rate | ns/op median | overhead | fidelity | ◀ on the recommendation."""
    rate_head = {"mem": "memprofilerate", "block": "blockprofilerate",
                 "mutex": "mutexfraction"}[result.kind]
    rows = [(rate_head, "ns/op", "overhead", "fidelity", "")]
    rows.append(("baseline", _fmt_ns(_median(result.baseline_ns_op)), "", "", ""))
    for p in result.points:
        mark = []
        if p.rate == result.recommendation:
            mark.append("◀ recommended")
        if p.rate == result.reference_rate:
            mark.append("(reference)")
        if p.rate == GO_DEFAULT_RATE[result.kind] and result.kind == "mem":
            mark.append("(go default)")
        rows.append((
            str(p.rate),
            _fmt_ns(_median(p.ns_op)),
            "–" if p.overhead_pct is None else f"{p.overhead_pct:+.1f}%",
            "no samples" if p.no_samples else "–" if p.fidelity is None else f"{p.fidelity:.3f}",
            " ".join(mark),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in (1, 2, 3)]
        lines.append(("  ".join(cells) + ("  " + r[4] if r[4] else "")).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.extend(no_samples_lines(result))
    if result.recommendation is not None:
        lines.append(f"flags: {result.flags}")
    else:
        lines.append(
            f"no rate has fidelity ≥ {FIDELITY_OK} and overhead ≤ {OVERHEAD_MAX:g}%: "
            "try more rounds or a longer benchtime"
        )
    d = result.noinline_delta
    if d is not None:
        lines.append(
            f"-gcflags=-l at {d['rate']}: "
            f"appear {', '.join(d['appear']) or 'none'}; "
            f"disappear {', '.join(d['disappear']) or 'none'}"
        )
    lines.extend(f"warning: {w}" for w in result.warnings)
    return lines


def no_samples_lines(result: TuneResult) -> list[str]:
    """What to do when rates recorded nothing (instead of a fidelity of 0)."""
    empty = [p for p in result.points if p.no_samples]
    if not empty:
        return []
    flag = GO_TEST_FLAGS[result.kind][2]
    what = result.sample_type or SAMPLE_TYPE[result.kind]
    if len(empty) == len(result.points):
        return [f"no samples at any rate: the benchmark recorded no {what}; run it longer (-benchtime) "
                f"or check that it {'allocates' if result.kind == 'mem' else 'blocks' if result.kind == 'block' else 'contends a mutex'}"]  # fmt: skip
    rates = ", ".join(str(p.rate) for p in empty)
    return [f"no samples at {flag} {rates}: run longer (-benchtime) or sample more often (a smaller {flag})"]


def _clean(v: float | None) -> float | None:
    return v if v is None or math.isfinite(v) else None


def tune_json(result: TuneResult) -> dict[str, Any]:
    """The tune result as plain JSON-able data."""
    return {
        "kind": result.kind,
        "bench": result.bench,
        "benchmarks": list(result.benchmarks),
        "rounds": result.rounds,
        "sample_type": result.sample_type,
        "rates": list(result.rates),
        "reference_rate": result.reference_rate,
        "baseline_ns_op": list(result.baseline_ns_op),
        "points": [
            {
                "rate": p.rate,
                "ns_op": list(p.ns_op),
                "ns_op_median": _median(p.ns_op),
                "overhead_pct": _clean(p.overhead_pct),
                "fidelity": _clean(p.fidelity),
                "recorded": _clean(p.recorded),
                "top": [[n, s] for n, s in p.top],
            }
            for p in result.points
        ],
        "recommendation": result.recommendation,
        "flags": result.flags,
        "noinline_delta": (
            None if result.noinline_delta is None
            else {k: ([list(x) for x in v] if k == "top" else v)
                  for k, v in result.noinline_delta.items()}
        ),
        "warnings": list(result.warnings),
    }
